#include "dataspace/dataspace.h"

#include <gtest/gtest.h>

#include <fstream>

#include "crypto/encoding.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "tests/support/service_test.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"

namespace qt::dataspace {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using accounts::OrgKind;
using accounts::Principal;
using nlohmann::json;

std::string PeopleCsv(int n) {
  std::string csv = "name,district,age,income\n";
  const char* districts[] = {"西湖区", "上城区", "滨江区"};
  for (int i = 0; i < n; ++i) {
    csv += "person" + std::to_string(i) + "," + districts[i % 3] + "," +
           std::to_string(20 + i % 50) + "," + std::to_string(3000 + i) + "\n";
  }
  return csv + "CANARY,余杭区,99,9999999\n";
}

const char* kPolicy = R"({"permission": [{"action": "aggregate_query", "constraint": [
    {"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": ["research"]},
    {"leftOperand": "field", "operator": "isAnyOf", "rightOperand": ["district", "age", "income"]},
    {"leftOperand": "count", "operator": "lteq", "rightOperand": 4},
    {"leftOperand": "dateTime", "operator": "lt", "rightOperand": "2027-01-01T00:00:00Z"},
    {"leftOperand": "epsilon", "operator": "lteq", "rightOperand": 1.0},
    {"leftOperand": "groupSize", "operator": "gteq", "rightOperand": 10}]}]})";

class DataSpaceTest : public qt::testing::ServiceTest {
 protected:
  DataSpaceTest() : ServiceTest("2026-11-26T08:00:00Z", "dataspace_test") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open({DataSpace::Migrations()}));
    holder_ = Org(OrgKind::kDataHolder, 'H');
    enterprise_ = Org(OrgKind::kEnterprise, 'E');
    bank_ = Org(OrgKind::kInstitution, 'B');
    std::filesystem::create_directories(dir_.File("import"));
    space_ = std::make_unique<DataSpace>(
        *store_, DataSpaceOptions{&clock_, &random_, &journal_, accounts_.get(), dir_.File("data"),
                                  dir_.File("import")});
  }

  Principal Org(OrgKind kind, char c) { return ServiceTest::Org(std::string("Org ") + c, kind, c); }

  // A product of 300 people and a canary, with one offer open to enterprises.
  void Publish() {
    auto src = space_->CreateSource(holder_, {.name = "居民样本", .csv = PeopleCsv(300)});
    ASSERT_THAT(src, IsOk()) << src.status().ToString();
    json spec = {{"steps", json::array({{{"op", "trim"}}, {{"op", "dedupe"}}})},
                 {"output", json::parse(R"([
                     {"name": "name", "sensitivity": "identifying", "mask": "name"},
                     {"name": "district"}, {"name": "age", "type": "integer", "min": 0, "max": 120},
                     {"name": "income", "type": "integer", "min": 0, "max": 100000,
                      "sensitivity": "sensitive"}])")}};
    auto pipe = space_->CreatePipeline(holder_, src->id, "清洗", spec);
    ASSERT_THAT(pipe, IsOk()) << pipe.status().ToString();
    auto run = space_->RunPipeline(holder_, pipe->id);
    ASSERT_THAT(run, IsOk()) << run.status().ToString();
    EXPECT_EQ(run->rows_out, 301);
    auto product = space_->CreateProduct(holder_, {.run_id = run->id,
                                                   .title = "杭州居民收入样本",
                                                   .description = "按区统计的收入",
                                                   .tags = {"收入", "民生"},
                                                   .update_frequency = "monthly",
                                                   .licence = "研究使用"});
    ASSERT_THAT(product, IsOk()) << product.status().ToString();
    product_ = *product;
    auto offer = space_->CreateOffer(
        holder_, {.product_id = product_.id,
                  .title = "研究用统计",
                  .policy = json::parse(kPolicy),
                  .visible_to = {},
                  .negotiable_by = {.kinds = {OrgKind::kEnterprise}, .orgs = {}}});
    ASSERT_THAT(offer, IsOk()) << offer.status().ToString();
    offer_ = *offer;
  }

  Contract Finalized() {
    auto c = space_->RequestContract(enterprise_, offer_.id, std::nullopt);
    EXPECT_THAT(c, IsOk()) << c.status().ToString();
    EXPECT_THAT(space_->OfferContract(holder_, c->id, std::nullopt), IsOk());
    EXPECT_THAT(space_->AcceptContract(enterprise_, c->id), IsOk());
    EXPECT_THAT(space_->AgreeContract(holder_, c->id), IsOk());
    EXPECT_THAT(space_->VerifyContract(enterprise_, c->id), IsOk());
    auto f = space_->FinalizeContract(holder_, c->id);
    EXPECT_THAT(f, IsOk()) << f.status().ToString();
    return *f;
  }

  ChannelRequest Ask(std::string sql, int64_t eps = 250) {
    return {.sql = std::move(sql), .purpose = "research", .region = "330100", .epsilon_milli = eps};
  }

  qt::testing::TempDir dir_;
  std::unique_ptr<DataSpace> space_;
  Principal holder_, enterprise_, bank_;
  Product product_;
  Offer offer_;
};

INSTANTIATE_TEST_SUITE_P(Backends, DataSpaceTest, ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

TEST_P(DataSpaceTest, HoldersPublishProductsThatTheCatalogFinds) {
  Publish();
  EXPECT_EQ(product_.rows, 301);
  EXPECT_EQ(product_.fields.size(), 4u);
  EXPECT_EQ(product_.quality["rows_out"], 301);
  auto found = space_->SearchProducts("收入", "", {});
  ASSERT_THAT(found, IsOk());
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(space_->SearchProducts("医疗", "", {})->items.size(), 0u);
  EXPECT_EQ(space_->SearchProducts("", holder_.org_id, {})->items.size(), 1u);
  EXPECT_EQ(space_->SearchProducts("100%_", "", {})->items.size(), 0u);

  auto preview = space_->Preview(product_.id);
  ASSERT_THAT(preview, IsOk());
  ASSERT_EQ(preview->rows.size(), 10u);
  ASSERT_EQ(preview->columns.size(), product_.fields.size());
  EXPECT_EQ(preview->columns[0], product_.fields[0].name);
  EXPECT_EQ(preview->rows[0][0], "p******");  // name masked
  EXPECT_EQ(preview->rows[0][1], "西湖区");
  EXPECT_EQ(preview->rows[0][3], "***");  // sensitive, no mask: redacted

  // Offers are seen by their audience; a bank may see this one but not negotiate it.
  auto detail = space_->GetProduct(bank_, product_.id);
  ASSERT_THAT(detail, IsOk());
  EXPECT_EQ(detail->offers.size(), 1u);
  EXPECT_THAT(space_->RequestContract(bank_, offer_.id, std::nullopt),
              StatusIs(StatusCode::kPermissionDenied));
  auto hidden =
      space_->CreateOffer(holder_, {.product_id = product_.id,
                                    .title = "仅限某企业",
                                    .policy = json::parse(kPolicy),
                                    .visible_to = {.kinds = {}, .orgs = {enterprise_.org_id}},
                                    .negotiable_by = {}});
  ASSERT_THAT(hidden, IsOk());
  EXPECT_EQ(space_->GetProduct(bank_, product_.id)->offers.size(), 1u);
  EXPECT_EQ(space_->GetProduct(enterprise_, product_.id)->offers.size(), 2u);
  EXPECT_THAT(space_->RequestContract(bank_, hidden->id, std::nullopt),
              StatusIs(StatusCode::kNotFound));

  // Sources and pipelines are the holder's own; enterprises cannot bring any.
  EXPECT_EQ(space_->ListSources(holder_, {})->items.size(), 1u);
  EXPECT_THAT(space_->CreateSource(enterprise_, {.name = "x", .csv = "a\n1\n"}),
              StatusIs(StatusCode::kPermissionDenied));
}

TEST_P(DataSpaceTest, SourcesAreValidatedAndChangeNothingWhenBad) {
  EXPECT_THAT(
      space_->CreateSource(holder_, {.name = "x", .csv = "a,b\n1,2\n", .file = "y.csv"}).status(),
      StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(space_->CreateSource(holder_, {.name = "x", .file = "../etc/passwd"}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(space_->CreateSource(holder_, {.name = "x", .file = "missing.csv"}),
              StatusIs(StatusCode::kNotFound));
  auto bad = space_->CreateSource(holder_, {.name = "x", .csv = "a,\"b\n1,2\n"});
  EXPECT_THAT(bad, StatusIs(StatusCode::kInvalidArgument)) << bad.status().ToString();
  Schema declared = *ParseSchema(json::parse(R"([{"name": "a"}])"));
  EXPECT_THAT(space_->CreateSource(holder_, {.name = "x", .csv = "a,b\n1,2\n", .fields = declared})
                  .status(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(space_->ListSources(holder_, {})->items.size(), 0u);
  EXPECT_TRUE(std::filesystem::is_empty(dir_.File("data") + "/sources") ||
              !std::filesystem::exists(dir_.File("data") + "/sources"));

  // A file in the import folder, schema inferred.
  // (each organisation imports from its own folder <import-dir>/<org id>/)
  std::filesystem::create_directories(dir_.File("import/" + holder_.org_id));
  std::ofstream(dir_.File("import/" + holder_.org_id + "/big.csv"))
      << "Name,Age,Joined\nA,30,2024-01-02\nB,41,2025-12-31\n";
  auto src = space_->CreateSource(holder_, {.name = "导入", .file = "big.csv"});
  ASSERT_THAT(src, IsOk()) << src.status().ToString();
  EXPECT_EQ(src->fields[1].name, "age");
  EXPECT_EQ(src->fields[1].type, FieldType::kInteger);
  EXPECT_EQ(src->fields[2].type, FieldType::kDate);
  EXPECT_EQ(space_
                ->CreatePipeline(holder_, src->id, "p",
                                 json::parse(R"({"steps": [{"op": "date", "field": "x"}]})"))
                .status()
                .message(),
            "spec: steps[0].field: no source field 'x'");
  EXPECT_THAT(space_->CreatePipeline(enterprise_, src->id, "p", json::object()),
              StatusIs(StatusCode::kPermissionDenied));
}

TEST_P(DataSpaceTest, NegotiationFollowsTheProtocolAndBothSign) {
  Publish();
  auto c = space_->RequestContract(enterprise_, offer_.id, std::nullopt);
  ASSERT_THAT(c, IsOk()) << c.status().ToString();
  EXPECT_EQ(c->state, ContractState::kRequested);
  // Out of order, or by the wrong party: refused, nothing changes.
  EXPECT_THAT(space_->AcceptContract(enterprise_, c->id),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(space_->OfferContract(enterprise_, c->id, std::nullopt),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(space_->GetContract(bank_, c->id), StatusIs(StatusCode::kNotFound));
  // A counter-offer with a smaller budget.
  json counter = json::parse(kPolicy);
  counter["permission"][0]["constraint"][4]["rightOperand"] = 0.5;
  ASSERT_THAT(space_->OfferContract(holder_, c->id, counter), IsOk());
  ASSERT_THAT(space_->AcceptContract(enterprise_, c->id), IsOk());
  auto agreed = space_->AgreeContract(holder_, c->id);
  ASSERT_THAT(agreed, IsOk()) << agreed.status().ToString();
  EXPECT_EQ(agreed->agreement_hash, crypto::HexEncode(crypto::Sha256(agreed->agreement)));
  json agreement = json::parse(agreed->agreement);
  EXPECT_EQ(agreement["policy"]["permission"][0]["constraint"][4]["rightOperand"], 0.5);
  EXPECT_EQ(agreement["product_sha256"], product_.output_hash);
  ASSERT_THAT(space_->VerifyContract(enterprise_, c->id), IsOk());
  auto fin = space_->FinalizeContract(holder_, c->id);
  ASSERT_THAT(fin, IsOk());
  EXPECT_EQ(fin->state, ContractState::kFinalized);
  // Both signatures verify under the organisations' public keys.
  auto msg =
      std::span(reinterpret_cast<const uint8_t*>(fin->agreement.data()), fin->agreement.size());
  for (auto [org, sig] : {std::pair{holder_.org_id, fin->provider_signature},
                          std::pair{enterprise_.org_id, fin->consumer_signature}}) {
    auto bytes = *crypto::Base64Decode(sig);
    crypto::Signature s;
    std::copy(bytes.begin(), bytes.end(), s.begin());
    EXPECT_TRUE(crypto::Verify(accounts_->GetOrg(org)->public_key, msg, s));
  }
  EXPECT_EQ(space_->ListContracts(holder_, {}, {})->items.size(), 1u);
  EXPECT_EQ(space_->ListContracts(bank_, {}, {})->items.size(), 0u);
  // Terminated with a reason; then no more use.
  auto t = space_->TerminateContract(enterprise_, c->id, "项目结束");
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(t->reason, "项目结束");
  EXPECT_THAT(space_->Query(enterprise_, c->id, Ask("SELECT COUNT(*) FROM data")),
              StatusIs(StatusCode::kFailedPrecondition));
}

TEST_P(DataSpaceTest, TheChannelMetersEveryUseAndRefusesWithTheFailingConstraint) {
  Publish();
  Contract c = Finalized();
  auto r = space_->Query(enterprise_, c.id,
                         Ask("SELECT district, COUNT(*), AVG(income) FROM data GROUP BY district"));
  ASSERT_THAT(r, IsOk()) << r.status().ToString();
  // The districts' keys come from the data: at epsilon 0.25 over three
  // measurements a group needs a noisy count that one row reaches with
  // probability 1e-8 at most, far above the 100 rows of each district.
  EXPECT_EQ(r->answer.keys, KeyRelease::kPartitionSelection);
  EXPECT_EQ(r->answer.delta_pico, kDeltaPerQueryPico);
  EXPECT_EQ(r->answer.threshold, PartitionThreshold(83, kDeltaPerQueryPico));
  EXPECT_GT(r->answer.threshold, 200);
  EXPECT_TRUE(r->answer.rows.empty());
  EXPECT_EQ(r->epsilon_left_milli, 750);
  EXPECT_EQ(r->uses_left, 3);
  // The receipt is signed by the provider.
  json receipt = json::parse(r->usage.receipt);
  EXPECT_EQ(receipt["epsilon_left_milli"], 750);
  auto bytes = *crypto::Base64Decode(r->usage.signature);
  crypto::Signature sig;
  std::copy(bytes.begin(), bytes.end(), sig.begin());
  EXPECT_TRUE(crypto::Verify(
      accounts_->GetOrg(holder_.org_id)->public_key,
      std::span(reinterpret_cast<const uint8_t*>(r->usage.receipt.data()), r->usage.receipt.size()),
      sig));

  auto refused = [&](const ChannelRequest& req) {
    return space_->Query(enterprise_, c.id, req).status();
  };
  ChannelRequest wrong_purpose = Ask("SELECT COUNT(*) FROM data");
  wrong_purpose.purpose = "marketing";
  EXPECT_EQ(refused(wrong_purpose).message(),
            "constraint purpose isAnyOf [research]: purpose 'marketing' is not one of them");
  EXPECT_THAT(refused(Ask("SELECT COUNT(*) FROM data WHERE name = 'CANARY'")),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_NE(refused(Ask("SELECT * FROM data")).message().find("sql: SELECT *"), std::string::npos);
  EXPECT_NE(refused(Ask("SELECT COUNT(*) FROM orgs")).message().find("FROM data"),
            std::string::npos);
  EXPECT_NE(
      refused(Ask("SELECT COUNT(*) FROM data", 900)).message().find("the budget left is 0.75"),
      std::string::npos);
  EXPECT_THAT(space_->Query(holder_, c.id, Ask("SELECT COUNT(*) FROM data")),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(space_->Query(bank_, c.id, Ask("SELECT COUNT(*) FROM data")),
              StatusIs(StatusCode::kNotFound));
  // Refusals spent nothing.
  EXPECT_EQ(space_->GetContract(enterprise_, c.id)->uses, 1);
  EXPECT_EQ(space_->GetContract(enterprise_, c.id)->epsilon_spent_milli, 250);

  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(space_->Query(enterprise_, c.id, Ask("SELECT COUNT(*) FROM data", 100)), IsOk());
  }
  EXPECT_NE(refused(Ask("SELECT COUNT(*) FROM data", 100)).message().find("all 4 uses"),
            std::string::npos);
  EXPECT_EQ(space_->ListUsage(holder_, c.id, {})->items.size(), 4u);

  // A contract past its end date.
  Contract c2 = Finalized();
  clock_.Advance(*ParseRfc3339("2027-01-01T00:00:00Z") - clock_.NowMillis());
  EXPECT_EQ(space_->Query(enterprise_, c2.id, Ask("SELECT COUNT(*) FROM data")).status().message(),
            "constraint dateTime lt 2027-01-01T00:00:00.000Z: it is now 2027-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace qt::dataspace
