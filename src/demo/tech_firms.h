// The synthetic technology enterprises of the demo city (the seed's 180,000
// screened by 杭创E站) and the finance products of its 49 institutions, as
// plausible distributions: a pure function of the seed.
//
// Firms: districts weighted by where Hangzhou's tech firms are (滨江, 余杭,
// 西湖 first), industries among software, IT services, electronics,
// machinery, pharma and research; founding years skewed recent; staff
// log-normal (median about 25); revenue about 400,000 yuan per employee,
// log-normal spread; R&D ratio 2-30 %; patents growing with staff;
// qualifications at their real rarity (科技型中小企业 about half, 高新技术企业
// a fifth, 专精特新 one in twenty); credit ratings mostly A-BBB; about 60 %
// seek financing of one or more of the five kinds.
//
// Products: investment, loan, subsidy, guarantee and insurance products with
// eligibility rules in the rule language (rule.h) over those attributes,
// amounts and terms; some loans require a guarantee or a cost-overrun policy
// (bundles).
#ifndef QIANTANG_DEMO_TECH_FIRMS_H_
#define QIANTANG_DEMO_TECH_FIRMS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "match/states.h"

namespace qt::demo {

// `count` enterprise profiles (attributes of match/enterprise.h) with names.
struct TechFirm {
  std::string name;
  nlohmann::json profile;
};
std::vector<TechFirm> GenerateTechFirms(int count, const std::string& seed);

struct FinanceProductSpec {
  std::string institution;  // one of kFinanceInstitutions
  match::ProductKind kind = match::ProductKind::kLoan;
  std::string name;
  std::string rule;
  int64_t max_amount_fen = 0;
  std::string terms;
  std::optional<match::ProductKind> requires_kind;  // the kind it needs alongside (a bundle)
};
// `count` products spread over `institutions` institutions.
std::vector<FinanceProductSpec> GenerateFinanceProducts(int count, int institutions,
                                                        const std::string& seed);

// Names of the demo's 49 financial institutions (banks, investors, guarantors, insurers, the
// funds).
const std::vector<std::string>& FinanceInstitutionNames();

}  // namespace qt::demo

#endif  // QIANTANG_DEMO_TECH_FIRMS_H_
