#include "federation/witnessing.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "federation/cosignature.h"
#include "federation/submit.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::federation {
namespace {

constexpr int kSizesTried = 20;  // LatestWitnessed looks at this many newest sizes

}  // namespace

Result<std::unique_ptr<Witnessing>> Witnessing::Make(store::Store& store, ledger::Ledger& ledger,
                                                     Policy policy, WitnessingOptions options) {
  if (options.clock == nullptr) return InvalidArgument("witnessing: a clock is required");
  QT_ASSIGN_OR_RETURN(ledger::NoteVerifier own, ledger::ParseVerifierKey(ledger.VerifierKey()));
  bool listed = false;
  for (const auto& l : policy.logs()) listed = listed || (l.name == own.name && l.key == own.key);
  if (!listed) {
    return InvalidArgument("witness policy: it must list this node's log (log " +
                           ledger.VerifierKey() + ")");
  }
  bool any_url = false;
  for (const auto& w : policy.witnesses()) any_url = any_url || !w.url.empty();
  if (!any_url) return InvalidArgument("witness policy: no witness has a URL to submit to");
  return FromSource(
      store, ledger, [policy = std::move(policy)]() -> Result<Policy> { return policy; },
      std::move(options));
}

std::unique_ptr<Witnessing> Witnessing::FromSource(store::Store& store, ledger::Ledger& ledger,
                                                   PolicySource source, WitnessingOptions options) {
  return std::unique_ptr<Witnessing>(
      new Witnessing(store, ledger, std::move(source), std::move(options)));
}

Witnessing::Witnessing(store::Store& store, ledger::Ledger& ledger, PolicySource source,
                       WitnessingOptions options)
    : store_(store), ledger_(ledger), source_(std::move(source)), options_(std::move(options)) {}

Result<Policy> Witnessing::CurrentPolicy() const {
  QT_ASSIGN_OR_RETURN(Policy policy, source_());
  QT_ASSIGN_OR_RETURN(ledger::NoteVerifier own, ledger::ParseVerifierKey(ledger_.VerifierKey()));
  for (const auto& l : policy.logs()) {
    if (l.name == own.name && l.key == own.key) return policy;
  }
  return FailedPrecondition("the witness policy does not list this node's log");
}

void Witnessing::Count(const std::string& witness, const char* outcome) {
  if (options_.metrics == nullptr) return;
  options_.metrics
      ->GetCounter("qiantang_witness_submissions_total",
                   "this node's checkpoints submitted to its policy's witnesses, by outcome",
                   {{"witness", witness}, {"outcome", outcome}})
      .Increment();
}

Status Witnessing::Round() {
  auto latest = ledger_.LatestCheckpoint();
  if (!latest.ok() && latest.status().code() == StatusCode::kNotFound) return OkStatus();
  QT_RETURN_IF_ERROR(latest.status());
  const ledger::StoredCheckpoint& cp = *latest;
  const auto size = static_cast<int64_t>(cp.checkpoint.size);

  // The witnesses that have cosigned this size already.
  QT_ASSIGN_OR_RETURN(
      const std::vector<std::string> done,
      store::ReadValue(store_, [&](store::Tx& tx) -> Result<std::vector<std::string>> {
        QT_ASSIGN_OR_RETURN(
            store::Rows rows,
            tx.Query("SELECT witness FROM fed_cosignatures WHERE size = ?", {size}));
        std::vector<std::string> out;
        out.reserve(rows.size());
        for (const auto& r : rows) out.push_back(r.Text("witness"));
        return out;
      }));

  auto policy = CurrentPolicy();
  if (!policy.ok() && policy.status().code() == StatusCode::kNotFound) return OkStatus();
  QT_RETURN_IF_ERROR(policy.status());
  Status first_failure = OkStatus();
  for (const PolicyWitness& w : policy->witnesses()) {
    if (w.url.empty() || std::find(done.begin(), done.end(), w.name) != done.end()) continue;
    Status s = [&]() -> Status {
      QT_ASSIGN_OR_RETURN(
          std::string lines,
          SubmitCheckpoint(
              w.url, cp.note,
              [&](uint64_t from, uint64_t to) -> Result<std::vector<ledger::Bytes>> {
                QT_ASSIGN_OR_RETURN(auto hashes, ledger_.ConsistencyProof(from, to));
                return ledger::ToBytes(hashes);
              },
              options_.timeout_seconds, options_.sign,
              options_.tls_pin_for ? options_.tls_pin_for(w.name, w.url) : ""));
      // Keep only the witness's own valid line.
      QT_ASSIGN_OR_RETURN(ledger::SplitNoteResult split, ledger::SplitNote(cp.note + lines));
      QT_ASSIGN_OR_RETURN(auto valid, VerifyCosignatures(cp.note + lines, {w.key}));
      if (valid.empty()) return FailedPrecondition("the answer holds no cosignature by its key");
      std::string line;
      for (const auto& sig : split.signatures) {
        if (sig.name == w.key.name && sig.key_id == w.key.key_id) line = sig.line + "\n";
      }
      return store_.Write([&](store::Tx& tx) -> Status {
        return tx
            .Exec(
                "INSERT INTO fed_cosignatures (size, witness, line, received_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (size, witness) DO NOTHING",
                {size, w.name, line, options_.clock->NowMillis()})
            .status();
      });
    }();
    Count(w.name, s.ok() ? "cosigned" : "failed");
    if (!s.ok()) {
      spdlog::warn("witness {} ({}): {}", w.name, w.url, s.ToString());
      if (first_failure.ok()) first_failure = s.WithContext("witness " + w.name);
    }
  }
  return first_failure;
}

Result<std::string> Witnessing::LatestWitnessed() {
  auto policy = CurrentPolicy();
  if (!policy.ok() && policy.status().code() == StatusCode::kNotFound) {
    return NotFound("this node has no witnesses yet (no witness policy, no active peers)");
  }
  QT_RETURN_IF_ERROR(policy.status());
  struct Cosignature {
    int64_t size;      // of the checkpoint cosigned
    std::string line;  // the witness's signature line
  };
  // Newest size first.
  QT_ASSIGN_OR_RETURN(
      const std::vector<Cosignature> lines,
      store::ReadValue(store_, [&](store::Tx& tx) -> Result<std::vector<Cosignature>> {
        QT_ASSIGN_OR_RETURN(
            store::Rows rows,
            tx.Query(
                "SELECT size, line FROM fed_cosignatures WHERE size IN (SELECT DISTINCT size "
                "FROM fed_cosignatures ORDER BY size DESC LIMIT ?) ORDER BY size DESC, witness",
                {int64_t{kSizesTried}}));
        std::vector<Cosignature> out;
        out.reserve(rows.size());
        for (const auto& r : rows) {
          out.push_back({r.Int("size"), r.Text("line")});
          if (!r.status().ok()) {
            return store::DamagedRow("fed_cosignatures", r, r.status().message());
          }
        }
        return out;
      }));
  for (size_t i = 0; i < lines.size();) {
    const int64_t size = lines[i].size;
    std::string cosignatures;
    for (; i < lines.size() && lines[i].size == size; ++i) cosignatures += lines[i].line;
    QT_ASSIGN_OR_RETURN(ledger::StoredCheckpoint cp,
                        ledger_.CheckpointAt(static_cast<uint64_t>(size)));
    auto verdict = policy->Check(cp.note + cosignatures);
    if (verdict.ok() && verdict->quorum) return cp.note + cosignatures;
  }
  return NotFound("no checkpoint of this node meets its witness policy's quorum yet");
}

}  // namespace qt::federation
