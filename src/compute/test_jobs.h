// Small clusters and jobs for the compute tests (engine_test, simulator_test).
#ifndef QIANTANG_COMPUTE_TEST_JOBS_H_
#define QIANTANG_COMPUTE_TEST_JOBS_H_

#include <cstdint>
#include <string>
#include <utility>

#include "compute/cluster.h"
#include "compute/configs.h"
#include "compute/job.h"

namespace qt::compute::testing {

// `n` A100 cards in 8-card nodes (Cluster::Homogeneous).
inline Cluster Cards(int n) {
  return Cluster::Homogeneous(n, "A100", LoadChipCatalog("").value()).value();
}

// A gang job of tenant "t" arriving at `submit_s`, running `duration_s` at full size.
inline JobSpec Spec(std::string id, int cards, int64_t submit_s, int64_t duration_s) {
  JobSpec s;
  s.id = std::move(id);
  s.tenant = "t";
  s.cards = cards;
  s.submit_ms = submit_s * 1000;
  s.duration_ms = duration_s * 1000;
  return s;
}

}  // namespace qt::compute::testing

#endif  // QIANTANG_COMPUTE_TEST_JOBS_H_
