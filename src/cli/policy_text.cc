#include "cli/policy_text.h"

#include <map>

namespace qt::cli {
namespace {

using nlohmann::json;

// A term as a string: "odrl:use" and {"@id": "use"} read as "use".
std::string Term(const json& x) {
  std::string s;
  if (x.is_string()) {
    s = x.get<std::string>();
  } else if (x.is_object() && x.contains("@id") && x["@id"].is_string()) {
    s = x["@id"].get<std::string>();
  } else if (!x.is_null()) {
    s = x.dump();
  }
  if (s.starts_with("odrl:")) s.erase(0, 5);
  return s;
}

// A right operand's value as written: a typed literal {"@value": "10"} reads "10".
std::string Value(const json& x) {
  if (x.is_object() && x.contains("@value")) return Value(x["@value"]);
  if (x.is_string()) return x.get<std::string>();
  return x.dump();
}

// The items of a list, or the one item a peer sent without a list.
std::vector<json> Items(const json& x) {
  if (x.is_array()) return x.get<std::vector<json>>();
  if (x.is_null()) return {};
  return {x};
}

std::string Joined(const json& values) {
  std::string out;
  for (const json& v : Items(values)) out += (out.empty() ? "" : ", ") + Value(v);
  return out;
}

std::string ConstraintText(const json& c) {
  if (!c.is_object()) return c.dump();
  const std::string left = Term(c.value("leftOperand", json()));
  const std::string op = Term(c.value("operator", json()));
  const json right = c.value("rightOperand", json());
  if (op == "isAnyOf") {
    static const std::map<std::string, std::string> kSets = {
        {"purpose", "for "},
        {"spatial", "in regions "},
        {"field", "on fields "},
        {"psiOutput", "PSI answers "},
        {"psiIntersectionField", "intersecting on "}};
    if (auto it = kSets.find(left); it != kSets.end()) return it->second + Joined(right);
  }
  if (left == "dateTime" && (op == "lt" || op == "lteq")) return "until " + Value(right);
  if (left == "dateTime" && (op == "gt" || op == "gteq")) return "from " + Value(right);
  if (op == "lteq") {
    static const std::map<std::string, std::string> kAtMost = {
        {"count", "at most {} uses"},
        {"epsilon", "privacy budget ε ≤ {}"},
        {"psiClientSize", "at most {} items a PSI"},
        {"psiSessionsPerDay", "at most {} PSI sessions a day"}};
    if (auto it = kAtMost.find(left); it != kAtMost.end()) {
      std::string text = it->second;
      return text.replace(text.find("{}"), 2, Value(right));
    }
  }
  if (left == "groupSize" && op == "gteq") return "groups of at least " + Value(right) + " rows";
  static const std::map<std::string, std::string> kSymbols = {
      {"eq", "="}, {"lt", "<"}, {"lteq", "≤"}, {"gt", ">"}, {"gteq", "≥"}, {"isAnyOf", "∈"}};
  auto symbol = kSymbols.find(op);
  return left + " " + (symbol == kSymbols.end() ? op : symbol->second) + " " + Joined(right);
}

std::string DutyText(const json& d) {
  const std::string duty = d.is_object() ? Term(d.value("action", json())) : Term(d);
  if (duty == "inform") return "the provider is told of each use";
  return "duty: " + duty;
}

std::string RuleText(const char* kind, const json& rule) {
  std::string text = std::string(kind) + ": ";
  if (!rule.is_object()) return text + rule.dump();
  text += Term(rule.value("action", json()));
  std::string parts;
  for (const json& c : Items(rule.value("constraint", json()))) {
    parts += (parts.empty() ? "" : "; ") + ConstraintText(c);
  }
  for (const json& d : Items(rule.value("duty", json()))) {
    parts += (parts.empty() ? "" : "; ") + DutyText(d);
  }
  return parts.empty() ? text : text + " — " + parts;
}

}  // namespace

std::vector<std::string> PolicySentences(const json& policy) {
  std::vector<std::string> out;
  if (!policy.is_object()) return out;
  for (const json& r : Items(policy.value("permission", json()))) {
    out.push_back(RuleText("allowed", r));
  }
  for (const json& r : Items(policy.value("prohibition", json()))) {
    out.push_back(RuleText("prohibited", r));
  }
  return out;
}

}  // namespace qt::cli
