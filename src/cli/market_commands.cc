// `qiantang compute ...` verbs of the trading platform: provider clusters,
// capacity, requests, quotes, orders, bills, trades and compute vouchers.
// One verb per API call (docs/api/openapi.yaml).
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "cli/table.h"

namespace qt::cli {
namespace {

using nlohmann::json;

struct MarketFlags {
  std::string id, file, reason, chip = "any", window_start, window_end, name, valid_from, valid_to;
  std::string decision, enterprise_id, provider_id;
  int64_t cards = 0, duration_s = 0, max_price = 0, amount_fen = 0, budget_fen = 0, ratio_bp = 0,
          cap_fen = 0;
  bool no_gang = false;
  std::string available = "true";
  std::vector<std::string> prices;  // CHIP=YUAN
};
MarketFlags f;

// Best first, each with its provider's name and pool (the cluster id is in --json).
void PrintQuotes(CommandContext& c, const json& quotes) {
  OrgNames names(c.Client());
  std::vector<std::vector<std::string>> rows;
  for (const auto& q : quotes) {
    rows.push_back({std::to_string(q["rank"].get<int64_t>()), q["id"],
                    names.Name(q.value("provider_id", "")), q["pool"], q["chip"],
                    FenAsYuan(q["amount_fen"]), q["start"],
                    std::to_string(q["leaves"].get<int64_t>())});
  }
  PrintTable(std::cout, {"RANK", "QUOTE", "PROVIDER", "POOL", "CHIP", "YUAN", "START", "LEAVES"},
             rows);
}

void PrintOrder(const json& o) {
  for (const char* k : {"id", "state", "provider_id", "cluster_id", "pool", "chip", "cards",
                        "start", "end", "finished_at", "reason"}) {
    std::cout << k << ": " << Str(o, k) << "\n";
  }
  std::cout << "yuan: " << FenAsYuan(o.value("amount_fen", json())) << "\n";
}

}  // namespace

void AddMarketCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* compute = app.get_subcommand("compute");

  AddVerb(*compute, "capacity", "Pooled capacity in P by provider, chip and region", ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Get("/api/v1/compute/capacity"), [&c](const json& j) {
              std::cout << fmt::format("{} cards, {:.0f} P, {} busy ({:.1f}%)\n",
                                       j["cards"].get<int64_t>(), j["pflops"].get<double>(),
                                       j["busy_cards"].get<int64_t>(),
                                       j["utilization"].get<double>() * 100);
              for (auto [group, key] :
                   {std::pair{"by_chip", "chip"}, std::pair{"by_region", "region"}}) {
                PrintPage({{"items", j[group]}}, {key, "CARDS", "P", "BUSY CARDS"},
                          {key, "cards", "pflops", "busy_cards"});
              }
              json providers = j["by_provider"];
              OrgNames(c.Client()).Add(providers, {"provider_id"});
              PrintPage({{"items", providers}}, {"provider", "name", "CARDS", "P", "BUSY CARDS"},
                        {"provider_id", "provider_id_name", "cards", "pflops", "busy_cards"});
            });
          });

  CLI::App* clusters =
      compute->add_subcommand("provider-clusters", "Clusters registered by providers");
  clusters->require_subcommand(1);
  auto* reg = AddVerb(
      *clusters, "register", "Register a cluster from a JSON file (see the API)", ctx,
      [](CommandContext& c) {
        auto body = ReadJsonFile(f.file);
        if (!body.ok()) return c.Emit(body.status(), nullptr);
        c.Emit(c.Client().Post("/api/v1/compute/provider-clusters", *body), [](const json& j) {
          std::cout << "registered " << Str(j, "id") << ": " << Str(j, "cards") << " cards, "
                    << Str(j, "pflops") << " P\n";
        });
      });
  reg->add_option("--file", f.file,
                  "JSON: {name, region, backend, pools: [...], fen_per_card_hour: {...}}")
      ->required();
  auto* listed = AddVerb(*clusters, "list", "List registered clusters", ctx, [](CommandContext& c) {
    std::string path = "/api/v1/compute/provider-clusters";
    if (!f.provider_id.empty()) path += "?provider_id=" + UrlEncode(f.provider_id);
    c.Emit(c.Client().Get(path), [&c](const json& j) {
      json shown = j;
      OrgNames(c.Client()).Add(shown["items"], {"provider_id"});
      PrintPage(shown, {"ID", "PROVIDER", "NAME", "REGION", "BACKEND", "CARDS", "AVAILABLE"},
                {"id", "provider_id_name", "name", "region", "backend", "cards", "available"});
    });
  });
  listed->add_option("--provider", f.provider_id, "Only this provider's clusters (an org id)");
  auto* avail =
      AddVerb(*clusters, "availability", "Take a cluster out of or back into service", ctx,
              [](CommandContext& c) {
                c.Emit(c.Client().Post(
                           "/api/v1/compute/provider-clusters/" + UrlEncode(f.id) + "/availability",
                           {{"available", f.available == "true"}}),
                       [](const json& j) {
                         std::cout << Str(j, "id") << " available: " << Str(j, "available") << "\n";
                       });
              });
  avail->add_option("id", f.id, "Cluster id")->required();
  avail->add_option("--available", f.available, "true or false")
      ->check(CLI::IsMember({"true", "false"}));
  auto* prices = AddVerb(
      *clusters, "prices", "Set a cluster's prices, one per chip of its pools", ctx,
      [](CommandContext& c) {
        json body = {{"fen_per_card_hour", json::object()}};
        for (const std::string& p : f.prices) {
          const size_t eq = p.find('=');
          const std::optional<int64_t> fen =
              eq == std::string::npos || eq == 0 ? std::nullopt : ParseYuan(p.substr(eq + 1));
          if (!fen) {
            return c.Emit(InvalidArgument("--price: CHIP=YUAN, such as H800=28.50, not " + p),
                          nullptr);
          }
          const std::string chip = p.substr(0, eq);
          if (body["fen_per_card_hour"].contains(chip)) {
            return c.Emit(InvalidArgument("--price: " + chip + " is priced twice"), nullptr);
          }
          body["fen_per_card_hour"][chip] = *fen;
        }
        c.Emit(c.Client().Post("/api/v1/compute/provider-clusters/" + UrlEncode(f.id) + "/prices",
                               body),
               [](const json& j) {
                 for (const auto& [chip, fen] : j["fen_per_card_hour"].items()) {
                   std::cout << chip << ": " << FenAsYuan(fen) << " yuan per card-hour\n";
                 }
               });
      });
  prices->add_option("id", f.id, "Cluster id")->required();
  prices->add_option("--price", f.prices, "CHIP=YUAN per card-hour (repeat for each chip)")
      ->required();

  auto* request = AddVerb(
      *compute, "request", "Post a compute request and show its quotes", ctx,
      [](CommandContext& c) {
        json body = {{"cards", f.cards},
                     {"chip", f.chip},
                     {"gang", !f.no_gang},
                     {"duration_s", f.duration_s},
                     {"max_fen_per_card_hour", f.max_price}};
        if (!f.window_start.empty()) body["window_start"] = f.window_start;
        if (!f.window_end.empty()) body["window_end"] = f.window_end;
        c.Emit(c.Client().Post("/api/v1/compute/requests", body), [&c](const json& j) {
          std::cout << "request " << Str(j, "id") << ": " << j["quotes"].size() << " quotes\n";
          PrintQuotes(c, j["quotes"]);
        });
      });
  request->add_option("--cards", f.cards, "Cards")->required();
  request->add_option("--chip", f.chip, "any, chip:NAME, vendor:NAME or tflops>=N");
  request->add_option("--duration-s", f.duration_s, "Run time in seconds")->required();
  AddYuanOption(request, "--max-price", f.max_price, "Highest price per card-hour")->required();
  request->add_option("--window-start", f.window_start, "RFC 3339 (default now)");
  request->add_option("--window-end", f.window_end, "RFC 3339 (default start + 7 days)");
  request->add_flag("--no-gang", f.no_gang, "The job need not start all its cards at once");

  auto* quotes = AddVerb(
      *compute, "quotes", "Show a request's quotes, best first", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/compute/requests/" + UrlEncode(f.id) + "/quotes"),
               [&c](const json& j) { PrintQuotes(c, j["items"]); });
      });
  quotes->add_option("request", f.id, "Request id")->required();
  auto* accept =
      AddVerb(*compute, "accept", "Accept a quote: an order reserving its capacity", ctx,
              [](CommandContext& c) {
                c.Emit(c.Client().Post("/api/v1/compute/quotes/" + UrlEncode(f.id) + "/accept",
                                       json::object()),
                       PrintOrder);
              });
  accept->add_option("quote", f.id, "Quote id")->required();

  CLI::App* orders = compute->add_subcommand("orders", "Compute orders");
  orders->require_subcommand(1);
  AddListVerb(*orders, "List orders you are party to", ctx, "/api/v1/compute/orders",
              {"ID", "STATE", "PROVIDER", "CARDS", "CHIP", "START", "END", "FINISHED", "YUAN"},
              {"id", "state", "provider_id_name", "cards", "chip", "start", "end", "finished_at",
               "amount_fen_yuan"},
              [](CommandContext& c, json& items) {
                OrgNames(c.Client()).Add(items, {"provider_id"});
                AddYuan(items, {"amount_fen"});
              });
  auto* cancel =
      AddVerb(*orders, "cancel", "Cancel an order (a running one is billed for its use)", ctx,
              [](CommandContext& c) {
                c.Emit(c.Client().Post("/api/v1/compute/orders/" + UrlEncode(f.id) + "/cancel",
                                       {{"reason", f.reason}}),
                       PrintOrder);
              });
  cancel->add_option("id", f.id, "Order id")->required();
  cancel->add_option("--reason", f.reason, "Why")->required();

  CLI::App* bills = compute->add_subcommand("bills", "Compute bills");
  bills->require_subcommand(1);
  AddListVerb(*bills, "List bills you are party to", ctx, "/api/v1/compute/bills",
              {"ID", "ORDER", "GROSS YUAN", "VOUCHER YUAN", "PAYABLE YUAN"},
              {"id", "order_id", "gross_fen_yuan", "voucher_fen_yuan", "payable_fen_yuan"},
              [](CommandContext&, json& items) {
                AddYuan(items, {"gross_fen", "voucher_fen", "payable_fen"});
              });
  AddCollection(*compute, "trades", "Matched trade amounts by provider and month", ctx,
                [](CommandContext& c) {
                  c.Emit(c.Client().Get("/api/v1/compute/trades"), [&c](const json& j) {
                    std::cout << "total: " << FenAsYuan(j["total_fen"]) << " yuan\n";
                    json shown = j;
                    OrgNames(c.Client()).Add(shown["items"], {"provider_id"});
                    AddYuan(shown["items"], {"amount_fen"});
                    PrintPage(shown, {"PROVIDER", "MONTH", "ORDERS", "YUAN"},
                              {"provider_id_name", "month", "orders", "amount_fen_yuan"});
                  });
                });

  CLI::App* vouchers = compute->add_subcommand("vouchers", "Compute vouchers (算力券)");
  vouchers->require_subcommand(1);
  auto* create =
      AddVerb(*vouchers, "create-programme", "Open a voucher programme (authority)", ctx,
              [](CommandContext& c) {
                json body = {{"name", f.name},
                             {"budget_fen", f.budget_fen},
                             {"ratio_bp", f.ratio_bp},
                             {"cap_fen_per_enterprise_year", f.cap_fen},
                             {"valid_to", f.valid_to}};
                if (!f.valid_from.empty()) body["valid_from"] = f.valid_from;
                c.Emit(c.Client().Post("/api/v1/compute/voucher-programmes", body),
                       [](const json& j) { std::cout << "programme " << Str(j, "id") << "\n"; });
              });
  create->add_option("--name", f.name, "Name")->required();
  AddYuanOption(create, "--budget", f.budget_fen, "Budget pool")->required();
  create->add_option("--ratio-bp", f.ratio_bp, "Subsidy ratio in basis points (3000 = 30%)")
      ->required();
  AddYuanOption(create, "--cap", f.cap_fen, "Cap per enterprise per year")->required();
  create->add_option("--valid-from", f.valid_from, "RFC 3339 (default now)");
  create->add_option("--valid-to", f.valid_to, "RFC 3339")->required();
  AddCollection(*vouchers, "programmes", "Voucher programmes", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/compute/voucher-programmes"), [](const json& j) {
      json shown = j;
      AddYuan(shown["items"], {"budget_fen", "issued_fen", "redeemed_fen"});
      PrintPage(
          shown, {"ID", "NAME", "BUDGET YUAN", "RATIO BP", "ISSUED YUAN", "REDEEMED YUAN"},
          {"id", "name", "budget_fen_yuan", "ratio_bp", "issued_fen_yuan", "redeemed_fen_yuan"});
    });
  });
  auto* report = AddVerb(
      *vouchers, "report", "A programme's use by enterprise and provider", ctx,
      [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/compute/voucher-programmes/" + UrlEncode(f.id) + "/report"),
               [](const json& j) {
                 const json& p = j["programme"];
                 std::cout << "budget " << FenAsYuan(p.value("budget_fen", json()))
                           << " yuan, issued " << FenAsYuan(p.value("issued_fen", json()))
                           << ", redeemed " << FenAsYuan(p.value("redeemed_fen", json())) << "\n";
                 json by_enterprise = j["by_enterprise"], by_provider = j["by_provider"];
                 AddYuan(by_enterprise, {"issued_fen", "redeemed_fen"});
                 AddYuan(by_provider, {"redeemed_fen"});
                 PrintPage({{"items", by_enterprise}},
                           {"ENTERPRISE", "ISSUED YUAN", "REDEEMED YUAN"},
                           {"enterprise_id", "issued_fen_yuan", "redeemed_fen_yuan"});
                 PrintPage({{"items", by_provider}}, {"PROVIDER", "REDEEMED YUAN"},
                           {"provider_id", "redeemed_fen_yuan"});
               });
      });
  report->add_option("programme", f.id, "Programme id")->required();
  auto* apply =
      AddVerb(*vouchers, "apply", "Apply to a programme (enterprise)", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Post(
                   "/api/v1/compute/voucher-programmes/" + UrlEncode(f.id) + "/applications",
                   {{"amount_fen", f.amount_fen}}),
               [](const json& j) {
                 std::cout << "application " << Str(j, "id") << ": " << Str(j, "state") << "\n";
               });
      });
  apply->add_option("programme", f.id, "Programme id")->required();
  AddYuanOption(apply, "--amount", f.amount_fen, "Amount applied for")->required();
  auto app_page = std::make_shared<PageFlags>();
  auto* apps = AddCollection(
      *vouchers, "applications", "Your applications, or those to your programmes", ctx,
      [=](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/compute/voucher-applications" + app_page->Query()),
               [&c](const json& j) {
                 json shown = j;
                 AddYuan(shown["items"], {"amount_fen"});
                 OrgNames(c.Client()).Add(shown["items"], {"enterprise_id"});
                 PrintPage(shown, {"ID", "PROGRAMME", "ENTERPRISE", "YUAN", "STATE", "REASON"},
                           {"id", "programme_id", "enterprise_id_name", "amount_fen_yuan", "state",
                            "reason"});
               });
      });
  AddPageFlags(apps, *app_page);
  auto* decide = AddVerb(
      *vouchers, "decide", "Approve or reject an application (authority)", ctx,
      [](CommandContext& c) {
        json body = {{"decision", f.decision}};
        if (f.amount_fen) body["amount_fen"] = f.amount_fen;
        if (!f.reason.empty()) body["reason"] = f.reason;
        c.Emit(c.Client().Post(
                   "/api/v1/compute/voucher-applications/" + UrlEncode(f.id) + "/decision", body),
               [](const json& j) {
                 std::cout << "application " << Str(j, "id") << ": " << Str(j, "state")
                           << ", voucher " << Str(j, "voucher_id") << "\n";
               });
      });
  decide->add_option("application", f.id, "Application id")->required();
  decide->add_option("--decision", f.decision, "approve or reject")
      ->required()
      ->check(CLI::IsMember({"approve", "reject"}));
  AddYuanOption(decide, "--amount", f.amount_fen, "Amount to issue (default: as applied)");
  decide->add_option("--reason", f.reason, "Required to reject");
  auto* related = AddVerb(
      *vouchers, "related-party", "Record an enterprise-provider related party (authority)", ctx,
      [](CommandContext& c) {
        c.Emit(
            c.Client().Post("/api/v1/compute/related-parties",
                            {{"enterprise_id", f.enterprise_id}, {"provider_id", f.provider_id}}),
            [](const json&) { std::cout << "recorded\n"; });
      });
  related->add_option("--enterprise", f.enterprise_id, "Enterprise id")->required();
  related->add_option("--provider", f.provider_id, "Provider id")->required();
  AddVerb(*vouchers, "list", "Your vouchers and what remains of them", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/compute/vouchers"), [](const json& j) {
      json shown = j;
      AddYuan(shown["items"], {"amount_fen", "remaining_fen"});
      PrintPage(shown, {"ID", "PROGRAMME", "YUAN", "REMAINING YUAN", "EXPIRES"},
                {"id", "programme_id", "amount_fen_yuan", "remaining_fen_yuan", "expires_at"});
    });
  });
}

}  // namespace qt::cli
