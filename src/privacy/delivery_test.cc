#include "privacy/delivery.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <random>

#include "core/csv.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "crypto/recipient_box.h"
#include "crypto/sha256.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace qt::privacy {
namespace {

using ::qt::testing::IsOk;

using nlohmann::json;

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = *dataspace::ParseSchema(json::parse(R"([
      {"name": "patient", "sensitivity": "identifying"},
      {"name": "exam"}, {"name": "district"},
      {"name": "age", "type": "integer", "min": 0, "max": 120, "fingerprint": true},
      {"name": "fee_fen", "type": "integer", "min": 0, "max": 10000000, "fingerprint": true}])"));
    path_ = dir_.File("p.sqlite");
    auto db = dataspace::ProductDb::Create(path_, schema_);
    const char* exams[] = {"CT", "MR", "DX"};
    for (int i = 0; i < 300; ++i) {
      ASSERT_THAT(db->Insert({"P" + std::to_string(i), exams[i % 3], "西湖区",
                              std::to_string(20 + i % 60), std::to_string(10000 + i * 37)}),
                  IsOk());
    }
    ASSERT_THAT(db->Finish(), IsOk());
    for (int r = 0; r < 3; ++r) {
      Candidate c{.delivery_id = "dlv" + std::to_string(r),
                  .recipient_id = "org" + std::to_string(r)};
      randombytes_buf(c.key.data(), c.key.size());
      candidates_.push_back(c);
    }
  }

  std::string Copy(int recipient, std::vector<std::string> columns = {}) {
    if (columns.empty()) columns = {"patient", "exam", "district", "age", "fee_fen"};
    auto db = dataspace::ProductDb::OpenReadOnly(path_);
    return *ExportFingerprinted(*db, schema_, columns, candidates_[recipient].key);
  }

  TraceResult Trace(const std::string& csv) {
    auto db = dataspace::ProductDb::OpenReadOnly(path_);
    auto r = TraceLeak(csv, *db, schema_, candidates_);
    EXPECT_THAT(r, IsOk()) << r.status().ToString();
    return *r;
  }

  qt::testing::TempDir dir_;
  dataspace::Schema schema_;
  std::string path_;
  std::vector<Candidate> candidates_;
};

// Rows of a CSV without its header, and the header.
std::pair<std::string, std::vector<std::string>> Split(const std::string& csv) {
  size_t nl = csv.find('\n');
  std::vector<std::string> lines;
  std::string rest = csv.substr(nl + 1);
  size_t pos = 0;
  while (pos < rest.size()) {
    size_t e = rest.find('\n', pos);
    lines.push_back(rest.substr(pos, e - pos + 1));
    pos = e + 1;
  }
  return {csv.substr(0, nl + 1), lines};
}

TEST_F(DeliveryTest, AFingerprintSurvivesReorderingDroppingAndResaving) {
  std::string copy = Copy(1);
  EXPECT_NE(copy, Copy(0));
  // Only fingerprinted cells moved, each by one.
  auto traced = Trace(copy);
  EXPECT_TRUE(traced.traced) << traced.reason;
  EXPECT_EQ(traced.recipient_id, "org1");
  EXPECT_EQ(traced.agreeing, traced.cells);
  EXPECT_GT(traced.confidence, 0.999999);

  // Shuffle the rows, keep 20 % of them, drop the fee column, re-save with every cell quoted.
  auto [header, rows] = Split(copy);
  std::mt19937 rng(7);
  std::shuffle(rows.begin(), rows.end(), rng);
  rows.resize(60);
  std::string altered = "\"patient\",\"exam\",\"district\",\"age\"\r\n";
  for (const auto& line : rows) {
    std::vector<std::string> cells;
    std::stringstream in(line);
    (void)ReadCsv(in, "x", [&](const CsvRow& r) {
      cells = r.fields;
      return OkStatus();
    });
    altered +=
        "\"" + cells[0] + "\",\"" + cells[1] + "\",\"" + cells[2] + "\",\"" + cells[3] + "\"\r\n";
  }
  auto again = Trace(altered);
  EXPECT_TRUE(again.traced) << again.reason;
  EXPECT_EQ(again.recipient_id, "org1");
  EXPECT_EQ(again.rows_matched, 60);

  // Without the fingerprinted fields, or with too few rows: it says it cannot.
  auto no_fp = Trace(Copy(2, {"patient", "exam", "district"}));
  EXPECT_FALSE(no_fp.traced);
  EXPECT_NE(no_fp.reason.find("none of the product's fingerprinted"), std::string::npos);
  auto few = Trace(header + rows[0] + rows[1]);
  EXPECT_FALSE(few.traced);
  // A CSV that is not from this product at all.
  auto stranger = Trace("patient,exam,district,age\nX1,CT,西湖区,30\n");
  EXPECT_FALSE(stranger.traced);
}

TEST_F(DeliveryTest, OnlyTheRecipientOpensAndAlterationsAreDetected) {
  crypto::DeterministicRandom random("delivery");
  crypto::SigningKey recipient = crypto::GenerateSigningKey(random);
  crypto::SigningKey other = crypto::GenerateSigningKey(random);
  std::string content = Copy(0);
  content += std::string(200'000, 'x');  // several chunks
  SealedHeader h{"ctr_1", "dlv_1", "org_r", crypto::HexEncode(crypto::Sha256(content))};
  auto file = SealDelivery(h, recipient.public_key, content);
  ASSERT_THAT(file, IsOk());
  auto open_with = [](const crypto::SigningKey& k) {
    return [&k](std::span<const uint8_t> sealed) { return crypto::OpenSealed(k, sealed); };
  };
  auto opened = OpenDelivery(*file, open_with(recipient));
  ASSERT_THAT(opened, IsOk()) << opened.status().ToString();
  EXPECT_EQ(opened->plaintext, content);
  EXPECT_EQ(opened->header.contract_id, "ctr_1");
  EXPECT_EQ(ReadDeliveryHeader(*file)->recipient_id, "org_r");

  EXPECT_NE(OpenDelivery(*file, open_with(other)).status().message().find("another recipient"),
            std::string::npos);
  std::string tampered = *file;
  tampered[tampered.size() / 2] ^= 1;
  EXPECT_NE(OpenDelivery(tampered, open_with(recipient)).status().message().find("altered"),
            std::string::npos);
  std::string relabelled = *file;
  relabelled.replace(relabelled.find("ctr_1"), 5, "ctr_2");
  EXPECT_FALSE(OpenDelivery(relabelled, open_with(recipient)).ok());
  EXPECT_NE(OpenDelivery(file->substr(0, file->size() - 100), open_with(recipient))
                .status()
                .message()
                .find("truncated"),
            std::string::npos);
  EXPECT_FALSE(OpenDelivery("garbage", open_with(recipient)).ok());
}

}  // namespace
}  // namespace qt::privacy
