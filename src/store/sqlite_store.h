// SqliteStore: the embedded Store, one SQLite file in WAL mode.
//
// Settings: WAL journal, foreign keys on, synchronous=FULL (a committed write
// survives a crash of the process and of the machine), a busy timeout for other
// processes' locks. Connections are pooled (up to max_connections); each keeps
// its prepared statements cached by SQL text. Writers in this process are
// serialised before SQLite sees them, and take the write lock up front
// (BEGIN IMMEDIATE), so a write transaction never fails half-way on a lock.
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_STORE_SQLITE_STORE_H_
#define QIANTANG_STORE_SQLITE_STORE_H_

#include <memory>
#include <mutex>
#include <string>

#include "store/internal/connection_pool.h"
#include "store/internal/tx_latency.h"
#include "store/store.h"

namespace qt::store {

class SqliteConnection;

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   const StoreOptions& options);
  ~SqliteStore() override;

  Status Read(const std::function<Status(Tx&)>& fn) override;
  Status Write(const std::function<Status(Tx&)>& fn) override;
  std::string_view backend() const override { return "sqlite"; }

 private:
  SqliteStore(const std::string& path, const StoreOptions& options);
  Status Run(bool write, const std::function<Status(Tx&)>& fn);

  internal::TxLatency latency_;
  std::mutex write_mu_;  // serialises this process's writers
  internal::ConnectionPool<SqliteConnection> pool_;
};

}  // namespace qt::store

#endif  // QIANTANG_STORE_SQLITE_STORE_H_
