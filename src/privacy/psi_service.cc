#include "privacy/psi_service.h"

#include <charconv>

#include "accounts/paging.h"
#include "dataspace/product_db.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::privacy {

using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;

bool ValidSessionId(const std::string& id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<PsiSession> SessionFromRow(const store::Row& r) {
  return store::Decode<PsiSession>("psi_sessions", r, [&]() -> Result<PsiSession> {
    auto output = ParsePsiOutput(r.Text("output"));
    if (!output) return Internal("output: unknown '" + r.Text("output") + "'");
    return PsiSession{.id = r.Text("id"),
                      .contract_id = r.Text("contract_id"),
                      .consumer_id = r.Text("consumer_id"),
                      .provider_id = r.Text("provider_id"),
                      .column = r.Text("column_name"),
                      .output = *output,
                      .server_size = r.Int("server_size"),
                      .client_size = r.Int("client_size"),
                      .state = r.Text("state"),
                      .created_at = r.Int("created_at"),
                      .updated_at = r.Int("updated_at")};
  });
}

constexpr const char* kSessionColumns =
    "SELECT id, contract_id, consumer_id, provider_id, column_name, output, server_size,"
    " client_size, state, created_at, updated_at FROM psi_sessions";

}  // namespace

Result<std::vector<std::string>> ColumnValues(dataspace::DataSpace& space,
                                              const dataspace::Product& product,
                                              const std::string& column) {
  if (!dataspace::FindField(product.fields, column)) {
    return InvalidArgument("column: the product has no field '" + column + "'");
  }
  QT_ASSIGN_OR_RETURN(dataspace::ProductDb db,
                      dataspace::ProductDb::OpenReadOnly(space.RunDbPath(product.run_id)));
  const std::string col = dataspace::QuoteIdentifier(column);
  QT_ASSIGN_OR_RETURN(
      auto rows, db.Query("SELECT DISTINCT " + col + " FROM data WHERE " + col + " IS NOT NULL"));
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (auto& r : rows) out.push_back(std::move(*r[0]));
  return out;
}

PsiService::PsiService(store::Store& store, PsiServiceOptions options)
    : store_(store), options_(options) {
  if (options_.threads == 0) options_.threads = Cores();
}

Status PsiService::SetState(const std::string& id, const std::string& actor,
                            const std::string& state, const json& payload) {
  return store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE psi_sessions SET state = ?, updated_at = ?"
                                           " WHERE id = ? AND state = 'open'",
                                           {state, options_.clock->NowMillis(), id}));
    if (n == 0) return FailedPrecondition("the session is not open");
    return options_.journal->Append(tx, {actor, "privacy.psi." + state, id, payload}).status();
  });
}

void PsiService::AbandonExpired() {
  std::vector<std::pair<std::string, std::string>> expired;
  {
    std::lock_guard lock(mu_);
    const UnixMillis now = options_.clock->NowMillis();
    for (auto it = live_.begin(); it != live_.end();) {
      if (it->second.expires <= now) {
        expired.emplace_back(it->first, it->second.consumer_id);
        it = live_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& [id, consumer] : expired) {
    (void)SetState(id, "system", "abandoned", {{"reason", "no message within the session's time"}});
  }
}

Result<PsiSession> PsiService::Start(const Principal& caller, const PsiStart& s) {
  AbandonExpired();
  if (!ValidSessionId(s.session_id)) {
    return InvalidArgument(
        "session_id: must be 32 lowercase hex characters, fresh for each session");
  }
  if (s.client_size < 0 || s.client_size > options_.max_items) {
    return InvalidArgument("client_size: must be 0 to " + std::to_string(options_.max_items));
  }
  dataspace::ExternalUse use{.action = dataspace::Action::kPsi,
                             .purpose = s.purpose,
                             .region = s.region,
                             .fields = {s.column},
                             .psi_output = std::string(PsiOutputName(s.output)),
                             .psi_client_size = s.client_size};
  QT_ASSIGN_OR_RETURN(dataspace::UsableContract uc,
                      options_.dataspace->CheckUse(caller, s.contract_id, use));
  QT_ASSIGN_OR_RETURN(const bool reused, store::ReadValue(store_, [&](Tx& tx) -> Result<bool> {
                        QT_ASSIGN_OR_RETURN(
                            auto rows,
                            tx.Query("SELECT id FROM psi_sessions WHERE id = ?", {s.session_id}));
                        return !rows.empty();
                      }));
  if (reused) return Conflict("session_id: this session id was used before; choose a fresh one");
  QT_ASSIGN_OR_RETURN(std::vector<std::string> items,
                      ColumnValues(*options_.dataspace, uc.product, s.column));
  if (static_cast<int64_t>(items.size()) > options_.max_items) {
    return FailedPrecondition("the column has more than " + std::to_string(options_.max_items) +
                              " distinct values");
  }
  auto server = std::make_shared<PsiServer>(s.session_id, std::move(items), s.output, s.client_size,
                                            options_.threads);
  const UnixMillis now = options_.clock->NowMillis();
  PsiSession session{.id = s.session_id,
                     .contract_id = s.contract_id,
                     .consumer_id = caller.org_id,
                     .provider_id = uc.contract.provider_id,
                     .column = s.column,
                     .output = s.output,
                     .server_size = server->size(),
                     .client_size = s.client_size,
                     .batch = options_.batch,
                     .state = "open",
                     .created_at = now,
                     .updated_at = now};
  use.details = {{"session_id", s.session_id},
                 {"column", s.column},
                 {"output", PsiOutputName(s.output)},
                 {"server_size", session.server_size},
                 {"client_size", s.client_size}};
  const int64_t per_day = uc.grant.psi_sessions_per_day;
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    // Sessions per day, counted where writers are serialised (also across
    // processes on PostgreSQL): every session the consumer started on this
    // product counts, under any of its contracts and whatever its end, so
    // that more contracts do not buy more guesses.
    QT_ASSIGN_OR_RETURN(
        auto day,
        tx.Query("SELECT COUNT(*) AS n, CAST(COALESCE(MIN(s.created_at), 0) AS BIGINT)"
                 " AS first_at FROM psi_sessions s JOIN ds_contracts c ON c.id = s.contract_id"
                 " WHERE s.consumer_id = ? AND s.created_at > ? AND c.product_id = ?",
                 {caller.org_id, now - kDayMs, uc.product.id}));
    if (per_day > 0 && day.at(0).Int("n") >= per_day) {
      return ResourceExhausted("the contract allows " + std::to_string(per_day) +
                               " PSI sessions per day (psiSessionsPerDay); your organisation "
                               "started " +
                               std::to_string(day[0].Int("n")) +
                               " on this product in the last 24 hours (under any contract); the "
                               "next may start at " +
                               FormatRfc3339(day[0].Int("first_at") + kDayMs + 1));
    }
    QT_RETURN_IF_ERROR(
        tx.Exec(
              "INSERT INTO psi_sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
              {s.session_id, s.contract_id, caller.org_id, session.provider_id, s.column,
               std::string(PsiOutputName(s.output)), session.server_size, s.client_size, now, now})
            .status());
    return options_.journal
        ->Append(tx, {caller.org_id, "privacy.psi.started", s.session_id, use.details})
        .status();
  }));
  // One psi use of the contract per session, receipted.
  if (Status st = options_.dataspace->RecordUse(caller, s.contract_id, use).status(); !st.ok()) {
    (void)SetState(s.session_id, caller.org_id, "abandoned", {{"reason", st.message()}});
    return st;
  }
  std::lock_guard lock(mu_);
  live_[s.session_id] = {server, caller.org_id, s.contract_id, now + options_.session_ttl_ms};
  return session;
}

Result<std::shared_ptr<PsiServer>> PsiService::Find(const Principal& caller,
                                                    const std::string& id) {
  std::string contract_id;
  std::shared_ptr<PsiServer> server;
  {
    std::lock_guard lock(mu_);
    auto it = live_.find(id);
    if (it == live_.end() || it->second.consumer_id != caller.org_id) {
      return NotFound("no open PSI session " + id +
                      " of yours here (finished, abandoned, or served by another process)");
    }
    it->second.expires = options_.clock->NowMillis() + options_.session_ttl_ms;
    contract_id = it->second.contract_id;
    server = it->second.server;
  }
  // A session lives only while its contract is in force: one terminated
  // mid-session answers no further step.
  QT_ASSIGN_OR_RETURN(
      const std::string state, store::ReadValue(store_, [&](Tx& tx) -> Result<std::string> {
        QT_ASSIGN_OR_RETURN(auto rows,
                            tx.Query("SELECT state FROM ds_contracts WHERE id = ?", {contract_id}));
        return rows.empty() ? "" : rows[0].Text("state");
      }));
  if (state != "finalized") {
    {
      std::lock_guard lock(mu_);
      live_.erase(id);
    }
    (void)SetState(id, "system", "abandoned", {{"reason", "its contract is no longer in force"}});
    return FailedPrecondition("the contract of PSI session " + id +
                              " is no longer in force; the session is closed");
  }
  return server;
}

Result<accounts::Page<PsiSession>> PsiService::List(const Principal& caller,
                                                    const accounts::PageRequest& page) {
  // Session ids are random, so the pages run by time: newest first, ties by id.
  QT_RETURN_IF_ERROR(accounts::CheckPage({.cursor = "", .limit = page.limit}, ""));
  int64_t before_at = 0;
  std::string before_id;
  if (!page.cursor.empty()) {
    const size_t dot = page.cursor.find('.');
    const char* first = page.cursor.data();
    const char* end = first + (dot == std::string::npos ? page.cursor.size() : dot);
    const auto [ptr, ec] = std::from_chars(first, end, before_at);
    if (dot == std::string::npos || ec != std::errc() || ptr != end || before_at < 0 ||
        !ValidSessionId(page.cursor.substr(dot + 1))) {
      return InvalidArgument("cursor: not a cursor from a previous page");
    }
    before_id = page.cursor.substr(dot + 1);
  }
  const std::string mine = " WHERE (consumer_id = ? OR provider_id = ?)";
  return store::ReadValue(store_, [&](Tx& tx) -> Result<accounts::Page<PsiSession>> {
    accounts::Page<PsiSession> out;
    QT_ASSIGN_OR_RETURN(out.total, accounts::CountRows(tx, std::string(kSessionColumns) + mine,
                                                       {caller.org_id, caller.org_id}));
    store::Params params = {caller.org_id, caller.org_id};
    std::string sql = std::string(kSessionColumns) + mine;
    if (!page.cursor.empty()) {
      sql += " AND (created_at < ? OR (created_at = ? AND id < ?))";
      params.insert(params.end(), {before_at, before_at, before_id});
    }
    params.emplace_back(int64_t{page.limit} + 1);
    QT_ASSIGN_OR_RETURN(auto rows,
                        tx.Query(sql + " ORDER BY created_at DESC, id DESC LIMIT ?", params));
    for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(page.limit); ++i) {
      QT_ASSIGN_OR_RETURN(PsiSession s, SessionFromRow(rows[i]));
      out.items.push_back(std::move(s));
    }
    if (rows.size() > static_cast<size_t>(page.limit)) {
      out.next_cursor = std::to_string(out.items.back().created_at) + "." + out.items.back().id;
    }
    return out;
  });
}

Result<PsiSession> PsiService::Get(const Principal& caller, const std::string& id) {
  QT_ASSIGN_OR_RETURN(PsiSession s, store::ReadValue(store_, [&](Tx& tx) -> Result<PsiSession> {
                        QT_ASSIGN_OR_RETURN(
                            auto rows,
                            tx.Query(std::string(kSessionColumns) + " WHERE id = ?", {id}));
                        if (rows.empty()) return NotFound("no PSI session " + id);
                        return SessionFromRow(rows[0]);
                      }));
  if (caller.org_id != s.consumer_id && caller.org_id != s.provider_id) {
    return NotFound("no PSI session " + id);
  }
  s.batch = options_.batch;
  std::lock_guard lock(mu_);
  if (auto it = live_.find(id); it != live_.end()) s.received = it->second.server->received();
  return s;
}

Result<std::vector<Point>> PsiService::ClientBatch(const Principal& caller, const std::string& id,
                                                   int64_t index, std::span<const Point> points) {
  if (static_cast<int64_t>(points.size()) > options_.batch) {
    return InvalidArgument("points: a batch holds at most " + std::to_string(options_.batch) +
                           " points");
  }
  QT_ASSIGN_OR_RETURN(auto server, Find(caller, id));
  return server->Blind(index, points);
}

Result<int64_t> PsiService::Batch(int64_t batch) const {
  if (batch == 0) return options_.batch;
  if (batch < 1 || batch > options_.batch) {
    return InvalidArgument("batch: between 1 and " + std::to_string(options_.batch) + " points");
  }
  return batch;
}

Result<std::vector<Point>> PsiService::ServerBatch(const Principal& caller, const std::string& id,
                                                   int64_t index, int64_t batch) {
  QT_ASSIGN_OR_RETURN(int64_t points, Batch(batch));
  QT_ASSIGN_OR_RETURN(auto server, Find(caller, id));
  return server->ServerBatch(index, points);
}

Status PsiService::Tally(const Principal& caller, const std::string& id, int64_t index,
                         std::span<const Point> points) {
  if (static_cast<int64_t>(points.size()) > options_.batch) {
    return InvalidArgument("points: a batch holds at most " + std::to_string(options_.batch) +
                           " points");
  }
  QT_ASSIGN_OR_RETURN(auto server, Find(caller, id));
  return server->Tally(index, points);
}

Result<int64_t> PsiService::IntersectionSize(const Principal& caller, const std::string& id) {
  QT_ASSIGN_OR_RETURN(auto server, Find(caller, id));
  return server->IntersectionSize();
}

Result<PsiSession> PsiService::Finish(const Principal& caller, const std::string& id) {
  QT_ASSIGN_OR_RETURN(auto server, Find(caller, id));
  QT_RETURN_IF_ERROR(SetState(id, caller.org_id, "finished",
                              {{"server_size", server->size()}, {"received", server->received()}}));
  {
    std::lock_guard lock(mu_);
    live_.erase(id);
  }
  return Get(caller, id);
}

Result<PsiResult> PsiService::RunLocal(const Principal& caller, const PsiStart& s,
                                       const std::string& own_product_id,
                                       const std::string& own_column) {
  auto own = options_.dataspace->GetProduct(caller, own_product_id);
  if (!own.ok() || own->product.org_id != caller.org_id) {
    return NotFound("product_id: no data space product " + own_product_id + " of yours");
  }
  QT_ASSIGN_OR_RETURN(std::vector<std::string> mine,
                      ColumnValues(*options_.dataspace, own->product, own_column));
  return RunWithItems(caller, s, std::move(mine));
}

Result<PsiResult> PsiService::RunWithItems(const Principal& caller, const PsiStart& s,
                                           std::vector<std::string> mine) {
  mine = DistinctItems(std::move(mine));
  PsiStart start = s;
  start.client_size = static_cast<int64_t>(mine.size());
  QT_ASSIGN_OR_RETURN(PsiSession session, Start(caller, start));
  QT_ASSIGN_OR_RETURN(auto server, Find(caller, session.id));
  // The consumer's side, with its own scalar, through the same messages.
  PsiClient client(session.id, std::move(mine), options_.threads);
  QT_ASSIGN_OR_RETURN(PsiResult result, RunMessages(client, *server, options_.batch));
  QT_RETURN_IF_ERROR(Finish(caller, session.id).status());
  return result;
}

}  // namespace qt::privacy
