#include "compute/policy.h"

#include <fmt/format.h>

namespace qt::compute {

const std::vector<std::string_view>& PolicyNames() {
  static const std::vector<std::string_view> kNames = {"fifo", "backfill", "sjf", "las", "drf"};
  return kNames;
}

Result<std::unique_ptr<Policy>> MakePolicy(std::string_view name) {
  if (name == "fifo") return NewFifoPolicy();
  if (name == "backfill") return NewBackfillPolicy();
  if (name == "sjf") return NewSjfPolicy();
  if (name == "las") return NewLasPolicy();
  if (name == "drf") return NewDrfPolicy();
  return InvalidArgument(
      fmt::format("unknown policy \"{}\" (known: {})", name, fmt::join(PolicyNames(), ", ")));
}

bool FitMemo::KnownNotToFit(const Job& job) const {
  int cards = job.spec.elastic ? 1 : job.spec.cards;
  for (const auto& [mask, failed] : smallest_failed_) {
    if (mask == job.pool_mask) return cards >= failed;
  }
  return false;
}

void FitMemo::RecordFailure(const Job& job) {
  if (job.limited_by_quota) return;  // its tenant's ceiling, not the cluster
  int cards = job.spec.elastic ? 1 : job.spec.cards;
  for (auto& [mask, failed] : smallest_failed_) {
    if (mask == job.pool_mask) {
      failed = std::min(failed, cards);
      return;
    }
  }
  smallest_failed_.emplace_back(job.pool_mask, cards);
}

}  // namespace qt::compute
