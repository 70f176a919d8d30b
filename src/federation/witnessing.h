// Witnessing: this node's ledger cosigned by its peers' witnesses.
//
// The node's own C2SP tlog-policy (`serve --witness-policy FILE`) names its
// log, the witnesses it asks (those with a URL, their submission prefix) and
// the quorum it needs. Round() submits the latest checkpoint to every witness
// with a URL that has not cosigned it yet (federation/submit.h, with proofs
// from this ledger), checks each answer under that witness's key and keeps the
// cosignature; a witness down, slow or refusing is logged, counted in
// qiantang_witness_submissions_total{witness,outcome} and asked again next
// round, and the others carry on. LatestWitnessed() is the latest checkpoint
// whose kept cosignatures meet the quorum, with them: what readers check with
// the same policy (`qiantang ledger verify checkpoint --policy`).
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_FEDERATION_WITNESSING_H_
#define QIANTANG_FEDERATION_WITNESSING_H_

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "federation/policy.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace qt::federation {

struct WitnessingOptions {
  const Clock* clock = nullptr;        // required
  MetricsRegistry* metrics = nullptr;  // may be null
  int timeout_seconds = 10;            // per witness request
};

class Witnessing {
 public:
  // kInvalidArgument unless `policy` lists this ledger's log (its origin and
  // key) and at least one witness with a URL.
  static Result<std::unique_ptr<Witnessing>> Make(store::Store& store, ledger::Ledger& ledger,
                                                  Policy policy, WitnessingOptions options);
  static std::vector<store::Migration> Migrations();

  // One round of submissions; the first failure (after trying every witness).
  Status Round();
  // kNotFound until a checkpoint meets the quorum.
  Result<std::string> LatestWitnessed();

 private:
  Witnessing(store::Store& store, ledger::Ledger& ledger, Policy policy, WitnessingOptions options);
  void Count(const std::string& witness, const char* outcome);

  store::Store& store_;
  ledger::Ledger& ledger_;
  const Policy policy_;
  const WitnessingOptions options_;
};

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_WITNESSING_H_
