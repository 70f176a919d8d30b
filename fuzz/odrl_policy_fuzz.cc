// Fuzzes ODRL usage policies (dataspace/policy.h): JSON text is parsed
// against a product schema; a policy that parses round-trips through its
// canonical JSON and can be evaluated for uses of every action.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "dataspace/policy.h"

namespace {

using nlohmann::json;
namespace ds = qt::dataspace;

const ds::Schema& ProductSchema() {
  static const ds::Schema* schema = [] {
    auto s = ds::ParseSchema(json::parse(R"([
      {"name": "name", "type": "text", "sensitivity": "identifying", "mask": "name"},
      {"name": "phone", "type": "text", "sensitivity": "identifying", "mask": "mobile"},
      {"name": "modality", "type": "text"},
      {"name": "age", "type": "integer", "min": 0, "max": 120},
      {"name": "income_fen", "type": "integer", "sensitivity": "sensitive", "min": 0,
       "max": 10000000},
      {"name": "visit_date", "type": "date"}])"));
    if (!s.ok()) std::abort();
    return new ds::Schema(*s);
  }();
  return *schema;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  auto policy = ds::ParsePolicy(j, ProductSchema());
  if (!policy.ok()) return 0;
  const json canonical = ds::PolicyJson(*policy);
  auto again = ds::ParsePolicy(canonical, ProductSchema());
  if (!again.ok() || ds::PolicyJson(*again) != canonical) std::abort();
  for (ds::Action action : {ds::Action::kAggregateQuery, ds::Action::kPsi, ds::Action::kDelivery}) {
    ds::Use use{.action = action,
                .purpose = "research",
                .region = "330100",
                .fields = {"modality", "age"},
                .now = 1'780'000'000'000,
                .uses_before = 3,
                .epsilon_spent = 500,
                .epsilon_requested = 250,
                .psi_output = "size"};
    (void)ds::Evaluate(*policy, use);
  }
  return 0;
}
