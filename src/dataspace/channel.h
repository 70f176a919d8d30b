// The virtual channel (虚拟通道, 可用不可见): runs an aggregate query
// (channel_sql.h) in a product's database and lets only differentially
// private aggregates out.
//
// For each group (the whole filtered table when there is no GROUP BY):
//   - the row count is always measured, with discrete Laplace noise; a group
//     whose true or noisy count is under the contract's minimum group size is
//     suppressed (counted in `suppressed`, its key never shown);
//   - COUNT(field) has sensitivity 1; SUM(field) clamps each value to the
//     field's declared [min, max] so one row moves it by at most
//     max(|min|, |max|), the noise's sensitivity; AVG = noisy SUM / noisy
//     COUNT(field), two measurements.
// The epsilon of a query is split evenly over its measurements (sequential
// composition); groups are disjoint, so each group spends the same epsilon
// (parallel composition). The unit of privacy is one row.
//
// Fields of sensitivity `identifying` are refused anywhere in a query, as are
// SUM/AVG over fields without bounds. Field names are checked against the
// schema and literals bound as parameters: no text of the query reaches
// SQLite.
//
// Thread-safety: RunAggregate is reentrant (one ProductDb per call).
#ifndef QIANTANG_DATASPACE_CHANNEL_H_
#define QIANTANG_DATASPACE_CHANNEL_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/random.h"
#include "core/status.h"
#include "dataspace/channel_sql.h"
#include "dataspace/product_db.h"
#include "dataspace/schema.h"

namespace qt::dataspace {

struct ChannelAnswer {
  std::vector<std::string> columns{};
  std::vector<nlohmann::json> rows{};  // each an array in column order
  int64_t groups = 0;                  // groups before suppression
  int64_t suppressed = 0;
  int64_t measurements = 0;   // how many noisy values each group took
  int64_t epsilon_milli = 0;  // spent by the query
};

// Checks the query against the schema (fields exist, none identifying, SUM
// and AVG over bounded integer fields) without running it.
Status CheckAgainstSchema(const AggregateQuery& q, const Schema& schema);

// Runs `q`. REQUIRES: CheckAgainstSchema(q, schema) is OK. invalid_argument if
// epsilon_milli is too small to give every measurement at least 0.001.
Result<ChannelAnswer> RunAggregate(ProductDb& db, const Schema& schema, const AggregateQuery& q,
                                   int64_t min_group_size, int64_t epsilon_milli, Random& random);

// The exact answer without noise or suppression: the benchmark's and the
// tests' reference. Same SQL the channel runs.
Result<std::vector<std::vector<Cell>>> RunExact(ProductDb& db, const Schema& schema,
                                                const AggregateQuery& q);

}  // namespace qt::dataspace

#endif  // QIANTANG_DATASPACE_CHANNEL_H_
