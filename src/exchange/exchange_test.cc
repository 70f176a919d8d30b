#include "exchange/exchange.h"

#include <gtest/gtest.h>

#include <tuple>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "exchange/certificate.h"
#include "tests/support/service_test.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace qt::exchange {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using accounts::OrgKind;
using accounts::Principal;
using nlohmann::json;

constexpr int64_t kDay = 24 * 3'600'000LL;

class ExchangeTest : public qt::testing::ServiceTest {
 protected:
  ExchangeTest() : ServiceTest("2026-03-01T00:00:00Z", "exchange_test") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open({dataspace::DataSpace::Migrations(), Exchange::Migrations()}));
    holder_ = Org("杭州市医疗健康数据中心", OrgKind::kDataHolder, 'H');
    other_ = Org("另一家数据公司", OrgKind::kDataHolder, 'D');
    buyer_ = Org("杭州云图医疗影像科技有限公司", OrgKind::kEnterprise, 'E');
    bank_ = Org("杭州银行科技支行", OrgKind::kInstitution, 'B');
    registry_ = Org("杭州数据交易所登记中心", OrgKind::kAuthority, 'R');
    space_ = std::make_unique<dataspace::DataSpace>(
        *store_, dataspace::DataSpaceOptions{&clock_, &random_, &journal_, accounts_.get(),
                                             dir_.File("data"), dir_.File("import")});
    exchange_ = std::make_unique<Exchange>(*store_, ExchangeOptions{.clock = &clock_,
                                                                    .random = &random_,
                                                                    .journal = &journal_,
                                                                    .accounts = accounts_.get(),
                                                                    .dataspace = space_.get()});
    ASSERT_THAT(exchange_->AppointReviewer(op_, registry_.org_id), IsOk());
    Publish();
  }

  // A 200-row imaging product with an offer open to everyone.
  void Publish() {
    std::string csv = "modality,age\n";
    for (int i = 0; i < 200; ++i)
      csv += std::string(i % 2 ? "CT" : "MR") + "," + std::to_string(20 + i % 50) + "\n";
    auto src = space_->CreateSource(holder_, {.name = "影像", .csv = csv});
    ASSERT_THAT(src, IsOk()) << src.status().ToString();
    auto pipe = space_->CreatePipeline(holder_, src->id, "p",
                                       json::parse(R"({"output": [{"name": "modality"},
        {"name": "age", "type": "integer", "min": 0, "max": 120}]})"));
    ASSERT_THAT(pipe, IsOk()) << pipe.status().ToString();
    auto run = space_->RunPipeline(holder_, pipe->id);
    auto product = space_->CreateProduct(holder_, {.run_id = run->id, .title = "医学影像数据集"});
    ASSERT_THAT(product, IsOk()) << product.status().ToString();
    product_ = *product;
    auto offer = space_->CreateOffer(
        holder_, {.product_id = product_.id,
                  .title = "统计",
                  .policy = json::parse(R"({"permission": [{"action": "aggregate_query",
                      "constraint": [{"leftOperand": "epsilon", "operator": "lteq", "rightOperand": 5.0},
                                     {"leftOperand": "groupSize", "operator": "gteq", "rightOperand": 10}]}]})"),
                  .visible_to = {},
                  .negotiable_by = {}});
    ASSERT_THAT(offer, IsOk()) << offer.status().ToString();
    offer_ = offer->id;
  }

  NewApplication Application() {
    return {.rights = {"resource_holding", "processing_use", "product_operation"},
            .data_name = "医学影像数据集",
            .description = "全市医院检查元数据",
            .data_type = "dataset",
            .source_kind = "collected",
            .format = "CSV",
            .scale = "200 行",
            .update_cycle = "monthly",
            .product_id = product_.id,
            .evidence = {{"采集说明.pdf", "%PDF-1.4 evidence"}}};
  }

  // Submitted, reviewed, noticed for 10 days and issued.
  std::string Issue() {
    auto a = exchange_->Apply(holder_, Application());
    EXPECT_THAT(a, IsOk()) << a.status().ToString();
    for (const char* step : {"accept", "formal_pass", "substantive_pass"}) {
      EXPECT_THAT(exchange_->Review(registry_, a->id, step, ""), IsOk()) << step;
    }
    clock_.Advance(10 * kDay);
    auto issued = exchange_->Review(registry_, a->id, "issue", "");
    EXPECT_THAT(issued, IsOk()) << issued.status().ToString();
    return issued->certificate_number;
  }

  qt::testing::TempDir dir_;
  std::unique_ptr<dataspace::DataSpace> space_;
  std::unique_ptr<Exchange> exchange_;
  Principal holder_, other_, buyer_, bank_, registry_;
  dataspace::Product product_;
  std::string offer_;
};

INSTANTIATE_TEST_SUITE_P(Backends, ExchangeTest, ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

TEST_P(ExchangeTest, RegistrationPassesNoticeAndIssuesCertificate00001) {
  auto a = exchange_->Apply(holder_, Application());
  ASSERT_THAT(a, IsOk()) << a.status().ToString();
  EXPECT_EQ(a->state, ApplicationState::kSubmitted);
  EXPECT_EQ(a->snapshot_sha256, product_.output_hash);
  EXPECT_EQ(a->evidence.size(), 1u);
  // Out of order, or not a reviewer: refused.
  EXPECT_THAT(exchange_->Review(registry_, a->id, "issue", ""),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(exchange_->Review(holder_, a->id, "accept", ""),
              StatusIs(StatusCode::kPermissionDenied));
  for (const char* step : {"accept", "formal_pass", "substantive_pass"}) {
    ASSERT_THAT(exchange_->Review(registry_, a->id, step, ""), IsOk()) << step;
  }
  ASSERT_EQ(exchange_->NoticeBoard()->size(), 1u);
  // An objection during notice must be resolved before issue.
  auto obj = exchange_->Object(other_, a->id, "该数据含有本公司授权的部分");
  ASSERT_THAT(obj, IsOk()) << obj.status().ToString();
  clock_.Advance(10 * kDay);
  EXPECT_NE(exchange_->Review(registry_, a->id, "issue", "")
                .status()
                .message()
                .find("objection(s) must be resolved"),
            std::string::npos);
  EXPECT_THAT(exchange_->Object(other_, a->id, "too late"),
              StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_THAT(exchange_->ResolveObjection(registry_, obj->id, "dismissed", "授权已核实"), IsOk());
  auto issued = exchange_->Review(registry_, a->id, "issue", "");
  ASSERT_THAT(issued, IsOk()) << issued.status().ToString();
  EXPECT_EQ(issued->certificate_number, "HZ-DR-2026-00001");

  auto view = exchange_->GetCertificate("HZ-DR-2026-00001");
  ASSERT_THAT(view, IsOk());
  EXPECT_EQ(view->current.status, CertificateStatus::kValid);
  json exported = {{"document", view->current.document},
                   {"sha256", view->current.sha256},
                   {"signature", view->current.signature}};
  auto doc = VerifyCertificate(exported);
  ASSERT_THAT(doc, IsOk()) << doc.status().ToString();
  EXPECT_EQ((*doc)["holder"]["name"], "杭州市医疗健康数据中心");
  EXPECT_EQ((*doc)["valid_until"], "2029-03-10T00:00:00.000Z");
  exported["document"] =
      std::string(view->current.document)
          .replace(view->current.document.find("医学影像数据集"), 21, "其他数据集合数据");
  EXPECT_NE(VerifyCertificate(exported).status().message().find("altered"), std::string::npos);

  // The same snapshot by another holder: a dispute, no application.
  auto other = Application();
  auto dup = exchange_->Apply(other_, other);
  EXPECT_THAT(dup, StatusIs(StatusCode::kNotFound));  // not its product
  EXPECT_EQ(exchange_->ListApplications(other_, "", {})->items.size(), 0u);
}

TEST_P(ExchangeTest, TheSameSnapshotFromAnotherHolderIsADispute) {
  ASSERT_THAT(exchange_->Apply(holder_, Application()), IsOk());
  // Another holder renovates the very same data: same output hash.
  std::string csv = "modality,age\n";
  for (int i = 0; i < 200; ++i)
    csv += std::string(i % 2 ? "CT" : "MR") + "," + std::to_string(20 + i % 50) + "\n";
  auto src = space_->CreateSource(other_, {.name = "copy", .csv = csv});
  auto pipe =
      space_->CreatePipeline(other_, src->id, "p", json::parse(R"({"output": [{"name": "modality"},
      {"name": "age", "type": "integer", "min": 0, "max": 120}]})"));
  auto run = space_->RunPipeline(other_, pipe->id);
  auto copy = space_->CreateProduct(other_, {.run_id = run->id, .title = "复制的数据"});
  ASSERT_THAT(copy, IsOk());
  ASSERT_EQ(copy->output_hash, product_.output_hash);
  NewApplication a = Application();
  a.product_id = copy->id;
  auto dup = exchange_->Apply(other_, a);
  EXPECT_THAT(dup, StatusIs(StatusCode::kConflict));
  EXPECT_NE(dup.status().message().find("a dispute has been raised"), std::string::npos);
  EXPECT_EQ(exchange_->ListApplications(other_, "", {})->items.size(), 0u);
  int disputes = 0;
  ASSERT_THAT(store_->Read([&](store::Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COUNT(*) AS n FROM ex_disputes"));
    disputes = static_cast<int>(rows[0].Int("n"));
    return OkStatus();
  }),
              IsOk());
  EXPECT_EQ(disputes, 1);
}

TEST_P(ExchangeTest, BadApplicationsChangeNothing) {
  auto bad = [&](auto edit) {
    NewApplication a = Application();
    edit(a);
    return exchange_->Apply(holder_, a).status();
  };
  EXPECT_NE(bad([](NewApplication& a) { a.rights = {}; }).message().find("rights"),
            std::string::npos);
  EXPECT_NE(bad([](NewApplication& a) { a.rights = {"ownership"}; }).message().find("rights"),
            std::string::npos);
  EXPECT_NE(bad([](NewApplication& a) { a.data_name = ""; }).message().find("data_name"),
            std::string::npos);
  EXPECT_NE(bad([](NewApplication& a) { a.source_kind = "licensed"; }).message().find("source_ref"),
            std::string::npos);
  EXPECT_NE(bad([](NewApplication& a) { a.credit_code = "91330106MA2H0000HX"; })
                .message()
                .find("credit_code"),
            std::string::npos);
  EXPECT_NE(bad([](NewApplication& a) {
              a.evidence = {{"x", std::string(3 << 20, 'x')}};
            })
                .message()
                .find("evidence[0].content"),
            std::string::npos);
  EXPECT_THAT(exchange_->Apply(bank_, Application()), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_EQ(exchange_->ListApplications(registry_, "", {})->items.size(), 0u);
  // Applying twice for one snapshot.
  ASSERT_THAT(exchange_->Apply(holder_, Application()), IsOk());
  EXPECT_THAT(exchange_->Apply(holder_, Application()), StatusIs(StatusCode::kConflict));
}

// A state stored by another build, or damaged by hand, is a decode error
// (store/decode.h), never a crash or a guess.
TEST_P(ExchangeTest, AnUnknownStoredStateIsAnInternalError) {
  const std::string number = Issue();
  auto p = exchange_->RequestPledge(holder_, number, bank_.org_id, 100, 30);
  ASSERT_THAT(p, IsOk()) << p.status().ToString();
  auto exec = [&](const std::string& sql) {
    return store_->Write([&](store::Tx& tx) { return tx.Exec(sql).status(); });
  };
  // Each damage alone, then undone.
  for (const auto& [column, value, was] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"ex_pledges SET state", "frozen", "requested"},
           {"ex_certificates SET status", "void", "valid"},
           {"ex_certificates SET change", "merged", "issued"}}) {
    ASSERT_THAT(exec("UPDATE " + column + " = '" + value + "'"), IsOk());
    EXPECT_THAT(exchange_->GetCertificate(number), StatusIs(StatusCode::kInternal)) << column;
    ASSERT_THAT(exec("UPDATE " + column + " = '" + was + "'"), IsOk());
  }
  ASSERT_THAT(exchange_->GetCertificate(number), IsOk());
  ASSERT_THAT(exec("UPDATE ex_applications SET state = 'lost'"), IsOk());
  EXPECT_THAT(exchange_->ListApplications(holder_, "", {}), StatusIs(StatusCode::kInternal));
}

TEST_P(ExchangeTest, APledgeBlocksTransferUntilTheBankReleasesIt) {
  std::string number = Issue();
  auto p = exchange_->RequestPledge(holder_, number, bank_.org_id, 2'100'000'000, 365);
  ASSERT_THAT(p, IsOk()) << p.status().ToString();
  EXPECT_THAT(exchange_->ActOnPledge(holder_, p->id, "confirm"),
              StatusIs(StatusCode::kPermissionDenied));
  ASSERT_THAT(exchange_->ActOnPledge(bank_, p->id, "confirm"), IsOk());
  EXPECT_EQ(exchange_->Stats()->pledged_fen, 2'100'000'000);
  EXPECT_NE(exchange_->Transfer(holder_, number, other_.org_id).status().message().find("pledged"),
            std::string::npos);
  EXPECT_THAT(exchange_->Cancel(holder_, number, "x"), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(exchange_->RequestPledge(holder_, number, bank_.org_id, 1, 1),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(exchange_
                  ->List(holder_, {.number = number,
                                   .offer_id = offer_,
                                   .title = "t",
                                   .price_fen = 100,
                                   .terms = "one_off"})
                  .status(),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(exchange_->GetCertificate(number)->pledges[0].state, PledgeState::kActive);
  ASSERT_THAT(exchange_->ActOnPledge(bank_, p->id, "release"), IsOk());
  // Now the transfer goes through as version 2, linked to version 1.
  auto t = exchange_->Transfer(holder_, number, other_.org_id);
  ASSERT_THAT(t, IsOk()) << t.status().ToString();
  auto view = exchange_->GetCertificate(number);
  ASSERT_EQ(view->history.size(), 2u);
  EXPECT_EQ(view->history[0].status, CertificateStatus::kSuperseded);
  EXPECT_EQ(json::parse(view->current.document)["previous_sha256"], view->history[0].sha256);
  EXPECT_EQ(view->current.holder_id, other_.org_id);
  EXPECT_THAT(exchange_->Renew(holder_, number), StatusIs(StatusCode::kPermissionDenied));
}

TEST_P(ExchangeTest, ListingNeedsTheOperatingRightAndAPaidOrderCreatesAUsableContract) {
  std::string number = Issue();
  auto l = exchange_->List(holder_, {.number = number,
                                     .offer_id = offer_,
                                     .title = "医学影像数据集（按次）",
                                     .price_fen = 50'000,
                                     .terms = "per_query",
                                     .max_quantity = 10});
  ASSERT_THAT(l, IsOk()) << l.status().ToString();
  EXPECT_THAT(exchange_->Order(holder_, l->id, 1), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(exchange_->Order(buyer_, l->id, 0), StatusIs(StatusCode::kInvalidArgument));
  auto over = exchange_->Order(buyer_, l->id, 11);
  EXPECT_THAT(over, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_NE(over.status().message().find("1 to 10 queries per order"), std::string::npos);
  auto t = exchange_->Order(buyer_, l->id, 3);
  ASSERT_THAT(t, IsOk()) << t.status().ToString();
  EXPECT_EQ(t->amount_fen, 150'000);
  EXPECT_EQ(t->state, TradeState::kAwaitingPayment);
  // Not usable, and not counted, until the seller confirms payment; the buyer cannot confirm.
  auto c = space_->GetContract(buyer_, t->contract_id);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->state, dataspace::ContractState::kVerified);
  EXPECT_EQ(exchange_->Stats()->trades, 0);
  EXPECT_THAT(exchange_->ActOnTrade(buyer_, t->id, "confirm_payment"),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(exchange_->ActOnTrade(bank_, t->id, "cancel"), StatusIs(StatusCode::kNotFound));
  auto paid = exchange_->ActOnTrade(holder_, t->id, "confirm_payment");
  ASSERT_THAT(paid, IsOk()) << paid.status().ToString();
  EXPECT_EQ(paid->state, TradeState::kSettled);
  EXPECT_THAT(exchange_->ActOnTrade(holder_, t->id, "cancel"),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(space_->GetContract(buyer_, t->contract_id)->state,
            dataspace::ContractState::kFinalized);
  // A second order the buyer cancels: its contract is terminated.
  auto second_order = exchange_->Order(buyer_, l->id, 1);
  ASSERT_THAT(second_order, IsOk());
  ASSERT_THAT(exchange_->ActOnTrade(buyer_, second_order->id, "cancel"), IsOk());
  EXPECT_EQ(space_->GetContract(buyer_, second_order->contract_id)->state,
            dataspace::ContractState::kTerminated);
  dataspace::ChannelRequest q{.sql = "SELECT modality, COUNT(*) FROM data GROUP BY modality",
                              .purpose = "research"};
  for (int i = 0; i < 3; ++i) ASSERT_THAT(space_->Query(buyer_, t->contract_id, q), IsOk());
  EXPECT_NE(space_->Query(buyer_, t->contract_id, q).status().message().find("all 3 uses"),
            std::string::npos);
  auto stats = exchange_->Stats();
  EXPECT_EQ(stats->trades, 1);
  EXPECT_EQ(stats->traded_fen, 150'000);
  EXPECT_EQ(stats->entities, 1);
  EXPECT_EQ(stats->certificates, 1);

  // Without the product operation right, no listing.
  auto a = Application();
  a.rights = {"resource_holding"};
  auto src = space_->CreateSource(holder_, {.name = "b", .csv = "x\n1\n2\n"});
  auto pipe = space_->CreatePipeline(holder_, src->id, "p", json::object());
  auto run = space_->RunPipeline(holder_, pipe->id);
  auto product = space_->CreateProduct(holder_, {.run_id = run->id, .title = "其他"});
  a.product_id = product->id;
  auto app = exchange_->Apply(holder_, a);
  ASSERT_THAT(app, IsOk()) << app.status().ToString();
  for (const char* step : {"accept", "formal_pass", "substantive_pass"}) {
    ASSERT_THAT(exchange_->Review(registry_, app->id, step, ""), IsOk());
  }
  clock_.Advance(10 * kDay);
  auto second = exchange_->Review(registry_, app->id, "issue", "");
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->certificate_number, "HZ-DR-2026-00002");
  EXPECT_NE(exchange_
                ->List(holder_, {.number = second->certificate_number,
                                 .offer_id = offer_,
                                 .title = "t",
                                 .price_fen = 1,
                                 .terms = "one_off"})
                .status()
                .message()
                .find("product operation right"),
            std::string::npos);
}

// A certificate file comes from anyone: fields of another type are refused,
// never thrown (found by fuzz/certificate_fuzz.cc).
TEST(VerifyCertificate, FieldsOfTheWrongTypeAreRefusedNotThrown) {
  const std::string document =
      R"({"type":"qiantang.exchange.certificate/v1","issuer":{"public_key":7}})";
  for (const json& exported :
       {json{{"document", document}, {"sha256", 1}, {"signature", "x"}},
        json{{"document", R"({"type":["x"]})"}, {"sha256", ""}},
        json{{"document", document}, {"signature", json::array()}},
        json{{"document", R"({"type":"qiantang.exchange.certificate/v1"})"}},
        json{{"document", R"({"type":"qiantang.exchange.certificate/v1","issuer":3})"}}}) {
    json e = exported;
    if (!e.contains("sha256") ||
        (e["sha256"].is_string() && e["sha256"].get_ref<const std::string&>().empty())) {
      e["sha256"] = crypto::HexEncode(crypto::Sha256(e["document"].get<std::string>()));
    }
    auto r = VerifyCertificate(e);
    EXPECT_THAT(r, StatusIs(StatusCode::kInvalidArgument)) << e.dump();
  }
}

}  // namespace
}  // namespace qt::exchange
