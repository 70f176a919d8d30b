// Fuzzes the rule language (match/rule.h): compiles the input against the
// schema the rule tests use and, when it compiles, evaluates, explains and
// finds near misses for two entities (one with every attribute, one bare).
// Input: the rule text, optionally followed by a NUL byte and an entity as
// JSON (used instead of the full one when it is valid for the schema).
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "match/enterprise.h"
#include "match/rule.h"

namespace {

using nlohmann::json;
using qt::match::Type;

// The enterprise schema rules are written against in the server, and a bool
// attribute so that every type is parsed.
qt::match::Schema MakeSchema() {
  qt::match::Schema schema;
  if (!qt::match::AddEnterpriseAttributes(schema).ok() ||
      !schema.Add({"high_tech", Type::kBool, ""}).ok()) {
    std::abort();
  }
  return schema;
}

void Exercise(const qt::match::Rule& rule, const qt::match::Entity& e,
              const qt::match::Schema& schema, double today) {
  const bool matches = rule.Matches(e, today);
  const qt::match::Explanation ex = rule.Explain(e, schema, today);
  if (ex.passed != matches) std::abort();  // the explanation tells the same story
  if (ex.clauses.size() != rule.clauses().size()) std::abort();
  (void)qt::match::ExplanationJson(ex).dump(-1, ' ', false, json::error_handler_t::replace);
  (void)rule.NearMisses(e, schema, today);
  for (int i : rule.RequiredClauses()) {
    if (i < 0 || static_cast<size_t>(i) >= rule.clauses().size()) std::abort();
    // A required clause that fails means the rule fails.
    if (!rule.ClauseHolds(i, e, today) && matches) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nul = in.find('\0');
  const std::string_view text = in.substr(0, nul);
  qt::match::Schema schema = MakeSchema();
  auto rule = qt::match::Rule::Compile(text, schema);
  if (!rule.ok()) return 0;
  const double today = *qt::match::Schema::ParseDate("2026-11-26");
  auto full = schema.EntityFromJson("full", json{{"district", "西湖区"},
                                                 {"industry", "I65"},
                                                 {"founded", "2019-05-01"},
                                                 {"staff", 120},
                                                 {"revenue_fen", 3200000000},
                                                 {"rd_ratio", 0.08},
                                                 {"high_tech", true},
                                                 {"qualifications", {"专精特新", "科技型中小企业"}},
                                                 {"credit_rating", "AA"}});
  if (!full.ok()) std::abort();
  qt::match::Entity entity = *full;
  if (nul != std::string_view::npos) {
    json j = json::parse(in.substr(nul + 1), nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) {
      auto given = schema.EntityFromJson("given", j);
      if (given.ok()) entity = *given;
    }
  }
  Exercise(*rule, entity, schema, today);
  auto bare = schema.EntityFromJson("bare", json::object());
  if (!bare.ok()) std::abort();
  Exercise(*rule, *bare, schema, today);
  return 0;
}
