#include "match/enterprise.h"

namespace qt::match {

Status AddEnterpriseAttributes(Schema& schema) {
  const Attribute attributes[] = {
      {"credit_code", Type::kString, "unified social credit code"},
      {"district", Type::kString, "district"},
      {"industry", Type::kString, "GB/T 4754 industry class"},
      {"founded", Type::kDate, "founding date"},
      {"staff", Type::kNumber, "employees"},
      {"revenue", Type::kMoney, "revenue last year"},
      {"rd_ratio", Type::kNumber, "R&D spending over revenue"},
      {"patents", Type::kNumber, "invention patents"},
      {"qualifications", Type::kSet, "recognitions: 高新技术企业, 专精特新, ..."},
      {"credit_rating", Type::kString, "AAA .. C"},
      {"need_amount", Type::kMoney, "financing sought"},
      {"need_types", Type::kSet, "投 贷 补 担 保"},
  };
  for (const Attribute& a : attributes) QT_RETURN_IF_ERROR(schema.Add(a));
  return OkStatus();
}

Result<nlohmann::json> ProfileInFen(nlohmann::json profile) {
  if (!profile.is_object()) return InvalidArgument("profile: not an object");
  for (const std::string name : {"revenue", "need_amount"}) {
    auto at = profile.find(name);
    if (at == profile.end()) continue;
    std::optional<int64_t> fen;
    if (!at->is_null()) {
      if (!at->is_number()) return InvalidArgument(name + ": not a number");
      fen = Schema::YuanToFen(at->dump(), 0, Schema::Rounding::kNearest);
      if (!fen) return InvalidArgument(name + ": beyond the largest amount");
    }
    profile.erase(at);
    if (fen) profile[name + "_fen"] = *fen;
  }
  return profile;
}

}  // namespace qt::match
