#include "exchange/numbering.h"

#include <cctype>

namespace qt::exchange {
namespace {

// Calls on_text for literal runs and on_field for {year} / {seq:0N}.
template <typename Text, typename FieldFn>
Status Walk(std::string_view f, Text on_text, FieldFn on_field) {
  size_t i = 0;
  while (i < f.size()) {
    if (f[i] == '{') {
      size_t end = f.find('}', i);
      if (end == std::string_view::npos) return InvalidArgument("format: an unclosed {");
      QT_RETURN_IF_ERROR(on_field(f.substr(i + 1, end - i - 1)));
      i = end + 1;
    } else {
      char c = f[i++];
      if (!(std::isupper(static_cast<unsigned char>(c)) ||
            std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
        return InvalidArgument("format: only A-Z, 0-9, '-', {year} and {seq:0N} are allowed");
      }
      on_text(c);
    }
  }
  return OkStatus();
}

int SeqWidth(std::string_view field) {
  if (field == "seq") return 1;
  if (field.size() >= 6 && field.starts_with("seq:0")) {
    int n = 0;
    for (char c : field.substr(5)) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return 0;
      n = n * 10 + (c - '0');
      if (n > 12) return 0;
    }
    return n;
  }
  return 0;
}

}  // namespace

Status ValidateNumberFormat(std::string_view format) {
  int seqs = 0, years = 0;
  QT_RETURN_IF_ERROR(Walk(
      format, [](char) {},
      [&](std::string_view field) -> Status {
        if (field == "year") {
          ++years;
        } else if (SeqWidth(field) >= 1) {
          ++seqs;
        } else {
          return InvalidArgument("format: unknown field {" + std::string(field) + "}");
        }
        return OkStatus();
      }));
  if (seqs != 1 || years > 1) return InvalidArgument("format: needs exactly one {seq}");
  return OkStatus();
}

std::string FormatNumber(std::string_view format, int year, int64_t seq) {
  std::string out;
  (void)Walk(
      format, [&](char c) { out += c; },
      [&](std::string_view field) -> Status {
        if (field == "year") {
          out += std::to_string(year);
        } else {
          std::string digits = std::to_string(seq);
          int width = SeqWidth(field);
          if (static_cast<int>(digits.size()) < width) {
            out += std::string(width - digits.size(), '0');
          }
          out += digits;
        }
        return OkStatus();
      });
  return out;
}

}  // namespace qt::exchange
