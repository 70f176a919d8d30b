#include "compute/live/model.h"

#include "core/enum_names.h"

namespace qt::compute::live {
namespace {

constexpr EnumNames<JobState, 5> kStates{{"queued", "running", "completed", "cancelled", "failed"}};

}  // namespace

std::string_view JobStateName(JobState s) { return kStates.Of(s); }

std::optional<JobState> ParseJobState(std::string_view s) { return kStates.Parse(s); }

bool IsFinal(JobState s) {
  return s == JobState::kCompleted || s == JobState::kCancelled || s == JobState::kFailed;
}

}  // namespace qt::compute::live
