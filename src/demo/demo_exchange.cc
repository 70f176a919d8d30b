#include "demo/demo_exchange.h"

#include <map>

#include "crypto/random.h"
#include "demo/acting.h"

namespace qt::demo {
namespace {

using accounts::OrgKind;
using accounts::Principal;
namespace ex = exchange;

constexpr int64_t kDay = 24 * 3'600'000LL;
constexpr int kGenerated = 220;  // certificates of the generated data enterprises

struct Holding {
  accounts::Org org;
  std::string product_id, offer_id, title;
};

ex::NewApplication ApplicationFor(const Holding& h, std::vector<std::string> rights,
                                  const std::string& scale) {
  return {.rights = std::move(rights),
          .data_name = h.title,
          .description = h.title + "，经可信数据空间治理加工，质量报告见数据产品。",
          .data_type = "data_product",
          .source_kind = "collected",
          .format = "CSV",
          .scale = scale,
          .update_cycle = "monthly",
          .product_id = h.product_id,
          .evidence = {
              {"数据来源说明.txt", "数据来源：" + h.org.name + " 业务系统采集，已取得授权。"}}};
}

}  // namespace

Status LoadDemoExchange(store::Store& store, accounts::Accounts& accounts,
                        dataspace::DataSpace& space, ex::ExchangeOptions options,
                        const std::string& seed) {
  ManualClock clock(*ParseRfc3339("2025-01-06T02:00:00Z"));
  options.clock = &clock;
  ex::Exchange exchange(store, options);
  crypto::DeterministicRandom random("demo-exchange/" + seed);

  QT_ASSIGN_OR_RETURN(auto orgs, AllOrgs(accounts));
  std::map<std::string, accounts::Org> by_name;
  std::vector<Holding> holdings;
  for (const auto& o : orgs) {
    by_name[o.name] = o;
    if (o.kind != OrgKind::kDataHolder) continue;
    QT_ASSIGN_OR_RETURN(auto products, space.SearchProducts("", o.id, {"", 1}));
    if (products.items.empty()) continue;
    QT_ASSIGN_OR_RETURN(auto detail, space.GetProduct(ActAs(o), products.items[0].id));
    if (detail.offers.empty()) continue;
    holdings.push_back({o, products.items[0].id, detail.offers[0].id, products.items[0].title});
  }
  auto party = [&](const char* name) { return ActAs(by_name.at(name)); };
  const Principal registry = party("杭州数据交易所登记中心");
  // The operator appoints the registry's reviewers: the registration centre,
  // and the economy bureau (the authority the console's demo token signs in as).
  QT_ASSIGN_OR_RETURN(accounts::Org op, accounts.Operator());
  for (const Principal& reviewer : {registry, party("杭州市经济和信息化局")}) {
    QT_RETURN_IF_ERROR(exchange.AppointReviewer(ActAs(op), reviewer.org_id).status());
  }
  const Principal bank = party("杭州银行股份有限公司科技支行");
  const Principal rural_bank = party("杭州联合农村商业银行");

  // Applies, passes both reviews and notice; returns the application id after
  // issue (issue happens when the clock has moved past the notice).
  auto submit = [&](const Holding& h, std::vector<std::string> rights,
                    const std::string& scale) -> Result<std::string> {
    QT_ASSIGN_OR_RETURN(ex::Application a,
                        exchange.Apply(ActAs(h.org), ApplicationFor(h, std::move(rights), scale)));
    return a.id;
  };
  auto review = [&](const std::string& id, const std::vector<const char*>& actions) -> Status {
    for (const char* action : actions) {
      QT_RETURN_IF_ERROR(exchange.Review(registry, id, action, "").status());
    }
    return OkStatus();
  };

  // 00001: the medical imaging dataset (the four showcases first).
  std::vector<std::string> issued;  // certificate numbers
  const std::vector<std::string> all = {"resource_holding", "processing_use", "product_operation"};
  std::vector<std::string> first_batch;
  for (size_t i = 0; i < 4 && i < holdings.size(); ++i) {
    // In holder order: bus, electricity, city brain, health data centre.
    const char* scales[] = {"1,800 条线路日记录", "3,600 条企业月度记录", "1,248 条街道月度记录",
                            "2,970 条检查记录"};
    QT_ASSIGN_OR_RETURN(std::string id, submit(holdings[i], all, scales[i]));
    QT_RETURN_IF_ERROR(review(id, {"accept", "formal_pass", "substantive_pass"}));
    first_batch.push_back(id);
    clock.Advance(kDay);
  }
  clock.Advance(options.notice_days * kDay);
  // The medical imaging set (杭州市医疗健康数据中心's, the fourth holder) is
  // issued first: 00001. Then issued[1..3] are the other three holders'.
  for (const std::string& id : {first_batch[3], first_batch[0], first_batch[1], first_batch[2]}) {
    QT_ASSIGN_OR_RETURN(ex::Application a, exchange.Review(registry, id, "issue", ""));
    issued.push_back(a.certificate_number);
  }

  // The generated enterprises, in batches of ten a week apart.
  size_t next = 4;
  for (int batch = 0; batch < kGenerated / 10; ++batch) {
    std::vector<std::string> ids;
    for (int i = 0; i < 10 && next < holdings.size(); ++i, ++next) {
      uint64_t r = random.Uniform(100);
      std::vector<std::string> rights =
          r < 60   ? all
          : r < 85 ? std::vector<std::string>{"resource_holding", "product_operation"}
                   : std::vector<std::string>{"resource_holding"};
      QT_ASSIGN_OR_RETURN(std::string id,
                          submit(holdings[next], rights, std::to_string(60) + " 条月度记录"));
      QT_RETURN_IF_ERROR(review(id, {"accept", "formal_pass", "substantive_pass"}));
      ids.push_back(id);
    }
    clock.Advance(options.notice_days * kDay + static_cast<int64_t>(random.Uniform(kDay)));
    for (const std::string& id : ids) {
      QT_ASSIGN_OR_RETURN(ex::Application a, exchange.Review(registry, id, "issue", ""));
      issued.push_back(a.certificate_number);
    }
    clock.Advance(7 * kDay);
  }

  // Applications waiting in every state; one in notice is objected to.
  const std::vector<std::vector<const char*>> waiting = {
      {},
      {},
      {"accept"},
      {"accept", "formal_pass"},
      {"accept", "formal_pass", "substantive_pass"},
      {"accept", "formal_pass", "substantive_pass"}};
  std::string objected;
  for (const auto& steps : waiting) {
    if (next >= holdings.size()) break;
    QT_ASSIGN_OR_RETURN(std::string id, submit(holdings[next++], all, "60 条月度记录"));
    QT_RETURN_IF_ERROR(review(id, steps));
    if (steps.size() == 3) objected = id;
  }
  if (!objected.empty()) {
    QT_RETURN_IF_ERROR(exchange
                           .Object(ActAs(holdings[5].org), objected,
                                   "该数据集部分字段来源于本公司授权数据，请核实授权范围。")
                           .status());
  }
  for (int i = 0; i < 2 && next < holdings.size(); ++i) {
    QT_ASSIGN_OR_RETURN(std::string id, submit(holdings[next++], all, "60 条月度记录"));
    QT_RETURN_IF_ERROR(review(id, {"accept"}));
    QT_RETURN_IF_ERROR(exchange
                           .Review(registry, id, "reject",
                                   i == 0 ? "来源说明未附采集授权文件，形式审查不通过。"
                                          : "数据与已登记数据高度重合，实质审查不通过。")
                           .status());
  }

  // The seed's story: 00001 pledged for 21,000,000.00 yuan, released, listed, sold.
  const Holding& imaging = holdings[3];
  const std::string& first = issued[0];
  QT_ASSIGN_OR_RETURN(ex::Pledge p, exchange.RequestPledge(ActAs(imaging.org), first, bank.org_id,
                                                           2'100'000'000, 365));
  QT_RETURN_IF_ERROR(exchange.ActOnPledge(bank, p.id, "confirm").status());
  clock.Advance(30 * kDay);
  QT_RETURN_IF_ERROR(exchange.ActOnPledge(bank, p.id, "release").status());
  QT_ASSIGN_OR_RETURN(ex::Listing medical,
                      exchange.List(ActAs(imaging.org), {.number = first,
                                                         .offer_id = imaging.offer_id,
                                                         .title = "医学影像元数据集（按次计费）",
                                                         .price_fen = 20'000,
                                                         .terms = "per_query"}));
  QT_ASSIGN_OR_RETURN(ex::Trade sold,
                      exchange.Order(party("杭州云图医疗影像科技有限公司"), medical.id, 100));
  QT_RETURN_IF_ERROR(exchange.ActOnTrade(ActAs(imaging.org), sold.id, "confirm_payment").status());

  // Active pledges: electricity data, and eight generated enterprises'.
  QT_ASSIGN_OR_RETURN(ex::Pledge power,
                      exchange.RequestPledge(ActAs(holdings[1].org), issued[2], rural_bank.org_id,
                                             500'000'000, 730));
  QT_RETURN_IF_ERROR(exchange.ActOnPledge(rural_bank, power.id, "confirm").status());
  for (size_t i = 10; i < 18 && i < issued.size(); ++i) {
    const Principal& lender = i % 2 ? bank : rural_bank;
    QT_ASSIGN_OR_RETURN(
        ex::Pledge q, exchange.RequestPledge(
                          ActAs(holdings[i].org), issued[i], lender.org_id,
                          (100 + 50 * static_cast<int64_t>(random.Uniform(20))) * 1'000'000, 365));
    QT_RETURN_IF_ERROR(
        exchange.ActOnPledge(lender, q.id, i == 17 ? "decline" : "confirm").status());
  }
  QT_RETURN_IF_ERROR(
      exchange.RequestPledge(ActAs(holdings[18].org), issued[18], bank.org_id, 300'000'000, 180)
          .status());

  // Changes, each a new signed version.
  for (size_t i = 20; i < 24; ++i) {
    QT_RETURN_IF_ERROR(
        exchange.ChangeDetails(ActAs(holdings[i].org), issued[i], "", "120 条月度记录", "")
            .status());
  }
  for (size_t i = 24; i < 27; ++i) {
    QT_RETURN_IF_ERROR(exchange.Renew(ActAs(holdings[i].org), issued[i]).status());
  }
  for (size_t i = 27; i < 30; ++i) {
    QT_RETURN_IF_ERROR(
        exchange.Transfer(ActAs(holdings[i].org), issued[i], holdings[i + 100].org.id).status());
  }
  for (size_t i = 30; i < 34; ++i) {
    QT_RETURN_IF_ERROR(
        exchange.Cancel(ActAs(holdings[i].org), issued[i], "数据产品下线，申请注销。").status());
  }

  // The market: listings of certificates with the operating right, and trades.
  const char* buyers[] = {"杭州深度求索人工智能有限公司", "杭州灵犀机器人科技有限公司",
                          "杭州星河自动驾驶科技有限公司", "杭州小微智造科技有限公司"};
  int listed = 0, traded = 0;
  for (size_t i = 40; i < issued.size() && listed < 16; ++i) {
    QT_ASSIGN_OR_RETURN(ex::CertificateView v, exchange.GetCertificate(issued[i]));
    if (v.current.document.find("product_operation") == std::string::npos) continue;
    const bool per_query = listed % 2 == 1;
    QT_ASSIGN_OR_RETURN(
        ex::Listing l,
        exchange.List(ActAs(holdings[i].org), {.number = issued[i],
                                               .offer_id = holdings[i].offer_id,
                                               .title = holdings[i].title,
                                               .price_fen = per_query ? 5'000 : 880'000,
                                               .terms = per_query ? "per_query" : "one_off"}));
    ++listed;
    if (listed % 3 != 0) {
      QT_ASSIGN_OR_RETURN(ex::Trade t,
                          exchange.Order(party(buyers[traded % 4]), l.id, per_query ? 200 : 1));
      // Most buyers have paid and their sellers confirmed; the last waits.
      if (listed < 16) {
        QT_RETURN_IF_ERROR(
            exchange.ActOnTrade(ActAs(holdings[i].org), t.id, "confirm_payment").status());
      }
      ++traded;
    }
  }
  return OkStatus();
}

}  // namespace qt::demo
