// Streaming CSV reading (RFC 4180, parsed by libcsv) with line numbers, so
// that errors in large files can name the line at fault.
//
// Example:
//   Status s = ReadCsvFile("jobs.csv", [&](const CsvRow& row) -> Status {
//     if (row.fields.size() != 4) return InvalidArgument("want 4 columns");
//     ...
//     return OkStatus();
//   });
//   // s's message starts with "jobs.csv:LINE: " when on_row failed.
#ifndef QIANTANG_CORE_CSV_H_
#define QIANTANG_CORE_CSV_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "core/status.h"

namespace qt {

struct CsvRow {
  int64_t line = 0;  // 1-based line where the record ends
  std::vector<std::string> fields;
};

using CsvRowFn = std::function<Status(const CsvRow&)>;

// Calls on_row for every non-blank record of `in`, in order, reading in
// bounded chunks (memory does not grow with the file). Stops at the first
// non-OK status from on_row and returns it prefixed with "NAME:LINE: ".
// Malformed quoting is an invalid_argument error naming the line.
Status ReadCsv(std::istream& in, const std::string& name, const CsvRowFn& on_row);

// ReadCsv on a file; not_found if it cannot be opened. Messages name the
// file `name` ("source src_…") when given, else its path: a server reading a
// file for a client passes a name, so that no server path reaches the client.
Status ReadCsvFile(const std::string& path, const CsvRowFn& on_row, const std::string& name = "");

}  // namespace qt

#endif  // QIANTANG_CORE_CSV_H_
