#include "ledger/journal.h"

#include <algorithm>
#include <iterator>
#include <map>

namespace qt::ledger {
namespace {

store::Bytes B(const Hash& h) { return store::Bytes(h.begin(), h.end()); }

}  // namespace

Result<Head> ReadHead(store::Tx& tx) {
  QT_ASSIGN_OR_RETURN(store::Rows rows,
                      tx.Query("SELECT size, frontier FROM ledger_head WHERE id = 1"));
  Head head;
  if (rows.empty()) return head;
  head.size = static_cast<uint64_t>(rows[0].Int("size"));
  QT_ASSIGN_OR_RETURN(head.frontier, Frontier::Parse(head.size, rows[0].Blob("frontier")));
  return head;
}

Result<uint64_t> Journal::Append(store::Tx& tx, const NewEvent& event) {
  return AppendAll(tx, std::span(&event, 1));
}

namespace {

// Inserts rows of `columns` values each, many rows per statement: one round
// trip per chunk rather than per row (it matters on PostgreSQL). The statement
// text depends only on the chunk's size, so the statement caches stay small.
Status InsertRows(store::Tx& tx, const std::string& head, size_t columns, store::Params values) {
  constexpr size_t kRowsPerStatement = 200;
  const size_t rows = values.size() / columns;
  std::string row = "(";
  for (size_t c = 0; c < columns; ++c) row += c ? ", ?" : "?";
  row += ")";
  for (size_t first = 0; first < rows; first += kRowsPerStatement) {
    const size_t n = std::min(kRowsPerStatement, rows - first);
    std::string sql = head + " VALUES ";
    for (size_t r = 0; r < n; ++r) sql += r ? ", " + row : row;
    store::Params chunk(std::make_move_iterator(values.begin() + first * columns),
                        std::make_move_iterator(values.begin() + (first + n) * columns));
    QT_RETURN_IF_ERROR(tx.Exec(sql, chunk).status());
  }
  return OkStatus();
}

}  // namespace

Result<uint64_t> Journal::AppendAll(store::Tx& tx, std::span<const NewEvent> events) {
  QT_ASSIGN_OR_RETURN(Head head, ReadHead(tx));
  const uint64_t first = head.size;
  const UnixMillis now = clock_.NowMillis();
  store::Params entries, nodes, subjects;
  entries.reserve(events.size() * 2);
  nodes.reserve(events.size() * 6);
  for (const NewEvent& e : events) {
    const uint64_t seq = head.frontier.size();
    QT_ASSIGN_OR_RETURN(std::string bytes, EncodeEvent(e, seq, now));
    head.frontier.Append(HashLeaf(std::string_view(bytes)), [&](NodeId id, const Hash& h) {
      nodes.emplace_back(int64_t{id.level});
      nodes.emplace_back(static_cast<int64_t>(id.index));
      nodes.emplace_back(B(h));
    });
    entries.emplace_back(static_cast<int64_t>(seq));
    entries.emplace_back(std::move(bytes));
    if (!e.subject.empty()) {
      subjects.emplace_back(e.subject);
      subjects.emplace_back(static_cast<int64_t>(seq));
    }
  }
  QT_RETURN_IF_ERROR(
      InsertRows(tx, "INSERT INTO ledger_entries (seq, event)", 2, std::move(entries)));
  QT_RETURN_IF_ERROR(
      InsertRows(tx, "INSERT INTO ledger_nodes (level, idx, hash)", 3, std::move(nodes)));
  QT_RETURN_IF_ERROR(
      InsertRows(tx, "INSERT INTO ledger_subjects (subject, seq)", 2, std::move(subjects)));
  QT_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO ledger_head (id, size, frontier) VALUES (1, ?, ?)"
              " ON CONFLICT (id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier",
              {static_cast<int64_t>(head.frontier.size()), head.frontier.Serialize()})
          .status());
  return first;
}

Result<std::vector<Hash>> TxNodeReader::ReadNodes(std::span<const NodeId> ids) {
  std::vector<Hash> out(ids.size());
  if (ids.empty()) return out;
  // One query for the batch; its text depends only on the batch size, so the
  // store's statement cache holds a handful of shapes.
  std::string sql = "SELECT level, idx, hash FROM ledger_nodes WHERE ";
  store::Params params;
  for (size_t i = 0; i < ids.size(); ++i) {
    sql += i ? " OR (level = ? AND idx = ?)" : "(level = ? AND idx = ?)";
    params.emplace_back(int64_t{ids[i].level});
    params.emplace_back(static_cast<int64_t>(ids[i].index));
  }
  QT_ASSIGN_OR_RETURN(store::Rows rows, tx_.Query(sql, params));
  std::map<NodeId, const store::Bytes*> found;
  for (const store::Row& r : rows) {
    found[{static_cast<int>(r.Int("level")), static_cast<uint64_t>(r.Int("idx"))}] =
        &r.Blob("hash");
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = found.find(ids[i]);
    if (it == found.end() || it->second->size() != 32) {
      return Internal("ledger node " + std::to_string(ids[i].level) + "/" +
                      std::to_string(ids[i].index) + " is missing or damaged");
    }
    std::copy(it->second->begin(), it->second->end(), out[i].begin());
  }
  return out;
}

}  // namespace qt::ledger
