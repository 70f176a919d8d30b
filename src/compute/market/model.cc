#include "compute/market/model.h"

namespace qt::compute::market {

std::string_view BackendName(Backend b) { return b == Backend::kSlurm ? "slurm" : "simulated"; }

std::optional<Backend> ParseBackend(std::string_view s) {
  if (s == "simulated") return Backend::kSimulated;
  if (s == "slurm") return Backend::kSlurm;
  return std::nullopt;
}

std::string_view RequestStateName(RequestState s) {
  switch (s) {
    case RequestState::kOpen:
      return "open";
    case RequestState::kOrdered:
      return "ordered";
    case RequestState::kCancelled:
      return "cancelled";
  }
  return "open";
}

std::string_view OrderStateName(OrderState s) {
  switch (s) {
    case OrderState::kAccepted:
      return "accepted";
    case OrderState::kRunning:
      return "running";
    case OrderState::kCompleted:
      return "completed";
    case OrderState::kCancelled:
      return "cancelled";
    case OrderState::kFailed:
      return "failed";
  }
  return "accepted";
}

}  // namespace qt::compute::market
