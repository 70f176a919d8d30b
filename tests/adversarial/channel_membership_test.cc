// Membership attacks on the virtual channel, through the real server, as a
// consumer holding an ordinary finalized contract would make them. The
// guarantee (docs/dataspace/channel.md): every figure an answer or a ledger
// event reveals is differentially private and accounted — the rows, which
// group keys appear, the answer's metadata — so an answer over a selection of
// one row and one over no row are (epsilon, delta)-indistinguishable.
//
// The server draws its noise from libsodium's CSPRNG (no seed can be set from
// outside), so the statistical bounds below are five standard errors wide:
// a correct channel fails one with probability below 1e-6 (four were too
// narrow: CI saw a correct channel cross one), a channel that tells
// membership exactly fails them always (its gap is 1, the bound 0.29).
#include <cmath>
#include <set>

#include "tests/adversarial/data_product.h"

namespace qt::testing {
namespace {

using nlohmann::json;

// What an answer tells besides its noisy values: everything but the rows,
// the usage receipt and the budget left.
std::string Metadata(const json& answer) {
  json m = answer;
  for (const char* key : {"rows", "usage", "epsilon_left", "uses_left"}) m.erase(key);
  return m.dump();
}

class ChannelMembershipTest : public DataProductTest {
 protected:
  // Runs `one` (selects the canary alone) and `none` (selects nobody) `n`
  // times each at `epsilon`; returns how often each answer released a row
  // for which `released` holds, and checks their metadata are identical.
  template <typename Pred>
  std::pair<int, int> Trials(const std::string& contract, const std::string& one,
                             const std::string& none, int n, double epsilon, Pred released) {
    int with = 0, without = 0;
    std::set<std::string> metadata;
    for (int i = 0; i < n; ++i) {
      auto a = Query(contract, one, epsilon);
      auto b = Query(contract, none, epsilon);
      EXPECT_EQ(a.status, 200) << a.raw;
      EXPECT_EQ(b.status, 200) << b.raw;
      if (a.status != 200 || b.status != 200) break;
      metadata.insert(Metadata(a.body));
      metadata.insert(Metadata(b.body));
      for (const json& row : a.body["rows"]) with += released(row);
      for (const json& row : b.body["rows"]) without += released(row);
    }
    EXPECT_EQ(metadata.size(), 1u) << "answers' metadata differ between one row and none:\n"
                                   << json(metadata).dump(1);
    return {with, without};
  }

  // P(one) <= e^eps P(none) + delta, both ways, within five standard errors
  // of the difference of two proportions (at most sqrt(0.5 / n)).
  static void ExpectIndistinguishable(std::pair<int, int> counts, int n, double epsilon,
                                      double delta) {
    const double p1 = static_cast<double>(counts.first) / n;
    const double p0 = static_cast<double>(counts.second) / n;
    const double slack = 5 * std::sqrt(0.5 / n);
    EXPECT_LE(p1, std::exp(epsilon) * p0 + delta + slack) << p1 << " vs " << p0;
    EXPECT_LE(p0, std::exp(epsilon) * p1 + delta + slack) << p0 << " vs " << p1;
  }
};

TEST_F(ChannelMembershipTest, OneRowAndNoRowCannotBeToldApart) {
  const std::string contract = Contract(offer_, consumer_);
  const int n = 150;
  const double eps = 0.005;
  auto any = [](const json&) { return true; };
  // No GROUP BY: the one aggregate row is released on its noisy count alone.
  auto plain = Trials(contract, "SELECT COUNT(*) FROM data WHERE age = 117",
                      "SELECT COUNT(*) FROM data WHERE age = 118", n, eps, any);
  ExpectIndistinguishable(plain, n, eps, 0);
  // GROUP BY a field with a public domain: every district is measured, so
  // 萧山区 appearing is a matter of noise, not of the canary.
  auto domain =
      Trials(contract, "SELECT district, COUNT(*) FROM data WHERE age = 117 GROUP BY district",
             "SELECT district, COUNT(*) FROM data WHERE age = 118 GROUP BY district", n, eps,
             [](const json& row) { return row[0] == "萧山区"; });
  ExpectIndistinguishable(domain, n, eps, 0);
  // GROUP BY a field whose keys come from the data (the attack: the
  // number of groups flipped 1/0 exactly): the canary's street is released
  // with probability at most delta.
  auto street =
      Trials(contract, "SELECT street, COUNT(*) FROM data WHERE age = 117 GROUP BY street",
             "SELECT street, COUNT(*) FROM data WHERE age = 118 GROUP BY street", n, eps, any);
  EXPECT_EQ(street.first, 0);
  EXPECT_EQ(street.second, 0);
}

TEST_F(ChannelMembershipTest, AUniqueFieldGroupedNeverShowsItsKey) {
  const std::string contract = Contract(offer_, consumer_);
  for (int i = 0; i < 3; ++i) {
    auto a = Query(contract, "SELECT street, COUNT(*), AVG(income) FROM data GROUP BY street", 3.0);
    ASSERT_EQ(a.status, 200) << a.raw;
    EXPECT_EQ(a.body["keys"], "partition_selection");
    EXPECT_EQ(a.body["delta"], 1e-8);
    EXPECT_EQ(a.raw.find("金丝雀路"), std::string::npos);
    EXPECT_EQ(a.raw.find("88888"), std::string::npos);
    // The streets of 50 residents each are large enough to be seen at this
    // epsilon; the canary's street of one never is.
    EXPECT_GE(a.body["rows"].size(), 1u);
  }
}

// The bisection: 17 questions "is the canary's income above X?" at
// epsilon 0.001 each recovered it exactly. Each answer is now noise.
TEST_F(ChannelMembershipTest, BisectionOnANumericFieldRecoversNothing) {
  const std::string contract = Contract(offer_, consumer_);
  for (const char* form : {"SELECT COUNT(*) FROM data WHERE age = 117 AND income > {}",
                           "SELECT street, COUNT(*) FROM data WHERE age = 117 AND income > {} "
                           "GROUP BY street"}) {
    for (int run = 0; run < 3; ++run) {
      int64_t lo = 0, hi = 100000;
      while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        std::string sql = form;
        sql.replace(sql.find("{}"), 2, std::to_string(mid));
        auto a = Query(contract, sql, 0.001);
        ASSERT_EQ(a.status, 200) << a.raw;
        if (a.body["rows"].empty()) {
          hi = mid;  // read as "no income above mid"
        } else {
          lo = mid + 1;
        }
      }
      EXPECT_NE(lo, 88888) << form;
    }
  }
}

// A count read twice (or a thousand times) to average the noise away runs
// into the budget; the ledger's event records what was spent, no count.
TEST_F(ChannelMembershipTest, RepeatingExhaustsTheBudgetAndTheLedgerHoldsNoCounts) {
  const std::string contract = Contract(offer_, consumer_);
  int answered = 0;
  HttpAnswer last;
  for (int i = 0; i < 12; ++i) {
    last = Query(contract, "SELECT COUNT(*) FROM data WHERE district = '萧山区'", 1.0);
    if (last.status != 200) break;
    ++answered;
  }
  EXPECT_EQ(answered, 10);
  EXPECT_EQ(last.status, 403) << last.raw;
  EXPECT_NE(last.raw.find("epsilon"), std::string::npos) << last.raw;

  auto cp = Call(*client_, "POST", "/api/v1/ledger/checkpoints", op_);
  ASSERT_EQ(cp.status, 201) << cp.raw;
  const int64_t size = cp.body["size"];
  auto entries = Call(
      *client_, "GET",
      "/api/v1/ledger/entries?start=" + std::to_string(size - 10) + "&end=" + std::to_string(size),
      consumer_);
  ASSERT_EQ(entries.status, 200) << entries.raw;
  int used = 0;
  for (const json& e : entries.body["entries"]) {
    if (e["event"]["kind"] != "dataspace.channel.used") continue;
    ++used;
    std::set<std::string> keys;
    for (const auto& [k, v] : e["event"]["payload"].items()) keys.insert(k);
    EXPECT_EQ(keys, (std::set<std::string>{"usage_id", "purpose", "epsilon_milli", "delta_pico",
                                           "query_sha256", "receipt_sha256"}))
        << e.dump();
  }
  EXPECT_EQ(used, 10);
}

}  // namespace
}  // namespace qt::testing
