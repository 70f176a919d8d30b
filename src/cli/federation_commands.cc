// `qiantang federation ...`: this node's witness and the logs it witnesses.
#include <iostream>

#include "cli/command.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace qt::cli {
namespace {

using nlohmann::json;

struct FederationFlags {
  std::string vkey;
  std::string log;  // an origin, or the lowercase hex SHA-256 of one
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

}  // namespace

void AddFederationCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* federation =
      app.add_subcommand("federation", "Peer cities' nodes: this node's witness of their ledgers");
  federation->require_subcommand(1);
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
