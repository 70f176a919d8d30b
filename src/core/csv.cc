#include "core/csv.h"

#include <csv.h>

#include <array>
#include <fstream>

#include "fmt/format.h"

namespace qt {
namespace {

struct ParseState {
  const std::string* name;
  const CsvRowFn* on_row;
  CsvRow row;
  int64_t line = 1;
  Status status;
};

void OnField(void* data, size_t len, void* raw) {
  auto* st = static_cast<ParseState*>(raw);
  st->row.fields.emplace_back(data ? static_cast<const char*>(data) : "", data ? len : 0);
}

void OnRowEnd(int c, void* raw) {
  auto* st = static_cast<ParseState*>(raw);
  // With CSV_REPALL_NL every unquoted line end is reported, blank lines too;
  // a CR of a CRLF pair is followed by its LF, which counts the line.
  if (c == '\r') return;
  if (st->status.ok() &&
      !(st->row.fields.empty() || (st->row.fields.size() == 1 && st->row.fields[0].empty()))) {
    st->row.line = st->line;
    Status s = (*st->on_row)(st->row);
    if (!s.ok())
      st->status = Status(s.code(), fmt::format("{}:{}: {}", *st->name, st->line, s.message()));
  }
  st->row.fields.clear();
  if (c != -1) ++st->line;
}

}  // namespace

Status ReadCsv(std::istream& in, const std::string& name, const CsvRowFn& on_row) {
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_REPALL_NL | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
    return Internal("csv_init failed");
  }
  ParseState st{&name, &on_row, {}, 1, OkStatus()};
  std::array<char, 1 << 16> buf;
  while (st.status.ok() && in) {
    in.read(buf.data(), buf.size());
    size_t n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    if (csv_parse(&parser, buf.data(), n, OnField, OnRowEnd, &st) != n) {
      Status err = InvalidArgument(fmt::format("{}:{}: malformed CSV ({})", name, st.line,
                                               csv_strerror(csv_error(&parser))));
      csv_free(&parser);
      return err;
    }
  }
  if (st.status.ok() && csv_fini(&parser, OnField, OnRowEnd, &st) != 0) {
    st.status = InvalidArgument(
        fmt::format("{}:{}: malformed CSV ({})", name, st.line, csv_strerror(csv_error(&parser))));
  }
  csv_free(&parser);
  return st.status;
}

Status ReadCsvFile(const std::string& path, const CsvRowFn& on_row, const std::string& name) {
  const std::string& shown = name.empty() ? path : name;
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot open {}", shown));
  return ReadCsv(in, shown, on_row);
}

}  // namespace qt
