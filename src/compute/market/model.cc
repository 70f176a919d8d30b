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

std::optional<OrderState> ParseOrderState(std::string_view s) {
  for (OrderState st : {OrderState::kAccepted, OrderState::kRunning, OrderState::kCompleted,
                        OrderState::kCancelled, OrderState::kFailed}) {
    if (OrderStateName(st) == s) return st;
  }
  return std::nullopt;
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

nlohmann::json PoolsJson(const std::vector<PoolSpec>& pools) {
  nlohmann::json a = nlohmann::json::array();
  for (const PoolSpec& p : pools) {
    a.push_back({{"name", p.name},
                 {"chip", p.chip},
                 {"nodes", p.nodes},
                 {"cards_per_node", p.cards_per_node},
                 {"cpu_cores_per_node", p.cpu_cores_per_node},
                 {"memory_gib_per_node", p.memory_gib_per_node},
                 {"nodes_per_leaf", p.nodes_per_leaf},
                 {"leaves_per_pod", p.leaves_per_pod}});
  }
  return a;
}

std::vector<PoolSpec> PoolsFromJson(const nlohmann::json& pools) {
  std::vector<PoolSpec> out;
  // at(), not [], on const JSON: a missing key throws (a stored spec is
  // decoded under store::Decode) instead of being undefined behaviour.
  for (const nlohmann::json& p : pools) {
    out.push_back({{p.at("nodes"), p.at("cards_per_node"), p.at("cpu_cores_per_node"),
                    p.at("memory_gib_per_node"), p.at("nodes_per_leaf"), p.at("leaves_per_pod")},
                   p.at("name"),
                   p.at("chip")});
  }
  return out;
}

}  // namespace qt::compute::market
