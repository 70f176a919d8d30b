// Exchange: the statistics of certificates, listings, trades and pledges, in
// all and per day.
#include <set>
#include <string>

#include "exchange/exchange.h"
#include "exchange/internal.h"
#include "store/tally.h"
#include "store/transact.h"

namespace qt::exchange {

using store::Tx;

Result<Statistics> Exchange::Stats() {
  const UnixMillis now = options_.clock->NowMillis();
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Statistics> {
    Statistics s;
    QT_ASSIGN_OR_RETURN(
        auto latest,
        tx.Query("SELECT holder_id, status, valid_until FROM ex_certificates c WHERE version ="
                 " (SELECT MAX(version) FROM ex_certificates d WHERE d.number = c.number)"));
    std::set<std::string> holders;
    for (const auto& r : latest) {
      ++s.certificates;
      if (r.Text("status") == "cancelled") {
        ++s.cancelled;
      } else if (r.Int("valid_until") <= now) {
        ++s.expired;
      } else {
        ++s.valid;
        holders.insert(r.Text("holder_id"));
      }
    }
    s.entities = static_cast<int64_t>(holders.size());
    QT_ASSIGN_OR_RETURN(auto open,
                        tx.Query("SELECT COUNT(*) AS n FROM ex_applications WHERE state NOT"
                                 " IN ('issued', 'rejected')"));
    s.applications_open = open[0].Int("n");
    QT_ASSIGN_OR_RETURN(
        auto pledged, tx.Query("SELECT COUNT(*) AS n, CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT)"
                               " AS fen FROM ex_pledges WHERE state = 'active'"));
    s.pledges_active = pledged[0].Int("n");
    s.pledged_fen = pledged[0].Int("fen");
    QT_ASSIGN_OR_RETURN(auto listings,
                        tx.Query("SELECT COUNT(*) AS n FROM ex_listings WHERE active = 1"));
    s.listings_active = listings[0].Int("n");
    QT_ASSIGN_OR_RETURN(auto trades,
                        tx.Query("SELECT COUNT(*) AS n, CAST(COALESCE(SUM(amount_fen), 0)"
                                 " AS BIGINT) AS fen FROM ex_trades WHERE state = 'settled'"));
    s.trades = trades[0].Int("n");
    s.traded_fen = trades[0].Int("fen");
    return s;
  });
}

Result<ExchangeDaily> Exchange::Daily(UnixMillis since) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<ExchangeDaily> {
    ExchangeDaily d;
    QT_ASSIGN_OR_RETURN(
        auto certificates,
        tx.Query(
            "SELECT created_at / 86400000 AS day, COUNT(*) AS n, 0 AS total FROM ex_certificates"
            " WHERE version = 1"
            " AND created_at >= ? GROUP BY created_at / 86400000 ORDER BY 1",
            {since}));
    d.certificates = store::DailyTallies(certificates);
    QT_ASSIGN_OR_RETURN(auto trades,
                        tx.Query("SELECT created_at / 86400000 AS day, COUNT(*) AS n,"
                                 " CAST(SUM(amount_fen) AS BIGINT) AS total FROM"
                                 " ex_trades WHERE state = 'settled' AND created_at >= ?"
                                 " GROUP BY created_at / 86400000 ORDER BY 1",
                                 {since}));
    d.trades = store::DailyTallies(trades);
    QT_ASSIGN_OR_RETURN(auto pledges,
                        tx.Query("SELECT confirmed_at / 86400000 AS day, COUNT(*) AS n,"
                                 " CAST(SUM(amount_fen) AS BIGINT) AS total FROM"
                                 " ex_pledges WHERE confirmed_at > 0 AND confirmed_at >= ?"
                                 " GROUP BY confirmed_at / 86400000 ORDER BY 1",
                                 {since}));
    d.pledges = store::DailyTallies(pledges);
    return d;
  });
}

}  // namespace qt::exchange
