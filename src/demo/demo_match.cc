#include "demo/demo_match.h"

#include <map>

#include "accounts/credit_code.h"
#include "demo/acting.h"
#include "demo/gen.h"
#include "demo/tech_firms.h"

namespace qt::demo {

using accounts::OrgKind;
using nlohmann::json;

Result<DemoMatch> LoadDemoMatch(accounts::Accounts& accounts, const accounts::Principal& op,
                                match::Finance& finance, const std::string& seed, int64_t firms) {
  DemoMatch out;
  QT_ASSIGN_OR_RETURN(auto orgs, AllOrgs(accounts));
  std::map<std::string, accounts::Org> by_name;
  for (const auto& o : orgs) by_name[o.name] = o;
  // The 49 institutions: those of the city, and the rest of the station's.
  Gen g("demo-match/" + seed);
  for (const std::string& name : FinanceInstitutionNames()) {
    if (by_name.contains(name)) continue;
    std::string first17 = "91330100MA";
    for (int k = 0; k < 7; ++k) first17 += "0123456789ABCDEFGHJKLMNPQRTUWXY"[g.Int(0, 30)];
    QT_ASSIGN_OR_RETURN(auto created, accounts.CreateOrg(op, {name, OrgKind::kInstitution,
                                                              first17 + accounts::CreditCodeCheckCharacter(first17)}));
    by_name[name] = created.org;
  }
  out.institutions = static_cast<int64_t>(FinanceInstitutionNames().size());

  const auto station = ActAs(by_name.at("杭州市科学技术局"));
  constexpr int64_t kBatch = 50'000;
  const std::vector<TechFirm> all = GenerateTechFirms(static_cast<int>(firms), seed);
  for (size_t from = 0; from < all.size(); from += kBatch) {
    std::vector<std::pair<std::string, json>> rows;
    for (size_t i = from; i < std::min(all.size(), from + kBatch); ++i) rows.emplace_back(all[i].name, all[i].profile);
    QT_ASSIGN_OR_RETURN(size_t n, finance.ImportProfiles(station, rows));
    out.firms += static_cast<int64_t>(n);
  }
  for (const FinanceProductSpec& p : GenerateFinanceProducts(500, out.institutions, seed)) {
    QT_RETURN_IF_ERROR(finance
                           .Publish(ActAs(by_name.at(p.institution)),
                                    {p.kind, p.name, p.rule, p.max_amount_fen, p.terms, p.requires_kind})
                           .status());
    ++out.products;
  }

  // The seed's story for the demo enterprise.
  const auto bank = ActAs(by_name.at("杭州银行股份有限公司科技支行"));
  const auto insurer = ActAs(by_name.at("杭州科技保险服务中心"));
  QT_ASSIGN_OR_RETURN(auto policy, finance.Publish(insurer, {"insurance", "研发费用损失保险（首创）",
                                                             "rd_ratio >= 0.1 and patents >= 3", 141'000'000,
                                                             "研发超支损失保障，保额 141 万元", ""}));
  QT_ASSIGN_OR_RETURN(auto loan, finance.Publish(bank, {"loan", "保险+信贷 科技研发贷",
                                                        "need_types has \"贷\" and rd_ratio >= 0.1 and credit_rating in [\"AAA\", \"AA\", \"A\"]",
                                                        100'000'000, "年化 3.45%，一年，以研发费用损失险为增信",
                                                        "insurance"}));
  out.products += 2;
  const auto& firm = by_name.at("杭州深度求索人工智能有限公司");
  json profile = {{"credit_code", firm.credit_code}, {"district", "滨江区"}, {"industry", "I65"},
                  {"founded", "2023-07-17"}, {"staff", 160}, {"revenue", 42'000'000}, {"rd_ratio", 0.38},
                  {"patents", 21}, {"qualifications", {"高新技术企业", "科技型中小企业", "雏鹰企业"}},
                  {"credit_rating", "AA"}, {"need_amount", 1'000'000}, {"need_types", {"贷", "保", "投"}}};
  const auto me = ActAs(firm);
  QT_ASSIGN_OR_RETURN(auto ent, finance.SaveOwnProfile(me, firm.name, profile));
  QT_ASSIGN_OR_RETURN(auto app, finance.Apply(me, ent.id, loan.id, 100'000'000));
  QT_RETURN_IF_ERROR(finance.Decide(bank, app.id, "accept", 100'000'000, "").status());
  (void)policy;
  return out;
}

}  // namespace qt::demo
