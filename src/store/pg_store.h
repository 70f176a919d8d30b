// PgStore: the Store on PostgreSQL, for several `qiantang serve` processes
// sharing one database.
//
// Built on libpq (the library libpqxx wraps; its 6.4 release in Debian 12 has
// no way to bind one list of parameters of mixed types, bytea included).
// Connections are pooled; each caches its prepared statements by SQL text; "?"
// placeholders become $1, $2, ... outside string literals.
//
// Isolation and concurrency (docs/ARCHITECTURE.md, "Several processes"):
//   - Read runs REPEATABLE READ READ ONLY: one snapshot for the callback.
//   - Write first takes a transaction-scoped advisory lock (the writer lock),
//     then runs READ COMMITTED, so every statement sees all that earlier
//     writers committed: writers across all processes are serialised exactly
//     as SQLite's single writer serialises them, so the ledger has one order
//     and numbering or redemption cannot race. Readers never wait for it. A
//     serialisation failure or deadlock (40001, 40P01) rolls back and runs the
//     callback again (up to 10 times), so a Write callback must have no
//     effect outside its Tx but its results.
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_STORE_PG_STORE_H_
#define QIANTANG_STORE_PG_STORE_H_

#include <memory>
#include <string>

#include "store/internal/connection_pool.h"
#include "store/internal/tx_latency.h"
#include "store/store.h"

namespace qt::store {

class PgConnection;

class PgStore final : public Store {
 public:
  static Result<std::unique_ptr<PgStore>> Open(const std::string& url, const StoreOptions& options);
  ~PgStore() override;

  Status Read(const std::function<Status(Tx&)>& fn) override;
  Status Write(const std::function<Status(Tx&)>& fn) override;
  std::string_view backend() const override { return "postgresql"; }

  // "?" -> "$n" outside single-quoted literals. Exposed for tests.
  static std::string NumberPlaceholders(std::string_view sql);

 private:
  PgStore(const std::string& url, const StoreOptions& options);
  Status RunOnce(PgConnection& conn, bool write, const std::function<Status(Tx&)>& fn, bool& retry);

  internal::TxLatency latency_;
  internal::ConnectionPool<PgConnection> pool_;
};

}  // namespace qt::store

#endif  // QIANTANG_STORE_PG_STORE_H_
