#include "store/pg_store.h"

#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <unordered_map>

#include "store/internal/guarded_call.h"

namespace qt::store {
namespace {

// Type OIDs of pg_type.
constexpr Oid kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700,
              kFloat8 = 701;
// An arbitrary constant naming the one lock all writers take.
constexpr int64_t kWriterLock = 0x5174616e67;  // "Qtang"
constexpr int kMaxAttempts = 10;

Status PgError(const PGresult* res, PGconn* conn, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg =
      std::string(what) + ": " +
      (res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  std::string_view s = state ? state : "";
  if (s == "23505") return Conflict(msg);
  if (s == "23503" || s == "23514" || s == "23502") return FailedPrecondition(msg);
  if (s == "40001" || s == "40P01") return Unavailable(msg);  // retried by Write
  if (s == "25006") return Internal("write statement in a read transaction: " + msg);
  return Internal(msg);
}

bool IsRetryable(const Status& s, const std::string& last_state) {
  return s.code() == StatusCode::kUnavailable && (last_state == "40001" || last_state == "40P01");
}

Value DecodeValue(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return nullptr;
  const char* v = PQgetvalue(res, row, col);
  switch (PQftype(res, col)) {
    case kInt2:
    case kInt4:
    case kInt8:
      return static_cast<int64_t>(std::strtoll(v, nullptr, 10));
    case kBool:
      return int64_t{v[0] == 't' ? 1 : 0};
    case kFloat4:
    case kFloat8:
      return std::strtod(v, nullptr);
    case kBytea: {
      size_t len = 0;
      unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(v), &len);
      Bytes b(raw, raw + len);
      PQfreemem(raw);
      return b;
    }
    default:
      return std::string(v, static_cast<size_t>(PQgetlength(res, row, col)));
  }
}

}  // namespace

// One libpq connection with its prepared statements. Used by one thread at a time.
class PgConnection final : public Tx {
 public:
  ~PgConnection() override { PQfinish(conn_); }

  static Result<std::unique_ptr<PgConnection>> Open(const std::string& url) {
    PGconn* c = PQconnectdb(url.c_str());
    auto conn = std::unique_ptr<PgConnection>(new PgConnection(c));
    if (PQstatus(c) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(c);
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      return Unavailable("cannot connect to PostgreSQL: " + msg);
    }
    QT_RETURN_IF_ERROR(conn->ExecScript("SET client_min_messages = warning"));
    return conn;
  }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    QT_ASSIGN_OR_RETURN(PGresult * res, Execute(sql, params));
    Rows rows;
    const int n = PQntuples(res), cols = PQnfields(res);
    rows.reserve(n);
    auto names = std::make_shared<std::vector<std::string>>();
    for (int c = 0; c < cols; ++c) names->emplace_back(PQfname(res, c));
    for (int r = 0; r < n; ++r) {
      std::vector<Value> values;
      values.reserve(cols);
      for (int c = 0; c < cols; ++c) values.push_back(DecodeValue(res, r, c));
      rows.emplace_back(std::move(values), names);
    }
    PQclear(res);
    return rows;
  }

  Result<int64_t> Exec(std::string_view sql, const Params& params) override {
    QT_ASSIGN_OR_RETURN(PGresult * res, Execute(sql, params));
    const char* n = PQcmdTuples(res);
    int64_t changed = n && n[0] ? std::strtoll(n, nullptr, 10) : 0;
    PQclear(res);
    return changed;
  }

  Status ExecScript(std::string_view sql) override {
    PGresult* res = PQexec(conn_, std::string(sql).c_str());
    Status s = OkStatus();
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
      Remember(res);
      s = PgError(res, conn_, "statement failed");
    }
    PQclear(res);
    return s;
  }

  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  const std::string& last_state() const { return last_state_; }
  void clear_state() { last_state_.clear(); }

 private:
  explicit PgConnection(PGconn* c) : conn_(c) {}

  void Remember(const PGresult* res) {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    if (state) last_state_ = state;
  }

  Result<PGresult*> Execute(std::string_view sql, const Params& params) {
    auto it = prepared_.find(std::string(sql));
    if (it == prepared_.end()) {
      std::string name = "s" + std::to_string(prepared_.size());
      std::vector<Oid> types;
      for (const Value& p : params) {
        types.push_back(std::holds_alternative<int64_t>(p)  ? kInt8
                        : std::holds_alternative<double>(p) ? kFloat8
                        : std::holds_alternative<Bytes>(p)  ? kBytea
                                                            : 0);
      }
      PGresult* res = PQprepare(conn_, name.c_str(), PgStore::NumberPlaceholders(sql).c_str(),
                                static_cast<int>(types.size()), types.data());
      if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        Remember(res);
        Status s = PgError(res, conn_, "cannot prepare '" + std::string(sql) + "'");
        PQclear(res);
        return s;
      }
      PQclear(res);
      it = prepared_.emplace(std::string(sql), name).first;
    }
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size()), formats(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& p = params[i];
      if (std::holds_alternative<std::nullptr_t>(p)) {
        values[i] = nullptr;
        continue;
      }
      if (const auto* b = std::get_if<Bytes>(&p)) {
        values[i] = reinterpret_cast<const char*>(b->data());
        lengths[i] = static_cast<int>(b->size());
        formats[i] = 1;  // binary
        continue;
      }
      if (const auto* n = std::get_if<int64_t>(&p)) text[i] = std::to_string(*n);
      if (const auto* d = std::get_if<double>(&p)) text[i] = std::to_string(*d);
      if (const auto* s = std::get_if<std::string>(&p)) text[i] = *s;
      values[i] = text[i].c_str();
    }
    PGresult* res = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                                   values.data(), lengths.data(), formats.data(), 0);
    const ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      Remember(res);
      Status s = PgError(res, conn_, "statement failed");
      PQclear(res);
      return s;
    }
    return res;
  }

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;
  std::string last_state_;
};

std::string PgStore::NumberPlaceholders(std::string_view sql) {
  std::string out;
  int n = 0;
  bool in_literal = false;
  for (char c : sql) {
    if (c == '\'') in_literal = !in_literal;
    if (c == '?' && !in_literal) {
      out += "$" + std::to_string(++n);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

PgStore::PgStore(const std::string& url, const StoreOptions& options)
    : latency_(options.metrics),
      pool_(options.max_connections, [url] { return PgConnection::Open(url); }) {}

PgStore::~PgStore() = default;

Result<std::unique_ptr<PgStore>> PgStore::Open(const std::string& url,
                                               const StoreOptions& options) {
  if (options.max_connections < 1) return InvalidArgument("max_connections must be at least 1");
  auto store = std::unique_ptr<PgStore>(new PgStore(url, options));
  QT_ASSIGN_OR_RETURN(auto conn, store->pool_.Acquire());
  store->pool_.Release(std::move(conn), true);
  return store;
}

Status PgStore::Read(const std::function<Status(Tx&)>& fn) {
  auto start = std::chrono::steady_clock::now();
  QT_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  bool retry = false;
  Status s = RunOnce(*conn, false, fn, retry);
  const bool healthy = !conn->broken();
  pool_.Release(std::move(conn), healthy);
  latency_.Record(false, start);
  return s;
}

Status PgStore::Write(const std::function<Status(Tx&)>& fn) {
  auto start = std::chrono::steady_clock::now();
  Status s;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    QT_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    bool retry = false;
    s = RunOnce(*conn, true, fn, retry);
    const bool healthy = !conn->broken();
    pool_.Release(std::move(conn), healthy);
    if (!retry) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(attempt));
  }
  latency_.Record(true, start);
  return s;
}

Status PgStore::RunOnce(PgConnection& conn, bool write, const std::function<Status(Tx&)>& fn,
                        bool& retry) {
  conn.clear_state();
  // A writer first takes the one writer lock, then works in READ COMMITTED:
  // every statement after the lock sees all that earlier writers committed.
  // (Under REPEATABLE READ or SERIALIZABLE the snapshot would be taken by the
  // lock statement itself, before the lock is granted, and so be stale.)
  Status s = conn.ExecScript(write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                                   : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!s.ok()) return s;
  if (write) {
    s = conn.Exec("SELECT pg_advisory_xact_lock(?)", {kWriterLock}).status();
  }
  if (s.ok()) s = internal::GuardedCall(fn, conn);
  if (s.ok()) s = conn.ExecScript("COMMIT");
  if (!s.ok()) {
    (void)conn.ExecScript("ROLLBACK");
    retry = write && IsRetryable(s, conn.last_state());
  }
  return s;
}

}  // namespace qt::store
