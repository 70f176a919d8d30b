// Keyset pagination over a store query, shared by the modules' list calls:
// pages are ordered by id, and a page's last id is the next page's cursor.
#ifndef QIANTANG_ACCOUNTS_PAGING_H_
#define QIANTANG_ACCOUNTS_PAGING_H_

#include <string>
#include <string_view>

#include "accounts/model.h"
#include "core/ids.h"
#include "core/status.h"
#include "store/store.h"
#include "store/transact.h"

namespace qt::accounts {

// invalid_argument naming `limit` or `cursor` when the request is malformed;
// cursors are ids with `prefix`.
inline Status CheckPage(const PageRequest& page, std::string_view prefix) {
  if (page.limit < 1 || page.limit > PageRequest::kMaxLimit) {
    return InvalidArgument("limit: must be between 1 and " +
                           std::to_string(PageRequest::kMaxLimit));
  }
  if (!page.cursor.empty() && !IsValidId(page.cursor, prefix)) {
    return InvalidArgument("cursor: not a cursor from a previous page");
  }
  return OkStatus();
}

// Runs a keyset-paginated query: `sql` must end with "WHERE ... id > ?" style
// filtering handled by the caller's params, "ORDER BY id LIMIT ?" appended here.
// `from_row` returns T or Result<T>; the first damaged row fails the page.
template <typename T, typename FromRow>
Result<Page<T>> QueryPage(store::Tx& tx, std::string sql, store::Params params,
                          const PageRequest& page, FromRow from_row) {
  sql += " ORDER BY id LIMIT ?";
  params.emplace_back(int64_t{page.limit} + 1);
  QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(sql, params));
  Page<T> out;
  for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(page.limit); ++i) {
    // Decoders of stored rows return Result<T> (store/decode.h): a damaged
    // row fails the page.
    Result<T> item = from_row(rows[i]);
    if (!item.ok()) return item.status();
    out.items.push_back(std::move(item).value());
  }
  if (rows.size() > static_cast<size_t>(page.limit)) out.next_cursor = out.items.back().id;
  return out;
}

// The number of rows `sql` (a SELECT without ORDER BY or LIMIT) returns: a
// page's `total`, counted with the same conditions as its items.
inline Result<int64_t> CountRows(store::Tx& tx, const std::string& sql,
                                 const store::Params& params) {
  QT_ASSIGN_OR_RETURN(store::Rows rows,
                      tx.Query("SELECT COUNT(*) AS n FROM (" + sql + ") AS counted", params));
  return rows.empty() ? 0 : rows[0].Int("n");
}

// QueryPage with the page's `total`: `sql` is a SELECT ending in a WHERE
// clause whose conditions `params` bind; the page continues it with
// "AND id > cursor", and the total counts every page.
template <typename T, typename FromRow>
Result<Page<T>> QueryCountedPage(store::Tx& tx, const std::string& sql, store::Params params,
                                 const PageRequest& page, FromRow from_row) {
  QT_ASSIGN_OR_RETURN(int64_t total, CountRows(tx, sql, params));
  params.emplace_back(page.cursor);
  QT_ASSIGN_OR_RETURN(Page<T> out, QueryPage<T>(tx, sql + " AND id > ?", std::move(params), page,
                                                std::move(from_row)));
  out.total = total;
  return out;
}

// QueryCountedPage in a read transaction of `store`: a list call's page, or
// the failure of its query or of a damaged row.
template <typename T, typename FromRow>
Result<Page<T>> ReadCountedPage(store::Store& store, const std::string& sql, store::Params params,
                                const PageRequest& page, FromRow from_row) {
  return store::ReadValue(store, [&](store::Tx& tx) -> Result<Page<T>> {
    return QueryCountedPage<T>(tx, sql, params, page, from_row);
  });
}

}  // namespace qt::accounts

#endif  // QIANTANG_ACCOUNTS_PAGING_H_
