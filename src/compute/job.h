// A compute job as the scheduler sees it, and the chip constraint that says
// which accelerators it may run on.
#ifndef QIANTANG_COMPUTE_JOB_H_
#define QIANTANG_COMPUTE_JOB_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "compute/cluster.h"
#include "core/status.h"

namespace qt::compute {

// Which chips a job accepts. Written as:
//   "any"             every accelerator
//   "chip:H800"       one chip by catalog name (an accelerator or a CPU kind)
//   "vendor:huawei"   every accelerator of a vendor
//   "tflops>=300"     every accelerator with at least that dense FP16 rate
//   "cpu"             every CPU kind (its unit is a core)
//   "arch:arm64"      every CPU kind of an architecture
// Only "chip:", "cpu" and "arch:" reach CPU kinds, so that a job asking for
// cards never gets cores.
struct ChipConstraint {
  enum class Kind { kAny, kChip, kVendor, kMinTflops, kCpu, kArch };
  Kind kind = Kind::kAny;
  std::string value;       // chip, vendor or architecture name
  int64_t min_tflops = 0;  // kMinTflops

  static Result<ChipConstraint> Parse(std::string_view text);
  std::string ToString() const;
  bool Allows(const Chip& chip) const;
  // Bit i set when pool i of `cluster` is allowed.
  uint64_t PoolMask(const Cluster& cluster) const;
};

struct JobSpec {
  std::string id;
  std::string tenant;  // organisation or virtual cluster the job is billed to
  int cards = 1;
  ChipConstraint chip;
  bool elastic = false;  // gang (all or nothing) unless elastic
  int64_t submit_ms = 0;
  int64_t duration_ms = 0;  // true run time at full size (simulation only; hidden from policies)
  int64_t estimate_ms = 0;  // the user's own estimate (0: none; the predictor decides)
  int priority = 0;         // higher first, where a policy honours it
  bool preemptible = true;
  // When a node it runs on goes down: queued again with its progress
  // (it checkpoints), or failed.
  bool requeue_on_failure = true;
};

}  // namespace qt::compute

#endif  // QIANTANG_COMPUTE_JOB_H_
