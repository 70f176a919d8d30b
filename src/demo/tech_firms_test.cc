#include "demo/tech_firms.h"

#include <gtest/gtest.h>

#include <map>

#include "accounts/credit_code.h"
#include "match/enterprise.h"
#include "match/rule.h"
#include "tests/support/status_matchers.h"

namespace qt::demo {
namespace {

using ::qt::testing::IsOk;

TEST(TechFirms, ProfilesFitTheSchemaAndProductRulesCompileAndSelectSome) {
  match::Schema schema;
  ASSERT_THAT(match::AddEnterpriseAttributes(schema), IsOk());
  auto firms = GenerateTechFirms(5000, "test");
  ASSERT_EQ(firms.size(), 5000u);
  EXPECT_EQ(GenerateTechFirms(5, "test")[4].profile, firms[4].profile) << "a function of the seed";
  std::vector<match::Entity> entities;
  std::map<std::string, int> quals;
  for (const auto& f : firms) {
    auto e = schema.EntityFromJson(f.name, f.profile);
    ASSERT_THAT(e, IsOk()) << e.status().ToString() << " " << f.profile.dump();
    EXPECT_THAT(accounts::ValidateCreditCode(f.profile["credit_code"].get<std::string>()), IsOk());
    for (const auto& q : f.profile["qualifications"]) ++quals[q.get<std::string>()];
    entities.push_back(std::move(*e));
  }
  // Rarity as documented: about half 科技型中小企业, fewer 高新, few 专精特新.
  EXPECT_NEAR(quals["科技型中小企业"] / 5000.0, 0.5, 0.05);
  EXPECT_GT(quals["高新技术企业"], quals["专精特新"]);
  const double today = *match::Schema::ParseDate("2026-11-26");
  auto products = GenerateFinanceProducts(500, 49, "test");
  ASSERT_EQ(products.size(), 500u);
  std::map<match::ProductKind, int> kinds;
  int selecting = 0;
  for (const auto& p : products) {
    auto rule = match::Rule::Compile(p.rule, schema);
    ASSERT_THAT(rule, IsOk()) << p.rule << ": " << rule.status().ToString();
    ++kinds[p.kind];
    int n = 0;
    for (const auto& e : entities) n += rule->Matches(e, today);
    if (n > 0 && n < 5000) ++selecting;
  }
  EXPECT_EQ(kinds.size(), 5u);
  EXPECT_GT(selecting, 400) << "most products select some firms and not all";
}

}  // namespace
}  // namespace qt::demo
