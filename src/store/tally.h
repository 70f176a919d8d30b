// Rows of (day, n, total), as a query grouped by `created_at / 86400000`
// returns them, decoded into core/tally.h's DailyTally.
//
//   tx.Query("SELECT created_at / 86400000 AS day, COUNT(*) AS n,"
//            " CAST(SUM(amount_fen) AS BIGINT) AS total"
//            " FROM t WHERE created_at >= ? GROUP BY created_at / 86400000", {since})
#ifndef QIANTANG_STORE_TALLY_H_
#define QIANTANG_STORE_TALLY_H_

#include <vector>

#include "core/tally.h"
#include "store/store.h"

namespace qt::store {

inline std::vector<DailyTally> DailyTallies(const Rows& rows) {
  std::vector<DailyTally> out;
  out.reserve(rows.size());
  for (const Row& r : rows)
    out.push_back({r.Int("day"), r.Int("n"), r.IsNull("total") ? 0 : r.Int("total")});
  return out;
}

}  // namespace qt::store

#endif  // QIANTANG_STORE_TALLY_H_
