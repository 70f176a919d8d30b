#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <string_view>
#include <unordered_map>

#include "store/internal/guarded_call.h"

namespace qt::store {
namespace {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Conflict(msg);
      }
      return FailedPrecondition(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(msg);
    default:
      return Internal(msg);
  }
}

}  // namespace

// One sqlite3 handle with its statement cache. Used by one thread at a time.
class SqliteConnection final : public Tx {
 public:
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path,
                                                        int busy_timeout_ms) {
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    auto conn = std::unique_ptr<SqliteConnection>(new SqliteConnection(db));
    if (rc != SQLITE_OK) return SqliteError(db, rc, "cannot open database '" + path + "'");
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy_timeout_ms);
    QT_RETURN_IF_ERROR(conn->ExecScript(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
    return conn;
  }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    QT_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    Rows rows;
    ColumnNames names = ReadNames(stmt);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) rows.push_back(ReadRow(stmt, names));
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "query failed");
    return rows;
  }

  Result<int64_t> Exec(std::string_view sql, const Params& params) override {
    if (read_only_) return Internal("write statement in a read transaction");
    QT_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    int ext = sqlite3_extended_errcode(db_);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return SqliteError(db_, ext, "statement failed");
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Status ExecScript(std::string_view sql) override {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return SqliteError(nullptr, rc, msg);
    }
    return OkStatus();
  }

  void set_read_only(bool v) { read_only_ = v; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  Result<sqlite3_stmt*> Prepare(std::string_view sql, const Params& params) {
    auto it = cache_.find(std::string(sql));
    sqlite3_stmt* stmt;
    if (it != cache_.end()) {
      stmt = it->second;
    } else {
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "cannot prepare '" + std::string(sql) + "'");
      cache_.emplace(std::string(sql), stmt);
    }
    sqlite3_clear_bindings(stmt);
    if (static_cast<size_t>(sqlite3_bind_parameter_count(stmt)) != params.size()) {
      return Internal("statement wants " + std::to_string(sqlite3_bind_parameter_count(stmt)) +
                      " parameters, got " + std::to_string(params.size()));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
              return sqlite3_bind_null(stmt, idx);
            } else if constexpr (std::is_same_v<T, int64_t>) {
              return sqlite3_bind_int64(stmt, idx, v);
            } else if constexpr (std::is_same_v<T, double>) {
              return sqlite3_bind_double(stmt, idx, v);
            } else if constexpr (std::is_same_v<T, std::string>) {
              return sqlite3_bind_text64(stmt, idx, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
            } else {
              return sqlite3_bind_blob64(stmt, idx, v.data(), v.size(), SQLITE_STATIC);
            }
          },
          params[i]);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "cannot bind parameter");
    }
    return stmt;
  }

  static ColumnNames ReadNames(sqlite3_stmt* stmt) {
    auto names = std::make_shared<std::vector<std::string>>();
    const int n = sqlite3_column_count(stmt);
    for (int i = 0; i < n; ++i) {
      const char* name = sqlite3_column_name(stmt, i);
      names->emplace_back(name ? name : "");
    }
    return names;
  }

  static Row ReadRow(sqlite3_stmt* stmt, const ColumnNames& names) {
    int n = sqlite3_column_count(stmt);
    std::vector<Value> values;
    values.reserve(n);
    for (int i = 0; i < n; ++i) {
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER:
          values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, i)));
          break;
        case SQLITE_FLOAT:
          values.emplace_back(sqlite3_column_double(stmt, i));
          break;
        case SQLITE_TEXT:
          values.emplace_back(
              std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)),
                          sqlite3_column_bytes(stmt, i)));
          break;
        case SQLITE_BLOB: {
          auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt, i));
          values.emplace_back(Bytes(p, p + sqlite3_column_bytes(stmt, i)));
          break;
        }
        default:
          values.emplace_back(nullptr);
      }
    }
    return Row(std::move(values), names);
  }

  sqlite3* db_;
  bool read_only_ = false;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

SqliteStore::SqliteStore(const std::string& path, const StoreOptions& options)
    : latency_(options.metrics),
      pool_(options.max_connections, [path, timeout = options.busy_timeout_ms] {
        return SqliteConnection::Open(path, timeout);
      }) {}

SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       const StoreOptions& options) {
  if (options.max_connections < 1) return InvalidArgument("max_connections must be at least 1");
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return Internal("cannot create folder '" + parent.string() + "': " + ec.message());
  auto store = std::unique_ptr<SqliteStore>(new SqliteStore(path, options));
  // Open one connection now, so a bad path fails here rather than on first use.
  QT_ASSIGN_OR_RETURN(auto conn, store->pool_.Acquire());
  store->pool_.Release(std::move(conn), true);
  return store;
}

Status SqliteStore::Read(const std::function<Status(Tx&)>& fn) { return Run(false, fn); }

Status SqliteStore::Write(const std::function<Status(Tx&)>& fn) { return Run(true, fn); }

Status SqliteStore::Run(bool write, const std::function<Status(Tx&)>& fn) {
  auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> writer;
  if (write) writer = std::unique_lock(write_mu_);
  QT_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());

  Status s = conn->ExecScript(write ? "BEGIN IMMEDIATE" : "BEGIN");
  if (s.ok()) {
    conn->set_read_only(!write);
    s = internal::GuardedCall(fn, *conn);
    conn->set_read_only(false);
    if (s.ok()) {
      s = conn->ExecScript("COMMIT");
    }
    if (!s.ok()) (void)conn->ExecScript("ROLLBACK");
  }
  pool_.Release(std::move(conn), true);
  latency_.Record(write, start);
  return s;
}

}  // namespace qt::store
