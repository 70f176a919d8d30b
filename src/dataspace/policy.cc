#include "dataspace/policy.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace qt::dataspace {
namespace {

using nlohmann::json;
using Left = Constraint::Left;

struct LeftInfo {
  Left left;
  const char* name;
  std::set<std::string> ops;
};

const std::vector<LeftInfo>& Lefts() {
  static const std::vector<LeftInfo> kLefts = {
      {Left::kPurpose, "purpose", {"isAnyOf"}},
      {Left::kSpatial, "spatial", {"isAnyOf"}},
      {Left::kField, "field", {"isAnyOf"}},
      {Left::kCount, "count", {"lteq"}},
      {Left::kDateTime, "dateTime", {"gteq", "lt", "lteq", "gt"}},
      {Left::kEpsilon, "epsilon", {"lteq"}},
      {Left::kGroupSize, "groupSize", {"gteq"}},
      {Left::kPsiOutput, "psiOutput", {"isAnyOf"}},
      {Left::kPsiClientSize, "psiClientSize", {"lteq"}},
      {Left::kPsiSessionsPerDay, "psiSessionsPerDay", {"lteq"}},
      {Left::kPsiIntersectionField, "psiIntersectionField", {"isAnyOf"}}};
  return kLefts;
}

const LeftInfo& Info(Left left) {
  for (const auto& l : Lefts()) {
    if (l.left == left) return l;
  }
  return Lefts()[0];
}

Status CheckKeys(const json& j, const std::set<std::string>& allowed, const std::string& at) {
  if (!j.is_object()) return InvalidArgument(at + ": must be an object");
  for (const auto& [key, _] : j.items()) {
    if (!allowed.contains(key)) return InvalidArgument(at + "." + key + ": unknown term");
  }
  return OkStatus();
}

Result<Constraint> ParseConstraint(const json& j, const Schema& schema, const std::string& at,
                                   Action action) {
  QT_RETURN_IF_ERROR(CheckKeys(j, {"leftOperand", "operator", "rightOperand"}, at));
  if (!j.contains("leftOperand") || !j["leftOperand"].is_string()) {
    return InvalidArgument(at + ".leftOperand: is required");
  }
  std::string left = j["leftOperand"];
  const LeftInfo* info = nullptr;
  for (const auto& l : Lefts()) {
    if (left == l.name) info = &l;
  }
  if (!info) {
    return InvalidArgument(at + ".leftOperand: unknown constraint '" + left +
                           "' (known: purpose, spatial, field, count, dateTime, epsilon, groupSize,"
                           " psiOutput, psiClientSize, psiSessionsPerDay, psiIntersectionField)");
  }
  Constraint c{.left = info->left};
  if ((c.left == Left::kPsiClientSize || c.left == Left::kPsiSessionsPerDay ||
       c.left == Left::kPsiIntersectionField) &&
      action != Action::kPsi) {
    return InvalidArgument(at + ".leftOperand: " + left + " constrains psi rules only");
  }
  const json op = j.value("operator", json());
  c.op = op.is_string() ? op.get<std::string>() : "";
  if (!info->ops.contains(c.op)) {
    std::string ops;
    for (const auto& o : info->ops) ops += (ops.empty() ? "" : ", ") + o;
    return InvalidArgument(at + ".operator: " + left + " takes " + ops);
  }
  if (!j.contains("rightOperand")) return InvalidArgument(at + ".rightOperand: is required");
  const json& right = j["rightOperand"];
  std::string rat = at + ".rightOperand";
  switch (c.left) {
    case Left::kPurpose:
    case Left::kSpatial:
    case Left::kField:
    case Left::kPsiOutput:
    case Left::kPsiIntersectionField: {
      if (!right.is_array() || right.empty() || right.size() > 100) {
        return InvalidArgument(rat + ": must be an array of 1 to 100 strings");
      }
      for (const json& v : right) {
        if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 100) {
          return InvalidArgument(rat + ": must hold strings of 1 to 100 bytes");
        }
        std::string s = v;
        if (c.left == Left::kField || c.left == Left::kPsiIntersectionField) {
          auto f = FindField(schema, s);
          if (!f) return InvalidArgument(rat + ": the product has no field '" + s + "'");
          if (schema[*f].sensitivity == Sensitivity::kIdentifying &&
              action == Action::kAggregateQuery) {
            return InvalidArgument(rat + ": '" + s +
                                   "' is identifying: only psi and delivery rules may name it");
          }
        }
        if (c.left == Left::kPsiOutput && s != "intersection" && s != "size") {
          return InvalidArgument(rat + ": psiOutput is intersection or size");
        }
        c.set.push_back(s);
      }
      break;
    }
    case Left::kCount:
    case Left::kGroupSize:
      if (!right.is_number_integer() || right.get<int64_t>() < 1 ||
          right.get<int64_t>() > 1'000'000'000) {
        return InvalidArgument(rat + ": must be an integer from 1 to 10^9");
      }
      c.number = right;
      if (c.left == Left::kGroupSize && c.number < 2) {
        return InvalidArgument(rat + ": groups of fewer than 2 would describe single rows");
      }
      break;
    case Left::kPsiClientSize:
    case Left::kPsiSessionsPerDay: {
      const int64_t max = c.left == Left::kPsiClientSize ? kMaxPsiClientSize : int64_t{1'000'000};
      if (!right.is_number_integer() || right.get<int64_t>() < 1 || right.get<int64_t>() > max) {
        return InvalidArgument(rat + ": must be an integer from 1 to " + std::to_string(max));
      }
      c.number = right;
      break;
    }
    case Left::kDateTime: {
      auto t = right.is_string() ? ParseRfc3339(right.get<std::string>()) : std::nullopt;
      if (!t) return InvalidArgument(rat + ": must be an RFC 3339 time");
      c.number = *t;
      break;
    }
    case Left::kEpsilon: {
      QT_ASSIGN_OR_RETURN(c.number, EpsilonMillis(right, rat));
      break;
    }
  }
  return c;
}

Result<Rule> ParseRule(const json& j, const Schema& schema, const std::string& at,
                       bool permission) {
  std::set<std::string> keys = {"action", "constraint"};
  if (permission) keys.insert("duty");
  QT_RETURN_IF_ERROR(CheckKeys(j, keys, at));
  auto action = j.contains("action") && j["action"].is_string()
                    ? ParseAction(j["action"].get<std::string>())
                    : std::nullopt;
  if (!action) {
    return InvalidArgument(at + ".action: must be aggregate_query, psi or delivery");
  }
  Rule rule{.action = *action};
  json constraints = j.value("constraint", json::array());
  if (!constraints.is_array() || constraints.size() > 50) {
    return InvalidArgument(at + ".constraint: must be an array of at most 50 constraints");
  }
  for (size_t i = 0; i < constraints.size(); ++i) {
    QT_ASSIGN_OR_RETURN(
        Constraint c, ParseConstraint(constraints[i], schema,
                                      at + ".constraint[" + std::to_string(i) + "]", rule.action));
    rule.constraints.push_back(std::move(c));
  }
  json duties = j.value("duty", json::array());
  if (!duties.is_array() || duties.size() > 10) {
    return InvalidArgument(at + ".duty: must be an array of at most 10 duties");
  }
  for (size_t i = 0; i < duties.size(); ++i) {
    std::string dat = at + ".duty[" + std::to_string(i) + "]";
    QT_RETURN_IF_ERROR(CheckKeys(duties[i], {"action"}, dat));
    const json duty = duties[i].value("action", json());
    const std::string a = duty.is_string() ? duty.get<std::string>() : "";
    if (a != "inform" && a != "attribute" && a != "delete") {
      return InvalidArgument(dat + ".action: must be inform, attribute or delete");
    }
    rule.duties.push_back(a);
  }
  if (permission && rule.action == Action::kAggregateQuery) {
    bool eps = false, k = false;
    for (const Constraint& c : rule.constraints) {
      eps = eps || c.left == Left::kEpsilon;
      k = k || c.left == Left::kGroupSize;
    }
    if (!eps || !k) {
      return InvalidArgument(at +
                             ": an aggregate_query permission must constrain epsilon and "
                             "groupSize");
    }
  }
  if (permission && rule.action == Action::kPsi) {
    bool output = false, field = false;
    for (const Constraint& c : rule.constraints) {
      output = output || c.left == Left::kPsiOutput;
      field = field || c.left == Left::kField;
    }
    if (!output || !field) {
      return InvalidArgument(at + ": a psi permission must constrain psiOutput and field");
    }
  }
  return rule;
}

std::string Describe(const Constraint& c) {
  std::string s = std::string(Info(c.left).name) + " " + c.op + " ";
  switch (c.left) {
    case Left::kPurpose:
    case Left::kSpatial:
    case Left::kField:
    case Left::kPsiOutput:
    case Left::kPsiIntersectionField: {
      std::string list;
      for (const auto& v : c.set) list += (list.empty() ? "" : ", ") + v;
      return s + "[" + list + "]";
    }
    case Left::kDateTime:
      return s + FormatRfc3339(c.number);
    case Left::kEpsilon:
      return s + json(static_cast<double>(c.number) / 1000.0).dump();
    default:
      return s + std::to_string(c.number);
  }
}

// Empty if `use` satisfies `c`, else why not.
std::string Check(const Constraint& c, const Use& use) {
  auto in_set = [&](const std::string& v) {
    return std::find(c.set.begin(), c.set.end(), v) != c.set.end();
  };
  std::string head = "constraint " + Describe(c) + ": ";
  switch (c.left) {
    case Left::kPurpose:
      return in_set(use.purpose) ? "" : head + "purpose '" + use.purpose + "' is not one of them";
    case Left::kSpatial:
      return in_set(use.region) ? "" : head + "region '" + use.region + "' is not one of them";
    case Left::kField:
      for (const auto& f : use.fields) {
        if (!in_set(f)) return head + "field '" + f + "' is not allowed";
      }
      return "";
    case Left::kCount:
      return use.uses_before < c.number
                 ? ""
                 : head + "all " + std::to_string(c.number) + " uses have been made";
    case Left::kDateTime: {
      bool ok = c.op == "gteq" ? use.now >= c.number
                : c.op == "gt" ? use.now > c.number
                : c.op == "lt" ? use.now < c.number
                               : use.now <= c.number;
      return ok ? "" : head + "it is now " + FormatRfc3339(use.now);
    }
    case Left::kEpsilon: {
      int64_t left = c.number - use.epsilon_spent;
      if (use.epsilon_spent + use.epsilon_requested <= c.number) return "";
      return head + "the budget left is " + json(static_cast<double>(left) / 1000.0).dump() +
             ", this use asks for " + json(use.epsilon_requested / 1000.0).dump();
    }
    case Left::kGroupSize:
      return "";  // enforced by the channel on every answer
    case Left::kPsiOutput:
      return in_set(use.psi_output) ? "" : head + "output '" + use.psi_output + "' is not allowed";
    case Left::kPsiClientSize:
      return use.psi_client_size <= c.number
                 ? ""
                 : head + "client_size " + std::to_string(use.psi_client_size) +
                       " is over the limit of " + std::to_string(c.number) +
                       " items per PSI session";
    case Left::kPsiSessionsPerDay:
      return "";  // counted by the PSI service when a session starts
    case Left::kPsiIntersectionField:
      if (use.psi_output != "intersection") return "";
      for (const auto& f : use.fields) {
        if (!in_set(f)) {
          return head + "the intersection on field '" + f + "' is not allowed (size only)";
        }
      }
      return "";
  }
  return head + "unknown";
}

// Whether prohibition constraint `c` holds for `use`. A use touches a set of
// fields, so "field isAnyOf [age]" holds when any field of the use is in the
// set: a use of district and age is a use of age. (A permission's field
// constraint asks the reverse: every field of the use in its set.) The other
// constraints hold as a permission's would.
bool ProhibitionHolds(const Constraint& c, const Use& use) {
  const bool field_set = c.left == Left::kField || (c.left == Left::kPsiIntersectionField &&
                                                    use.psi_output == "intersection");
  if (!field_set) return Check(c, use).empty();
  for (const auto& f : use.fields) {
    if (std::find(c.set.begin(), c.set.end(), f) != c.set.end()) return true;
  }
  return false;
}

// Empty if a psi `use` keeps within the PSI limits of permission `r` (the
// defaults when it names none, the cap on protected fields), else why not.
std::string CheckPsiLimits(const Rule& r, const Use& use) {
  bool sized = false;
  const Constraint* intersection = nullptr;
  for (const Constraint& c : r.constraints) {
    sized = sized || c.left == Left::kPsiClientSize;
    if (c.left == Left::kPsiIntersectionField) intersection = &c;
  }
  const std::string n = std::to_string(use.psi_client_size);
  if (!sized && use.psi_client_size > kDefaultPsiClientSize) {
    return "client_size " + n + " is over the limit of " + std::to_string(kDefaultPsiClientSize) +
           " items per PSI session (the contract names no psiClientSize)";
  }
  if (use.psi_output != "intersection") return "";
  for (const auto& f : use.protected_fields) {
    if (!intersection || std::find(intersection->set.begin(), intersection->set.end(), f) ==
                             intersection->set.end()) {
      return "field '" + f +
             "' is identifying or sensitive: PSI on it returns the size only (output size),"
             " unless the contract names it in psiIntersectionField";
    }
    if (use.psi_client_size > kProtectedIntersectionItems) {
      return "the intersection on the protected field '" + f + "' takes at most " +
             std::to_string(kProtectedIntersectionItems) +
             " items per PSI session; client_size is " + n +
             " (ask for output size, or send fewer items)";
    }
  }
  return "";
}

}  // namespace

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::kAggregateQuery:
      return "aggregate_query";
    case Action::kPsi:
      return "psi";
    case Action::kDelivery:
      return "delivery";
  }
  return "aggregate_query";
}

std::optional<Action> ParseAction(std::string_view name) {
  for (Action a : {Action::kAggregateQuery, Action::kPsi, Action::kDelivery}) {
    if (ActionName(a) == name) return a;
  }
  return std::nullopt;
}

Result<int64_t> EpsilonMillis(const json& value, const std::string& at) {
  if (!value.is_number()) return InvalidArgument(at + ": must be a number");
  double e = value.get<double>();
  double milli = std::round(e * 1000.0);
  if (!(e > 0 && e <= 10) || std::fabs(milli - e * 1000.0) > 1e-6) {
    return InvalidArgument(at + ": epsilon must be above 0 and at most 10, in steps of 0.001");
  }
  return static_cast<int64_t>(milli);
}

Result<Policy> ParsePolicy(const json& j, const Schema& schema) {
  QT_RETURN_IF_ERROR(CheckKeys(j, {"permission", "prohibition"}, "policy"));
  Policy p;
  for (const char* kind : {"permission", "prohibition"}) {
    json rules = j.value(kind, json::array());
    if (!rules.is_array() || rules.size() > 20) {
      return InvalidArgument(std::string(kind) + ": must be an array of at most 20 rules");
    }
    bool permission = std::string_view(kind) == "permission";
    for (size_t i = 0; i < rules.size(); ++i) {
      QT_ASSIGN_OR_RETURN(
          Rule r, ParseRule(rules[i], schema, std::string(kind) + "[" + std::to_string(i) + "]",
                            permission));
      (permission ? p.permissions : p.prohibitions).push_back(std::move(r));
    }
  }
  if (p.permissions.empty())
    return InvalidArgument("permission: a policy permits at least one use");
  return p;
}

json PolicyJson(const Policy& p) {
  auto rules = [](const std::vector<Rule>& v, bool permission) {
    json out = json::array();
    for (const Rule& r : v) {
      json cs = json::array();
      for (const Constraint& c : r.constraints) {
        json right;
        switch (c.left) {
          case Left::kPurpose:
          case Left::kSpatial:
          case Left::kField:
          case Left::kPsiOutput:
          case Left::kPsiIntersectionField:
            right = c.set;
            break;
          case Left::kDateTime:
            right = FormatRfc3339(c.number);
            break;
          case Left::kEpsilon:
            right = static_cast<double>(c.number) / 1000.0;
            break;
          default:
            right = c.number;
        }
        cs.push_back(
            {{"leftOperand", Info(c.left).name}, {"operator", c.op}, {"rightOperand", right}});
      }
      json rule = {{"action", ActionName(r.action)}, {"constraint", cs}};
      if (permission) {
        json duties = json::array();
        for (const auto& d : r.duties) duties.push_back({{"action", d}});
        rule["duty"] = duties;
      }
      out.push_back(std::move(rule));
    }
    return out;
  };
  return {{"permission", rules(p.permissions, true)},
          {"prohibition", rules(p.prohibitions, false)}};
}

Result<Grant> Evaluate(const Policy& policy, const Use& use) {
  for (const Rule& r : policy.prohibitions) {
    if (r.action != use.action) continue;
    bool applies = true;
    for (const Constraint& c : r.constraints) applies = applies && ProhibitionHolds(c, use);
    if (applies) {
      std::string how;
      for (const Constraint& c : r.constraints)
        how += (how.empty() ? " when " : " and ") + Describe(c);
      return PermissionDenied("the contract prohibits " + std::string(ActionName(use.action)) +
                              how);
    }
  }
  std::string first_failure;
  for (const Rule& r : policy.permissions) {
    if (r.action != use.action) continue;
    std::string failure;
    Grant g;
    for (const Constraint& c : r.constraints) {
      std::string why = Check(c, use);
      if (!why.empty() && failure.empty()) failure = why;
      if (c.left == Left::kEpsilon) g.epsilon_budget = c.number;
      if (c.left == Left::kGroupSize) g.min_group_size = c.number;
      if (c.left == Left::kCount) g.max_uses = c.number;
      if (c.left == Left::kPsiSessionsPerDay) g.psi_sessions_per_day = c.number;
    }
    if (r.action == Action::kPsi) {
      if (g.psi_sessions_per_day == 0) g.psi_sessions_per_day = kDefaultPsiSessionsPerDay;
      if (failure.empty()) failure = CheckPsiLimits(r, use);
    }
    if (failure.empty()) return g;
    if (first_failure.empty()) first_failure = failure;
  }
  if (first_failure.empty()) {
    return PermissionDenied("the contract does not permit " + std::string(ActionName(use.action)));
  }
  return PermissionDenied(first_failure);
}

}  // namespace qt::dataspace
