// Witnessing: this node's ledger cosigned by its peers' witnesses.
//
// A C2SP tlog-policy names the node's log, the witnesses it asks (those with a
// URL, their submission prefix) and the quorum it needs: the operator's own
// (`serve --witness-policy FILE`, fixed), or, by default, one made afresh each
// round from the node's active peers (Peers::WitnessPolicy). Submissions are
// signed with the node key when `sign` is given. Round() submits the latest checkpoint to every
// witness with a URL that has not cosigned it yet (federation/submit.h, with proofs from this
// ledger), checks each answer under that witness's key and keeps the cosignature; a witness down,
// slow or refusing is logged, counted in qiantang_witness_submissions_total{witness,outcome} and
// asked again next round, and the others carry on. LatestWitnessed() is the latest checkpoint whose
// kept cosignatures meet the quorum, with them: what readers check with the same policy (`qiantang
// ledger verify checkpoint --policy`).
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_FEDERATION_WITNESSING_H_
#define QIANTANG_FEDERATION_WITNESSING_H_

#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "federation/policy.h"
#include "federation/submit.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace qt::federation {

struct WitnessingOptions {
  const Clock* clock = nullptr;        // required
  MetricsRegistry* metrics = nullptr;  // may be null
  int timeout_seconds = 10;            // per witness request
  RequestSigner sign{};                // may be null: submissions go unsigned
  // The pinned TLS key of the witness named `name` at `url` ("" for none: a
  // certificate chain is checked instead); may be null.
  std::function<std::string(const std::string& name, const std::string& url)> tls_pin_for{};
};

// The policy of the moment; kNotFound while there is none (no peers yet).
using PolicySource = std::function<Result<Policy>()>;

class Witnessing {
 public:
  // kInvalidArgument unless `policy` lists this ledger's log (its origin and
  // key) and at least one witness with a URL.
  static Result<std::unique_ptr<Witnessing>> Make(store::Store& store, ledger::Ledger& ledger,
                                                  Policy policy, WitnessingOptions options);
  // A policy asked of `source` at every round and read; each must list this
  // ledger's log.
  static std::unique_ptr<Witnessing> FromSource(store::Store& store, ledger::Ledger& ledger,
                                                PolicySource source, WitnessingOptions options);
  static std::vector<store::Migration> Migrations();

  // One round of submissions; the first failure (after trying every witness).
  Status Round();
  // kNotFound until a checkpoint meets the quorum.
  Result<std::string> LatestWitnessed();

 private:
  Witnessing(store::Store& store, ledger::Ledger& ledger, PolicySource source,
             WitnessingOptions options);
  Result<Policy> CurrentPolicy() const;
  void Count(const std::string& witness, const char* outcome);

  store::Store& store_;
  ledger::Ledger& ledger_;
  const PolicySource source_;
  const WitnessingOptions options_;
};

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_WITNESSING_H_
