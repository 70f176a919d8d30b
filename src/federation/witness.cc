#include "federation/witness.h"

#include <charconv>

#include "core/ids.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "federation/cosignature.h"
#include "federation/sealed_key.h"
#include "ledger/note.h"
#include "ledger/verify.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::federation {
namespace {

constexpr std::string_view kKeyAssociated = "federation.witness";
constexpr size_t kMaxProofLines = 63;
constexpr int64_t kMaxSize = INT64_MAX;  // sizes are stored as BIGINT

constexpr std::string_view kLogColumns =
    "origin_hash, origin, vkey, active, size, root, checkpoint, forked, added_at, updated_at, "
    "(SELECT COUNT(*) FROM fed_witness_evidence e WHERE e.origin_hash = l.origin_hash)"
    " AS evidence";

std::string OriginHash(std::string_view origin) {
  return crypto::HexEncode(crypto::Sha256(origin));
}

Result<WitnessedLog> LogFromRow(const store::Row& r) {
  return store::Decode<WitnessedLog>("fed_witness_logs", r, [&]() -> Result<WitnessedLog> {
    WitnessedLog l;
    l.origin_hash = r.Text("origin_hash");
    l.origin = r.Text("origin");
    l.vkey = r.Text("vkey");
    l.active = r.Int("active") != 0;
    if (r.Int("size") < 0 || r.Blob("root").size() != l.root.size()) {
      return Internal("size or root out of range");
    }
    l.size = static_cast<uint64_t>(r.Int("size"));
    std::copy(r.Blob("root").begin(), r.Blob("root").end(), l.root.begin());
    l.checkpoint = r.Text("checkpoint");
    l.forked = r.Int("forked") != 0;
    l.added_at = r.Int("added_at");
    l.updated_at = r.Int("updated_at");
    l.evidence = r.Int("evidence");
    return l;
  });
}

Result<Evidence> EvidenceFromRow(const store::Row& r) {
  return store::Decode<Evidence>("fed_witness_evidence", r, [&]() -> Result<Evidence> {
    Evidence e;
    e.id = r.Text("id");
    e.origin = r.Text("origin");
    e.received_at = r.Int("received_at");
    e.old_size = static_cast<uint64_t>(r.Int("old_size"));
    std::string_view proof = r.Text("proof");
    while (!proof.empty()) {
      size_t nl = proof.find('\n');
      e.proof.emplace_back(proof.substr(0, nl));
      proof.remove_prefix(nl == std::string_view::npos ? proof.size() : nl + 1);
    }
    e.submitted = r.Text("submitted");
    e.witnessed = r.Text("witnessed");
    e.reason = r.Text("reason");
    e.conclusive = r.Int("conclusive") != 0;
    return e;
  });
}

Result<std::optional<WitnessedLog>> ReadLog(store::Tx& tx, std::string_view origin_hash) {
  QT_ASSIGN_OR_RETURN(store::Rows rows,
                      tx.Query("SELECT " + std::string(kLogColumns) +
                                   " FROM fed_witness_logs l WHERE origin_hash = ?",
                               {std::string(origin_hash)}));
  if (rows.empty()) return std::optional<WitnessedLog>();
  QT_ASSIGN_OR_RETURN(WitnessedLog l, LogFromRow(rows[0]));
  return std::optional<WitnessedLog>(std::move(l));
}

// The log `origin_hash` as stored; not_found if there is none.
Result<WitnessedLog> ReadKnownLog(store::Tx& tx, std::string_view origin_hash) {
  QT_ASSIGN_OR_RETURN(std::optional<WitnessedLog> log, ReadLog(tx, origin_hash));
  if (!log) return NotFound("no witnessed log with origin hash " + std::string(origin_hash));
  return std::move(*log);
}

// The request as tlog-witness defines it, before any key is consulted.
struct Submission {
  uint64_t old_size = 0;
  std::vector<std::string> proof_lines;
  std::vector<ledger::Bytes> proof;
  std::string note;
  ledger::SplitNoteResult split;
  ledger::Checkpoint checkpoint;
};

Result<Submission> ParseSubmission(std::string_view body) {
  Submission s;
  size_t nl = body.find('\n');
  std::string_view line = body.substr(0, nl);
  if (nl == std::string_view::npos || !line.starts_with("old ")) {
    return InvalidArgument("the body must start with an 'old <size>' line");
  }
  std::string_view digits = line.substr(4);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), s.old_size);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() ||
      (digits.size() > 1 && digits[0] == '0')) {
    return InvalidArgument("old size '" + std::string(digits) + "' is not a decimal number");
  }
  body.remove_prefix(nl + 1);
  while (true) {
    nl = body.find('\n');
    if (nl == std::string_view::npos) return InvalidArgument("no blank line before the checkpoint");
    line = body.substr(0, nl);
    body.remove_prefix(nl + 1);
    if (line.empty()) break;
    if (s.proof.size() == kMaxProofLines) {
      return InvalidArgument("more than 63 consistency proof lines");
    }
    auto hash = crypto::Base64Decode(line);
    if (!hash.ok() || hash->size() != 32) {
      return InvalidArgument("consistency proof line " + std::to_string(s.proof.size() + 1) +
                             " is not a base64 SHA-256 hash");
    }
    s.proof_lines.emplace_back(line);
    s.proof.push_back(std::move(*hash));
  }
  s.note = std::string(body);
  QT_ASSIGN_OR_RETURN(s.split, ledger::SplitNote(body));
  QT_ASSIGN_OR_RETURN(s.checkpoint, ledger::ParseCheckpoint(s.split.text));
  if (s.checkpoint.size > static_cast<uint64_t>(kMaxSize)) {
    return InvalidArgument("checkpoint size above 2^63-1");
  }
  if (s.old_size > s.checkpoint.size) {
    return InvalidArgument("old size " + std::to_string(s.old_size) +
                           " is above the checkpoint's size " + std::to_string(s.checkpoint.size));
  }
  return s;
}

AddCheckpointResult Outcome(AddOutcome outcome, std::string body, uint64_t size = 0) {
  return {outcome, std::move(body), size};
}

std::string_view OutcomeLabel(AddOutcome o) {
  switch (o) {
    case AddOutcome::kCosigned:
      return "cosigned";
    case AddOutcome::kMalformed:
      return "malformed";
    case AddOutcome::kUnknownLog:
      return "unknown_log";
    case AddOutcome::kUnverified:
      return "unverified";
    case AddOutcome::kConflict:
      return "conflict";
    case AddOutcome::kInconsistent:
      return "inconsistent";
  }
  return "unknown";
}

// Why `sub` is not consistent with what was witnessed of its log (`current`),
// or an empty reason. A conclusive one proves a fork: the log signed two
// views that cannot both be true.
struct Inconsistency {
  std::string reason;
  bool conclusive = false;
};

Inconsistency CheckConsistency(const Submission& sub, const WitnessedLog& current,
                               std::string_view signed_by_log) {
  std::string reason;
  bool conclusive = false;
  if (sub.checkpoint.size == 0 && sub.checkpoint.root != ledger::EmptyRoot()) {
    reason = "a checkpoint of size 0 must have the empty root";
  } else if (sub.old_size == 0) {
    if (!sub.proof.empty()) reason = "a consistency proof was sent with old size 0";
  } else if (sub.old_size == sub.checkpoint.size && sub.checkpoint.root != current.root) {
    reason = "the size equals the last cosigned size " + std::to_string(current.size) +
             " and the root differs";
    conclusive = true;
  } else if (Status s = ledger::VerifyConsistency(sub.old_size, sub.checkpoint.size, sub.proof,
                                                  current.root, sub.checkpoint.root);
             !s.ok()) {
    reason = "the consistency proof from " + std::to_string(sub.old_size) + " to " +
             std::to_string(sub.checkpoint.size) + " does not verify: " + s.message();
    // From anyone, a wrong proof may be the sender's; from the log's own
    // node (its key signed the request), it is the log's word.
    if (!signed_by_log.empty() && signed_by_log == sub.checkpoint.origin) {
      reason += " (sent by the log's own node)";
      conclusive = true;
    }
  }
  return {reason, conclusive};
}

}  // namespace

Result<std::unique_ptr<Witness>> Witness::Open(store::Store& store, WitnessOptions options) {
  if (options.clock == nullptr || options.random == nullptr || options.master_key == nullptr ||
      options.journal == nullptr) {
    return InvalidArgument("witness: clock, random, master key and journal are required");
  }
  QT_ASSIGN_OR_RETURN(crypto::SigningKey key,
                      LoadOrMakeKey(store, "witness", kKeyAssociated, *options.master_key,
                                    *options.random, *options.clock));
  QT_RETURN_IF_ERROR(
      ledger::ParseVerifierKey(
          ledger::FormatVerifierKey(options.name, key.public_key, ledger::kCosignatureEd25519),
          ledger::kCosignatureEd25519)
          .status()
          .WithContext("witness name '" + options.name + "'"));
  return std::unique_ptr<Witness>(new Witness(store, std::move(options), key));
}

Witness::Witness(store::Store& store, WitnessOptions options, crypto::SigningKey key)
    : store_(store), options_(std::move(options)), key_(key) {}

std::string Witness::VerifierKey() const {
  return ledger::FormatVerifierKey(options_.name, key_.public_key, ledger::kCosignatureEd25519);
}

Result<WitnessedLog> Witness::AddLog(const std::string& actor, std::string_view vkey) {
  auto parsed = ledger::ParseVerifierKey(vkey);
  if (!parsed.ok()) return parsed.status().WithContext("vkey");
  const ledger::NoteVerifier& key = *parsed;
  const std::string hash = OriginHash(key.name);
  const UnixMillis now = options_.clock->NowMillis();
  return store::WriteValue(store_, [&](store::Tx& tx) -> Result<WitnessedLog> {
    QT_ASSIGN_OR_RETURN(auto existing, ReadLog(tx, hash));
    if (existing && existing->active) {
      if (existing->vkey == vkey) return *existing;
      return Conflict("the log '" + key.name + "' is already witnessed with another key");
    }
    if (existing) {
      QT_RETURN_IF_ERROR(tx.Exec("UPDATE fed_witness_logs SET active = 1, vkey = ?, updated_at = ? "
                                 "WHERE origin_hash = ?",
                                 {std::string(vkey), now, hash})
                             .status());
    } else {
      QT_RETURN_IF_ERROR(
          tx.Exec(
                "INSERT INTO fed_witness_logs (origin_hash, origin, vkey, active, size, root, "
                "checkpoint, forked, added_at, updated_at) VALUES (?, ?, ?, 1, 0, ?, '', 0, ?, ?)",
                {hash, key.name, std::string(vkey), store::Bytes(32, 0), now, now})
              .status());
    }
    QT_RETURN_IF_ERROR(options_.journal
                           ->Append(tx, {actor,
                                         "federation.witness.log_added",
                                         hash,
                                         {{"origin", key.name}, {"vkey", std::string(vkey)}}})
                           .status());
    return ReadKnownLog(tx, hash);
  });
}

Status Witness::RemoveLog(const std::string& actor, std::string_view origin_hash) {
  return store_.Write([&](store::Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(int64_t n,
                        tx.Exec("UPDATE fed_witness_logs SET active = 0, updated_at = ? "
                                "WHERE origin_hash = ? AND active = 1",
                                {options_.clock->NowMillis(), std::string(origin_hash)}));
    if (n == 0) return NotFound("no witnessed log with origin hash " + std::string(origin_hash));
    return options_.journal
        ->Append(tx, {actor, "federation.witness.log_removed", std::string(origin_hash), {}})
        .status();
  });
}

Result<std::vector<WitnessedLog>> Witness::Logs(std::string_view after_origin, int limit) {
  return store::ReadValue(store_, [&](store::Tx& tx) -> Result<std::vector<WitnessedLog>> {
    QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT " + std::string(kLogColumns) +
                                                       " FROM fed_witness_logs l WHERE origin > ? "
                                                       "ORDER BY origin LIMIT ?",
                                                   {std::string(after_origin), int64_t{limit}}));
    std::vector<WitnessedLog> out;
    QT_RETURN_IF_ERROR(store::DecodeInto(rows, LogFromRow, out));
    return out;
  });
}

Result<WitnessedLog> Witness::Log(std::string_view origin_hash) {
  return store::ReadValue(store_, [&](store::Tx& tx) { return ReadKnownLog(tx, origin_hash); });
}

Result<std::vector<Evidence>> Witness::EvidenceFor(std::string_view origin_hash) {
  QT_ASSIGN_OR_RETURN(WitnessedLog log, Log(origin_hash));
  return store::ReadValue(store_, [&](store::Tx& tx) -> Result<std::vector<Evidence>> {
    QT_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT e.id, l.origin, e.received_at, e.old_size, e.proof, e.submitted, "
                 "e.witnessed, e.reason, e.conclusive FROM fed_witness_evidence e "
                 "JOIN fed_witness_logs l ON l.origin_hash = e.origin_hash "
                 "WHERE e.origin_hash = ? ORDER BY e.id LIMIT 100",
                 {log.origin_hash}));
    std::vector<Evidence> out;
    QT_RETURN_IF_ERROR(store::DecodeInto(rows, EvidenceFromRow, out));
    return out;
  });
}

Result<std::string> Witness::LatestCheckpoint(std::string_view origin_hash) {
  QT_ASSIGN_OR_RETURN(WitnessedLog log, Log(origin_hash));
  if (log.checkpoint.empty()) return NotFound("the witness has not cosigned this log yet");
  return log.checkpoint;
}

Result<AddCheckpointResult> Witness::AddCheckpoint(std::string_view body,
                                                   std::string_view signed_by_log) {
  QT_ASSIGN_OR_RETURN(AddCheckpointResult r, Record(body, signed_by_log));
  if (options_.metrics != nullptr) {
    options_.metrics
        ->GetCounter("qiantang_witness_checkpoints_total",
                     "add-checkpoint requests to this node's witness, by outcome",
                     {{"outcome", std::string(OutcomeLabel(r.outcome))}})
        .Increment();
  }
  return r;
}

Result<AddCheckpointResult> Witness::Record(std::string_view body, std::string_view signed_by_log) {
  auto parsed = ParseSubmission(body);
  if (!parsed.ok()) return Outcome(AddOutcome::kMalformed, parsed.status().message());
  const Submission& sub = *parsed;
  const std::string hash = OriginHash(sub.checkpoint.origin);

  auto known = Log(hash);
  if (!known.ok() && known.status().code() != StatusCode::kNotFound) return known.status();
  if (!known.ok() || !known->active) {
    return Outcome(AddOutcome::kUnknownLog,
                   "this witness does not witness the log '" + sub.checkpoint.origin + "'");
  }
  QT_ASSIGN_OR_RETURN(ledger::NoteVerifier log_key, ledger::ParseVerifierKey(known->vkey));
  if (auto opened = ledger::OpenCheckpoint(sub.note, log_key); !opened.ok()) {
    return Outcome(AddOutcome::kUnverified, opened.status().message());
  }
  // The log's verified signature lines, kept with ours for the monitoring read.
  // (OpenCheckpoint verified each of them; one is enough.)
  std::string log_lines;
  for (const ledger::NoteSignature& s : sub.split.signatures) {
    if (s.name == log_key.name && s.key_id == log_key.key_id) {
      log_lines = s.line + "\n";
      break;
    }
  }
  const auto timestamp = static_cast<uint64_t>(options_.clock->NowMillis() / 1000);
  QT_ASSIGN_OR_RETURN(std::string cosignature,
                      Cosign(sub.split.text, options_.name, key_.public_key, timestamp,
                             [&](std::span<const uint8_t> m) -> Result<crypto::Signature> {
                               return crypto::Sign(key_, m);
                             }));

  return store::WriteValue(store_, [&](store::Tx& tx) -> Result<AddCheckpointResult> {
    QT_ASSIGN_OR_RETURN(auto current, ReadLog(tx, hash));
    if (!current || !current->active) {
      return Outcome(AddOutcome::kUnknownLog, "the log was removed meanwhile");
    }
    if (sub.old_size != current->size) {
      return Outcome(AddOutcome::kConflict, std::to_string(current->size) + "\n", current->size);
    }
    const auto [reason, conclusive] = CheckConsistency(sub, *current, signed_by_log);
    const UnixMillis now = options_.clock->NowMillis();
    if (!reason.empty()) {
      std::string proof;
      for (const auto& l : sub.proof_lines) proof += l + "\n";
      IdGenerator ids(*options_.clock, *options_.random);
      QT_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO fed_witness_evidence (id, origin_hash, submitted_hash, received_at, "
                  "old_size, proof, submitted, witnessed, reason, conclusive) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT (origin_hash, submitted_hash) DO NOTHING",
                  {ids.Next("wev"), hash, crypto::HexEncode(crypto::Sha256(sub.split.text)), now,
                   static_cast<int64_t>(sub.old_size), proof, sub.note, current->checkpoint, reason,
                   int64_t{conclusive ? 1 : 0}})
              .status());
      if (conclusive) {
        QT_RETURN_IF_ERROR(
            tx.Exec("UPDATE fed_witness_logs SET forked = 1 WHERE origin_hash = ?", {hash})
                .status());
      }
      return Outcome(AddOutcome::kInconsistent, reason);
    }
    // Compare-and-swap: the size read above is still the stored one.
    QT_ASSIGN_OR_RETURN(
        int64_t n,
        tx.Exec("UPDATE fed_witness_logs SET size = ?, root = ?, checkpoint = ?, updated_at = ? "
                "WHERE origin_hash = ? AND size = ?",
                {static_cast<int64_t>(sub.checkpoint.size),
                 store::Bytes(sub.checkpoint.root.begin(), sub.checkpoint.root.end()),
                 sub.split.text + "\n" + log_lines + cosignature, now, hash,
                 static_cast<int64_t>(current->size)}));
    if (n != 1) return Unavailable("the witnessed size changed meanwhile; try again");
    return Outcome(AddOutcome::kCosigned, cosignature);
  });
}

}  // namespace qt::federation
