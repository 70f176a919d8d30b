// `qiantang match finance ...`: the tech-enterprise finance station (杭创E站)
// — products and their reach, enterprise profiles (one's own, or a screened
// import), matches with explanations and near misses, applications and
// decisions.
#include <fmt/format.h>

#include <iostream>

#include "cli/command.h"

namespace qt::cli {
namespace {

using nlohmann::json;

struct MatchFlags {
  std::string kind, name, rule, terms, requires_kind, id, file, enterprise, product, decision,
      reason;
  std::string title, description, domain, tags, district, deadline, references, query, list, state,
      note;
  int64_t budget_fen = 0;
  int64_t amount_fen = 0, served_fen = 0;
  int limit = 20;
};
MatchFlags f;

// A number as people write it: 380, not 380.0; 1.62, not 1.6199999999999999.
std::string Number(const json& v) {
  const double d = v.get<double>();
  if (d == static_cast<double>(static_cast<int64_t>(d))) {
    return std::to_string(static_cast<int64_t>(d));
  }
  std::string s = fmt::format("{:.2f}", d);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

void PrintMatches(const json& j) {
  std::cout << "eligible:\n";
  for (const json& m : j["eligible"]) {
    std::cout << "  " << m["product"]["id"].get<std::string>() << "  "
              << m["product"]["kind"].get<std::string>() << "  "
              << m["product"]["name"].get<std::string>() << "  up to "
              << FenAsYuan(m["product"]["max_amount_fen"]) << " yuan  score "
              << m["score"].get<double>() << "\n";
    // Why it is eligible: each clause of the rule, with the enterprise's value.
    for (const json& c : m["clauses"]) {
      std::cout << "      meets: " << c["clause"].get<std::string>() << " (is "
                << c["actual"].get<std::string>() << ")\n";
    }
    for (const json& b : m["bundle"]) {
      std::cout << "      + with " << b["kind"].get<std::string>() << " "
                << b["name"].get<std::string>() << " (" << b["id"].get<std::string>() << ")\n";
    }
  }
  std::cout << "near misses:\n";
  for (const json& m : j["near_misses"]) {
    std::cout << "  " << m["product"]["id"].get<std::string>() << "  "
              << m["product"]["name"].get<std::string>() << "\n";
    for (const json& c : m["clauses"]) {
      if (c["passed"] == true) continue;
      std::cout << "      fails: " << c["clause"].get<std::string>() << " (is "
                << c["actual"].get<std::string>()
                << (c["gap"].is_null() ? "" : ", short by " + Number(c["gap"])) << ")\n";
    }
  }
}

void PrintListingMatches(const json& j) {
  for (const json& m : j["items"]) {
    std::cout << m["listing"]["id"].get<std::string>() << "  "
              << m["listing"]["title"].get<std::string>() << "  ["
              << m["listing"]["domain"].get<std::string>() << "]  score "
              << m["score"].get<double>() << "\n";
  }
}

void AddScenarioCommands(CLI::App& match, CommandContext& ctx) {
  CLI::App* sc =
      match.add_subcommand("scenarios", "The opportunity and capability lists (场景创新)");
  sc->require_subcommand(1);
  AddVerb(*sc, "stats", "Demands, capabilities and pairs", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/match/scenarios/stats"), PrintFields);
  });
  for (const std::string list : {"demand", "capability"}) {
    const std::string plural = list == "demand" ? "demands" : "capabilities";
    CLI::App* noun =
        sc->add_subcommand(plural, list == "demand" ? "The opportunity list (机会清单)"
                                                    : "The capability list (能力清单)");
    noun->require_subcommand(1);
    AddListVerb(*noun, "List " + plural, ctx, "/api/v1/match/scenarios/" + plural,
                {"ID", "TITLE", "DOMAIN", "STATE"}, {"id", "title", "domain", "state"}, nullptr,
                {{"--search", "q", "Only those whose title contains this"},
                 {"--state", "state", "open or closed"},
                 {"--domain", "domain", "Only this domain"}});
    auto* add = AddVerb(*noun, "add", "Publish a " + list, ctx, [list, plural](CommandContext& c) {
      json body = {{"title", f.title},
                   {"description", f.description},
                   {"domain", f.domain},
                   {"tags", SplitList(f.tags)}};
      if (list == "demand") {
        body["budget_fen"] = f.budget_fen;
        body["deadline"] = f.deadline;
        if (!f.district.empty()) body["district"] = f.district;
      } else if (!f.references.empty()) {
        body["references"] = f.references;
      }
      c.Emit(c.Client().Post("/api/v1/match/scenarios/" + plural, body), PrintFields);
    });
    add->add_option("--title", f.title, "Title")->required();
    add->add_option("--description", f.description, "Description")->required();
    add->add_option("--domain", f.domain, "Domain (see GET /api/v1/match/scenarios/domains)")
        ->required();
    add->add_option("--tags", f.tags, "Comma-separated tags");
    if (list == "demand") {
      AddYuanOption(add, "--budget", f.budget_fen, "Budget")->required();
      add->add_option("--deadline", f.deadline, "YYYY-MM-DD")->required();
      add->add_option("--district", f.district, "District");
    } else {
      add->add_option("--references", f.references, "Past projects");
    }
  }
  auto* matches = AddVerb(
      *sc, "matches", "The other list's best matches for a demand or capability", ctx,
      [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/match/scenarios/listings/" + UrlEncode(f.id) + "/matches"),
               PrintListingMatches);
      });
  matches->add_option("listing", f.id, "Demand or capability id")->required();
  auto* search = AddVerb(*sc, "search", "Search a list by words", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/match/scenarios/search?list=" + UrlEncode(f.list) +
                          "&q=" + UrlEncode(f.query)),
           PrintListingMatches);
  });
  search->add_option("query", f.query, "Words")->required();
  search->add_option("--list", f.list, "demand or capability")->default_val("capability");
  auto* pair = AddVerb(*sc, "pair", "Pair a demand with a capability", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Post("/api/v1/match/scenarios/pairs",
                           {{"demand_id", f.id}, {"capability_id", f.product}, {"note", f.note}}),
           PrintFields);
  });
  pair->add_option("demand", f.id, "Demand id")->required();
  pair->add_option("capability", f.product, "Capability id")->required();
  pair->add_option("--note", f.note, "Note");
  auto* advance = AddVerb(
      *sc, "advance", "Move a pair on: contacted, piloting, deployed, or closed", ctx,
      [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/match/scenarios/pairs/" + UrlEncode(f.id) + "/advance",
                               {{"state", f.state}, {"note", f.note}}),
               PrintFields);
      });
  advance->add_option("pair", f.id, "Pair id")->required();
  advance->add_option("--state", f.state, "contacted, piloting, deployed or closed")->required();
  advance->add_option("--note", f.note, "Note");
}

}  // namespace

void AddMatchCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* match = app.add_subcommand("match", "Matching services (杭创E站, 场景创新, 春雨计划)");
  match->require_subcommand(1);
  AddScenarioCommands(*match, ctx);
  AddPublicPolicyCommands(*match, ctx);
  CLI::App* fin = match->add_subcommand("finance", "The tech-enterprise finance station (杭创E站)");
  fin->require_subcommand(1);
  AddVerb(*fin, "attributes", "The profile attributes rules may use", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/match/finance/attributes"), [](const json& j) {
      PrintPage(j, {"ATTRIBUTE", "TYPE", "MEANING"}, {"name", "type", "description"});
    });
  });
  AddVerb(*fin, "stats", "The station's figures", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/match/finance/stats"), PrintFields);
  });
  CLI::App* products = fin->add_subcommand("products", "Finance products");
  products->require_subcommand(1);
  auto* list = AddVerb(*products, "list", "Active products", ctx, [](CommandContext& c) {
    std::string q = "/api/v1/match/finance/products?limit=" + std::to_string(f.limit);
    if (!f.kind.empty()) q += "&kind=" + UrlEncode(f.kind);
    c.Emit(c.Client().Get(q), [](const json& j) {
      json shown = j;
      AddYuan(shown["items"], {"max_amount_fen"});
      PrintPage(shown, {"PRODUCT", "KIND", "NAME", "MAX YUAN", "RULE"},
                {"id", "kind", "name", "max_amount_fen_yuan", "rule"});
    });
  });
  list->add_option("--kind", f.kind, "investment, loan, subsidy, guarantee or insurance");
  list->add_option("--limit", f.limit, "How many");
  auto* publish =
      AddVerb(*products, "publish", "Publish a product (institution)", ctx, [](CommandContext& c) {
        json body = {{"kind", f.kind},
                     {"name", f.name},
                     {"rule", f.rule},
                     {"max_amount_fen", f.amount_fen},
                     {"terms", f.terms}};
        if (!f.requires_kind.empty()) body["requires_kind"] = f.requires_kind;
        c.Emit(c.Client().Post("/api/v1/match/finance/products", body), PrintFields);
      });
  publish->add_option("--kind", f.kind, "investment, loan, subsidy, guarantee or insurance")
      ->required();
  publish->add_option("--name", f.name, "Name")->required();
  publish->add_option("--rule", f.rule, "Eligibility rule (docs/match/README.md)")->required();
  AddYuanOption(publish, "--max-amount", f.amount_fen, "Largest amount")->required();
  publish->add_option("--terms", f.terms, "Terms");
  publish->add_option("--requires", f.requires_kind,
                      "Another kind that must come with it (a bundle)");
  auto* withdraw = AddVerb(
      *products, "withdraw", "Withdraw a product (institution)", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/match/finance/products/" + UrlEncode(f.id) + "/withdraw",
                               json::object()),
               PrintFields);
      });
  withdraw->add_option("product", f.id, "Product id")->required();
  auto* reach = AddVerb(
      *products, "reach", "How many enterprises a product selects", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/match/finance/products/" + UrlEncode(f.id) + "/reach"),
               PrintFields);
      });
  reach->add_option("product", f.id, "Product id")->required();
  auto* prospects =
      AddVerb(*products, "prospects", "Enterprises one clause away from your product (institution)",
              ctx, [](CommandContext& c) {
                c.Emit(c.Client().Get("/api/v1/match/finance/products/" + UrlEncode(f.id) +
                                      "/prospects?limit=" + std::to_string(f.limit)),
                       [](const json& j) {
                         std::cout << "one clause away: " << Str(j, "count") << "\n";
                         for (const json& p : j["items"]) {
                           std::cout << "  " << Str(p, "enterprise_id") << "  " << Str(p, "name")
                                     << "  fails " << Str(p["miss"], "clause") << " (is "
                                     << Str(p["miss"], "actual")
                                     << (p["miss"]["gap"].is_null()
                                             ? ""
                                             : ", short by " + Number(p["miss"]["gap"]))
                                     << ")\n";
                         }
                       });
              });
  prospects->add_option("product", f.id, "Product id")->required();
  prospects->add_option("--limit", f.limit, "How many");
  CLI::App* profile = fin->add_subcommand("profile", "Your enterprise's own profile (enterprise)");
  profile->require_subcommand(1);
  auto* save = AddVerb(*profile, "save", "Save your enterprise's profile from a JSON file", ctx,
                       [](CommandContext& c) {
                         auto p = ReadJsonFile(f.file);
                         if (!p.ok()) return c.Emit(p.status(), nullptr);
                         c.Emit(c.Client().Post("/api/v1/match/finance/profile",
                                                {{"name", f.name}, {"profile", *p}}),
                                PrintFields);
                       });
  save->add_option("--name", f.name, "Enterprise name")->required();
  save->add_option("file", f.file, "Profile JSON (see `match finance attributes`)")->required();
  AddVerb(*profile, "show", "Your enterprise's profile and its id (for `matches`)", ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Get("/api/v1/match/finance/profile"), PrintFields);
          });
  auto* import = AddVerb(
      *fin, "import",
      "Import screened profiles: a JSON file [{\"name\", \"profile\"}, ...] (authority)", ctx,
      [](CommandContext& c) {
        auto rows = ReadJsonFile(f.file);
        if (!rows.ok()) return c.Emit(rows.status(), nullptr);
        c.Emit(
            c.Client().Post("/api/v1/match/finance/enterprises/import", {{"enterprises", *rows}}),
            PrintFields);
      });
  import->add_option("file", f.file, "JSON file")->required();
  AddListVerb(*fin, "Enterprise profiles", ctx, "/api/v1/match/finance/enterprises",
              {"ENTERPRISE", "NAME", "CREDIT CODE"}, {"id", "name", "credit_code"}, nullptr,
              {{"--name", "name", "Only those whose name contains this"}});
  auto* matches = AddVerb(
      *fin, "matches", "Eligible products with explanations, bundles and near misses", ctx,
      [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/match/finance/enterprises/" + UrlEncode(f.enterprise) +
                              "/matches?limit=" + std::to_string(f.limit)),
               PrintMatches);
      });
  matches->add_option("enterprise", f.enterprise, "Enterprise id")->required();
  matches->add_option("--limit", f.limit, "How many of each");
  auto* apply =
      AddVerb(*fin, "apply", "Apply for a product (enterprise)", ctx, [](CommandContext& c) {
        c.Emit(
            c.Client().Post("/api/v1/match/finance/applications", {{"enterprise_id", f.enterprise},
                                                                   {"product_id", f.product},
                                                                   {"amount_fen", f.amount_fen}}),
            PrintFields);
      });
  apply->add_option("enterprise", f.enterprise, "Your enterprise id")->required();
  apply->add_option("--product", f.product, "Product id")->required();
  AddYuanOption(apply, "--amount", f.amount_fen, "Amount")->required();
  auto app_page = std::make_shared<PageFlags>();
  auto* apps = AddCollection(
      *fin, "applications", "Your applications (or those to your institution)", ctx,
      [=](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/match/finance/applications" + app_page->Query()),
               [](const json& j) {
                 json shown = j;
                 AddYuan(shown["items"], {"amount_fen", "served_fen"});
                 PrintPage(shown,
                           {"APPLICATION", "STATE", "ENTERPRISE", "PRODUCT", "AMOUNT (YUAN)",
                            "SERVED (YUAN)"},
                           {"id", "state", "enterprise_name", "product_name", "amount_fen_yuan",
                            "served_fen_yuan"});
               });
      });
  AddPageFlags(apps, *app_page);
  auto* decide = AddVerb(
      *fin, "decide", "Accept or decline an application (institution)", ctx, [](CommandContext& c) {
        json body = {{"decision", f.decision}};
        if (f.decision == "accept") body["served_fen"] = f.served_fen;
        if (!f.reason.empty()) body["reason"] = f.reason;
        c.Emit(c.Client().Post(
                   "/api/v1/match/finance/applications/" + UrlEncode(f.id) + "/decision", body),
               PrintFields);
      });
  decide->add_option("application", f.id, "Application id")->required();
  decide->add_option("--decision", f.decision, "accept or decline")->required();
  AddYuanOption(decide, "--served", f.served_fen, "Amount served (accept)");
  decide->add_option("--reason", f.reason, "Why (decline)");
}

}  // namespace qt::cli
