#include "demo/tech_firms.h"

#include <cmath>

#include "accounts/credit_code.h"
#include "demo/gen.h"

namespace qt::demo {
namespace {

using nlohmann::json;

double Uniform(Gen& g) { return (static_cast<double>(g.Int(0, (1 << 30) - 1)) + 0.5) / (1 << 30); }

double Normal(Gen& g) {
  return std::sqrt(-2 * std::log(Uniform(g))) * std::cos(6.283185307179586 * Uniform(g));
}

// Picks an index by weight.
template <size_t N>
size_t Weighted(Gen& g, const int (&weights)[N]) {
  int total = 0;
  for (int w : weights) total += w;
  int r = static_cast<int>(g.Int(0, total - 1));
  for (size_t i = 0; i < N; ++i) {
    if ((r -= weights[i]) < 0) return i;
  }
  return N - 1;
}

const char* kDistricts[] = {"滨江区", "余杭区", "西湖区", "上城区", "拱墅区", "萧山区", "临平区",
                            "钱塘区", "富阳区", "临安区", "桐庐县", "淳安县", "建德市"};
const int kDistrictWeights[] = {22, 20, 16, 9, 8, 9, 5, 5, 2, 2, 1, 1, 0 + 1};
const char* kIndustries[] = {"I65", "I64", "I63", "C39", "C35", "C34",
                             "C27", "C40", "M73", "M75", "N77"};
const char* kIndustryNames[] = {"软件", "互联网",   "通信", "电子",     "专用设备", "通用设备",
                                "医药", "仪器仪表", "研究", "科技推广", "生态环保"};
const int kIndustryWeights[] = {28, 12, 5, 12, 9, 7, 6, 4, 6, 8, 3};
const char* kRatings[] = {"AAA", "AA", "A", "BBB", "BB", "B", "C"};
const int kRatingWeights[] = {3, 12, 30, 30, 15, 7, 3};
const char* kNamePrefixes[] = {"杭州", "浙江", "杭州市"};
const char* kNameWords[] = {"云", "智", "芯", "数", "联", "创", "新", "源",
                            "星", "海", "天", "科", "微", "光", "达", "华"};
const char* kNameSuffixes[] = {"科技有限公司", "信息技术有限公司", "智能科技有限公司",
                               "生物科技有限公司", "电子有限公司"};

}  // namespace

std::vector<TechFirm> GenerateTechFirms(int count, const std::string& seed) {
  Gen g("tech-firms/" + seed);
  std::vector<TechFirm> out;
  out.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const size_t industry = Weighted(g, kIndustryWeights);
    // Founded 1995..2026, skewed recent.
    const int year = 2026 - static_cast<int>(std::min(30.0, std::floor(-std::log(Uniform(g)) * 7)));
    const int month = static_cast<int>(g.Int(1, year == 2026 ? 10 : 12));
    const int day = static_cast<int>(g.Int(1, 28));
    char founded[32];
    std::snprintf(founded, sizeof founded, "%04d-%02d-%02d", year, month, day);
    const double staff = std::max(1.0, std::round(std::exp(std::log(25.0) + 1.1 * Normal(g))));
    const double revenue = std::round(staff * 400'000 * std::exp(0.8 * Normal(g)) / 1000) * 1000;
    const double rd =
        std::round(std::min(0.6, std::max(0.01, 0.08 * std::exp(0.6 * Normal(g)))) * 1000) / 1000;
    const double patents = std::floor(std::max(0.0, staff / 20 * std::exp(0.9 * Normal(g))));
    json quals = json::array();
    if (g.Chance(50)) quals.push_back("科技型中小企业");
    if (g.Chance(staff > 30 ? 35 : 12)) quals.push_back("高新技术企业");
    if (g.Chance(staff > 50 ? 12 : 2)) quals.push_back("专精特新");
    if (revenue > 2e7 && g.Chance(8)) quals.push_back("瞪羚企业");
    if (year >= 2021 && g.Chance(6)) quals.push_back("雏鹰企业");
    if (revenue > 5e8 && g.Chance(10)) quals.push_back("独角兽企业");
    json needs = json::array();
    if (g.Chance(60)) {
      for (const char* kind : {"投", "贷", "补", "担", "保"}) {
        if (g.Chance(std::string(kind) == "贷" ? 60 : 25)) needs.push_back(kind);
      }
    }
    std::string first17 = "91330" + std::to_string(100 + static_cast<int>(g.Int(0, 99))) + "MA";
    for (int k = 0; k < 8; ++k) first17 += "0123456789ABCDEFGHJKLMNPQRTUWXY"[g.Int(0, 30)];
    first17 = first17.substr(0, 17);
    std::string name = std::string(g.Pick(kNamePrefixes)) + g.Pick(kNameWords) +
                       g.Pick(kNameWords) + kIndustryNames[industry] + g.Pick(kNameSuffixes);
    json profile = {{"credit_code", first17 + accounts::CreditCodeCheckCharacter(first17)},
                    {"district", kDistricts[Weighted(g, kDistrictWeights)]},
                    {"industry", kIndustries[industry]},
                    {"founded", founded},
                    {"staff", staff},
                    {"revenue_fen", static_cast<int64_t>(revenue) * 100},
                    {"rd_ratio", rd},
                    {"patents", patents},
                    {"qualifications", quals},
                    {"credit_rating", kRatings[Weighted(g, kRatingWeights)]}};
    if (!needs.empty()) {
      profile["need_types"] = needs;
      const double need_yuan = std::round(revenue * (0.1 + Uniform(g)) / 10000) * 10000 + 500'000;
      profile["need_amount_fen"] = static_cast<int64_t>(need_yuan) * 100;
    }
    out.push_back({std::move(name), std::move(profile)});
  }
  return out;
}

const std::vector<std::string>& FinanceInstitutionNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names = {"杭州银行股份有限公司科技支行", "杭州联合农村商业银行",
                                      "杭州市科创融资担保有限公司", "杭州科创产业投资基金",
                                      "杭州科技保险服务中心"};
    const char* banks[] = {"中国银行", "工商银行", "建设银行", "农业银行", "交通银行",
                           "招商银行", "浙商银行", "宁波银行", "兴业银行", "中信银行",
                           "民生银行", "光大银行", "浦发银行", "平安银行"};
    for (const char* b : banks) names.push_back(std::string(b) + "杭州科技支行");
    const char* funds[] = {"杭州高新创投",       "西湖科创基金",     "滨江数字经济基金",
                           "余杭未来科技城基金", "钱塘新区产业基金", "杭州天使引导基金",
                           "萧山科创基金",       "浙江省科技投资",   "杭州资本",
                           "阿里巴巴创投"};
    for (const char* f : funds) names.emplace_back(f);
    const char* guarantors[] = {"杭州市融资担保集团", "浙江省担保集团杭州分公司", "滨江科技担保",
                                "余杭科创担保", "杭州高新担保"};
    for (const char* x : guarantors) names.emplace_back(x);
    const char* insurers[] = {"人保财险杭州分公司", "太平洋财险杭州分公司", "平安财险杭州分公司",
                              "国寿财险杭州分公司", "大地保险杭州分公司",   "中华联合杭州分公司"};
    for (const char* x : insurers) names.emplace_back(x);
    const char* subsidies[] = {"杭州市科学技术局科技计划",
                               "杭州市经信局数字经济专项",
                               "杭州市人社局创业补贴",
                               "西湖区科技局",
                               "滨江区发改局",
                               "余杭区经信局",
                               "萧山区科技局",
                               "钱塘区科技局",
                               "杭州市财政局贴息"};
    for (const char* x : subsidies) names.emplace_back(x);
    return names;
  }();
  return kNames;
}

std::vector<FinanceProductSpec> GenerateFinanceProducts(int count, int institutions,
                                                        const std::string& seed) {
  Gen g("finance-products/" + seed);
  const auto& names = FinanceInstitutionNames();
  std::vector<FinanceProductSpec> out;
  using match::ProductKind;
  const ProductKind kinds[] = {ProductKind::kLoan, ProductKind::kInvestment, ProductKind::kSubsidy,
                               ProductKind::kGuarantee, ProductKind::kInsurance};
  const int kind_weights[] = {40, 15, 20, 12, 13};
  for (int i = 0; i < count; ++i) {
    FinanceProductSpec p;
    p.kind = kinds[Weighted(g, kind_weights)];
    p.institution =
        names[static_cast<size_t>(i % std::min<int>(institutions, static_cast<int>(names.size())))];
    const std::string district = kDistricts[Weighted(g, kDistrictWeights)];
    const std::string industry = kIndustries[Weighted(g, kIndustryWeights)];
    const int min_years = static_cast<int>(g.Int(0, 5));
    const int min_staff = static_cast<int>(g.Int(1, 6)) * 10;
    std::vector<std::string> clauses;
    if (p.kind == ProductKind::kLoan) {
      p.name = std::string(g.Pick(kNameWords)) + "科贷通 " + std::to_string(i);
      clauses = {"need_types has \"贷\"",
                 "credit_rating in [\"AAA\", \"AA\", \"A\"" +
                     std::string(g.Chance(50) ? ", \"BBB\"" : "") + "]",
                 "years_since(founded) >= " + std::to_string(min_years)};
      if (g.Chance(40))
        clauses.push_back("revenue >= " + std::to_string(g.Int(1, 50) * 100) + "万");
      if (g.Chance(30))
        clauses.emplace_back("qualifications has any [\"高新技术企业\", \"科技型中小企业\"]");
      if (g.Chance(25)) clauses.push_back("district = \"" + district + "\"");
      p.max_amount_fen = g.Int(1, 30) * 100'000'000;  // 1..30 million yuan
      p.terms = "年化 " + std::to_string(g.Int(30, 45) / 10.0).substr(0, 3) + "%，期限 " +
                std::to_string(g.Int(1, 3)) + " 年";
      if (g.Chance(20))
        p.requires_kind = g.Chance(50) ? ProductKind::kInsurance : ProductKind::kGuarantee;
    } else if (p.kind == ProductKind::kInvestment) {
      p.name = std::string(g.Pick(kNameWords)) + "创投 " + std::to_string(i);
      clauses = {"need_types has \"投\"",
                 "rd_ratio >= " + std::to_string(g.Int(5, 15) / 100.0).substr(0, 4),
                 "patents >= " + std::to_string(g.Int(1, 10))};
      if (g.Chance(50)) clauses.emplace_back("industry in [\"I65\", \"I64\", \"C39\", \"C27\"]");
      if (g.Chance(30)) clauses.emplace_back("years_since(founded) <= 8");
      p.max_amount_fen = g.Int(5, 100) * 100'000'000;
      p.terms = "股权投资，" + std::to_string(g.Int(5, 20)) + "% 以内";
    } else if (p.kind == ProductKind::kSubsidy) {
      p.name = std::string(g.Pick(kNameWords)) + "研发补助 " + std::to_string(i);
      clauses = {"qualifications has \"" +
                     std::string(g.Chance(50) ? "高新技术企业" : "科技型中小企业") + "\"",
                 "rd_ratio >= 0.0" + std::to_string(g.Int(3, 8))};
      if (g.Chance(60)) clauses.push_back("district = \"" + district + "\"");
      if (g.Chance(30)) clauses.push_back("industry = \"" + industry + "\"");
      p.max_amount_fen = g.Int(1, 50) * 10'000'000;
      p.terms = "按研发投入的 " + std::to_string(g.Int(5, 20)) + "% 补助";
    } else if (p.kind == ProductKind::kGuarantee) {
      p.name = std::string(g.Pick(kNameWords)) + "科技担保 " + std::to_string(i);
      clauses = {"need_types has any [\"担\", \"贷\"]", "credit_rating not in [\"C\", \"B\"]",
                 "staff >= " + std::to_string(min_staff)};
      p.max_amount_fen = g.Int(1, 20) * 100'000'000;
      p.terms = "担保费率 " + std::to_string(g.Int(5, 15) / 10.0).substr(0, 3) + "%";
    } else {
      p.name = std::string(g.Pick(kNameWords)) + "研发费用损失险 " + std::to_string(i);
      clauses = {"need_types has any [\"保\", \"贷\"]", "rd_ratio >= 0.05",
                 "years_since(founded) >= " + std::to_string(min_years)};
      if (g.Chance(40)) clauses.emplace_back("qualifications has \"专精特新\"");
      p.max_amount_fen = g.Int(50, 300) * 1'000'000;  // e.g. 1.41 million yuan covers
      p.terms = "研发超支损失保障，保额至 " + std::to_string(p.max_amount_fen / 100) + " 元";
    }
    for (size_t k = 0; k < clauses.size(); ++k) p.rule += (k ? " and " : "") + clauses[k];
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace qt::demo
