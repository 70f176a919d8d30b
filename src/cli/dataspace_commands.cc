// `qiantang dataspace ...` verbs of the trusted data space: sources,
// pipelines and runs, products, offers, contract negotiation, channel
// queries, and offline verification of agreements and usage receipts.
// One verb per API call (docs/api/openapi.yaml).
#include <fmt/format.h>

#include <iostream>

#include "cli/channel_answer.h"
#include "cli/client.h"
#include "cli/command.h"
#include "cli/key_file.h"
#include "cli/policy_text.h"
#include "cli/table.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace qt::cli {
namespace {

using nlohmann::json;

struct DataSpaceFlags {
  std::string id, name, csv, file, fields, source, spec, run, title, description, tags,
      frequency = "once", licence, product, policy, visible_kinds, visible_orgs, negotiable_kinds,
      negotiable_orgs, reason, sql, purpose, region, q, provider, key, key_file;
  double epsilon = 0.1;
  PageFlags page;
};
DataSpaceFlags f;

void PrintQuality(const json& q) {
  std::cout << fmt::format("rows in {}, out {}; malformed {}, duplicates {}, dropped {} + {}\n",
                           Str(q, "rows_in"), Str(q, "rows_out"), Str(q, "malformed"),
                           Str(q, "duplicates"), Str(q, "dropped_invalid"), Str(q, "dropped_null"));
  std::vector<std::vector<std::string>> rows;
  for (const auto& fq : q["fields"]) {
    rows.push_back({fq["name"], fmt::format("{:.1f}%", fq["completeness"].get<double>() * 100),
                    fmt::format("{:.1f}%", fq["validity"].get<double>() * 100),
                    fmt::format("{:.1f}%", fq["uniqueness"].get<double>() * 100)});
  }
  PrintTable(std::cout, {"FIELD", "COMPLETE", "VALID", "UNIQUE"}, rows);
}

// A contract, its parties named (`names` looks them up) and its policy in words.
void PrintContract(const json& c, OrgNames& names) {
  std::cout << "id: " << Str(c, "id") << "\nstate: " << Str(c, "state") << "\n";
  for (const char* party : {"provider", "consumer"}) {
    const std::string id = Str(c, (std::string(party) + "_id").c_str());
    std::cout << party << ": " << names.Name(id) << " (" << id << ")\n";
  }
  for (const char* k :
       {"product_id", "product_title", "agreement_sha256", "uses", "epsilon_spent", "reason"}) {
    std::cout << k << ": " << Str(c, k) << "\n";
  }
  std::cout << "policy:\n";
  for (const std::string& line : PolicySentences(c.value("policy", json()))) {
    std::cout << "  " << line << "\n";
  }
}

// A product's offers the caller may see: a table, then each one's terms in words.
void PrintOffers(const json& offers) {
  PrintPage({{"items", offers}}, {"OFFER", "TITLE", "ACTIVE"}, {"id", "title", "active"});
  for (const json& o : offers) {
    std::cout << "\n" << Str(o, "id") << " (" << Str(o, "title") << "):\n";
    for (const std::string& line : PolicySentences(o.value("policy", json()))) {
      std::cout << "  " << line << "\n";
    }
  }
}

// An offer: its product and provider by name, who may see and negotiate it,
// and its policy in words.
void PrintOffer(const json& o, OrgNames names) {
  const std::string provider = Str(o, "provider_id");
  std::cout << "id: " << Str(o, "id") << "\ntitle: " << Str(o, "title")
            << "\nproduct_id: " << Str(o, "product_id") << "\nprovider: " << names.Name(provider)
            << " (" << provider << ")\nactive: " << Str(o, "active") << "\n";
  for (const char* audience : {"visible_to", "negotiable_by"}) {
    const json& a = o.value(audience, json::object());
    const bool anyone =
        a.value("kinds", json::array()).empty() && a.value("orgs", json::array()).empty();
    std::cout << audience << ": " << (anyone ? "anyone" : a.dump()) << "\n";
  }
  std::cout << "policy:\n";
  for (const std::string& line : PolicySentences(o.value("policy", json()))) {
    std::cout << "  " << line << "\n";
  }
}

// Verifies a base64 Ed25519 signature over `message` with a hex public key.
Status VerifySignature(const std::string& key_hex, const std::string& message,
                       const std::string& sig_b64, const std::string& who) {
  auto key = crypto::HexDecode(key_hex);
  auto sig = crypto::Base64Decode(sig_b64);
  if (!key.ok() || key->size() != 32) return InvalidArgument(who + ": malformed public key");
  if (!sig.ok() || sig->size() != 64) return InvalidArgument(who + ": malformed signature");
  crypto::PublicKey pk;
  crypto::Signature s;
  std::copy(key->begin(), key->end(), pk.begin());
  std::copy(sig->begin(), sig->end(), s.begin());
  if (!crypto::Verify(
          pk, std::span(reinterpret_cast<const uint8_t*>(message.data()), message.size()), s)) {
    return InvalidArgument(who + "'s signature does not verify");
  }
  return OkStatus();
}

// Offline: the agreement's hash and both parties' signatures, with the keys
// the agreement itself names.
Result<json> VerifyAgreement(const json& contract) {
  if (!contract.is_object() || !contract.value("agreement", json()).is_string()) {
    return InvalidArgument(
        "not a contract with an agreement (export one with "
        "`dataspace contracts show ID --json`)");
  }
  std::string agreement = contract["agreement"];
  std::string hash = crypto::HexEncode(crypto::Sha256(agreement));
  if (Str(contract, "agreement_sha256") != hash) {
    return InvalidArgument("agreement_sha256 does not match the agreement");
  }
  json a = json::parse(agreement, nullptr, false);
  if (!a.is_object() || !a.value("provider", json()).is_object() ||
      !a.value("consumer", json()).is_object()) {
    return InvalidArgument("the agreement is not an agreement with a provider and a consumer");
  }
  QT_RETURN_IF_ERROR(VerifySignature(Str(a["provider"], "public_key"), agreement,
                                     Str(contract, "provider_signature"), "provider"));
  QT_RETURN_IF_ERROR(VerifySignature(Str(a["consumer"], "public_key"), agreement,
                                     Str(contract, "consumer_signature"), "consumer"));
  // Who held each key when it signed, as the signed agreement itself says.
  auto custody = [](const json& party) {
    return party.contains("key_custody") ? Str(party, "key_custody") : "node";
  };
  return json{{"agreement_sha256", hash},
              {"provider", Str(a["provider"], "id")},
              {"provider_key_custody", custody(a["provider"])},
              {"consumer", Str(a["consumer"], "id")},
              {"consumer_key_custody", custody(a["consumer"])},
              {"verified", true}};
}

}  // namespace

void AddDataSpaceCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* ds = app.add_subcommand("dataspace", "The trusted data space (可信数据空间)");
  ds->require_subcommand(1);

  CLI::App* sources = ds->add_subcommand("sources", "Raw data sources of your organisation");
  sources->require_subcommand(1);
  auto* add =
      AddVerb(*sources, "add", "Upload a CSV file, or point to one in the import folder", ctx,
              [](CommandContext& c) {
                json body = {{"name", f.name}};
                if (!f.csv.empty()) {
                  auto text = ReadTextFile(f.csv);
                  if (!text.ok()) return c.Emit(text.status(), nullptr);
                  body["csv"] = *text;
                }
                if (!f.file.empty()) body["file"] = f.file;
                if (!f.fields.empty()) {
                  auto fields = ReadJsonFile(f.fields);
                  if (!fields.ok()) return c.Emit(fields.status(), nullptr);
                  body["fields"] = *fields;
                }
                c.Emit(c.Client().Post("/api/v1/dataspace/sources", body), [](const json& j) {
                  std::cout << "source " << Str(j, "id") << ": " << Str(j, "bytes")
                            << " bytes, sha256 " << Str(j, "sha256") << "\n";
                  PrintPage({{"items", j["fields"]}}, {"FIELD", "LABEL", "TYPE", "SENSITIVITY"},
                            {"name", "label", "type", "sensitivity"});
                });
              });
  add->add_option("--name", f.name, "Name of the source")->required();
  add->add_option("--csv", f.csv, "CSV file to upload");
  add->add_option(
      "--file", f.file,
      "Path of a CSV file relative to your organisation's import folder (<import-dir>/<org id>/)");
  add->add_option("--fields", f.fields, "JSON file with the declared schema (else inferred)");
  AddListVerb(*sources, "List your sources", ctx, "/api/v1/dataspace/sources",
              {"ID", "NAME", "ORIGIN", "BYTES", "SHA256"},
              {"id", "name", "origin", "bytes", "sha256"});

  CLI::App* pipelines = ds->add_subcommand("pipelines", "Governance pipelines (数据加工)");
  pipelines->require_subcommand(1);
  auto* padd =
      AddVerb(*pipelines, "add", "Define a pipeline over a source", ctx, [](CommandContext& c) {
        auto spec = ReadJsonFile(f.spec);
        if (!spec.ok()) return c.Emit(spec.status(), nullptr);
        c.Emit(c.Client().Post("/api/v1/dataspace/pipelines",
                               {{"name", f.name}, {"source_id", f.source}, {"spec", *spec}}),
               [](const json& j) { std::cout << "pipeline " << Str(j, "id") << "\n"; });
      });
  padd->add_option("--name", f.name, "Name")->required();
  padd->add_option("--source", f.source, "Source id")->required();
  padd->add_option("--spec", f.spec, "JSON file: {steps, output} (docs/dataspace/pipelines.md)")
      ->required();
  AddListVerb(*pipelines, "List your pipelines", ctx, "/api/v1/dataspace/pipelines",
              {"ID", "NAME", "SOURCE"}, {"id", "name", "source_id"});
  auto* run =
      AddVerb(*pipelines, "run", "Run a pipeline now and show its quality report", ctx,
              [](CommandContext& c) {
                c.Emit(c.Client().Post("/api/v1/dataspace/pipelines/" + UrlEncode(f.id) + "/runs",
                                       json::object()),
                       [](const json& j) {
                         std::cout << "run " << Str(j, "id") << " (ledger #" << Str(j, "ledger_seq")
                                   << ")\ninput  sha256 " << Str(j, "input_sha256")
                                   << "\noutput sha256 " << Str(j, "output_sha256") << "\n";
                         PrintQuality(j["quality"]);
                       });
              });
  run->add_option("id", f.id, "Pipeline id")->required();
  auto* runs = AddVerb(*pipelines, "runs", "List a pipeline's runs", ctx, [](CommandContext& c) {
    c.Emit(
        c.Client().Get("/api/v1/dataspace/pipelines/" + UrlEncode(f.id) + "/runs" + f.page.Query()),
        [](const json& j) {
          PrintPage(j, {"RUN", "ROWS IN", "ROWS OUT", "OUTPUT SHA256", "FINISHED"},
                    {"id", "rows_in", "rows_out", "output_sha256", "finished_at"});
        });
  });
  runs->add_option("id", f.id, "Pipeline id")->required();
  AddPageFlags(runs, f.page);

  CLI::App* products = ds->add_subcommand("products", "Data products and the catalog");
  products->require_subcommand(1);
  auto* publish = AddVerb(
      *products, "publish", "Publish a run's output as a product", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/dataspace/products", {{"run_id", f.run},
                                                              {"title", f.title},
                                                              {"description", f.description},
                                                              {"tags", SplitList(f.tags)},
                                                              {"update_frequency", f.frequency},
                                                              {"licence", f.licence}}),
               [](const json& j) {
                 std::cout << "product " << Str(j, "id") << ": " << Str(j, "rows") << " rows\n";
               });
      });
  publish->add_option("--run", f.run, "Run id")->required();
  publish->add_option("--title", f.title, "Title")->required();
  publish->add_option("--description", f.description, "Description");
  publish->add_option("--tags", f.tags, "Comma-separated tags");
  publish->add_option("--frequency", f.frequency,
                      "once, daily, weekly, monthly, quarterly, yearly");
  publish->add_option("--licence", f.licence, "Licence terms");
  auto* search = AddVerb(*products, "search", "Search the catalog", ctx, [](CommandContext& c) {
    std::string query = f.page.Query() + "&q=" + UrlEncode(f.q) +
                        (f.provider.empty() ? "" : "&provider_id=" + UrlEncode(f.provider));
    c.Emit(c.Client().Get("/api/v1/dataspace/products" + query), [&c](const json& j) {
      json shown = j;
      OrgNames(c.Client()).Add(shown["items"], {"provider_id"});
      PrintPage(shown, {"ID", "TITLE", "PROVIDER", "ROWS", "UPDATED"},
                {"id", "title", "provider_id_name", "rows", "update_frequency"});
    });
  });
  search->add_option("q", f.q, "Text to find in titles, descriptions and tags");
  search->add_option("--provider", f.provider, "Only this provider's products");
  AddPageFlags(search, f.page);
  auto* show = AddVerb(
      *products, "show", "A product, its quality report and offers", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/dataspace/products/" + UrlEncode(f.id)),
               [&c](const json& j) {
                 for (const char* k : {"id", "title", "provider_id", "rows", "update_frequency",
                                       "licence", "output_sha256"}) {
                   std::cout << k << ": " << Str(j, k) << "\n";
                   if (std::string_view(k) == "provider_id" && j.value(k, json()).is_string()) {
                     std::cout << "provider: " << OrgNames(c.Client()).Name(j[k]) << "\n";
                   }
                 }
                 PrintQuality(j["quality"]);
                 PrintOffers(j.value("offers", json::array()));
               });
      });
  show->add_option("id", f.id, "Product id")->required();
  auto* preview =
      AddVerb(*products, "preview", "The first rows, masked", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/dataspace/products/" + UrlEncode(f.id) + "/preview"),
               [](const json& j) {
                 std::vector<std::string> headers;
                 for (const auto& name : j["columns"]) headers.push_back(name.get<std::string>());
                 std::vector<std::vector<std::string>> rows;
                 for (const auto& row : j["rows"]) {
                   std::vector<std::string> cells;
                   for (const auto& cell : row) {
                     cells.push_back(cell.is_null() ? "∅" : cell.get<std::string>());
                   }
                   headers.resize(std::max(headers.size(), cells.size()));
                   rows.push_back(std::move(cells));
                 }
                 PrintTable(std::cout, headers, rows);
               });
      });
  preview->add_option("id", f.id, "Product id")->required();

  CLI::App* offers = ds->add_subcommand("offers", "Usage offers on products");
  offers->require_subcommand(1);
  auto* oadd =
      AddVerb(*offers, "add", "Offer a product under a policy", ctx, [](CommandContext& c) {
        auto policy = ReadJsonFile(f.policy);
        if (!policy.ok()) return c.Emit(policy.status(), nullptr);
        auto audience = [](const std::string& kinds, const std::string& orgs) {
          return json{{"kinds", SplitList(kinds)}, {"orgs", SplitList(orgs)}};
        };
        c.Emit(
            c.Client().Post("/api/v1/dataspace/offers",
                            {{"product_id", f.product},
                             {"title", f.title},
                             {"policy", *policy},
                             {"visible_to", audience(f.visible_kinds, f.visible_orgs)},
                             {"negotiable_by", audience(f.negotiable_kinds, f.negotiable_orgs)}}),
            [](const json& j) { std::cout << "offer " << Str(j, "id") << "\n"; });
      });
  oadd->add_option("--product", f.product, "Product id")->required();
  oadd->add_option("--title", f.title, "Title")->required();
  oadd->add_option("--policy", f.policy, "JSON file with the ODRL-style policy")->required();
  oadd->add_option("--visible-kinds", f.visible_kinds, "Organisation kinds that see the offer");
  oadd->add_option("--visible-orgs", f.visible_orgs, "Organisations that see the offer");
  oadd->add_option("--negotiable-kinds", f.negotiable_kinds, "Kinds that may negotiate it");
  oadd->add_option("--negotiable-orgs", f.negotiable_orgs, "Organisations that may negotiate it");
  auto* withdraw = AddVerb(*offers, "withdraw", "Withdraw an offer", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Post("/api/v1/dataspace/offers/" + UrlEncode(f.id) + "/withdraw",
                           json::object()),
           [](const json& j) { std::cout << "withdrew " << Str(j, "id") << "\n"; });
  });
  withdraw->add_option("id", f.id, "Offer id")->required();
  auto* oshow =
      AddVerb(*offers, "show", "An offer and its terms in words", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/dataspace/offers/" + UrlEncode(f.id)),
               [&c](const json& o) { PrintOffer(o, OrgNames(c.Client())); });
      });
  oshow->add_option("id", f.id, "Offer id")->required();
  auto* olist =
      AddVerb(*offers, "list", "A product's offers you may see, their terms in words", ctx,
              [](CommandContext& c) {
                c.Emit(c.Client().Get("/api/v1/dataspace/products/" + UrlEncode(f.product)),
                       [](const json& j) { PrintOffers(j.value("offers", json::array())); });
              });
  olist->add_option("--product", f.product, "Product id")->required();

  CLI::App* contracts = ds->add_subcommand("contracts", "Digital contracts (数字合约)");
  contracts->require_subcommand(1);
  auto* request =
      AddVerb(*contracts, "request", "Request a contract on an offer", ctx, [](CommandContext& c) {
        json body = json::object();
        if (!f.policy.empty()) {
          auto policy = ReadJsonFile(f.policy);
          if (!policy.ok()) return c.Emit(policy.status(), nullptr);
          body["policy"] = *policy;
        }
        c.Emit(c.Client().Post("/api/v1/dataspace/offers/" + UrlEncode(f.id) + "/contracts", body),
               [&c](const json& j) {
                 OrgNames names(c.Client());
                 PrintContract(j, names);
               });
      });
  request->add_option("offer", f.id, "Offer id")->required();
  request->add_option("--policy", f.policy, "JSON file with a proposed policy");
  auto* offer = AddVerb(
      *contracts, "offer", "Offer (as provider), optionally a counter-policy", ctx,
      [](CommandContext& c) {
        json body = json::object();
        if (!f.policy.empty()) {
          auto policy = ReadJsonFile(f.policy);
          if (!policy.ok()) return c.Emit(policy.status(), nullptr);
          body["policy"] = *policy;
        }
        c.Emit(c.Client().Post("/api/v1/dataspace/contracts/" + UrlEncode(f.id) + "/offer", body),
               [&c](const json& j) {
                 OrgNames names(c.Client());
                 PrintContract(j, names);
               });
      });
  offer->add_option("id", f.id, "Contract id")->required();
  offer->add_option("--policy", f.policy, "JSON file with a counter-policy");
  for (auto [verb, help] :
       {std::pair{"accept", "Accept the offer (as consumer)"},
        std::pair{"agree", "Agree and sign (as provider)"},
        std::pair{"verify", "Verify and sign the agreement (as consumer)"},
        std::pair{"finalize", "Finalize; the agreement's hash goes on the ledger (as provider)"}}) {
    auto* v = AddVerb(*contracts, verb, help, ctx, [verb = std::string(verb)](CommandContext& c) {
      ApiClient client = c.Client();
      const std::string path = "/api/v1/dataspace/contracts/" + UrlEncode(f.id);
      c.Emit(
          [&]() -> Result<json> {
            json body = json::object();
            if (!f.key_file.empty()) {
              // Signed here with the organisation's own key: the server only
              // checks the signature.
              QT_ASSIGN_OR_RETURN(crypto::SigningKey key, ReadKeyFile(f.key_file));
              QT_ASSIGN_OR_RETURN(
                  json signed_doc,
                  client.Get(path + (verb == "agree" ? "/agreement-draft" : std::string())));
              if (!signed_doc.value("agreement", json()).is_string()) {
                return FailedPrecondition("the contract has no agreement to sign yet");
              }
              const std::string agreement = signed_doc["agreement"];
              QT_ASSIGN_OR_RETURN(
                  std::string signature,
                  SignAgreement(key, agreement, verb == "agree" ? "provider" : "consumer", f.id));
              body["signature"] = signature;
              if (verb == "agree") body["agreement"] = agreement;
            }
            return client.Post(path + "/" + verb, body);
          }(),
          [&c](const json& j) {
            OrgNames names(c.Client());
            PrintContract(j, names);
          });
    });
    v->add_option("id", f.id, "Contract id")->required();
    if (std::string_view(verb) == "agree" || std::string_view(verb) == "verify") {
      v->add_option("--key", f.key_file,
                    "Your organisation's key file, if it holds its own key (`orgs register-key`)");
    }
  }
  auto* terminate = AddVerb(
      *contracts, "terminate", "Terminate a contract with a reason", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/dataspace/contracts/" + UrlEncode(f.id) + "/terminate",
                               {{"reason", f.reason}}),
               [&c](const json& j) {
                 OrgNames names(c.Client());
                 PrintContract(j, names);
               });
      });
  terminate->add_option("id", f.id, "Contract id")->required();
  terminate->add_option("--reason", f.reason, "Why")->required();
  AddListVerb(
      *contracts, "Contracts your organisation is a party to", ctx, "/api/v1/dataspace/contracts",
      {"ID", "STATE", "PROVIDER", "CONSUMER", "PRODUCT", "USES", "EPSILON SPENT"},
      {"id", "state", "provider_id_name", "consumer_id_name", "product_title", "uses",
       "epsilon_spent"},
      [](CommandContext& c, json& items) {
        OrgNames(c.Client()).Add(items, {"provider_id", "consumer_id"});
      },
      {{"--state", "state", "Only contracts in this state (requested ... finalized, terminated)"},
       {"--side", "side", "Only contracts where you are the provider or the consumer"},
       {"--search", "q", "Only contracts whose product's title contains these words"}});
  auto* cshow = AddVerb(*contracts, "show", "One contract (--json exports it for verify)", ctx,
                        [](CommandContext& c) {
                          c.Emit(c.Client().Get("/api/v1/dataspace/contracts/" + UrlEncode(f.id)),
                                 [&c](const json& j) {
                                   OrgNames names(c.Client());
                                   PrintContract(j, names);
                                 });
                        });
  cshow->add_option("id", f.id, "Contract id")->required();
  auto* usage = AddVerb(*contracts, "usage", "A contract's uses and their receipts", ctx,
                        [](CommandContext& c) {
                          c.Emit(c.Client().Get("/api/v1/dataspace/contracts/" + UrlEncode(f.id) +
                                                "/usage" + f.page.Query()),
                                 [](const json& j) {
                                   PrintPage(j, {"USE", "ACTION", "PURPOSE", "EPSILON", "AT"},
                                             {"id", "action", "purpose", "epsilon", "created_at"});
                                 });
                        });
  usage->add_option("id", f.id, "Contract id")->required();
  AddPageFlags(usage, f.page);
  auto* verify = AddVerb(
      *contracts, "verify-file", "Verify an exported contract's agreement offline", ctx,
      [](CommandContext& c) {
        auto contract = ReadJsonFile(f.file);
        if (!contract.ok()) return c.Emit(contract.status(), nullptr);
        c.Emit(VerifyAgreement(*contract), [](const json& j) {
          std::cout << "agreement " << Str(j, "agreement_sha256") << " signed by provider "
                    << Str(j, "provider") << " (key held by " << Str(j, "provider_key_custody")
                    << ") and consumer " << Str(j, "consumer") << " (key held by "
                    << Str(j, "consumer_key_custody") << "): OK\n";
        });
      });
  verify->add_option("file", f.file, "JSON of `dataspace contracts show ID --json`")->required();

  auto* query = AddVerb(
      *ds, "query", "Run an aggregate query through a contract's channel", ctx,
      [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/dataspace/contracts/" + UrlEncode(f.id) + "/queries",
                               {{"sql", f.sql},
                                {"purpose", f.purpose},
                                {"region", f.region},
                                {"epsilon", f.epsilon}}),
               PrintChannelAnswer);
      });
  query->add_option("contract", f.id, "Contract id")->required();
  query->add_option("--sql", f.sql, "SELECT ... FROM data ... (docs/dataspace/channel.md)")
      ->required();
  query->add_option("--purpose", f.purpose, "Purpose of this use")->required();
  query->add_option("--region", f.region, "Region of this use");
  query->add_option("--epsilon", f.epsilon, "Privacy budget to spend (default 0.1)");

  auto* receipt =
      AddVerb(*ds, "verify-receipt", "Verify a usage receipt offline with its signer's public key",
              ctx, [](CommandContext& c) {
                auto file = ReadJsonFile(f.file);
                if (!file.ok()) return c.Emit(file.status(), nullptr);
                json u = file->contains("usage") ? (*file)["usage"] : *file;
                if (!u.is_object() || !u.value("receipt", json()).is_string()) {
                  return c.Emit(InvalidArgument(f.file + " holds no usage receipt"), nullptr);
                }
                Status s = VerifySignature(f.key, u["receipt"], Str(u, "signature"), "signer");
                if (!s.ok()) return c.Emit(s, nullptr);
                json doc = json::parse(u["receipt"].get<std::string>(), nullptr, false);
                // The receipt names its signer: the provider, or the operator for a
                // provider that holds its own key (older receipts name none).
                const json signer = doc.is_object() ? doc.value("signed_by", json()) : json();
                if (signer.is_object() && Str(signer, "public_key") != f.key) {
                  return c.Emit(InvalidArgument("the receipt names another signer's key"), nullptr);
                }
                c.Emit(doc, [](const json& r) {
                  std::cout << "receipt " << Str(r, "usage_id") << " of contract "
                            << Str(r, "contract_id") << " signed by "
                            << (r.value("signed_by", json()).is_object() ? Str(r["signed_by"], "id")
                                                                         : Str(r, "provider_id"))
                            << ": OK\n";
                });
              });
  receipt->add_option("file", f.file, "JSON of a query answer or a usage item")->required();
  receipt
      ->add_option("--key", f.key,
                   "The signer's public key (hex): the provider's, or the operator's for a "
                   "provider that holds its own key")
      ->required();
}

}  // namespace qt::cli
