#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "accounts/accounts.h"
#include "cli/command.h"
#include "cli/migrations.h"
#include "cli/table.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "federation/policy.h"
#include "federation/submit.h"
#include "ledger/journal.h"
#include "ledger/ledger.h"
#include "ledger/verify.h"

namespace qt::cli {
namespace {

using nlohmann::json;

// Options of the ledger verbs (CLI11 binds to storage that outlives parsing).
struct LedgerFlags {
  uint64_t start = 0, end = 0, index = 0, size = 0, first = 0, second = 0, id = 0;
  std::optional<uint64_t> before;
  int limit = 50;
  std::string subject, vkey, checkpoint, proof, old_checkpoint, new_checkpoint;
  std::string db = "sqlite:var/qiantang.db";
  std::string master_key_file = "var/master.key";
  std::string origin = "hangzhou.qiantang/ledger";
  std::string signer;  // set by verify checkpoint, for its message
  std::string policy;  // a C2SP tlog-policy file
  std::string witness, out;
  std::string result;  // what a verb that succeeded says
};
LedgerFlags flags;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A vkey given inline, or the name of a file holding one.
Result<ledger::NoteVerifier> VerifierFrom(const std::string& given) {
  std::string text = given;
  if (std::filesystem::is_regular_file(given)) {
    QT_ASSIGN_OR_RETURN(text, ReadFile(given));
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  auto v = ledger::ParseVerifierKey(text);
  if (!v.ok()) return v.status().WithContext("--vkey");
  return v;
}

Result<std::vector<ledger::Bytes>> ProofFrom(const json& j) {
  if (!j.contains("proof") || !j["proof"].is_array()) {
    return InvalidArgument("the proof file has no \"proof\" array");
  }
  std::vector<ledger::Bytes> out;
  for (const auto& h : j["proof"]) {
    if (!h.is_string()) return InvalidArgument("proof elements must be hex strings");
    QT_ASSIGN_OR_RETURN(auto b, crypto::HexDecode(h.get<std::string>()));
    out.push_back(std::move(b));
  }
  return out;
}

Result<json> JsonFile(const std::string& path) {
  QT_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument(path + " is not a JSON object");
  return j;
}

void Done(CommandContext& c, const Status& s, const std::string& ok_message) {
  if (!s.ok()) {
    std::cerr << "error: " << s.message() << std::endl;
    c.exit_code = 1;
    return;
  }
  std::cout << ok_message << "\n";
}

void PrintProof(const json& j) {
  for (const auto& h : j["proof"]) std::cout << h.get<std::string>() << "\n";
}

// The audit opens the database itself, like the server: it is an operator's tool.
Status RunAudit(std::string& summary) {
  QT_ASSIGN_OR_RETURN(auto store, store::OpenStore(flags.db, {}));
  QT_RETURN_IF_ERROR(store::Migrate(*store, AllMigrations()));
  QT_ASSIGN_OR_RETURN(std::string key_hex, ReadFile(flags.master_key_file));
  QT_ASSIGN_OR_RETURN(auto key_bytes, crypto::HexDecode(key_hex.substr(0, 64)));
  if (key_bytes.size() != 32) return InvalidArgument("--master-key-file: not a 32-byte hex key");
  crypto::MasterKey master(std::span<const uint8_t, 32>(key_bytes.data(), 32));
  ledger::Journal journal(SystemClock::Get());
  accounts::Accounts accounts(
      *store, {&SystemClock::Get(), &crypto::SystemRandom::Get(), &master, &journal});
  QT_ASSIGN_OR_RETURN(accounts::Org op, accounts.Operator());
  ledger::Ledger ledger(
      *store,
      {.origin = flags.origin, .clock = &SystemClock::Get(), .key = op.public_key, .sign = {}});
  QT_ASSIGN_OR_RETURN(auto report, ledger.Audit());
  if (report.finding) {
    return FailedPrecondition("the log does not match at index " +
                              std::to_string(report.finding->index) + ": " + report.finding->what);
  }
  summary = "audit ok: " + std::to_string(report.size) + " entries and " +
            std::to_string(report.checkpoints_checked) + " checkpoints recomputed from storage";
  return OkStatus();
}

// Has the witness cosign the server's latest checkpoint, with proofs from the server.
Result<std::string> SubmitToWitness(CommandContext& c) {
  ApiClient node = c.Client();
  QT_ASSIGN_OR_RETURN(json answer, node.Get("/api/v1/ledger/checkpoint"));
  if (!answer.is_string()) return Internal("the server's checkpoint is not a note");
  const std::string note = answer.get<std::string>();
  QT_ASSIGN_OR_RETURN(ledger::SplitNoteResult split, ledger::SplitNote(note));
  QT_ASSIGN_OR_RETURN(ledger::Checkpoint cp, ledger::ParseCheckpoint(split.text));
  QT_ASSIGN_OR_RETURN(
      std::string lines,
      federation::SubmitCheckpoint(
          flags.witness, note,
          [&](uint64_t from, uint64_t to) -> Result<std::vector<ledger::Bytes>> {
            QT_ASSIGN_OR_RETURN(
                json p, node.Get("/api/v1/ledger/proof/consistency?first=" + std::to_string(from) +
                                 "&second=" + std::to_string(to)));
            return ProofFrom(p);
          }));
  flags.result = "cosigned: size " + std::to_string(cp.size) + " of " + cp.origin;
  return note + lines;
}

// index, kind, actor, subject and leaf hash of each entry.
void PrintEntries(const json& entries) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : entries) {
    rows.push_back({std::to_string(e["index"].get<uint64_t>()), e["event"]["kind"],
                    e["event"]["actor"], e["event"]["subject"],
                    e["leaf_hash"].get<std::string>().substr(0, 16)});
  }
  PrintTable(std::cout, {"index", "kind", "actor", "subject", "leaf hash"}, rows);
}

}  // namespace

void AddLedgerCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* ledger = app.add_subcommand("ledger", "The tamper-evident ledger under every change");
  ledger->require_subcommand(1);

  AddVerb(*ledger, "checkpoint", "Print the latest signed checkpoint", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/ledger/checkpoint"),
           [](const json& j) { std::cout << j.get<std::string>(); });
  });
  AddVerb(*ledger, "vkey", "Print the verifier key of checkpoints", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/ledger/vkey"),
           [](const json& j) { std::cout << j["vkey"].get<std::string>() << "\n"; });
  });
  AddVerb(*ledger, "publish", "Sign a checkpoint of the current head now (operator)", ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Post("/api/v1/ledger/checkpoints", json::object()),
                   [](const json& j) { std::cout << j["note"].get<std::string>(); });
          });
  auto* entries =
      AddVerb(*ledger, "entries", "List entries [start, end)", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/ledger/entries?start=" + std::to_string(flags.start) +
                              "&end=" + std::to_string(flags.end)),
               [](const json& j) { PrintEntries(j["entries"]); });
      });
  entries->add_option("--start", flags.start, "First index")->required();
  entries->add_option("--end", flags.end, "One past the last index (at most start + 1000)")
      ->required();
  auto* events =
      AddVerb(*ledger, "events", "The events about one object (its id), newest first", ctx,
              [](CommandContext& c) {
                std::string query = "?subject=" + UrlEncode(flags.subject) +
                                    "&limit=" + std::to_string(flags.limit);
                if (flags.before) query += "&before=" + std::to_string(*flags.before);
                c.Emit(c.Client().Get("/api/v1/ledger/events" + query), [](const json& j) {
                  PrintEntries(j["items"]);
                  if (!j["next_before"].is_null()) {
                    std::cout << "(more: --before " << j["next_before"].get<uint64_t>() << ")\n";
                  }
                });
              });
  events->add_option("subject", flags.subject, "The object's id")->required();
  events->add_option("--before", flags.before, "Only events with a lower index");
  events->add_option("--limit", flags.limit, "Events per page (1-1000)")->capture_default_str();

  CLI::App* proof = ledger->add_subcommand("proof", "Fetch proofs (save with --json for `verify`)");
  proof->require_subcommand(1);
  auto* inc = AddVerb(
      *proof, "inclusion", "Inclusion proof of an index in a tree size", ctx,
      [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/ledger/proof/inclusion?index=" +
                              std::to_string(flags.index) + "&size=" + std::to_string(flags.size)),
               PrintProof);
      });
  inc->add_option("--index", flags.index, "Leaf index")->required();
  inc->add_option("--size", flags.size, "Tree size")->required();
  auto* con = AddVerb(*proof, "consistency", "Consistency proof between two tree sizes", ctx,
                      [](CommandContext& c) {
                        c.Emit(c.Client().Get("/api/v1/ledger/proof/consistency?first=" +
                                              std::to_string(flags.first) +
                                              "&second=" + std::to_string(flags.second)),
                               PrintProof);
                      });
  con->add_option("--first", flags.first, "Older tree size")->required();
  con->add_option("--second", flags.second, "Newer tree size")->required();
  AddVerb(*proof, "event", "An event with its proof against the latest checkpoint", ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Get("/api/v1/ledger/proof/event/" + std::to_string(flags.id)),
                   [](const json& j) { std::cout << j.dump(2) << "\n"; });
          })
      ->add_option("id", flags.id, "Event sequence number")
      ->required();

  // Offline verification: files and a key only.
  CLI::App* verify = ledger->add_subcommand("verify", "Verify offline, from files and the vkey");
  verify->require_subcommand(1);
  auto* vcp = AddVerb(
      *verify, "checkpoint", "Check a checkpoint's signature, and its cosignatures by a policy",
      ctx, [](CommandContext& c) {
        Status s = [&]() -> Status {
          if (flags.vkey.empty() && flags.policy.empty()) {
            return InvalidArgument("give --vkey, --policy or both");
          }
          QT_ASSIGN_OR_RETURN(std::string note, ReadFile(flags.checkpoint));
          if (!flags.vkey.empty()) {
            QT_ASSIGN_OR_RETURN(auto key, VerifierFrom(flags.vkey));
            QT_ASSIGN_OR_RETURN(auto cp, ledger::OpenCheckpoint(note, key));
            flags.result =
                "checkpoint ok: size " + std::to_string(cp.size) + ", signed by " + key.name;
          }
          if (flags.policy.empty()) return OkStatus();
          QT_ASSIGN_OR_RETURN(std::string text, ReadFile(flags.policy));
          auto policy = federation::Policy::Parse(text);
          if (!policy.ok()) return policy.status().WithContext("--policy " + flags.policy);
          QT_ASSIGN_OR_RETURN(federation::PolicyVerdict v, policy->Check(note));
          std::string by;
          for (const auto& w : v.cosigned_by) by += (by.empty() ? "" : ", ") + w;
          if (by.empty()) by = "no witness of the policy";
          if (!v.quorum) {
            return FailedPrecondition("the policy's quorum is not met: size " +
                                      std::to_string(v.size) + " of " + v.origin +
                                      " is cosigned by " + by);
          }
          flags.result = "checkpoint ok: size " + std::to_string(v.size) + " of " + v.origin +
                         ", cosigned by " + by + "; the policy's quorum is met";
          return OkStatus();
        }();
        Done(c, s, flags.result);
      });
  vcp->add_option("--vkey", flags.vkey, "Verifier key, or a file holding it");
  vcp->add_option("--policy", flags.policy,
                  "A C2SP tlog-policy file: its logs, witnesses and quorum");
  vcp->add_option("--checkpoint", flags.checkpoint, "Checkpoint note file")->required();

  auto* vev = AddVerb(
      *verify, "event", "Check an event against its checkpoint and proof", ctx,
      [](CommandContext& c) {
        Status s = [&]() -> Status {
          QT_ASSIGN_OR_RETURN(auto key, VerifierFrom(flags.vkey));
          QT_ASSIGN_OR_RETURN(json p, JsonFile(flags.proof));
          if (!p.contains("leaf") || !p["leaf"].is_string() || !p.contains("index") ||
              !p["index"].is_number_unsigned()) {
            return InvalidArgument(
                "the proof file needs \"leaf\" and \"index\" (from `ledger proof event --json`)");
          }
          std::string note;
          if (!flags.checkpoint.empty()) {
            QT_ASSIGN_OR_RETURN(note, ReadFile(flags.checkpoint));
          } else if (p.contains("checkpoint") && p["checkpoint"].is_string()) {
            note = p["checkpoint"];
          } else {
            return InvalidArgument("no checkpoint: give --checkpoint FILE");
          }
          QT_ASSIGN_OR_RETURN(auto proof_hashes, ProofFrom(p));
          flags.index = p["index"];
          return ledger::VerifyEvent(p["leaf"].get<std::string>(), flags.index, proof_hashes, note,
                                     key);
        }();
        Done(c, s, "event ok: entry " + std::to_string(flags.index) + " is in the signed log");
      });
  vev->add_option("--vkey", flags.vkey, "Verifier key, or a file holding it")->required();
  vev->add_option("--proof", flags.proof, "JSON from `ledger proof event ID --json`")->required();
  vev->add_option("--checkpoint", flags.checkpoint,
                  "Checkpoint note file (default: the one in --proof)");

  auto* vcon = AddVerb(*verify, "consistency", "Check that a newer checkpoint extends an older one",
                       ctx, [](CommandContext& c) {
                         Status s = [&]() -> Status {
                           QT_ASSIGN_OR_RETURN(auto key, VerifierFrom(flags.vkey));
                           QT_ASSIGN_OR_RETURN(std::string a, ReadFile(flags.old_checkpoint));
                           QT_ASSIGN_OR_RETURN(std::string b, ReadFile(flags.new_checkpoint));
                           std::vector<ledger::Bytes> proof_hashes;
                           if (!flags.proof.empty()) {
                             QT_ASSIGN_OR_RETURN(json p, JsonFile(flags.proof));
                             QT_ASSIGN_OR_RETURN(proof_hashes, ProofFrom(p));
                           }
                           return ledger::VerifyCheckpoints(a, b, proof_hashes, key);
                         }();
                         Done(c, s, "consistent: the newer checkpoint extends the older one");
                       });
  vcon->add_option("--vkey", flags.vkey, "Verifier key, or a file holding it")->required();
  vcon->add_option("--old", flags.old_checkpoint, "Older checkpoint note file")->required();
  vcon->add_option("--new", flags.new_checkpoint, "Newer checkpoint note file")->required();
  vcon->add_option("--proof", flags.proof,
                   "JSON from `ledger proof consistency --json` (omit for equal sizes)");

  auto* submit = AddVerb(
      *ledger, "witness",
      "Have a C2SP witness cosign the server's latest checkpoint (with a consistency proof from "
      "the size it last cosigned)",
      ctx, [](CommandContext& c) {
        auto cosigned = SubmitToWitness(c);
        if (cosigned.ok() && flags.out.empty()) {
          std::cout << *cosigned;  // the note and the witness's line, for files and pipes
          return;
        }
        if (cosigned.ok()) std::ofstream(flags.out, std::ios::binary) << *cosigned;
        Done(c, cosigned.status(), flags.result + ", written to " + flags.out);
      });
  submit
      ->add_option("--witness", flags.witness,
                   "The witness's submission prefix, e.g. http://peer:8080/witness")
      ->required();
  submit->add_option("--out", flags.out,
                     "Write the cosigned checkpoint here and say so (else: print it)");

  auto* audit = AddVerb(*ledger, "audit", "Recompute the whole log from a database", ctx,
                        [](CommandContext& c) {
                          std::string summary;
                          Status s = RunAudit(summary);
                          Done(c, s, summary);
                        });
  audit->add_option("--db", flags.db, "Database URL")->capture_default_str();
  audit->add_option("--master-key-file", flags.master_key_file, "The server's master key file")
      ->capture_default_str();
  audit->add_option("--ledger-origin", flags.origin, "Origin of the checkpoints")
      ->capture_default_str();
}

}  // namespace qt::cli
