// Witness: this node's C2SP tlog-witness, which cosigns the checkpoints of the
// logs its operator lists (peer cities' ledgers, or any C2SP log) after
// checking that each extends the last one it cosigned.
//
// add-checkpoint (tlog-witness "add-checkpoint"): the body is "old <size>\n",
// at most 63 base64 consistency proof lines, a blank line and a signed
// checkpoint. The outcomes and the HTTP status each maps to:
//   kMalformed     400  the body cannot be read, or old size > checkpoint size
//   kUnknownLog    404  no active log with the checkpoint's origin
//   kUnverified    403  no valid signature by the log's key, or a bad one
//   kConflict      409  old size is not the size last cosigned (`size` says it)
//   kInconsistent  422  the proof does not verify, a proof came with old 0,
//                       a size-0 checkpoint's root is not the empty root, or
//                       the size equals the last cosigned and the root differs
//   kCosigned      200  `body` is the cosignature line
// Checking the old size and storing the new checkpoint happen in one write
// transaction (compare-and-swap on the stored size), so concurrent requests
// can never roll the witness back.
//
// Evidence: a 422 on a checkpoint the log did sign is kept (both checkpoints,
// the proof and the reason), once per submitted checkpoint, so replays do not
// grow it. An equal size with a different root is conclusive (two signed
// tree heads that cannot both be true): it flags the log as forked. A failed
// proof is kept but flags the log only when the log's own node signed the
// request (it vouches for the proof): anyone else may submit a log's genuine
// checkpoint beside a wrong proof.
//
// The witness key is made on first start and kept sealed under the master key
// (associated data "federation.witness"). Adding and removing logs are
// journaled; cosignatures are not (a witness journaling its peers' checkpoints
// would make every peer's log grow in step with every other's). A removed log
// is only deactivated: adding it again keeps its last cosigned size.
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_FEDERATION_WITNESS_H_
#define QIANTANG_FEDERATION_WITNESS_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/random.h"
#include "crypto/ed25519.h"
#include "crypto/sealed_box.h"
#include "ledger/journal.h"
#include "ledger/merkle.h"
#include "store/store.h"

namespace qt::federation {

struct WitnessOptions {
  std::string name = "hangzhou.qiantang/witness";  // the cosigner key's name
  const Clock* clock = nullptr;                    // required
  Random* random = nullptr;                        // required
  const crypto::MasterKey* master_key = nullptr;   // required
  ledger::Journal* journal = nullptr;              // required
  MetricsRegistry* metrics = nullptr;              // may be null
};

struct WitnessedLog {
  std::string origin;
  std::string origin_hash;  // lowercase hex SHA-256 of the origin, the monitoring path
  std::string vkey;         // the log's checkpoint key
  bool active = true;
  uint64_t size = 0;  // the last cosigned size (0: none yet)
  ledger::Hash root{};
  std::string checkpoint;  // that checkpoint with the log's signature and ours; "" if none
  bool forked = false;     // conclusive evidence of a fork is kept
  int64_t evidence = 0;    // 422s kept for this log
  UnixMillis added_at = 0, updated_at = 0;
};

struct Evidence {
  std::string id;
  std::string origin;
  UnixMillis received_at = 0;
  uint64_t old_size = 0;
  std::vector<std::string> proof;  // base64 lines, as sent
  std::string submitted;           // the checkpoint refused
  std::string witnessed;           // the one cosigned before it ("" if none)
  std::string reason;
  bool conclusive = false;
};

enum class AddOutcome { kCosigned, kMalformed, kUnknownLog, kUnverified, kConflict, kInconsistent };

struct AddCheckpointResult {
  AddOutcome outcome = AddOutcome::kMalformed;
  std::string body;   // the cosignature line, or why not
  uint64_t size = 0;  // kConflict: the size last cosigned
};

class Witness {
 public:
  // Loads or makes the witness key.
  static Result<std::unique_ptr<Witness>> Open(store::Store& store, WitnessOptions options);
  static std::vector<store::Migration> Migrations();

  const std::string& name() const { return options_.name; }
  // The cosigner vkey (type 0x04) verifiers put in their policies.
  std::string VerifierKey() const;

  // `vkey` is the log's checkpoint vkey; its key name is the origin.
  // kInvalidArgument for a bad vkey; kConflict if an active log has this
  // origin with another key. Re-adding a removed log keeps its state.
  Result<WitnessedLog> AddLog(const std::string& actor, std::string_view vkey);
  // kNotFound unless an active log has this origin hash.
  Status RemoveLog(const std::string& actor, std::string_view origin_hash);
  // Logs in origin order after `after_origin` (""), at most `limit`.
  Result<std::vector<WitnessedLog>> Logs(std::string_view after_origin, int limit);
  Result<WitnessedLog> Log(std::string_view origin_hash);
  Result<std::vector<Evidence>> EvidenceFor(std::string_view origin_hash);

  // tlog-witness add-checkpoint; a Status only for a failure of the store.
  // `signed_by_log` is the origin of the log whose own node signed the
  // request (a peer, federation/peers.h), or "".
  Result<AddCheckpointResult> AddCheckpoint(std::string_view body,
                                            std::string_view signed_by_log = "");
  // tlog-witness monitoring read; kNotFound if the log was never cosigned.
  Result<std::string> LatestCheckpoint(std::string_view origin_hash);

 private:
  Witness(store::Store& store, WitnessOptions options, crypto::SigningKey key);
  Result<AddCheckpointResult> Record(std::string_view body, std::string_view signed_by_log);

  store::Store& store_;
  WitnessOptions options_;
  crypto::SigningKey key_;
};

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_WITNESS_H_
