// The compute trading platform's records: providers' clusters with prices,
// enterprises' requests, quotes, orders (the reservation of capacity) and
// bills. Money is integer fen, time UTC milliseconds.
#ifndef QIANTANG_COMPUTE_MARKET_MODEL_H_
#define QIANTANG_COMPUTE_MARKET_MODEL_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compute/cluster.h"

namespace qt::compute::market {

enum class Backend { kSimulated, kSlurm };
std::string_view BackendName(Backend b);
std::optional<Backend> ParseBackend(std::string_view s);

// One pool of a registered cluster: the scheduler's pool shape, its name,
// and its chip by catalog name.
struct PoolSpec : PoolShape {
  std::string name;
  std::string chip;
};

// Pools as JSON (the registered form, also the API's).
nlohmann::json PoolsJson(const std::vector<PoolSpec>& pools);
std::vector<PoolSpec> PoolsFromJson(const nlohmann::json& pools);

struct ClusterOffer {
  std::string id;  // "ccl_..."
  std::string provider_id;
  std::string name;
  std::string region;
  Backend backend = Backend::kSimulated;
  std::vector<PoolSpec> pools;
  std::map<std::string, int64_t> fen_per_card_hour;  // by chip
  bool available = true;
  int64_t cards = 0;
  int64_t tflops = 0;
  int64_t created_at = 0;
};

struct NewCluster {
  std::string name;
  std::string region;
  Backend backend = Backend::kSimulated;
  std::vector<PoolSpec> pools;
  std::map<std::string, int64_t> fen_per_card_hour;
};

enum class RequestState { kOpen, kOrdered, kCancelled };
std::string_view RequestStateName(RequestState s);

struct ComputeRequest {
  std::string id;  // "crq_..."
  std::string enterprise_id;
  int64_t cards = 0;
  std::string chip;  // a ChipConstraint
  bool gang = true;
  int64_t duration_ms = 0;
  int64_t window_start = 0;
  int64_t window_end = 0;
  int64_t max_fen_per_card_hour = 0;
  RequestState state = RequestState::kOpen;
  int64_t created_at = 0;
};

struct NewRequest {
  int64_t cards = 0;
  std::string chip = "any";
  bool gang = true;
  int64_t duration_ms = 0;
  int64_t window_start = 0;
  int64_t window_end = 0;
  int64_t max_fen_per_card_hour = 0;
};

struct Quote {
  std::string id;  // "cqt_..."
  std::string request_id;
  std::string cluster_id;
  std::string provider_id;
  std::string pool;
  std::string chip;
  int64_t fen_per_card_hour = 0;
  int64_t amount_fen = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t leaves = 0;  // leaf switches the job spans at best (topology quality; 1 is best)
  int64_t rank = 0;    // 1 = best by the ranking rule
  int64_t expires_at = 0;
};

enum class OrderState { kAccepted, kRunning, kCompleted, kCancelled, kFailed };
std::string_view OrderStateName(OrderState s);
std::optional<OrderState> ParseOrderState(std::string_view s);

struct Order {
  std::string id;  // "cor_..."
  std::string request_id;
  std::string quote_id;
  std::string enterprise_id;
  std::string provider_id;
  std::string cluster_id;
  std::string pool;
  std::string chip;
  int64_t cards = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t fen_per_card_hour = 0;
  int64_t amount_fen = 0;  // as quoted, for the whole reservation
  OrderState state = OrderState::kAccepted;
  std::string reason;  // why it was cancelled or failed
  int64_t started_at = 0;
  int64_t finished_at = 0;
  int64_t usage_card_ms = 0;  // metered
  int64_t created_at = 0;
  std::string backend_job;  // the Slurm job id, on a slurm cluster
};

struct BillLine {
  std::string description;
  int64_t amount_fen = 0;
};

struct Bill {
  std::string id;  // "cbl_..."
  std::string order_id;
  std::string enterprise_id;
  std::string provider_id;
  int64_t usage_card_ms = 0;
  int64_t gross_fen = 0;
  int64_t voucher_fen = 0;
  int64_t payable_fen = 0;
  std::vector<BillLine> lines;
  int64_t created_at = 0;
};

}  // namespace qt::compute::market

#endif  // QIANTANG_COMPUTE_MARKET_MODEL_H_
