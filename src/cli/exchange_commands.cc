// `qiantang exchange ...` verbs of the data exchange: applications and their
// review, the notice board and objections, certificates and their changes,
// pledges, listings, orders and statistics; and `qiantang cert verify FILE`,
// which checks an exported certificate offline. One verb per API call
// (docs/api/openapi.yaml).

#include <fstream>
#include <iostream>
#include <tuple>

#include "cli/client.h"
#include "cli/command.h"
#include "cli/table.h"
#include "core/clock.h"
#include "crypto/encoding.h"
#include "exchange/certificate.h"

namespace qt::cli {
namespace {

using nlohmann::json;

struct ExchangeFlags {
  std::string id, number, rights, data_name, description,
      data_type = "dataset", source_kind = "collected", source_ref, format = "CSV", scale,
      update_cycle = "monthly", product, credit_code, action, grounds, reason, decision, resolution,
      to_org, institution, offer, title, terms = "one_off", state, holder, search, file, out;
  std::vector<std::string> evidence;
  int64_t amount_fen = 0, term_days = 365, price_fen = 0, quantity = 1, max_quantity = 0;
  PageFlags page;
};
ExchangeFlags f;

void PrintApplication(const json& a) {
  for (const char* k : {"id", "state", "holder_name", "data_name", "rights", "snapshot_sha256",
                        "notice_until", "open_objections", "certificate_number", "grounds"}) {
    std::cout << k << ": " << Str(a, k) << "\n";
  }
}

void PrintCertificate(const json& c) {
  json doc = json::parse(c.value("document", "{}"));
  std::cout << "number: " << Str(c, "number") << " (version " << Str(c, "version") << ", "
            << Str(c, "change") << ")\nstatus: " << Str(c, "status")
            << "\nholder: " << Str(doc["holder"], "name") << " "
            << Str(doc["holder"], "credit_code") << "\ndata: " << Str(doc["data"], "name")
            << "\nrights: " << doc["rights"].dump() << "\nvalid until: " << Str(doc, "valid_until")
            << "\nsha256: " << Str(c, "sha256") << "\n";
}

void PrintPledge(const json& p) {
  std::cout << "pledge " << Str(p, "id") << " of " << Str(p, "number") << ": " << Str(p, "state")
            << ", " << FenAsYuan(p["amount_fen"]) << " yuan for " << Str(p, "term_days")
            << " days\n";
}

json ApplicationBody(CommandContext& c, bool* ok) {
  const std::vector<std::string> rights = SplitList(f.rights);
  json evidence = json::array();
  for (const auto& path : f.evidence) {
    auto bytes = ReadTextFile(path);
    if (!bytes.ok()) {
      c.Emit(bytes.status(), nullptr);
      *ok = false;
      return {};
    }
    std::string name = path.substr(path.find_last_of('/') + 1);
    evidence.push_back(
        {{"name", name},
         {"content_base64", crypto::Base64Encode(std::span(
                                reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()))}});
  }
  json body = {
      {"rights", rights},         {"data_name", f.data_name},       {"description", f.description},
      {"data_type", f.data_type}, {"source_kind", f.source_kind},   {"format", f.format},
      {"scale", f.scale},         {"update_cycle", f.update_cycle}, {"product_id", f.product},
      {"evidence", evidence}};
  if (!f.source_ref.empty()) body["source_ref"] = f.source_ref;
  if (!f.credit_code.empty()) body["credit_code"] = f.credit_code;
  *ok = true;
  return body;
}

}  // namespace

void AddExchangeCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* ex = app.add_subcommand("exchange", "The data exchange (数据交易所)");
  ex->require_subcommand(1);

  CLI::App* apps = ex->add_subcommand("applications", "Data property registration (数据产权登记)");
  apps->require_subcommand(1);
  auto* apply = AddVerb(
      *apps, "submit", "Apply to register a data space product", ctx, [](CommandContext& c) {
        bool ok = false;
        json body = ApplicationBody(c, &ok);
        if (!ok) return;
        c.Emit(c.Client().Post("/api/v1/exchange/applications", body), PrintApplication);
      });
  apply
      ->add_option("--rights", f.rights,
                   "Comma-separated: resource_holding,processing_use,product_operation")
      ->required();
  apply->add_option("--data-name", f.data_name, "Name of the data")->required();
  apply->add_option("--description", f.description, "Description")->required();
  apply->add_option("--data-type", f.data_type, "dataset, data_product, database or api");
  apply->add_option("--source-kind", f.source_kind, "collected, generated or licensed");
  apply->add_option("--source-ref", f.source_ref, "The licence contract (licensed data)");
  apply->add_option("--format", f.format, "Format");
  apply->add_option("--scale", f.scale, "Scale, e.g. '2970 rows'")->required();
  apply->add_option("--update-cycle", f.update_cycle, "once, realtime, daily, ... yearly");
  apply->add_option("--product", f.product, "Data space product id (its snapshot is registered)")
      ->required();
  apply->add_option("--credit-code", f.credit_code, "Your credit code (checked)");
  apply->add_option("--evidence", f.evidence, "Evidence files (up to 10, 2 MiB each)");
  auto* list =
      AddVerb(*apps, "list", "Your applications (reviewers: all)", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/exchange/applications" + f.page.Query() +
                              (f.state.empty() ? "" : "&state=" + f.state)),
               [](const json& j) {
                 PrintPage(j, {"ID", "STATE", "HOLDER", "DATA", "CERTIFICATE"},
                           {"id", "state", "holder_name", "data_name", "certificate_number"});
               });
      });
  list->add_option("--state", f.state, "Only applications in this state");
  AddPageFlags(list, f.page);
  auto* show = AddVerb(*apps, "show", "One application", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/exchange/applications/" + UrlEncode(f.id)), PrintApplication);
  });
  show->add_option("id", f.id, "Application id")->required();
  auto* review =
      AddVerb(*apps, "review", "Move an application on (reviewers)", ctx, [](CommandContext& c) {
        json body = {{"action", f.action}};
        if (!f.grounds.empty()) body["grounds"] = f.grounds;
        c.Emit(
            c.Client().Post("/api/v1/exchange/applications/" + UrlEncode(f.id) + "/review", body),
            PrintApplication);
      });
  review->add_option("id", f.id, "Application id")->required();
  review->add_option("--action", f.action, "accept, formal_pass, substantive_pass, reject, issue")
      ->required();
  review->add_option("--grounds", f.grounds, "Grounds (for reject)");
  CLI::App* reviewers =
      apps->add_subcommand("reviewers", "The registry's reviewers (appointed by the operator)");
  reviewers->require_subcommand(1);
  AddVerb(
      *reviewers, "list", "The authorities that review registrations", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/exchange/reviewers"), [](const json& j) {
          PrintPage(j, {"ORG", "APPOINTED BY", "AT"}, {"org_id", "appointed_by", "appointed_at"});
        });
      });
  auto* appoint = AddVerb(
      *reviewers, "appoint", "Appoint an authority (operator admin)", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/exchange/reviewers", {{"org_id", f.id}}), PrintFields);
      });
  appoint->add_option("org", f.id, "Authority organisation id")->required();
  auto* dismiss = AddVerb(
      *reviewers, "remove", "Remove a reviewer (operator admin)", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Delete("/api/v1/exchange/reviewers/" + UrlEncode(f.id)), PrintFields);
      });
  dismiss->add_option("org", f.id, "Authority organisation id")->required();
  auto* object = AddVerb(
      *apps, "object", "Object to an application during its notice", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/exchange/applications/" + UrlEncode(f.id) + "/objections",
                               {{"reason", f.reason}}),
               [](const json& j) { std::cout << "objection " << Str(j, "id") << " filed\n"; });
      });
  object->add_option("id", f.id, "Application id")->required();
  object->add_option("--reason", f.reason, "Why")->required();
  auto* resolve =
      AddVerb(*apps, "resolve", "Resolve an objection (reviewers)", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/exchange/objections/" + UrlEncode(f.id) + "/resolve",
                               {{"decision", f.decision}, {"resolution", f.resolution}}),
               [](const json& j) {
                 std::cout << "objection " << Str(j, "id") << " " << Str(j, "state") << "\n";
               });
      });
  resolve->add_option("id", f.id, "Objection id")->required();
  resolve->add_option("--decision", f.decision, "upheld or dismissed")->required();
  resolve->add_option("--resolution", f.resolution, "The registry's reasoning")->required();
  AddCollection(*ex, "notices", "The public notice board (公示)", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/exchange/notices"), [](const json& j) {
      // A notice whose period has passed waits for the registry to decide.
      json page = j;
      const UnixMillis now = SystemClock::Get().NowMillis();
      for (json& n : page["items"]) {
        const auto until = ParseRfc3339(n.value("notice_until", ""));
        n["period"] = until && *until < now ? "closed" : "open";
      }
      PrintPage(page, {"APPLICATION", "HOLDER", "DATA", "UNTIL", "PERIOD", "OBJECTIONS"},
                {"id", "holder_name", "data_name", "notice_until", "period", "open_objections"});
    });
  });

  CLI::App* certs = ex->add_subcommand("certificates", "Data property certificates");
  certs->require_subcommand(1);
  auto* clist = AddVerb(*certs, "list", "Certificates (public)", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/exchange/certificates" + f.page.Query() +
                          (f.holder.empty() ? "" : "&holder_id=" + UrlEncode(f.holder)) +
                          (f.search.empty() ? "" : "&q=" + UrlEncode(f.search))),
           [](const json& j) {
             PrintPage(j, {"NUMBER", "VERSION", "STATUS", "HOLDER", "DATA", "VALID UNTIL"},
                       {"number", "version", "status", "holder_name", "data_name", "valid_until"});
           });
  });
  clist->add_option("--holder", f.holder, "Only this holder's");
  clist->add_option("--search", f.search, "A number, or words of a holder's or data's name");
  AddPageFlags(clist, f.page);
  auto* cshow =
      AddVerb(*certs, "show",
              "A certificate with its history and pledges (--json "
              "exports it for `cert verify`)",
              ctx, [](CommandContext& c) {
                c.Emit(c.Client().Get("/api/v1/exchange/certificates/" + UrlEncode(f.number)),
                       [](const json& j) {
                         PrintCertificate(j);
                         std::cout << "pledged: " << Str(j, "pledged")
                                   << "\nverify: " << Str(j, "verify_url") << "\n";
                       });
              });
  cshow->add_option("number", f.number, "Certificate number")->required();
  auto* transfer =
      AddVerb(*certs, "transfer", "Transfer to another holder", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/exchange/certificates/" + UrlEncode(f.number) + "/transfer",
                               {{"to_org", f.to_org}}),
               PrintCertificate);
      });
  transfer->add_option("number", f.number, "Certificate number")->required();
  transfer->add_option("--to", f.to_org, "Organisation id")->required();
  auto* change = AddVerb(*certs, "change", "Change the data's details", ctx, [](CommandContext& c) {
    json body = json::object();
    if (!f.description.empty()) body["description"] = f.description;
    if (!f.scale.empty()) body["scale"] = f.scale;
    if (!f.update_cycle.empty()) body["update_cycle"] = f.update_cycle;
    c.Emit(
        c.Client().Post("/api/v1/exchange/certificates/" + UrlEncode(f.number) + "/change", body),
        PrintCertificate);
  });
  change->add_option("number", f.number, "Certificate number")->required();
  change->add_option("--description", f.description, "New description");
  change->add_option("--scale", f.scale, "New scale");
  auto* renew =
      AddVerb(*certs, "renew", "Renew for another validity period", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/exchange/certificates/" + UrlEncode(f.number) + "/renew",
                               json::object()),
               PrintCertificate);
      });
  renew->add_option("number", f.number, "Certificate number")->required();
  auto* cancel = AddVerb(*certs, "cancel", "Cancel a certificate", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Post("/api/v1/exchange/certificates/" + UrlEncode(f.number) + "/cancel",
                           {{"reason", f.reason}}),
           PrintCertificate);
  });
  cancel->add_option("number", f.number, "Certificate number")->required();
  cancel->add_option("--reason", f.reason, "Why")->required();
  auto* qr =
      AddVerb(*certs, "qr", "Save the certificate's QR code (SVG)", ctx, [](CommandContext& c) {
        auto svg =
            c.Client().Get("/api/v1/exchange/certificates/" + UrlEncode(f.number) + "/qr.svg");
        if (!svg.ok()) return c.Emit(svg.status(), nullptr);
        std::ofstream(f.out) << svg->get<std::string>();
        std::cout << "wrote " << f.out << "\n";
      });
  qr->add_option("number", f.number, "Certificate number")->required();
  qr->add_option("--out", f.out, "SVG file to write")->required();

  CLI::App* pledges = ex->add_subcommand("pledges", "Pledges of data rights (质押)");
  pledges->require_subcommand(1);
  auto* pledge = AddVerb(
      *pledges, "request", "Pledge a certificate's rights to an institution", ctx,
      [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/exchange/certificates/" + UrlEncode(f.number) + "/pledges",
                               {{"institution_id", f.institution},
                                {"amount_fen", f.amount_fen},
                                {"term_days", f.term_days}}),
               PrintPledge);
      });
  pledge->add_option("number", f.number, "Certificate number")->required();
  pledge->add_option("--institution", f.institution, "Bank's organisation id")->required();
  AddYuanOption(pledge, "--amount", f.amount_fen, "Secured credit")->required();
  pledge->add_option("--term-days", f.term_days, "Term in days");
  for (auto [verb, help] : {std::pair{"confirm", "Confirm a pledge (the institution)"},
                            std::pair{"decline", "Decline a pledge (the institution)"},
                            std::pair{"release", "Release a pledge (the institution)"},
                            std::pair{"withdraw", "Withdraw a pledge request (the holder)"}}) {
    auto* v = AddVerb(*pledges, verb, help, ctx, [verb = std::string(verb)](CommandContext& c) {
      c.Emit(c.Client().Post("/api/v1/exchange/pledges/" + UrlEncode(f.id) + "/" + verb,
                             json::object()),
             PrintPledge);
    });
    v->add_option("id", f.id, "Pledge id")->required();
  }
  AddListVerb(*pledges, "Pledges you are party to", ctx, "/api/v1/exchange/pledges",
              {"PLEDGE", "CERTIFICATE", "HOLDER", "INSTITUTION", "STATE", "AMOUNT (YUAN)", "DAYS"},
              {"id", "number", "holder_id_name", "institution_id_name", "state", "amount_fen_yuan",
               "term_days"},
              [](CommandContext& c, json& items) {
                AddYuan(items, {"amount_fen"});
                OrgNames(c.Client()).Add(items, {"holder_id", "institution_id"});
              });

  CLI::App* market = ex->add_subcommand("listings", "The market: listings and orders");
  market->require_subcommand(1);
  auto* ladd = AddVerb(*market, "add", "List registered data for sale", ctx, [](CommandContext& c) {
    json body = {{"number", f.number},
                 {"offer_id", f.offer},
                 {"title", f.title},
                 {"price_fen", f.price_fen},
                 {"terms", f.terms}};
    if (f.max_quantity) body["max_quantity"] = f.max_quantity;
    c.Emit(c.Client().Post("/api/v1/exchange/listings", body),
           [](const json& j) { std::cout << "listing " << Str(j, "id") << "\n"; });
  });
  ladd->add_option("--certificate", f.number, "Certificate number")->required();
  ladd->add_option("--offer", f.offer, "Data space offer id")->required();
  ladd->add_option("--title", f.title, "Title")->required();
  AddYuanOption(ladd, "--price", f.price_fen, "Price")->required();
  ladd->add_option("--terms", f.terms, "one_off, per_query or subscription");
  ladd->add_option("--max-quantity", f.max_quantity,
                   "The most one order may buy (default 1000 queries or 12 months)");
  auto* llist = AddVerb(*market, "list", "Active listings", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/exchange/listings" + f.page.Query()), [&c](const json& j) {
      json shown = j;
      AddYuan(shown["items"], {"price_fen"});
      OrgNames(c.Client()).Add(shown["items"], {"seller_id"});
      PrintPage(shown, {"LISTING", "TITLE", "SELLER", "CERTIFICATE", "PRICE (YUAN)", "TERMS"},
                {"id", "title", "seller_id_name", "number", "price_fen_yuan", "terms"});
    });
  });
  AddPageFlags(llist, f.page);
  auto* lwithdraw = AddVerb(*market, "withdraw", "Withdraw a listing", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Post("/api/v1/exchange/listings/" + UrlEncode(f.id) + "/withdraw",
                           json::object()),
           [](const json& j) { std::cout << "withdrew " << Str(j, "id") << "\n"; });
  });
  lwithdraw->add_option("id", f.id, "Listing id")->required();
  auto* order =
      AddVerb(*market, "order", "Buy: a signed data space contract, usable once the seller is paid",
              ctx, [](CommandContext& c) {
                c.Emit(c.Client().Post("/api/v1/exchange/listings/" + UrlEncode(f.id) + "/orders",
                                       {{"quantity", f.quantity}}),
                       [](const json& j) {
                         std::cout << "trade " << Str(j, "id") << ": " << FenAsYuan(j["amount_fen"])
                                   << " yuan, awaiting payment; contract " << Str(j, "contract_id")
                                   << " is finalized when the seller confirms payment\n";
                       });
              });
  order->add_option("id", f.id, "Listing id")->required();
  order->add_option("--quantity", f.quantity, "Queries (per_query) or months (subscription)");
  auto trade_page = std::make_shared<PageFlags>();
  auto* trades =
      AddCollection(*ex, "trades", "Trades you are party to", ctx, [=](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/exchange/trades" + trade_page->Query()), [](const json& j) {
          json shown = j;
          AddYuan(shown["items"], {"amount_fen"});
          PrintPage(shown, {"TRADE", "LISTING", "CONTRACT", "AMOUNT (YUAN)", "STATE"},
                    {"id", "listing_id", "contract_id", "amount_fen_yuan", "state"});
        });
      });
  AddPageFlags(trades, *trade_page);
  for (auto [verb, action, help] :
       {std::tuple{"confirm-payment", "confirm_payment",
                   "Seller: the buyer paid; settle the trade and finalize its contract"},
        {"cancel-trade", "cancel", "Either party: cancel a trade awaiting payment"}}) {
    auto* act = AddVerb(*ex, verb, help, ctx, [action = action](CommandContext& c) {
      c.Emit(c.Client().Post("/api/v1/exchange/trades/" + UrlEncode(f.id) + "/" + action,
                             json::object()),
             [](const json& j) {
               std::cout << "trade " << Str(j, "id") << ": " << Str(j, "state") << "\n";
             });
    });
    act->add_option("id", f.id, "Trade id")->required();
  }
  AddVerb(*ex, "stats", "The exchange's figures (public)", ctx,
          [](CommandContext& c) { c.Emit(c.Client().Get("/api/v1/exchange/stats"), PrintFields); });

  CLI::App* cert = app.add_subcommand("cert", "Data property certificates, offline");
  cert->require_subcommand(1);
  auto* verify = AddVerb(*cert, "verify", "Verify an exported certificate without a server", ctx,
                         [](CommandContext& c) {
                           auto file = ReadJsonFile(f.file);
                           if (!file.ok()) return c.Emit(file.status(), nullptr);
                           c.Emit(exchange::VerifyCertificate(*file), [](const json& doc) {
                             std::cout << "certificate " << Str(doc, "number") << " version "
                                       << Str(doc, "version") << " of "
                                       << Str(doc["holder"], "name") << ", signed by "
                                       << Str(doc["issuer"], "name") << ": OK\n";
                           });
                         });
  verify->add_option("file", f.file, "JSON of `exchange certificates show NUMBER --json`")
      ->required();
}

}  // namespace qt::cli
