#include "compute/live/model.h"

#include <array>

namespace qt::compute::live {
namespace {

constexpr std::array<std::string_view, 5> kStateNames = {"queued", "running", "completed",
                                                         "cancelled", "failed"};

}  // namespace

std::string_view JobStateName(JobState s) { return kStateNames[static_cast<size_t>(s)]; }

std::optional<JobState> ParseJobState(std::string_view s) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == s) return static_cast<JobState>(i);
  }
  return std::nullopt;
}

bool IsFinal(JobState s) {
  return s == JobState::kCompleted || s == JobState::kCancelled || s == JobState::kFailed;
}

}  // namespace qt::compute::live
