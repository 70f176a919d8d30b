// DataSpace::Totals: the data space in figures for the city dashboard.
#include "dataspace/dataspace.h"
#include "store/tally.h"
#include "store/transact.h"

namespace qt::dataspace {

Result<SpaceTotals> DataSpace::Totals(UnixMillis since) {
  return store::ReadValue(store_, [&](store::Tx& tx) -> Result<SpaceTotals> {
    QT_ASSIGN_OR_RETURN(
        store::Rows counts,
        tx.Query("SELECT (SELECT COUNT(*) FROM ds_products) AS products,"
                 " (SELECT COUNT(*) FROM ds_offers WHERE active = 1) AS offers,"
                 " (SELECT COUNT(*) FROM ds_contracts) AS contracts,"
                 " (SELECT COUNT(*) FROM ds_contracts WHERE state = 'finalized')"
                 " AS contracts_finalized,"
                 " (SELECT CAST(COALESCE(SUM(epsilon_milli), 0) AS BIGINT) FROM ds_usage)"
                 " AS epsilon_milli"));
    SpaceTotals t;
    t.products = counts[0].Int("products");
    t.offers = counts[0].Int("offers");
    t.contracts = counts[0].Int("contracts");
    t.contracts_finalized = counts[0].Int("contracts_finalized");
    t.epsilon_milli = counts[0].Int("epsilon_milli");
    QT_ASSIGN_OR_RETURN(store::Rows uses,
                        tx.Query("SELECT action, COUNT(*) AS n FROM ds_usage GROUP BY action"));
    for (const store::Row& r : uses) t.uses_by_action[r.Text("action")] = r.Int("n");
    QT_ASSIGN_OR_RETURN(
        store::Rows days,
        tx.Query("SELECT created_at / 86400000 AS day, COUNT(*) AS n,"
                 " CAST(SUM(epsilon_milli) AS BIGINT) AS total"
                 " FROM ds_usage WHERE action = 'aggregate_query' AND created_at >= ?"
                 " GROUP BY created_at / 86400000 ORDER BY 1",
                 {since}));
    t.queries_by_day = store::DailyTallies(days);
    return t;
  });
}

}  // namespace qt::dataspace
