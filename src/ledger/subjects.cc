// Ledger: events by subject (ledger_subjects, filled by Journal::AppendAll and,
// for entries older than the index, by IndexSubjects).
#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "ledger/ledger.h"
#include "ledger/tree.h"
#include "store/transact.h"

namespace qt::ledger {
namespace {

using store::Row;
using store::Rows;
using store::Tx;

constexpr int64_t kBackfillBatch = 5'000;

}  // namespace

Status Ledger::IndexSubjects() {
  if (subjects_indexed_.load()) return OkStatus();
  for (bool more = true; more;) {
    QT_ASSIGN_OR_RETURN(
        more, store::WriteValue(store_, [&](Tx& tx) -> Result<bool> {
          QT_ASSIGN_OR_RETURN(Rows head,
                              tx.Query("SELECT done_seq, until_seq FROM ledger_subjects_backfill"));
          if (head.empty()) return Internal("ledger_subjects_backfill has no row");
          const int64_t done = head[0].Int("done_seq"), until = head[0].Int("until_seq");
          const int64_t end = std::min(until, done + kBackfillBatch);
          if (done >= until) return false;
          QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT seq, event FROM ledger_entries"
                                                  " WHERE seq >= ? AND seq < ? ORDER BY seq",
                                                  {done, end}));
          for (const auto& r : rows) {
            const auto event = nlohmann::json::parse(r.Text("event"), nullptr, false);
            if (!event.is_object() || !event.contains("subject") || !event["subject"].is_string()) {
              return Internal("ledger entry " + std::to_string(r.Int("seq")) + " has no subject");
            }
            const std::string subject = event["subject"].get<std::string>();
            if (subject.empty()) continue;
            QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO ledger_subjects (subject, seq) VALUES (?, ?)"
                                       " ON CONFLICT DO NOTHING",
                                       {subject, r.Int("seq")})
                                   .status());
          }
          QT_RETURN_IF_ERROR(
              tx.Exec("UPDATE ledger_subjects_backfill SET done_seq = ? WHERE id = 1", {end})
                  .status());
          return end < until;  // more to index
        }));
  }
  subjects_indexed_.store(true);
  return OkStatus();
}

Result<Ledger::EventsPage> Ledger::EventsAbout(const std::string& subject,
                                               std::optional<uint64_t> before, int limit) {
  if (subject.empty() || subject.size() > 200) {
    return InvalidArgument("subject: 1 to 200 bytes");
  }
  if (limit < 1 || static_cast<uint64_t>(limit) > kMaxEntriesPerPage) {
    return InvalidArgument("limit: must be between 1 and " + std::to_string(kMaxEntriesPerPage));
  }
  QT_RETURN_IF_ERROR(IndexSubjects());
  return store::ReadValue(store_, [&](Tx& tx) -> Result<EventsPage> {
    EventsPage out;
    std::string sql =
        "SELECT e.seq, e.event FROM ledger_subjects s JOIN ledger_entries e ON e.seq = s.seq"
        " WHERE s.subject = ?";
    store::Params params = {subject};
    if (before) {
      if (*before == 0) return out;  // nothing has an index below 0
      sql += " AND s.seq < ?";
      params.emplace_back(static_cast<int64_t>(std::min<uint64_t>(*before, INT64_MAX)));
    }
    sql += " ORDER BY s.seq DESC LIMIT ?";
    params.emplace_back(int64_t{limit} + 1);  // one more: are there older ones?
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(limit); ++i) {
      const Row& r = rows[i];
      out.entries.push_back(
          {static_cast<uint64_t>(r.Int("seq")), HashLeaf(r.Text("event")), r.Text("event")});
    }
    if (rows.size() > static_cast<size_t>(limit)) out.next_before = out.entries.back().index;
    return out;
  });
}

}  // namespace qt::ledger
