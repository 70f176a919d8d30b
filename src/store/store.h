// Store: the database behind every module, with transactions and numbered
// schema migrations.
//
// Modules speak SQL through Tx and never see the backend. The SQL they write is
// the portable subset that SQLite and PostgreSQL share: types TEXT, BIGINT,
// BYTEA, DOUBLE PRECISION; "?" placeholders (a PostgreSQL backend rewrites them
// to $n); no AUTOINCREMENT (ids come from core/ids.h).
//
// A transaction runs a callback: if it returns OK the transaction commits, else
// it rolls back and nothing it wrote is kept. A committed Write is durable.
//
// Thread-safety: a Store is safe for concurrent use; a Tx belongs to the
// callback that received it and must not escape it.
//
// Example:
//   Status s = store.Write([&](Tx& tx) -> Status {
//     QT_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE orgs SET name = ? WHERE id = ?",
//                                            {name, id}));
//     return n == 1 ? OkStatus() : NotFound("no such organisation");
//   });
#ifndef QIANTANG_STORE_STORE_H_
#define QIANTANG_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/metrics.h"
#include "core/status.h"

namespace qt::store {

using Bytes = std::vector<uint8_t>;
using Value = std::variant<std::nullptr_t, int64_t, double, std::string, Bytes>;
using Params = std::vector<Value>;

// The names of a result's columns, shared by its rows: a column's own name, or
// its `AS` alias (give every computed column one, e.g. `COUNT(*) AS n`).
using ColumnNames = std::shared_ptr<const std::vector<std::string>>;

// One result row. A row read back is stored data, which a hand edit, another
// build or a bug may have left in any shape, so accessors never fail: a column
// missing or of another type than asked reads as 0 or empty, and the first
// such read is remembered in status(). Decoders of stored rows go through
// store::Decode (decode.h), which turns a bad status() into an error for the
// request that read the row.
//
// Decoders read columns by name (`r.Text("state")`), so that a SELECT's order
// can change without silently shifting every field after it.
class Row {
 public:
  explicit Row(std::vector<Value> values, ColumnNames names = nullptr)
      : values_(std::move(values)), names_(std::move(names)) {}
  size_t size() const { return values_.size(); }
  bool IsNull(std::string_view column) const;
  int64_t Int(std::string_view column) const;
  const std::string& Text(std::string_view column) const;
  const Bytes& Blob(std::string_view column) const;
  // By position, for results whose shape is the query itself (one COUNT).
  bool IsNull(size_t i) const;
  int64_t Int(size_t i) const;
  const std::string& Text(size_t i) const;
  const Bytes& Blob(size_t i) const;
  // OK, or internal naming the first column read as a type it does not hold.
  Status status() const;

 private:
  // The position of `column`, or size() (and a mismatch) if there is none.
  size_t Find(std::string_view column) const;
  void Mismatch(size_t i, const char* wanted) const;
  std::vector<Value> values_;
  ColumnNames names_;
  mutable size_t next_ = 0;       // where Find looks first
  mutable std::string mismatch_;  // empty while every read matched
};
using Rows = std::vector<Row>;

class Tx {
 public:
  virtual ~Tx() = default;
  virtual Result<Rows> Query(std::string_view sql, const Params& params = {}) = 0;
  // Returns the number of rows changed. A UNIQUE or PRIMARY KEY violation is
  // kConflict; a FOREIGN KEY or CHECK violation is kFailedPrecondition.
  virtual Result<int64_t> Exec(std::string_view sql, const Params& params = {}) = 0;
  // Several statements without parameters (migrations).
  virtual Status ExecScript(std::string_view sql) = 0;
};

// A schema change. Each module numbers its own migrations 1, 2, 3...; a
// migration is applied once, in its own transaction, and recorded.
struct Migration {
  std::string module;
  int version;
  std::string description;
  std::string sql;  // may be empty when `data` does the work
  // Runs after `sql` in the same transaction: a change of stored values that
  // the portable SQL cannot make (rewriting JSON text). Optional.
  std::function<Status(Tx&)> data = nullptr;
};

class Store {
 public:
  virtual ~Store() = default;
  // A read-only snapshot transaction.
  virtual Status Read(const std::function<Status(Tx&)>& fn) = 0;
  // A serializable write transaction. On PostgreSQL the callback may run more
  // than once (after a serialisation failure), so it must have no effect
  // outside its Tx but assigning its results.
  virtual Status Write(const std::function<Status(Tx&)>& fn) = 0;
  // "sqlite" or "postgresql".
  virtual std::string_view backend() const = 0;
};

struct StoreOptions {
  // Transaction latencies go to qiantang_db_transaction_seconds{mode}; may be null.
  MetricsRegistry* metrics = nullptr;
  // SQLite: how long a writer waits for another process's lock.
  int busy_timeout_ms = 5000;
  // SQLite: at most this many open connections.
  int max_connections = 8;
};

// Applies the migrations not yet applied, in order, each in its own write
// transaction: modules in the order of their first migration in `migrations`,
// each module's by version. Fails if the database has a migration of a module
// this binary does not know (it was written by a newer version), or if a
// module's versions are not numbered 1, 2, 3... with none missing or repeated.
Status Migrate(Store& store, std::span<const Migration> migrations);

// Opens "sqlite:PATH" (the file and its folder are created if missing) or
// "postgresql://user@host:port/db" (PgStore).
Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const StoreOptions& options);

}  // namespace qt::store

#endif  // QIANTANG_STORE_STORE_H_
