// The virtual channel (虚拟通道, 可用不可见): runs an aggregate query
// (channel_sql.h) in a product's database and lets only differentially
// private figures out. The unit of privacy is one row (add or remove one row).
//
// Measurements, per released group (the whole filtered table when there is no
// GROUP BY): the row count always, with discrete Laplace noise; COUNT(field)
// (sensitivity 1); SUM(field), each value clamped to the field's declared
// [min, max] so one row moves it by at most max(|min|, |max|); AVG = noisy
// SUM / noisy COUNT(field), two measurements. The query's epsilon is split
// evenly over its measurements (sequential composition); a row lies in one
// group only, so groups compose in parallel and the query spends its epsilon
// once.
//
// Which groups are released, decided from noisy counts only (never from a
// true count, so a group's presence is as private as its count):
//   kNone             no GROUP BY: the one group is released when its noisy
//                     count reaches the contract's minimum group size k.
//   kPublicDomain     every GROUP BY field has a public domain (schema.h): a
//                     noisy count is measured for every cell of the domains'
//                     product (at most 10,000), present in the data or not,
//                     and a cell is released when its noisy count reaches k.
//                     Rows whose key is NULL or outside the domain are left
//                     out. Pure epsilon-DP.
//   kPartitionSelection  otherwise: the keys come from the data, so a group
//                     is released only when its noisy count reaches a
//                     threshold T >= k calibrated so that a group of one row
//                     is released with probability at most kDeltaPerQuery
//                     (Laplace thresholding, as Google's differential privacy
//                     library's partition selection). (epsilon, delta)-DP.
// Nothing else about the data is told: not how many groups there were, nor
// how many were withheld; every error depends on the query and the schema
// only.
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

// How a query's group keys are released (above).
enum class KeyRelease { kNone, kPublicDomain, kPartitionSelection };
std::string_view KeyReleaseName(KeyRelease k);  // "none", "public_domain", "partition_selection"

// Delta of one kPartitionSelection query, in units of 1e-12 (1e-8); the other
// kinds spend no delta.
inline constexpr int64_t kDeltaPerQueryPico = 10'000;
// At most this many cells in a kPublicDomain query.
inline constexpr size_t kMaxDomainCells = 10'000;

struct ChannelAnswer {
  std::vector<std::string> columns{};
  std::vector<nlohmann::json> rows{};  // each an array in column order
  KeyRelease keys = KeyRelease::kNone;
  int64_t measurements = 0;   // how many noisy values each group took
  int64_t epsilon_milli = 0;  // spent by the query
  int64_t delta_pico = 0;     // spent by the query, in units of 1e-12
  int64_t threshold = 0;      // noisy count a group needs to be released
};

// Checks the query against the schema (fields exist, none identifying, SUM
// and AVG over bounded integer fields) without running it.
Status CheckAgainstSchema(const AggregateQuery& q, const Schema& schema);

// How `q`'s keys would be released: a function of the query and the schema.
// REQUIRES: CheckAgainstSchema(q, schema) is OK.
KeyRelease KeyReleaseOf(const AggregateQuery& q, const Schema& schema);

// The smallest noisy count at which kPartitionSelection releases a group,
// for a count measured at `epsilon_milli` / 1000 (sensitivity 1) and a delta
// of `delta_pico` * 1e-12: the least T with P(1 + noise >= T) <= delta.
int64_t PartitionThreshold(int64_t epsilon_milli, int64_t delta_pico);

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
