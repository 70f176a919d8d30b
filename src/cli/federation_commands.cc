// `qiantang federation ...`: this node, its peers, the federated catalog, and
// this node's witness and the logs it witnesses.
#include <iostream>
#include <optional>

#include "cli/channel_answer.h"
#include "cli/client.h"
#include "cli/command.h"
#include "cli/key_file.h"
#include "cli/psi_io.h"
#include "crypto/encoding.h"
#include "crypto/recipient_box.h"
#include "crypto/sha256.h"

namespace qt::cli {
namespace {

using nlohmann::json;

struct FederationFlags {
  std::string vkey;
  std::string log;  // an origin, or the lowercase hex SHA-256 of one
  std::string peer;
  std::string descriptor_file;
  std::string key_file;  // an organisation's own key (cli/key_file.h)
  bool descriptor = false;
  bool removed = false;
  std::string query;
  int limit = 20;
  std::string negotiation, offer_id, reason;
  std::string sql, purpose, region;
  double epsilon = 0.1;
  std::string column, output = "size", input, input_column, product, product_column;
};
FederationFlags flags;

// The path segment of a log: its origin hash, given either the hash or the origin.
std::string OriginHash(const std::string& log) {
  const bool is_hash =
      log.size() == 64 && log.find_first_not_of("0123456789abcdef") == std::string::npos;
  return is_hash ? log : crypto::HexEncode(crypto::Sha256(log));
}

void PrintLog(const json& l) {
  for (const auto& [label, key] :
       std::vector<std::pair<const char*, const char*>>{{"origin", "origin"},
                                                        {"origin hash", "origin_hash"},
                                                        {"active", "active"},
                                                        {"cosigned size", "size"},
                                                        {"root", "root"},
                                                        {"forked", "forked"},
                                                        {"evidence kept", "evidence"},
                                                        {"added", "added_at"},
                                                        {"updated", "updated_at"},
                                                        {"vkey", "vkey"}}) {
    std::cout << label << ": " << Str(l, key) << "\n";
  }
}

void PrintPeer(const json& p) {
  for (const auto& [label, key] :
       std::vector<std::pair<const char*, const char*>>{{"name", "name"},
                                                        {"city", "city"},
                                                        {"url", "url"},
                                                        {"state", "state"},
                                                        {"node key", "node_key"},
                                                        {"ledger", "ledger"},
                                                        {"witness", "witness"},
                                                        {"TLS key", "tls_pin"},
                                                        {"added", "added_at"},
                                                        {"last contact", "last_contact_at"},
                                                        {"last error", "last_error"}}) {
    std::cout << label << ": " << Str(p, key) << "\n";
  }
}

void AddPeerCommands(CLI::App& federation, CommandContext& ctx) {
  AddVerb(federation, "node",
          "This node: name, city, URL and node key (--descriptor: the signed "
          "descriptor peers add it from)",
          ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Get("/api/v1/federation/node"), [](const json& j) {
              if (flags.descriptor) {
                std::cout << Str(j, "descriptor");
                return;
              }
              PrintFields(j);
            });
          })
      ->add_flag("--descriptor", flags.descriptor, "Print only the signed descriptor");
  CLI::App* peers =
      federation.add_subcommand("peers", "Other cities' nodes this node federates with");
  peers->require_subcommand(1);
  static PageFlags page;
  CLI::App* list = AddVerb(*peers, "list", "The peers, by name", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/federation/peers" + page.Query() +
                          (flags.removed ? "&removed=true" : "")),
           [](const json& j) {
             PrintPage(j, {"NAME", "CITY", "STATE", "URL", "LAST CONTACT", "LAST ERROR"},
                       {"name", "city", "state", "url", "last_contact_at", "last_error"});
           });
  });
  AddPageFlags(list, page);
  list->add_flag("--removed", flags.removed, "Removed peers too");
  AddVerb(*peers, "add",
          "Add a peer from its descriptor file ('-' for stdin); check its node key out of band "
          "first (operator admin)",
          ctx,
          [](CommandContext& c) {
            std::string text;
            if (flags.descriptor_file == "-") {
              text.assign(std::istreambuf_iterator<char>(std::cin), {});
            } else {
              auto file = ReadTextFile(flags.descriptor_file);
              if (!file.ok()) return c.Emit(file.status(), PrintPeer);
              text = *file;
            }
            c.Emit(c.Client().Post("/api/v1/federation/peers", {{"descriptor", text}}), PrintPeer);
          })
      ->add_option("descriptor", flags.descriptor_file,
                   "The peer's descriptor (qiantang "
                   "federation node --descriptor on it)")
      ->required();
  for (const auto& [verb, description] : std::vector<std::pair<std::string, std::string>>{
           {"show", "One peer"},
           {"suspend", "Refuse a peer's requests and stop crawling it (operator admin)"},
           {"resume", "Resume a suspended peer (operator admin)"},
           {"remove", "Remove a peer; its ledger is no longer witnessed (operator admin)"}}) {
    AddVerb(*peers, verb, description, ctx,
            [verb = verb](CommandContext& c) {
              const std::string path = "/api/v1/federation/peers/" + UrlEncode(flags.peer);
              if (verb == "show") return c.Emit(c.Client().Get(path), PrintPeer);
              if (verb == "remove") return c.Emit(c.Client().Delete(path), PrintFields);
              c.Emit(c.Client().Post(path + "/" + verb, json::object()), PrintPeer);
            })
        ->add_option("name", flags.peer, "The peer's node name")
        ->required();
  }
  AddVerb(federation, "crawl", "Crawl every active peer's DSP catalog now (operator admin)", ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Post("/api/v1/federation/crawl", json::object()), [](const json& j) {
              PrintPage(j, {"NODE", "OFFERS", "CRAWLED", "ATTEMPTED", "ERROR"},
                        {"node", "offers", "crawled_at", "attempted_at", "error"});
            });
          });
  CLI::App* catalog = AddVerb(
      federation, "catalog", "Every city's published offers, ranked for a query", ctx,
      [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/federation/catalog?q=" + UrlEncode(flags.query) +
                              "&limit=" + std::to_string(flags.limit)),
               [](const json& j) {
                 if (j["items"].empty()) std::cout << "no offer matches\n";
                 for (const auto& o : j["items"]) {
                   std::cout << Str(o, "city") << " (" << Str(o, "node") << ")  " << Str(o, "title")
                             << "  [" << Str(o, "offer_id") << "]  " << Str(o, "publisher");
                   if (o["stale"].get<bool>()) {
                     std::cout << "  STALE: crawled " << Str(o, "age_seconds") << " s ago";
                   }
                   std::cout << "\n";
                 }
               });
      });
  catalog->add_option("query", flags.query, "Words to look for (Chinese or English)");
  catalog->add_option("--limit", flags.limit, "At most this many offers (1 to 100)");
  AddVerb(federation, "status", "This node and each peer: state, contact, crawl, witnessed size",
          ctx, [](CommandContext& c) {
            c.Emit(c.Client().Get("/api/v1/federation/status"), [](const json& j) {
              std::cout << "node: " << Str(j["node"], "name") << " (" << Str(j["node"], "city")
                        << ") at " << Str(j["node"], "url") << "\n";
              if (j["peers"].empty()) std::cout << "no peers\n";
              for (const auto& p : j["peers"]) {
                std::cout << Str(p, "name") << " (" << Str(p, "city") << "): " << Str(p, "state")
                          << ", last contact " << Str(p, "last_contact_at");
                if (p.contains("crawl")) {
                  std::cout << ", " << Str(p["crawl"], "offers") << " offers crawled "
                            << Str(p["crawl"], "crawled_at");
                }
                if (p.contains("witnessed")) {
                  std::cout << ", ledger witnessed at " << Str(p["witnessed"], "size")
                            << (p["witnessed"]["forked"].get<bool>() ? " FORKED" : "");
                }
                if (!p["last_error"].is_null())
                  std::cout << "\n  last error: " << Str(p, "last_error");
                std::cout << "\n";
              }
            });
          });
}

void PrintNegotiation(const json& n) {
  for (const auto& [label, key] :
       std::vector<std::pair<std::string, std::string>>{{"id", "id"},
                                                        {"peer", "peer"},
                                                        {"offer", "offer_id"},
                                                        {"state", "state"},
                                                        {"provider's id", "provider_pid"},
                                                        {"reason", "reason"},
                                                        {"last error", "last_error"},
                                                        {"updated", "updated_at"}}) {
    if (!n[key].is_null()) std::cout << label << ": " << Str(n, key.c_str()) << "\n";
  }
  if (!n["agreement"].is_null()) {
    std::cout << "agreement sha256: "
              << crypto::HexEncode(crypto::Sha256(n["agreement"].get<std::string>())) << "\n";
  }
  if (n["proofs"].is_object() && n["proofs"].contains("peer")) {
    std::cout << "provider's ledger entry: " << Str(n["proofs"]["peer"], "index") << "\n";
  }
}

// A consumer's contracts for other cities' offers (Dataspace Protocol).
// A channel answer a peer sealed to an organisation's own key, opened here.
Result<json> OpenSealedAnswer(const crypto::SigningKey& key, const json& sealed) {
  if (Str(sealed, "sealed_to") != crypto::HexEncode(key.public_key)) {
    return InvalidArgument("the answer is sealed to key " + Str(sealed, "sealed_to") +
                           ", not this key file's");
  }
  auto box = crypto::Base64Decode(Str(sealed, "sealed"));
  if (!box.ok()) return Internal("the server sent a sealed answer that is not base64");
  auto opened = crypto::OpenSealed(key, *box);
  if (!opened.ok()) return InvalidArgument("the sealed answer does not open with this key file");
  json answer = json::parse(opened->begin(), opened->end(), nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object()) return Internal("the sealed answer holds no JSON object");
  answer["node"] = Str(sealed, "node");
  return answer;
}

void AddNegotiationCommands(CLI::App& federation, CommandContext& ctx) {
  CLI::App* negotiations = federation.add_subcommand(
      "negotiations", "Contracts for other cities' offers, negotiated node to node");
  negotiations->require_subcommand(1);
  AddListVerb(*negotiations, "Your organisation's negotiations with other cities", ctx,
              "/api/v1/federation/negotiations",
              {"ID", "PEER", "OFFER", "STATE", "UPDATED", "REASON"},
              {"id", "peer", "offer_id", "state", "updated_at", "reason"});
  CLI::App* request =
      AddVerb(*negotiations, "request",
              "Ask a peer's provider for one of its offers (federation catalog shows them)", ctx,
              [](CommandContext& c) {
                c.Emit(c.Client().Post("/api/v1/federation/negotiations",
                                       {{"peer", flags.peer}, {"offer_id", flags.offer_id}}),
                       PrintNegotiation);
              });
  request->add_option("peer", flags.peer, "The peer node holding the offer")->required();
  request->add_option("offer", flags.offer_id, "The offer's id")->required();
  CLI::App* query =
      AddVerb(*negotiations, "query",
              "Run an aggregate query through the provider's channel under a finalized negotiation",
              ctx, [](CommandContext& c) {
                ApiClient client = c.Client();
                c.Emit(
                    [&]() -> Result<json> {
                      std::optional<crypto::SigningKey> key;
                      if (!flags.key_file.empty()) {
                        QT_ASSIGN_OR_RETURN(key, ReadKeyFile(flags.key_file));
                      } else {
                        // Refused before the query is paid for, not after.
                        QT_ASSIGN_OR_RETURN(json me, client.Get("/api/v1/whoami"));
                        if (me.value("org", json()).is_object() &&
                            Str(me["org"], "key_custody") == "self") {
                          return FailedPrecondition(
                              "your organisation holds its own key, and the answer comes sealed "
                              "to it: pass --key FILE");
                        }
                      }
                      QT_ASSIGN_OR_RETURN(json answer,
                                          client.Post("/api/v1/federation/negotiations/" +
                                                          UrlEncode(flags.negotiation) + "/queries",
                                                      {{"sql", flags.sql},
                                                       {"purpose", flags.purpose},
                                                       {"region", flags.region},
                                                       {"epsilon", flags.epsilon}}));
                      if (!answer.contains("sealed")) return answer;
                      if (!key) return FailedPrecondition("the answer is sealed: pass --key FILE");
                      return OpenSealedAnswer(*key, answer);
                    }(),
                    PrintChannelAnswer);
              });
  query->add_option("id", flags.negotiation, "The negotiation's id (neg_...)")->required();
  query->add_option("--key", flags.key_file,
                    "Your organisation's key file, if it holds its own key: the answer is opened "
                    "here");
  query->add_option("--sql", flags.sql, "SELECT ... FROM data ... (docs/dataspace/channel.md)")
      ->required();
  query->add_option("--purpose", flags.purpose, "Purpose of this use")->required();
  query->add_option("--region", flags.region, "Region of this use");
  query->add_option("--epsilon", flags.epsilon, "Privacy budget to spend (default 0.1)");
  CLI::App* psi = AddVerb(
      *negotiations, "psi",
      "Intersect your items with the provider's column under a finalized negotiation (this "
      "node holds your items and runs the PSI client; the provider's node its server)",
      ctx, [](CommandContext& c) {
        json body = {{"column", flags.column},
                     {"output", flags.output},
                     {"purpose", flags.purpose},
                     {"region", flags.region}};
        if (!flags.input.empty()) {
          auto items = ReadPsiItems(flags.input, flags.input_column);
          if (!items.ok()) return c.Emit(items.status(), PrintPsiAnswer);
          body["items"] = *items;
        } else {
          body["product_id"] = flags.product;
          body["product_column"] = flags.product_column;
        }
        c.Emit(
            c.Client().Post(
                "/api/v1/federation/negotiations/" + UrlEncode(flags.negotiation) + "/psi", body),
            PrintPsiAnswer);
      });
  psi->add_option("id", flags.negotiation, "The negotiation's id (neg_...)")->required();
  psi->add_option("--column", flags.column, "The provider's column to match")->required();
  psi->add_option("--output", flags.output, "intersection or size (what the contract allows)");
  psi->add_option("--purpose", flags.purpose, "Purpose of this use")->required();
  psi->add_option("--region", flags.region, "Region of this use");
  auto* product = psi->add_option("--product", flags.product, "Your product on this node");
  psi->add_option("--product-column", flags.product_column, "Your product's column")
      ->needs(product);
  auto* input = psi->add_option("--input", flags.input,
                                "Or a CSV file of your items (with a header), sent to this node");
  psi->add_option("--input-column", flags.input_column, "The file's column (default: the first)")
      ->needs(input);
  input->excludes(product);
  for (const auto& [verb, description] : std::vector<std::pair<std::string, std::string>>{
           {"show", "One negotiation"},
           {"accept", "Accept the provider's offer"},
           {"verify",
            "Sign the provider's agreement (this node signs for your organisation, or --key)"},
           {"terminate", "End the negotiation, here and at the provider"}}) {
    CLI::App* cmd =
        AddVerb(*negotiations, verb, description, ctx, [verb = verb](CommandContext& c) {
          const std::string path =
              "/api/v1/federation/negotiations/" + UrlEncode(flags.negotiation);
          if (verb == "show") return c.Emit(c.Client().Get(path), PrintNegotiation);
          json body = json::object();
          if (verb == "terminate") body["reason"] = flags.reason;
          if (verb == "verify" && !flags.key_file.empty()) {
            // Signed here with the organisation's own key.
            auto key = ReadKeyFile(flags.key_file);
            if (!key.ok()) return c.Emit(key.status(), nullptr);
            auto n = c.Client().Get(path);
            if (!n.ok()) return c.Emit(n.status(), nullptr);
            if (!n->value("agreement", json()).is_string()) {
              return c.Emit(FailedPrecondition("the negotiation has no agreement to sign yet"),
                            nullptr);
            }
            // The provider node's agreement, under its own contract id.
            auto sig = SignAgreement(*key, (*n)["agreement"].get<std::string>(), "consumer",
                                     Str(*n, "provider_pid"));
            if (!sig.ok()) return c.Emit(sig.status(), nullptr);
            body["signature"] = *sig;
          }
          c.Emit(c.Client().Post(path + "/" + verb, body), PrintNegotiation);
        });
    cmd->add_option("id", flags.negotiation, "The negotiation's id (neg_...)")->required();
    if (verb == "terminate") {
      cmd->add_option("--reason", flags.reason, "Why, for the provider")->required();
    }
    if (verb == "verify") {
      cmd->add_option("--key", flags.key_file,
                      "Your organisation's key file, if it holds its own key");
    }
  }
}

}  // namespace

void AddFederationCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* federation = app.add_subcommand(
      "federation", "Peer cities' nodes: peering, their catalogs, witnessing their ledgers");
  federation->require_subcommand(1);
  AddPeerCommands(*federation, ctx);
  AddNegotiationCommands(*federation, ctx);
  CLI::App* witness = federation->add_subcommand(
      "witness", "The C2SP witness: the logs it cosigns, forks it has seen");
  witness->require_subcommand(1);

  AddVerb(
      *witness, "show", "This node's witness name, cosigner vkey and URL prefixes", ctx,
      [](CommandContext& c) { c.Emit(c.Client().Get("/api/v1/federation/witness"), PrintFields); });
  AddListVerb(*witness, "The logs witnessed, by origin", ctx, "/api/v1/federation/witness/logs",
              {"ORIGIN", "ACTIVE", "COSIGNED SIZE", "FORKED", "EVIDENCE", "UPDATED"},
              {"origin", "active", "size", "forked", "evidence", "updated_at"});
  AddVerb(*witness, "add-log", "Witness a log from its checkpoint vkey (operator admin)", ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Post("/api/v1/federation/witness/logs", {{"vkey", flags.vkey}}),
                   PrintLog);
          })
      ->add_option("vkey", flags.vkey, "The log's vkey (<origin>+<key id>+<base64 key>)")
      ->required();
  AddVerb(*witness, "log", "One witnessed log", ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Get("/api/v1/federation/witness/logs/" + OriginHash(flags.log)),
                   PrintLog);
          })
      ->add_option("log", flags.log, "The log's origin, or its origin hash")
      ->required();
  AddVerb(*witness, "remove-log", "Stop witnessing a log; its size is kept (operator admin)", ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Delete("/api/v1/federation/witness/logs/" + OriginHash(flags.log)),
                   PrintFields);
          })
      ->add_option("log", flags.log, "The log's origin, or its origin hash")
      ->required();
  AddVerb(*witness, "evidence", "Checkpoints of a log the witness refused with 422", ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Get("/api/v1/federation/witness/logs/" + OriginHash(flags.log) +
                                  "/evidence"),
                   [](const json& j) {
                     if (j["items"].empty()) std::cout << "no evidence kept for this log\n";
                     for (const auto& e : j["items"]) {
                       std::cout << Str(e, "received_at") << "  "
                                 << (e["conclusive"].get<bool>() ? "FORK" : "refused") << "  "
                                 << Str(e, "reason") << "\n--- submitted:\n"
                                 << Str(e, "submitted") << "--- last cosigned:\n"
                                 << Str(e, "witnessed") << "\n";
                     }
                   });
          })
      ->add_option("log", flags.log, "The log's origin, or its origin hash")
      ->required();
}

}  // namespace qt::cli
