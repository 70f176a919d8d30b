#include "match/index.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/support/status_matchers.h"

namespace qt::match {
namespace {

using ::qt::testing::IsOk;

using nlohmann::json;

// Random firms and random rules; every answer of the index must equal the
// nested loop over all pairs.
class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [name, type] :
         std::vector<std::pair<std::string, Type>>{{"district", Type::kString},
                                                   {"industry", Type::kString},
                                                   {"founded", Type::kDate},
                                                   {"staff", Type::kNumber},
                                                   {"revenue", Type::kNumber},
                                                   {"high_tech", Type::kBool},
                                                   {"qualifications", Type::kSet}}) {
      ASSERT_THAT(schema_.Add({name, type, ""}), IsOk());
    }
    std::mt19937 g(7);
    for (int i = 0; i < 3000; ++i) entities_.push_back(RandomFirm(g, i));
    for (int i = 0; i < 200; ++i) {
      auto r = Rule::Compile(RandomRule(g), schema_);
      ASSERT_THAT(r, IsOk()) << r.status().ToString();
      rules_.push_back(*r);
    }
    today_ = *Schema::ParseDate("2026-11-26");
  }

  Entity RandomFirm(std::mt19937& g, int i) {
    const char* districts[] = {"西湖区", "滨江区", "余杭区", "上城区", "萧山区"};
    const char* industries[] = {"I64", "I65", "C39", "M73", "C35"};
    const char* quals[] = {"高新技术企业", "专精特新", "科技型中小企业", "瞪羚企业"};
    json j = {
        {"district", districts[g() % 5]},
        {"industry", industries[g() % 5]},
        {"founded", std::to_string(2000 + g() % 26) + "-0" + std::to_string(1 + g() % 9) + "-15"},
        {"staff", static_cast<int>(g() % 2000)},
        {"revenue", static_cast<double>(g() % 200) * 1e6},
        {"high_tech", g() % 3 == 0}};
    if (g() % 10 == 0) j.erase("revenue");  // missing values too
    json q = json::array();
    for (const char* x : quals) {
      if (g() % 3 == 0) q.push_back(x);
    }
    j["qualifications"] = q;
    return *schema_.EntityFromJson("firm" + std::to_string(i), j);
  }

  static std::string RandomRule(std::mt19937& g) {
    const std::vector<std::string> clauses = {
        "district = \"西湖区\"",
        "district in [\"滨江区\", \"余杭区\"]",
        "industry != \"C39\"",
        "staff >= 500",
        "staff between 10 and 300",
        "revenue >= 5000万",
        "revenue < 2000万",
        "high_tech",
        "qualifications has \"专精特新\"",
        "qualifications has any [\"瞪羚企业\", \"高新技术企业\"]",
        "qualifications has all [\"专精特新\", \"科技型中小企业\"]",
        "founded <= 2015-01-01",
        "years_since(founded) >= 3",
        "not high_tech",
        "industry not in [\"I64\"]"};
    std::string r;
    const int n = 1 + static_cast<int>(g() % 4);
    for (int i = 0; i < n; ++i) {
      if (i) r += g() % 5 == 0 ? " or " : " and ";
      r += clauses[g() % clauses.size()];
    }
    return r;
  }

  Schema schema_;
  std::vector<Entity> entities_;
  std::vector<Rule> rules_;
  double today_ = 0;
};

TEST_F(IndexTest, BothDirectionsAndTheBatchEqualTheNestedLoop) {
  MatchIndex index(schema_);
  index.SetEntities(entities_);
  for (size_t r = 0; r < rules_.size(); ++r) index.AddRule(static_cast<int>(r), rules_[r]);
  EXPECT_LT(index.unindexed_rules(), rules_.size() / 2);
  auto screened = index.Screen(today_, 2);
  ASSERT_EQ(screened.size(), rules_.size());
  for (size_t r = 0; r < rules_.size(); ++r) {
    std::vector<int> want;
    for (size_t p = 0; p < entities_.size(); ++p) {
      if (rules_[r].Matches(entities_[p], today_)) want.push_back(static_cast<int>(p));
    }
    ASSERT_EQ(index.EntitiesFor(rules_[r], today_), want) << rules_[r].text();
    ASSERT_EQ(screened[static_cast<int>(r)], want) << rules_[r].text();
  }
  for (size_t p = 0; p < entities_.size(); p += 7) {
    std::vector<int> want;
    for (size_t r = 0; r < rules_.size(); ++r) {
      if (rules_[r].Matches(entities_[p], today_)) want.push_back(static_cast<int>(r));
    }
    ASSERT_EQ(index.RulesFor(entities_[p], today_), want) << p;
  }
}

TEST_F(IndexTest, ProfileChangesAndRuleRemovalKeepAnswersExact) {
  MatchIndex index(schema_);
  index.SetEntities(entities_);
  for (size_t r = 0; r < rules_.size(); ++r) index.AddRule(static_cast<int>(r), rules_[r]);
  std::mt19937 g(11);
  std::vector<Entity> changed;
  changed.reserve(100);
  for (int i = 0; i < 100; ++i) {
    const int p = static_cast<int>(g() % entities_.size());
    changed.push_back(RandomFirm(g, p));
    index.UpdateEntity(p, changed.back());
    entities_[p] = changed.back();
  }
  for (int r = 0; r < 200; r += 2) index.RemoveRule(r);
  for (int r = 1; r < 200; r += 2) {
    std::vector<int> want;
    for (size_t p = 0; p < entities_.size(); ++p) {
      if (rules_[r].Matches(entities_[p], today_)) want.push_back(static_cast<int>(p));
    }
    ASSERT_EQ(index.EntitiesFor(rules_[r], today_), want) << rules_[r].text();
  }
  for (const Entity& e : changed) {
    std::vector<int> want;
    for (int r = 1; r < 200; r += 2) {
      if (rules_[r].Matches(e, today_)) want.push_back(r);
    }
    ASSERT_EQ(index.RulesFor(e, today_), want);
  }
}

// With few entities every clause selects "nearly everyone", and the reverse
// query falls back to one anchor, which may be a term clause.
TEST_F(IndexTest, FewEntitiesEqualTheNestedLoopToo) {
  for (size_t n = 1; n <= 5; ++n) {
    std::vector<Entity> few(entities_.begin(), entities_.begin() + static_cast<std::ptrdiff_t>(n));
    MatchIndex index(schema_);
    index.SetEntities(few);
    for (const Rule& rule : rules_) {
      std::vector<int> want;
      for (size_t p = 0; p < n; ++p) {
        if (rule.Matches(few[p], today_)) want.push_back(static_cast<int>(p));
      }
      ASSERT_EQ(index.EntitiesFor(rule, today_), want) << n << " entities: " << rule.text();
    }
  }
}

}  // namespace
}  // namespace qt::match
