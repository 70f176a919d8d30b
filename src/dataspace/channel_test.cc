// The channel lets only noisy aggregates of large enough groups out: planted
// canary rows cannot be extracted by the tricks below. What the parser and the
// schema check refuse (identifying fields in any clause, SQL outside the
// subset) is data: testdata/channel_sql/*.test, run by channel_sql_cases_test.cc.
#include "dataspace/channel.h"

#include <gtest/gtest.h>

#include <cmath>

#include "crypto/random.h"
#include "dataspace/noise.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace qt::dataspace {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using nlohmann::json;

TEST(Noise, DiscreteLaplaceHasTheRightShape) {
  crypto::DeterministicRandom random("noise");
  const double t = 10;  // scale
  const int n = 40'000;
  double sum = 0, sq = 0;
  int zeros = 0;
  for (int i = 0; i < n; ++i) {
    int64_t x = SampleDiscreteLaplace(random, 10, 1);
    sum += static_cast<double>(x);
    sq += static_cast<double>(x * x);
    zeros += x == 0;
  }
  double q = std::exp(-1 / t);
  double var = 2 * q / ((1 - q) * (1 - q));
  EXPECT_NEAR(sum / n, 0, 0.3);
  EXPECT_NEAR(sq / n / var, 1, 0.06);
  EXPECT_NEAR(static_cast<double>(zeros) / n, (1 - q) / (1 + q), 0.006);
  // Bernoulli(exp(-g)) for g above 1 as well.
  int ones = 0;
  for (int i = 0; i < n; ++i) ones += SampleBernoulliExp(random, 5, 2);
  EXPECT_NEAR(static_cast<double>(ones) / n, std::exp(-2.5), 0.005);
}

// 100 rows in 西湖区, 99 in 上城区, and one canary in 滨江区 with a huge income.
class ChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = *ParseSchema(json::parse(R"([
      {"name": "name", "sensitivity": "identifying", "mask": "name"},
      {"name": "district"},
      {"name": "age", "type": "integer", "min": 0, "max": 120},
      {"name": "income", "type": "integer", "min": 0, "max": 100000, "sensitivity": "sensitive"},
      {"name": "score", "type": "real"}])"));
    with_ = Make("with.sqlite", true);
    without_ = Make("without.sqlite", false);
  }

  std::string Make(const std::string& file, bool canary) {
    std::string path = dir_.File(file);
    auto db = ProductDb::Create(path, schema_);
    EXPECT_THAT(db, IsOk());
    for (int i = 0; i < 199; ++i) {
      EXPECT_THAT(db->Insert({"person" + std::to_string(i), i < 100 ? "西湖区" : "上城区",
                              std::to_string(20 + i % 40), std::to_string(5000 + i * 10), "1.5"}),
                  IsOk());
    }
    if (canary) {
      EXPECT_THAT(db->Insert({"CANARY张", "滨江区", "37", "99999999", "9.75"}), IsOk());
    }
    EXPECT_THAT(db->Finish(), IsOk());
    return path;
  }

  Result<ChannelAnswer> Run(const std::string& path, const std::string& sql, int64_t eps = 1000) {
    auto q = ParseChannelSql(sql);
    if (!q.ok()) return q.status();
    QT_RETURN_IF_ERROR(CheckAgainstSchema(*q, schema_));
    auto db = ProductDb::OpenReadOnly(path);
    return RunAggregate(*db, schema_, *q, 10, eps, random_);
  }

  qt::testing::TempDir dir_;
  Schema schema_;
  std::string with_, without_;
  crypto::DeterministicRandom random_{"channel"};
};

TEST_F(ChannelTest, AnswersAggregatesWithNoiseAndSuppressesSmallGroups) {
  auto a = Run(with_, "SELECT district, COUNT(*), AVG(age) FROM data GROUP BY district");
  ASSERT_THAT(a, IsOk()) << a.status().ToString();
  // Keys from the data: released past a threshold one row reaches with
  // probability 1e-8 at most; 滨江区, the canary's group of one, never is.
  EXPECT_EQ(a->keys, KeyRelease::kPartitionSelection);
  EXPECT_EQ(a->delta_pico, kDeltaPerQueryPico);
  EXPECT_EQ(a->threshold, PartitionThreshold(333, kDeltaPerQueryPico));
  EXPECT_EQ(a->measurements, 3);
  ASSERT_EQ(a->rows.size(), 2u);
  for (const json& row : a->rows) {
    EXPECT_NE(row[0], "滨江区");
    EXPECT_NEAR(row[1].get<double>(), 100, 30);
    EXPECT_NEAR(row[2].get<double>(), 39.5, 10);
  }
  EXPECT_EQ(a->columns, (std::vector<std::string>{"district", "count", "avg_age"}));
}

TEST_F(ChannelTest, CanariesCannotBeExtracted) {
  // Narrowing to the canary: the group is too small to be described at all.
  for (const char* sql : {"SELECT COUNT(*), SUM(income) FROM data WHERE district = '滨江区'",
                          "SELECT COUNT(*) FROM data WHERE income > 100000",
                          "SELECT COUNT(*) FROM data WHERE income >= 99999999",
                          // One query over two lines, not two queries:
                          // NOLINTNEXTLINE(bugprone-suspicious-missing-comma)
                          "SELECT COUNT(*) FROM data WHERE age = 37 AND district NOT IN "
                          "('西湖区', '上城区')",
                          "SELECT income, COUNT(*) FROM data GROUP BY income",
                          "SELECT score, COUNT(*) FROM data GROUP BY score",
                          "SELECT COUNT(*) FROM data WHERE district = 'nowhere'"}) {
    auto a = Run(with_, sql);
    ASSERT_THAT(a, IsOk()) << sql << ": " << a.status().ToString();
    for (const json& row : a->rows) {
      std::string text = row.dump();
      EXPECT_EQ(text.find("滨江区"), std::string::npos) << sql;
      EXPECT_EQ(text.find("9.75"), std::string::npos) << sql;
      EXPECT_EQ(text.find("99999999"), std::string::npos) << sql;
    }
    if (std::string(sql).find("GROUP BY") == std::string::npos) {
      EXPECT_EQ(a->rows.size(), 0u) << sql;
    }
  }
  // Bounded sums clamp.
  auto sum = Run(with_, "SELECT SUM(income) FROM data", 10'000);
  ASSERT_THAT(sum, IsOk());
  EXPECT_LT(sum->rows[0][0].get<int64_t>(), 199 * 5000 + 199 * 99 * 5 + 100000 + 200'000);
}

// Differencing: an attacker who knows every row but the canary's compares a
// total with and without it. With clamped contributions and epsilon 1 per
// query, telling "canary present" from "absent" succeeds no more often than
// e^eps / (1 + e^eps) = 73%, whatever threshold the attacker picks.
TEST_F(ChannelTest, DifferencingCannotTellTheCanaryIsThere) {
  const std::string sql = "SELECT SUM(income) FROM data";
  const int trials = 600;
  int correct = 0;
  auto exact = [&](const std::string& path) {
    auto q = *ParseChannelSql(sql);
    auto db = ProductDb::OpenReadOnly(path);
    return std::stoll(*(*RunExact(*db, schema_, q))[0][1]);
  };
  const int64_t base = exact(without_);
  EXPECT_EQ(exact(with_) - base, 100000);  // clamped to the field's max
  for (int i = 0; i < trials; ++i) {
    for (const std::string& path : {with_, without_}) {
      auto a = Run(path, sql, 1000);
      ASSERT_THAT(a, IsOk());
      ASSERT_EQ(a->rows.size(), 1u);
      bool guess_present = a->rows[0][0].get<int64_t>() - base > 50000;
      correct += guess_present == (path == with_);
    }
  }
  double rate = static_cast<double>(correct) / (2 * trials);
  // epsilon 1 over two measurements: the sum gets 0.5, so the bound is e^0.5/(1+e^0.5) = 62%.
  EXPECT_LT(rate, std::exp(0.5) / (1 + std::exp(0.5)) + 0.05) << rate;
}

// The threshold is the least T with P(1 + noise >= T) <= delta for the
// discrete Laplace of the count: P(X >= m) = p^m / (1 + p), p = e^-epsilon.
TEST(PartitionThreshold, IsTheLeastCountOneRowReachesWithProbabilityDelta) {
  for (int64_t eps : {10, 100, 333, 1000, 5000}) {
    for (int64_t delta : {int64_t{1}, kDeltaPerQueryPico, int64_t{1'000'000}}) {
      const int64_t t = PartitionThreshold(eps, delta);
      const double e = static_cast<double>(eps) / 1000, d = static_cast<double>(delta) * 1e-12;
      auto tail = [&](int64_t m) {
        return std::exp(-e * static_cast<double>(m)) / (1 + std::exp(-e));
      };
      EXPECT_LE(tail(t - 1), d) << eps << " " << delta;
      if (t > 2) {
        EXPECT_GT(tail(t - 2), d) << eps << " " << delta;
      }
    }
  }
  EXPECT_EQ(PartitionThreshold(1000, kDeltaPerQueryPico), 20);
}

// Empirically: a group of one row is released no more often than delta
// allows, at the largest delta the test can see.
TEST_F(ChannelTest, PartitionSelectionReleasesAGroupOfOneAtMostWithProbabilityDelta) {
  auto q = *ParseChannelSql("SELECT district, COUNT(*) FROM data GROUP BY district");
  auto db = ProductDb::OpenReadOnly(with_);
  int released = 0;
  for (int i = 0; i < 2000; ++i) {
    auto a = RunAggregate(*db, schema_, q, 2, 1000, random_);
    ASSERT_THAT(a, IsOk());
    for (const json& row : a->rows) released += row[0] == "滨江区";
  }
  EXPECT_EQ(released, 0);
}

// Keys from a public domain: every value is measured, present or not, so the
// canary's district and an empty one are released alike (only by noise).
TEST_F(ChannelTest, PublicDomainKeysAreReleasedByNoiseAlone) {
  Schema with_domain = schema_;
  with_domain[1].domain = {"西湖区", "上城区", "滨江区", "余杭区"};
  auto q = *ParseChannelSql("SELECT district, COUNT(*) FROM data GROUP BY district");
  ASSERT_EQ(KeyReleaseOf(q, with_domain), KeyRelease::kPublicDomain);
  auto db = ProductDb::OpenReadOnly(with_);
  const int n = 3000;
  int canary = 0, empty = 0, big = 0;
  for (int i = 0; i < n; ++i) {
    // epsilon 0.5, groups of 2: one row is released with P(X >= 1), none with P(X >= 2).
    auto a = RunAggregate(*db, with_domain, q, 2, 500, random_);
    ASSERT_THAT(a, IsOk());
    EXPECT_EQ(a->keys, KeyRelease::kPublicDomain);
    EXPECT_EQ(a->delta_pico, 0);
    for (const json& row : a->rows) {
      canary += row[0] == "滨江区";
      empty += row[0] == "余杭区";
      big += row[0] == "西湖区";
    }
  }
  EXPECT_EQ(big, n);
  const double p = std::exp(-0.5);
  EXPECT_NEAR(static_cast<double>(canary) / n, p / (1 + p), 0.03);
  EXPECT_NEAR(static_cast<double>(empty) / n, p * p / (1 + p), 0.03);
  EXPECT_LE(static_cast<double>(canary) / n, std::exp(0.5) * empty / n + 0.03);
}

TEST_F(ChannelTest, EpsilonTooSmallForTheMeasurementsIsRefused) {
  EXPECT_THAT(Run(with_, "SELECT COUNT(*), AVG(age) FROM data", 2),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace qt::dataspace
