#include "match/enterprise.h"

namespace qt::match {

Status AddEnterpriseAttributes(Schema& schema) {
  const Attribute attributes[] = {
      {"credit_code", Type::kString, "unified social credit code"},
      {"district", Type::kString, "district"},
      {"industry", Type::kString, "GB/T 4754 industry class"},
      {"founded", Type::kDate, "founding date"},
      {"staff", Type::kNumber, "employees"},
      {"revenue", Type::kNumber, "revenue last year, yuan"},
      {"rd_ratio", Type::kNumber, "R&D spending over revenue"},
      {"patents", Type::kNumber, "invention patents"},
      {"qualifications", Type::kSet, "recognitions: 高新技术企业, 专精特新, ..."},
      {"credit_rating", Type::kString, "AAA .. C"},
      {"need_amount", Type::kNumber, "financing sought, yuan"},
      {"need_types", Type::kSet, "投 贷 补 担 保"},
  };
  for (const Attribute& a : attributes) QT_RETURN_IF_ERROR(schema.Add(a));
  return OkStatus();
}

}  // namespace qt::match
