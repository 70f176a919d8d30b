// PSI sessions on the provider's node: the server side of psi.h, governed by
// the data space's contracts.
//
// The consumer of a finalized contract whose psi permission allows the
// requested output and column starts a session with its own session id (32
// lowercase hex characters, fresh each time: a reused id is refused) and the
// number of items it will send. The node loads the column's distinct values
// from the product, records the session and meters one psi use of the
// contract (a provider-signed receipt, ledger events with the sizes, never
// items). Batches (at most `batch` points) are idempotent by index, so a
// client whose connection dropped resumes by resending; sessions idle for
// `session_ttl_ms` are abandoned (recorded as such). Session state lives in
// the process that started it.
//
// Within one node both organisations' columns are here: RunLocal runs the
// same protocol in process, each party with its own scalar.
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_PRIVACY_PSI_SERVICE_H_
#define QIANTANG_PRIVACY_PSI_SERVICE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "dataspace/dataspace.h"
#include "ledger/journal.h"
#include "privacy/psi.h"
#include "store/store.h"

namespace qt::privacy {

struct PsiServiceOptions {
  const Clock* clock = nullptr;               // required
  ledger::Journal* journal = nullptr;         // required
  dataspace::DataSpace* dataspace = nullptr;  // required
  int64_t batch = 65'536;                     // points per request, at most
  int64_t max_items = int64_t{1} << 24;       // per side
  int64_t session_ttl_ms = 3'600'000;
  unsigned threads = 0;  // 0: every core
};

struct PsiStart {
  std::string session_id{};
  std::string contract_id{};
  std::string column{};
  int64_t client_size = 0;
  PsiOutput output = PsiOutput::kSize;
  std::string purpose{};
  std::string region{};
};

struct PsiSession {
  std::string id;
  std::string contract_id;
  std::string consumer_id;
  std::string provider_id;
  std::string column;
  PsiOutput output = PsiOutput::kSize;
  int64_t server_size = 0, client_size = 0, received = 0, batch = 0;
  std::string state;  // open, finished, abandoned
  UnixMillis created_at = 0, updated_at = 0;
};

class PsiService {
 public:
  PsiService(store::Store& store, PsiServiceOptions options);
  static std::vector<store::Migration> Migrations();

  Result<PsiSession> Start(const accounts::Principal& caller, const PsiStart& start);
  Result<PsiSession> Get(const accounts::Principal& caller, const std::string& id);
  // Round 1 (see psi.h): the doubly blinded batch in order, or nothing in size mode.
  Result<std::vector<Point>> ClientBatch(const accounts::Principal& caller, const std::string& id,
                                         int64_t index, std::span<const Point> points);
  // Round 2: the server's blinded items, batch `index` of `batch` points (0:
  // the service's batch; a smaller one for a peer whose messages are smaller).
  Result<std::vector<Point>> ServerBatch(const accounts::Principal& caller, const std::string& id,
                                         int64_t index, int64_t batch = 0);
  // Size mode: the client's T_j, batch `index` (at most `batch` points), then
  // the one number the session tells (psi.h).
  Status Tally(const accounts::Principal& caller, const std::string& id, int64_t index,
               std::span<const Point> points);
  Result<int64_t> IntersectionSize(const accounts::Principal& caller, const std::string& id);
  Result<PsiSession> Finish(const accounts::Principal& caller, const std::string& id);

  // Sessions the caller's organisation is a party to, newest first, with
  // their total; a page's cursor is its last session's "<created_at>.<id>".
  Result<accounts::Page<PsiSession>> List(const accounts::Principal& caller,
                                          const accounts::PageRequest& page);

  // Both columns on this node: the caller's own product column against the
  // contract's. The caller learns what the contract allows.
  Result<PsiResult> RunLocal(const accounts::Principal& caller, const PsiStart& start,
                             const std::string& own_product_id, const std::string& own_column);
  // The same with the caller's items given (the demo, and a node acting for
  // its own organisation).
  Result<PsiResult> RunWithItems(const accounts::Principal& caller, const PsiStart& start,
                                 std::vector<std::string> items);

 private:
  struct Live {
    std::shared_ptr<PsiServer> server;
    std::string consumer_id;
    std::string contract_id;
    UnixMillis expires = 0;
  };
  Result<std::shared_ptr<PsiServer>> Find(const accounts::Principal& caller, const std::string& id);
  Result<int64_t> Batch(int64_t batch) const;
  Status SetState(const std::string& id, const std::string& actor, const std::string& state,
                  const nlohmann::json& payload);
  void AbandonExpired();

  store::Store& store_;
  PsiServiceOptions options_;
  std::mutex mu_;
  std::map<std::string, Live> live_;
};

// The distinct non-null values of a product's column (its SQLite file).
Result<std::vector<std::string>> ColumnValues(dataspace::DataSpace& space,
                                              const dataspace::Product& product,
                                              const std::string& column);

}  // namespace qt::privacy

#endif  // QIANTANG_PRIVACY_PSI_SERVICE_H_
