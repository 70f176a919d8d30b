// A register of citizens to enrol as CSV (RFC 4180): a header
// "name,resident_id,district[,concession]", then one row per person. The CLI
// (`qiantang code import`) and the server (POST /api/v1/identity/citizens/import
// with Content-Type text/csv) read it the same way.
//
// Thread-safety: a pure function.
#ifndef QIANTANG_IDENTITY_REGISTER_CSV_H_
#define QIANTANG_IDENTITY_REGISTER_CSV_H_

#include <istream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"

namespace qt::identity {

// The rows as the import call's JSON: [{"name", "resident_id", "district",
// "concession" (when given)}]. invalid_argument naming `name` and the line for
// a bad header, a short row or malformed quoting; the values themselves are
// checked when they are enrolled.
Result<nlohmann::json> CitizensFromCsv(std::istream& in, const std::string& name);

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_REGISTER_CSV_H_
