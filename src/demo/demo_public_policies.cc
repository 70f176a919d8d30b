#include "demo/demo_public_policies.h"

#include <map>

#include "core/clock.h"
#include "demo/acting.h"

namespace qt::demo {

namespace {

struct Spec {
  const char* issuer;
  match::NewPublicPolicy policy;
};

}  // namespace

Result<DemoPolicies> LoadDemoPolicies(accounts::Accounts& accounts,
                                      match::PublicPolicies& policies) {
  QT_ASSIGN_OR_RETURN(auto orgs, AllOrgs(accounts));
  std::map<std::string, accounts::Org> by_name;
  for (const auto& o : orgs) by_name[o.name] = o;
  // In force from the start of this year to the end of the next.
  const int year = std::stoi(FormatRfc3339(SystemClock::Get().NowMillis()).substr(0, 4));
  const Date from = *Date::Parse(std::to_string(year) + "-01-01"),
             until = *Date::Parse(std::to_string(year + 1) + "-12-31"),
             mid = *Date::Parse(std::to_string(year + 1) + "-06-30");
  const char* kEconomy = "杭州市经济和信息化局";
  const char* kScience = "杭州市科学技术局";
  const Spec specs[] = {
      {kScience,
       {match::PolicyAudience::kEnterprise, "高新技术企业认定奖励",
        "对通过认定的高新技术企业给予一次性奖励。", "一次性奖励 20 万元",
        "qualifications has \"高新技术企业\" and revenue >= 500万", from, until}},
      {kEconomy,
       {match::PolicyAudience::kEnterprise, "专精特新中小企业奖励",
        "对新认定的专精特新中小企业给予奖励，支持做精做强。", "最高 50 万元",
        "qualifications has \"专精特新\" and staff <= 1000", from, until}},
      {kScience,
       {match::PolicyAudience::kEnterprise, "企业研发投入补助", "按上年度研发费用的 10% 给予补助。",
        "最高 200 万元", "rd_ratio >= 0.08 and revenue between 1000万 and 4亿", from, mid}},
      {kEconomy,
       {match::PolicyAudience::kEnterprise, "滨江区初创企业房租补贴",
        "成立三年内、五十人以下的初创企业，三年房租减免。", "三年房租减免",
        "district = \"滨江区\" and years_since(founded) <= 3 and staff <= 50", from, until}},
      {kEconomy,
       {match::PolicyAudience::kEnterprise, "首贷户贷款贴息",
        "信用良好、首次贷款的科技企业，按贷款利息的 50% 贴息。", "利息 50% 贴息，最高 30 万元",
        "need_types has \"贷\" and credit_rating in [\"AAA\", \"AA\", \"A\"] and "
        "years_since(founded) <= 5",
        from, until}},
      {kScience,
       {match::PolicyAudience::kPerson, "高层次人才购房补贴",
        "A、B、C 类人才在杭首次购房给予补贴。", "最高 800 万元",
        "talent_category in [\"A\", \"B\", \"C\"]", from, until}},
      {kScience,
       {match::PolicyAudience::kPerson, "青年人才租房补贴",
        "35 周岁以下的 D、E 类人才租房补贴，连续三年。", "每月 2,500 元，三年",
        "talent_category in [\"D\", \"E\"] and age <= 35", from, until}},
      {kScience,
       {match::PolicyAudience::kPerson, "人才服务绿色通道",
        "认定人才可在人才服务中心办理落户、子女入学、医疗保健等事项的绿色通道。", "一站式办理",
        "talent_category in [\"A\", \"B\", \"C\", \"D\", \"E\"]", from, until}},
      {kEconomy,
       {match::PolicyAudience::kPerson, "老年人公共交通优待",
        "七十周岁以上老年人免费乘坐公交、地铁。", "免费乘车",
        "concession = \"elderly\" and age >= 70", from, until}},
  };
  DemoPolicies out;
  for (const Spec& s : specs) {
    QT_ASSIGN_OR_RETURN(match::PublicPolicy p,
                        policies.Publish(ActAs(by_name.at(s.issuer)), s.policy));
    ++out.policies;
    out.notices += p.notified;
  }
  return out;
}

}  // namespace qt::demo
