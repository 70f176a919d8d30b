// Attacks on the registry's review (docs/exchange/README.md, "Who reviews"),
// through the real binary: an authority the operator never appointed takes a
// review step; a second appointed reviewer continues, rejects or resolves an
// objection on an application another reviewer accepted. Each gets 403, and
// nothing changes: the application's state and reviewer, its objections and
// the ledger's size are as before.
#include <gtest/gtest.h>

#include "tests/adversarial/identity_adversary.h"

namespace qt::testing {
namespace {

using nlohmann::json;

class ExchangeScopesTest : public ApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    holder_ = NewOrg("杭州市医疗健康数据中心", "data_holder", 851);
    registry_ = NewOrg("杭州数据交易所登记中心", "authority", 852);
    rival_ = NewOrg("某地数据登记中心", "authority", 853);
    outsider_ = NewOrg("杭州市某局", "authority", 854);
    bank_ = NewOrg("杭州银行科技支行", "institution", 855);
    for (const std::string* reviewer : {&registry_, &rival_}) {
      auto appointed = server_->Cli(
          {"exchange", "applications", "reviewers", "appoint", OrgIdOf(*client_, *reviewer)}, op_);
      EXPECT_EQ(appointed.exit_code, 0) << appointed.err;  // not fatal: the attacks are tested
    }
  }

  // A product of the holder, and an application to register it.
  std::string Apply() {
    std::string csv = "modality,age\n";
    for (int i = 0; i < 50; ++i)
      csv += std::string(i % 2 ? "CT" : "MR") + "," + std::to_string(20 + i) + "\n";
    auto src = Call(*client_, "POST", "/api/v1/dataspace/sources", holder_,
                    json{{"name", "影像导出"}, {"csv", csv}}.dump());
    EXPECT_EQ(src.status, 201) << src.raw;
    auto pipe = Call(*client_, "POST", "/api/v1/dataspace/pipelines", holder_,
                     json{{"name", "p"}, {"source_id", src.body["id"]}}.dump());
    EXPECT_EQ(pipe.status, 201) << pipe.raw;
    auto run = Call(*client_, "POST",
                    "/api/v1/dataspace/pipelines/" + pipe.body["id"].get<std::string>() + "/runs",
                    holder_);
    auto product = Call(*client_, "POST", "/api/v1/dataspace/products", holder_,
                        json{{"run_id", run.body["id"]}, {"title", "医学影像数据集"}}.dump());
    EXPECT_EQ(product.status, 201) << product.raw;
    auto a = Call(*client_, "POST", "/api/v1/exchange/applications", holder_,
                  json{{"rights", {"resource_holding"}},
                       {"data_name", "医学影像数据集"},
                       {"description", "全市医院检查元数据"},
                       {"data_type", "dataset"},
                       {"source_kind", "collected"},
                       {"format", "csv"},
                       {"scale", "50 行"},
                       {"update_cycle", "once"},
                       {"product_id", product.body["id"]}}
                      .dump());
    EXPECT_EQ(a.status, 201) << a.raw;
    return a.status == 201 ? a.body["id"].get<std::string>() : "";
  }

  HttpAnswer Review(const std::string& token, const std::string& app, const std::string& action) {
    json body = {{"action", action}};
    if (action == "reject") body["grounds"] = "材料不全";
    return Call(*client_, "POST", "/api/v1/exchange/applications/" + app + "/review", token,
                body.dump());
  }
  json Application(const std::string& app) {
    return Call(*client_, "GET", "/api/v1/exchange/applications/" + app, registry_).body;
  }

  std::string holder_, registry_, rival_, outsider_, bank_;
};

TEST_F(ExchangeScopesTest, OnlyAppointedReviewersReview) {
  const std::string app = Apply();
  ASSERT_FALSE(app.empty());
  const uint64_t ledger = LedgerSize(*client_, op_);
  for (const char* action : {"accept", "reject"}) {
    auto r = Review(outsider_, app, action);
    EXPECT_EQ(r.status, 403) << action << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "permission_denied");
  }
  EXPECT_EQ(Application(app)["state"], "submitted");
  EXPECT_EQ(LedgerSize(*client_, op_), ledger);
  // Only the operator appoints.
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/exchange/reviewers", outsider_,
                 json{{"org_id", OrgIdOf(*client_, outsider_)}}.dump())
                .status,
            403);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/exchange/reviewers").body["items"].size(), 2u);
}

TEST_F(ExchangeScopesTest, AReviewStartedByOneReviewerIsContinuedByItAlone) {
  const std::string app = Apply();
  ASSERT_FALSE(app.empty());
  ASSERT_EQ(Review(registry_, app, "accept").status, 200);
  const json before = Application(app);
  const uint64_t ledger = LedgerSize(*client_, op_);
  for (const char* action : {"formal_pass", "reject", "accept", "substantive_pass", "issue"}) {
    auto r = Review(rival_, app, action);
    EXPECT_EQ(r.status, 403) << action << ": " << r.raw;
  }
  EXPECT_EQ(Application(app), before) << "state, reviewer and grounds unchanged";
  EXPECT_EQ(LedgerSize(*client_, op_), ledger);

  // The registry goes on to the public notice; an objection is filed.
  ASSERT_EQ(Review(registry_, app, "formal_pass").status, 200);
  ASSERT_EQ(Review(registry_, app, "substantive_pass").status, 200);
  auto objection = Call(*client_, "POST", "/api/v1/exchange/applications/" + app + "/objections",
                        bank_, R"({"reason": "数据来源存疑"})");
  ASSERT_EQ(objection.status, 201) << objection.raw;
  const std::string obj = objection.body["id"];
  const uint64_t at_notice = LedgerSize(*client_, op_);
  for (const char* decision : {"upheld", "dismissed"}) {
    auto r = Call(*client_, "POST", "/api/v1/exchange/objections/" + obj + "/resolve", rival_,
                  json{{"decision", decision}, {"resolution", "x"}}.dump());
    EXPECT_EQ(r.status, 403) << decision << ": " << r.raw;
  }
  EXPECT_EQ(Application(app)["state"], "public_notice");
  EXPECT_EQ(LedgerSize(*client_, op_), at_notice);
  auto resolved = Call(*client_, "POST", "/api/v1/exchange/objections/" + obj + "/resolve",
                       registry_, R"({"decision": "dismissed", "resolution": "来源有授权书"})");
  EXPECT_EQ(resolved.status, 200) << resolved.raw;
}

}  // namespace
}  // namespace qt::testing
