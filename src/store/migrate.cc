#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "core/clock.h"
#include "store/store.h"

namespace qt::store {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " module TEXT NOT NULL, version BIGINT NOT NULL, description TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL, PRIMARY KEY (module, version))";

Status CheckNumbering(std::span<const Migration> migrations) {
  std::map<std::string, int> last;
  for (const Migration& m : migrations) {
    int& prev = last[m.module];
    if (m.version != prev + 1) {
      return Internal("migrations of module '" + m.module + "' are not numbered 1, 2, 3...: " +
                      std::to_string(m.version) + " follows " + std::to_string(prev));
    }
    prev = m.version;
  }
  return OkStatus();
}

// Each module's migrations in version order, at the place of its first one:
// a service may add a later version of its module after another service's
// (the federation's peers, catalog and negotiations share one numbering).
std::vector<Migration> GroupedByModule(std::span<const Migration> migrations) {
  std::map<std::string, size_t> first;
  for (size_t i = 0; i < migrations.size(); ++i) first.try_emplace(migrations[i].module, i);
  std::vector<Migration> out(migrations.begin(), migrations.end());
  std::stable_sort(out.begin(), out.end(), [&](const Migration& a, const Migration& b) {
    return std::pair(first[a.module], a.version) < std::pair(first[b.module], b.version);
  });
  return out;
}

}  // namespace

Status Migrate(Store& store, std::span<const Migration> given) {
  const std::vector<Migration> migrations = GroupedByModule(given);
  QT_RETURN_IF_ERROR(CheckNumbering(migrations));
  QT_RETURN_IF_ERROR(store.Write([](Tx& tx) { return tx.ExecScript(kCreateTable); }));

  std::set<std::pair<std::string, int64_t>> applied;
  QT_RETURN_IF_ERROR(store.Read([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT module, version FROM schema_migrations"));
    for (const Row& r : rows) applied.emplace(r.Text("module"), r.Int("version"));
    return OkStatus();
  }));
  std::set<std::pair<std::string, int64_t>> known;
  for (const Migration& m : migrations) known.emplace(m.module, m.version);
  for (const auto& [module, version] : applied) {
    if (!known.contains({module, version})) {
      return FailedPrecondition("the database has migration " + module + "/" +
                                std::to_string(version) +
                                ", which this binary does not know: it was written by a newer "
                                "version of qiantang");
    }
  }

  for (const Migration& m : migrations) {
    if (applied.contains({m.module, m.version})) continue;
    // Checked again inside the transaction: several processes may start at once
    // (their write transactions are serialised, so one applies it, the others skip).
    Status s = store.Write([&](Tx& tx) -> Status {
      QT_ASSIGN_OR_RETURN(Rows done, tx.Query("SELECT 1 FROM schema_migrations"
                                              " WHERE module = ? AND version = ?",
                                              {m.module, int64_t{m.version}}));
      if (!done.empty()) return OkStatus();
      if (!m.sql.empty()) QT_RETURN_IF_ERROR(tx.ExecScript(m.sql));
      if (m.data) QT_RETURN_IF_ERROR(m.data(tx));
      return tx
          .Exec(
              "INSERT INTO schema_migrations (module, version, description, applied_at) "
              "VALUES (?, ?, ?, ?)",
              {m.module, int64_t{m.version}, m.description, SystemClock::Get().NowMillis()})
          .status();
    });
    if (!s.ok()) {
      return s.WithContext("migration " + m.module + "/" + std::to_string(m.version) + " (" +
                           m.description + ")");
    }
  }
  return OkStatus();
}

}  // namespace qt::store
