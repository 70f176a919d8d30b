#include "cli/command.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

#include "cli/table.h"
#include "core/clock.h"

namespace qt::cli {

void CommandContext::Emit(const Result<nlohmann::json>& result,
                          const std::function<void(const nlohmann::json&)>& human) {
  if (!result.ok()) {
    std::cerr << "error: " << result.status().message() << std::endl;
    exit_code = 1;
    return;
  }
  if (options.json) {
    std::cout << result->dump(2) << std::endl;
  } else {
    human(*result);
  }
}

std::string FenAsYuan(const nlohmann::json& fen) {
  if (!fen.is_number_integer()) return "-";
  const int64_t f = fen.get<int64_t>();
  const int64_t a = f < 0 ? -f : f;
  return (f < 0 ? "-" : "") + std::to_string(a / 100) + "." +
         std::to_string(100 + a % 100).substr(1);
}

void AddYuan(nlohmann::json& items, const std::vector<const char*>& keys) {
  for (auto& item : items) {
    for (const char* k : keys) {
      if (item.contains(k) && item[k].is_number_integer()) {
        item[std::string(k) + "_yuan"] = FenAsYuan(item[k]);
      }
    }
  }
}

std::optional<int64_t> ParseYuan(std::string_view text) {
  constexpr size_t kMaxWholeDigits = 13;  // 10^13 yuan is 10^15 fen, far inside int64
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view cents = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > kMaxWholeDigits || !digits(whole) || cents.size() > 2 ||
      !digits(cents) || (dot != std::string_view::npos && cents.empty())) {
    return std::nullopt;
  }
  int64_t fen = 0;
  for (char c : whole) fen = fen * 10 + (c - '0');
  fen *= 100;
  if (!cents.empty()) fen += (cents[0] - '0') * 10 + (cents.size() == 2 ? cents[1] - '0' : 0);
  return fen;
}

CLI::Option* AddYuanOption(CLI::App* verb, const std::string& flag, int64_t& fen,
                           const std::string& help) {
  return verb
      ->add_option_function<std::string>(
          flag, [&fen](const std::string& text) { fen = ParseYuan(text).value_or(0); },
          help + " (yuan, e.g. 1000 or 1000.50)")
      ->check(CLI::Validator(
          [](std::string& text) {
            return ParseYuan(text) ? std::string()
                                   : "not an amount in yuan (e.g. 1000 or 1000.50): " + text;
          },
          "YUAN"));
}

const std::string& OrgNames::Name(const std::string& id) {
  auto it = names_.find(id);
  if (it != names_.end()) return it->second;
  Result<nlohmann::json> org = client_.Get("/api/v1/orgs/" + UrlEncode(id));
  std::string name = id;
  if (org.ok() && org->value("name", nlohmann::json()).is_string()) name = (*org)["name"];
  return names_.emplace(id, std::move(name)).first->second;
}

void OrgNames::Add(nlohmann::json& items, const std::vector<const char*>& keys) {
  for (auto& item : items) {
    for (const char* k : keys) {
      if (item.contains(k) && item[k].is_string()) {
        item[std::string(k) + "_name"] = Name(item[k].get<std::string>());
      }
    }
  }
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  for (size_t start = 0; start < s.size();) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

CLI::App* AddVerb(CLI::App& noun, const std::string& name, const std::string& description,
                  CommandContext& ctx, std::function<void(CommandContext&)> fn) {
  CLI::App* verb = noun.add_subcommand(name, description);
  verb->callback([&ctx, fn = std::move(fn)] { fn(ctx); });
  return verb;
}

CLI::App* AddCollection(CLI::App& parent, const std::string& name, const std::string& description,
                        CommandContext& ctx, const std::function<void(CommandContext&)>& list) {
  CLI::App* noun = parent.add_subcommand(name, description);
  noun->require_subcommand(0, 1);
  noun->callback([noun, &ctx, list] {
    if (noun->get_subcommands().empty()) list(ctx);
  });
  return AddVerb(*noun, "list", description, ctx, list);
}

Result<nlohmann::json> ReadJsonFile(const std::string& path) {
  QT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return InvalidArgument(path + " is not valid JSON");
  return j;
}

Result<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string LocalTime(const std::string& text) {
  const std::optional<UnixMillis> ms = ParseRfc3339(text);
  if (!ms) return text;
  const std::time_t t = static_cast<std::time_t>(*ms / 1000);
  std::tm tm{};
  char out[32];
  if (localtime_r(&t, &tm) == nullptr || std::strftime(out, sizeof out, "%F %T", &tm) == 0) {
    return text;
  }
  return out;
}

namespace {

// A value as text: an instant in local time, other strings as they are, the
// rest as JSON.
std::string Shown(const nlohmann::json& v) {
  return v.is_string() ? LocalTime(v.get<std::string>()) : v.dump();
}

}  // namespace

std::string Str(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "-";
  return Shown(j[key]);
}

void PrintFields(const nlohmann::json& j) {
  for (const auto& [k, v] : j.items()) {
    if (k.ends_with("_fen") && v.is_number_integer()) {
      std::cout << k.substr(0, k.size() - 4) << ": " << FenAsYuan(v) << " yuan\n";
    } else {
      std::cout << k << ": " << Shown(v) << "\n";
    }
  }
}

void PrintPage(const nlohmann::json& page, const std::vector<std::string>& headers,
               const std::vector<const char*>& keys) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : page["items"]) {
    std::vector<std::string> row;
    row.reserve(keys.size());
    for (const char* k : keys) row.push_back(Str(item, k));
    rows.push_back(row);
  }
  PrintTable(std::cout, headers, rows);
  if (page.contains("total") && page["total"].is_number_integer()) {
    std::cout << "(" << page["total"].get<int64_t>() << " in all)\n";
  }
  if (page.contains("next_cursor") && !page["next_cursor"].is_null()) {
    std::cout << "(more: --cursor " << page["next_cursor"].get<std::string>() << ")\n";
  }
}

std::string PageFlags::Query() const {
  std::string q = "?limit=" + std::to_string(limit);
  if (!cursor.empty()) q += "&cursor=" + UrlEncode(cursor);
  return q;
}

void AddPageFlags(CLI::App* verb, PageFlags& flags) {
  verb->add_option("--limit", flags.limit, "Items per page (1-500)")->capture_default_str();
  verb->add_option("--cursor", flags.cursor, "Continue after this cursor (from the last page)");
}

void AddListVerb(CLI::App& noun, const std::string& description, CommandContext& ctx,
                 const std::string& path, std::vector<std::string> headers,
                 std::vector<const char*> keys) {
  AddListVerb(noun, description, ctx, path, std::move(headers), std::move(keys), nullptr);
}

void AddListVerb(CLI::App& noun, const std::string& description, CommandContext& ctx,
                 const std::string& path, std::vector<std::string> headers,
                 std::vector<const char*> keys, Decorate decorate,
                 std::vector<ListFilter> filters) {
  auto page = std::make_shared<PageFlags>();
  auto values = std::make_shared<std::vector<std::string>>(filters.size());
  auto* verb = AddVerb(noun, "list", description, ctx, [=](CommandContext& c) {
    std::string query = page->Query();
    for (size_t i = 0; i < filters.size(); ++i) {
      if (!(*values)[i].empty()) query += "&" + filters[i].param + "=" + UrlEncode((*values)[i]);
    }
    c.Emit(c.Client().Get(path + query), [&](const nlohmann::json& j) {
      if (!decorate) return PrintPage(j, headers, keys);
      nlohmann::json shown = j;
      decorate(c, shown["items"]);
      PrintPage(shown, headers, keys);
    });
  });
  AddPageFlags(verb, *page);
  for (size_t i = 0; i < filters.size(); ++i) {
    verb->add_option(filters[i].flag, (*values)[i], filters[i].help);
  }
}

}  // namespace qt::cli
