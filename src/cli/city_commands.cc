// `qiantang city summary`: the city dashboard's headline figures.
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/table.h"

namespace qt::cli {
namespace {

using nlohmann::json;

int64_t Int(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>() : 0;
}

// 1234567 -> "1,234,567".
std::string Grouped(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Yuan(int64_t fen) {
  char cents[4];
  std::snprintf(cents, sizeof cents, ".%02d", static_cast<int>((fen < 0 ? -fen : fen) % 100));
  return Grouped(fen / 100) + cents + " 元";
}

void PrintSummary(const json& s) {
  const json &c = s["compute"], &d = s["dataspace"], &e = s["exchange"];
  const json &f = s["match"]["finance"], &sc = s["match"]["scenarios"], &p = s["match"]["policies"];
  const json &id = s["identity"], &l = s["ledger"], &big = c["largest_cluster"];
  int64_t pairs = 0;
  for (const auto& [state, n] : sc["pairs_by_state"].items()) pairs += n.get<int64_t>();
  const std::string witnessed =
      l["witnessed_size"].is_number() ? Grouped(l["witnessed_size"].get<int64_t>()) : "none yet";
  std::vector<std::vector<std::string>> rows = {
      {"compute", "pooled",
       Grouped(Int(c, "tflops") / 1000) + " P, " + Grouped(Int(c, "cards")) + " cards, " +
           Grouped(Int(c, "providers")) + " providers"},
      {"", "busy now", Grouped(Int(c, "busy_cards")) + " cards"},
      {"", "largest cluster",
       Str(big, "name") + ": " + Grouped(Int(big, "busy_cards")) + " of " +
           Grouped(Int(big, "cards")) + " cards busy"},
      {"", "orders", Grouped(Int(c, "orders")) + ", " + Yuan(Int(c, "traded_fen"))},
      {"", "vouchers",
       Grouped(Int(c["vouchers"], "granted")) + " granted, " +
           Yuan(Int(c["vouchers"], "granted_fen")) + "; redeemed " +
           Yuan(Int(c["vouchers"], "redeemed_fen"))},
      {"data space", "data holders", Grouped(Int(d, "data_holders"))},
      {"", "products",
       Grouped(Int(d, "products")) + " (" + Grouped(Int(d, "offers")) + " offered)"},
      {"", "contracts",
       Grouped(Int(d, "contracts")) + " (" + Grouped(Int(d, "contracts_finalized")) + " in force)"},
      {"", "channel queries",
       Grouped(Int(d, "queries")) + ", epsilon spent " + json(d["epsilon_spent"]).dump()},
      {"", "PSI, deliveries", Grouped(Int(d, "psi_uses")) + ", " + Grouped(Int(d, "deliveries"))},
      {"exchange", "certificates",
       Grouped(Int(e, "certificates")) + " (" + Grouped(Int(e, "valid")) + " valid)"},
      {"", "pledges",
       Grouped(Int(e, "pledges_active")) + " active, " + Yuan(Int(e, "pledged_fen"))},
      {"", "trades", Grouped(Int(e, "trades")) + ", " + Yuan(Int(e, "traded_fen"))},
      {"finance", "tech firms", Grouped(Int(f, "enterprises")) + " screened"},
      {"", "products",
       Grouped(Int(f, "products")) + " of " + Grouped(Int(f, "institutions")) + " institutions"},
      {"", "applications",
       Grouped(Int(f, "applications")) + " (" + Grouped(Int(f, "accepted")) + " accepted, " +
           Yuan(Int(f, "served_fen")) + ")"},
      {"scenarios", "demands",
       Grouped(Int(sc, "demands")) + " (" + Grouped(Int(sc, "open_demands")) + " open)"},
      {"", "capabilities", Grouped(Int(sc, "capabilities"))},
      {"", "pairs", Grouped(pairs)},
      {"policies", "in force",
       Grouped(Int(p, "published")) + ", " + Grouped(Int(p, "notices")) + " notices"},
      {"identity", "citizens",
       Grouped(Int(id, "citizens")) + " (" + Grouped(Int(id, "talents")) + " talents)"},
      {"", "scans",
       Grouped(Int(id, "scans")) + " at " + Grouped(Int(id, "terminals")) + " terminals"},
      {"ledger", "size", Grouped(Int(l, "size")) + " events, witnessed " + witnessed},
  };
  PrintTable(std::cout, {"AREA", "FIGURE", "VALUE"}, rows);
  std::cout << "as of " << Str(s, "computed_at") << "\n";
}

}  // namespace

void AddCityCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* city =
      app.add_subcommand("city", "The whole city in figures (any signed-in organisation)");
  city->require_subcommand(1);
  AddVerb(*city, "summary", "Headline figures of every module, as the console's overview shows",
          ctx,
          [](CommandContext& c) { c.Emit(c.Client().Get("/api/v1/city/summary"), PrintSummary); });
}

}  // namespace qt::cli
