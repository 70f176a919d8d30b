#include "tests/support/case_file.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace qt::testing {
namespace {

constexpr size_t kMaxExpansion = 100'000;

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

std::vector<std::string> Words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

bool IsBlank(const std::string& line) { return line.find_first_not_of(" \t") == std::string::npos; }

bool IsName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The line with its {{N*text}} and {{xHH}} forms written out.
Result<std::string> Expand(const std::string& line) {
  std::string out;
  size_t i = 0;
  while (true) {
    size_t open = line.find("{{", i);
    if (open == std::string::npos) return out + line.substr(i);
    out += line.substr(i, open - i);
    size_t close = line.find("}}", open + 2);
    if (close == std::string::npos) return InvalidArgument("'{{' without '}}'");
    const std::string form = line.substr(open + 2, close - open - 2);
    const size_t star = form.find('*');
    if (form.size() == 3 && form[0] == 'x' && HexDigit(form[1]) >= 0 && HexDigit(form[2]) >= 0) {
      out += static_cast<char>(HexDigit(form[1]) * 16 + HexDigit(form[2]));
    } else if (star != std::string::npos && star > 0 && star <= 6 &&
               form.find_first_not_of("0123456789") == star && star + 1 < form.size()) {
      const size_t n = std::stoul(form.substr(0, star));
      const std::string text = form.substr(star + 1);
      if (n * text.size() > kMaxExpansion) {
        return InvalidArgument("{{" + form + "}} writes more than 100000 bytes");
      }
      for (size_t k = 0; k < n; ++k) out += text;
    } else {
      return InvalidArgument("{{" + form + "}} is neither {{N*text}} nor {{xHH}}");
    }
    i = close + 2;
  }
}

Result<ExpectedError> ParseError(const std::string& line) {
  const size_t colon = line.find(':');
  if (colon == std::string::npos) {
    return InvalidArgument("an error is written \"error CODE: part of the message\"");
  }
  const std::string code = line.substr(6, colon - 6);
  auto parsed = StatusCodeNamed(code);
  if (!parsed || *parsed == StatusCode::kOk) {
    return InvalidArgument("unknown status code '" + code + "'");
  }
  std::string message = line.substr(colon + 1);
  if (!message.empty() && message[0] == ' ') message.erase(0, 1);
  return ExpectedError{*parsed, message};
}

// One record from its lines [begin, end); `lines` numbered from 0.
Result<Case> ParseRecord(const std::vector<std::string>& lines, size_t begin, size_t end,
                         const std::string& file) {
  auto at = [&](size_t i, const std::string& what) {
    return InvalidArgument(file + ":" + std::to_string(i + 1) + ": " + what);
  };
  Case c;
  c.file = file;
  size_t i = begin;
  if (Words(lines[i])[0] == "skip") {
    c.skip = lines[i].size() > 5 ? lines[i].substr(5) : "";
    if (IsBlank(c.skip)) return at(i, "skip needs a reason");
    if (++i == end) return at(i - 1, "skip is not followed by a record");
  }
  const std::vector<std::string> header = Words(lines[i]);
  if (lines[i][0] == ' ' || lines[i][0] == '\t' || lines[i] == "----") {
    return at(i, "a record starts with a header line \"verb name ...\"");
  }
  c.line = static_cast<int>(i + 1);
  c.verb = header[0];
  if (header.size() > 1) {
    c.name = header[1];
    if (!IsName(c.name)) return at(i, "a name is letters, digits, '-' and '_': '" + c.name + "'");
  }
  c.args.assign(header.begin() + std::min<size_t>(header.size(), 2), header.end());
  std::vector<std::string> input;
  for (++i; i < end && lines[i] != "----"; ++i) {
    auto expanded = Expand(lines[i]);
    if (!expanded.ok()) return at(i, expanded.status().message());
    input.push_back(*expanded);
  }
  for (size_t k = 0; k < input.size(); ++k) c.input += (k ? "\n" : "") + input[k];
  if (i == end) return c;
  c.has_expected = true;
  const size_t separator = i;
  for (++i; i < end; ++i) {
    if (lines[i] == "----") return at(i, "a second ---- in one record");
    auto expanded = Expand(lines[i]);
    if (!expanded.ok()) return at(i, expanded.status().message());
    c.expected.push_back(*expanded);
  }
  if (c.expected.empty()) return at(separator, "nothing expected after ----");
  for (size_t k = 0; k < c.expected.size(); ++k) {
    if (c.expected[k].rfind("error ", 0) != 0) continue;
    if (c.expected.size() > 1) {
      return at(separator + 1 + k, "an expected error is the only expected line");
    }
    auto error = ParseError(c.expected[k]);
    if (!error.ok()) return at(separator + 1 + k, error.status().message());
    c.error = *error;
  }
  return c;
}

}  // namespace

std::string Case::Where() const { return file + ":" + std::to_string(line) + " " + name; }

const Case* Case::Given(std::string_view given_verb, std::string_view given_name) const {
  for (auto g = givens.rbegin(); g != givens.rend(); ++g) {
    if (g->verb == given_verb && (given_name.empty() || g->name == given_name)) return &*g;
  }
  return nullptr;
}

Result<std::vector<Case>> ParseCaseFile(std::string_view text, const std::string& file) {
  const std::vector<std::string> lines = SplitLines(text);
  std::vector<Case> cases;
  size_t i = 0;
  while (i < lines.size()) {
    if (IsBlank(lines[i]) || lines[i][0] == '#') {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < lines.size() && !IsBlank(lines[end])) ++end;
    QT_ASSIGN_OR_RETURN(Case c, ParseRecord(lines, i, end, file));
    for (const Case& before : cases) {
      if (!c.name.empty() && before.name == c.name) {
        return InvalidArgument(file + ":" + std::to_string(c.line) + ": a second record named '" +
                               c.name + "' (the first is at line " + std::to_string(before.line) +
                               ")");
      }
    }
    cases.push_back(std::move(c));
    i = end;
  }
  if (cases.empty()) return InvalidArgument(file + ": no records");
  return cases;
}

Result<std::vector<Case>> ReadCaseFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseCaseFile(text.str(), path);
}

std::optional<StatusCode> StatusCodeNamed(std::string_view name) {
  for (int i = static_cast<int>(StatusCode::kOk); i <= static_cast<int>(StatusCode::kUnavailable);
       ++i) {
    if (StatusCodeName(static_cast<StatusCode>(i)) == name) return static_cast<StatusCode>(i);
  }
  return std::nullopt;
}

}  // namespace qt::testing
