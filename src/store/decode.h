// Decode: turning a stored row into a module's value without trusting it.
//
// A row read back may have been damaged by hand, written by another build, or
// stored before a limit existed. Reading it must never be undefined behaviour
// or a crash: every decoder of stored rows returns Result and runs its body
// through Decode, which makes each of these an internal error naming the
// table and the row's id (its first column), logged once at error level:
//   - a column read as a type it does not hold (Row::status()),
//   - an exception from the body (nlohmann::json's parse and get, std::stoll),
//   - a non-OK Result returned by the body (e.g. a stored schema that
//     ParseSchema refuses, checked with QT_ASSIGN_OR_RETURN, never `*`).
// The API maps the error to 500 {"error": {"code": "internal"}}, and the
// request that read the row fails alone: other rows and requests are served.
//
// Thread-safety: stateless; a Row belongs to one thread.
//
// Example:
//   Result<Source> SourceFromRow(const store::Row& r) {
//     return store::Decode<Source>("ds_sources", r, [&]() -> Result<Source> {
//       QT_ASSIGN_OR_RETURN(Schema fields, ParseSchema(json::parse(r.Text("schema"))));
//       return Source{.id = r.Text("id"), .fields = std::move(fields)};
//     });
//   }
#ifndef QIANTANG_STORE_DECODE_H_
#define QIANTANG_STORE_DECODE_H_

#include <exception>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace qt::store {

// Logs "damaged row" with the table, the row's id and `why`; returns the
// internal error that the request reading it answers.
Status DamagedRow(std::string_view table, const Row& row, std::string_view why);

// Runs `body()` (returning T or Result<T>) to decode `row` of `table`.
template <typename T, typename F>
Result<T> Decode(std::string_view table, const Row& row, F&& body) {
  std::optional<Result<T>> out;
  try {
    out.emplace(std::forward<F>(body)());
  } catch (const std::exception& e) {
    return DamagedRow(table, row, e.what());
  } catch (...) {
    return DamagedRow(table, row, "unknown exception");
  }
  if (Status s = row.status(); !s.ok()) return DamagedRow(table, row, s.message());
  if (!out->ok()) return DamagedRow(table, row, out->status().ToString());
  return std::move(*out);
}

// Decodes every row with `from_row` (returning Result<T>) onto `out`; the
// first damaged row's error.
template <typename T, typename F>
Status DecodeInto(const Rows& rows, F&& from_row, std::vector<T>& out) {
  for (const Row& r : rows) {
    Result<T> v = from_row(r);
    if (!v.ok()) return v.status();
    out.push_back(std::move(v).value());
  }
  return OkStatus();
}

// For loaders of whole tables into memory (indexes, market-wide views), where
// one damaged row must not hide every other: each row `from_row` decodes goes
// onto `out`, a damaged one is left out (Decode has logged it). Returns how
// many were left out.
template <typename T, typename F>
size_t DecodeSkipping(const Rows& rows, F&& from_row, std::vector<T>& out) {
  size_t skipped = 0;
  for (const Row& r : rows) {
    Result<T> v = from_row(r);
    if (!v.ok()) {
      ++skipped;
      continue;
    }
    out.push_back(std::move(v).value());
  }
  return skipped;
}

}  // namespace qt::store

#endif  // QIANTANG_STORE_DECODE_H_
