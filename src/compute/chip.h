// The chip catalog: every accelerator kind the platform pools ("one cloud,
// many chips"), with the dense FP16 rate that compute totals are counted in,
// and the CPU kinds of the city's government cloud, whose unit is a core
// where an accelerator's is a card. `domestic` marks chips designed and made
// in China, which the cloud's migration (信创迁移) moves work onto.
//
// Loaded from configs/chips.toml:
//   [[chip]]
//   name = "H800"
//   vendor = "nvidia"
//   memory_gib = 80
//   fp16_tflops = 989
//   interconnect = "NVLink 400 GB/s"
//
//   [[chip]]
//   name = "Kunpeng920"
//   kind = "cpu"               # default "accelerator"
//   vendor = "huawei"
//   architecture = "arm64"     # CPU kinds only
//   cores_per_socket = 64      # CPU kinds only
//   domestic = true            # default false
//
// Immutable after loading; safe to share between threads.
#ifndef QIANTANG_COMPUTE_CHIP_H_
#define QIANTANG_COMPUTE_CHIP_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace qt::compute {

enum class ChipKind { kAccelerator, kCpu };

struct Chip {
  std::string name;  // "H800", "Ascend910B": unique, case-sensitive
  ChipKind kind = ChipKind::kAccelerator;
  std::string vendor;       // lower case: "nvidia", "huawei", "hygon", "cambricon"
  int64_t memory_gib = 0;   // per card; 0 for a CPU kind
  int64_t fp16_tflops = 0;  // dense FP16 (no sparsity), integer TFLOPS; 0 for a CPU kind
  std::string interconnect;
  std::string architecture;      // CPU kinds: "arm64", "x86_64", ...
  int64_t cores_per_socket = 0;  // CPU kinds
  bool domestic = false;

  bool cpu() const { return kind == ChipKind::kCpu; }
};

// Thread-safety: immutable once loaded; safe for concurrent reads.
class ChipCatalog {
 public:
  // Parses TOML text; `origin` names the source in errors. Rejects duplicate
  // names, empty fields and non-positive numbers (an accelerator needs its
  // memory and FP16 rate, a CPU kind its architecture and cores).
  static Result<ChipCatalog> Parse(std::string_view toml, std::string_view origin);
  static Result<ChipCatalog> Load(const std::string& path);

  const std::vector<Chip>& chips() const { return chips_; }
  // Index of the chip named `name`, or -1.
  int Find(std::string_view name) const;
  const Chip& at(int index) const { return chips_.at(static_cast<size_t>(index)); }

 private:
  std::vector<Chip> chips_;
};

// Compute in P (PFLOPS, 1 P = 1000 TFLOPS), as the platform reports totals.
inline double ToPflops(int64_t tflops) { return static_cast<double>(tflops) / 1000.0; }

}  // namespace qt::compute

#endif  // QIANTANG_COMPUTE_CHIP_H_
