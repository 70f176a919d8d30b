#include "demo/demo_privacy.h"

#include <map>
#include <tuple>

#include "crypto/encoding.h"
#include "crypto/random.h"
#include "demo/acting.h"

namespace qt::demo {

using accounts::OrgKind;
using nlohmann::json;

Status LoadDemoPrivacy(accounts::Accounts& accounts, dataspace::DataSpace& space,
                       privacy::PsiService& psi, privacy::DeliveryService& deliveries,
                       const std::string& seed) {
  QT_ASSIGN_OR_RETURN(auto orgs, AllOrgs(accounts));
  std::map<std::string, accounts::Org> by_name;
  for (const auto& o : orgs) by_name[o.name] = o;
  const auto lab = ActAs(by_name.at("杭州迪安医学检验中心有限公司"));
  const auto ai = ActAs(by_name.at("杭州深度求索人工智能有限公司"));
  crypto::DeterministicRandom random("demo-privacy/" + seed);

  // 3,000 exam records of 2,400 customers, each with its sample number (by
  // which a leaked delivered copy's rows are found again when it is traced).
  const char* exams[] = {"血常规", "肝功能", "基因检测", "病理切片", "核酸检测"};
  std::string csv = "手机号,检验项目,年龄,费用(分),检验单号\n";
  for (int i = 0; i < 3000; ++i) {
    csv += "137" + std::to_string(10'000'000 + (i % 2400) * 17) + "," + exams[random.Uniform(5)] +
           "," + std::to_string(18 + random.Uniform(70)) + "," +
           std::to_string(5'000 + random.Uniform(200'000)) + ",JY2026" +
           std::to_string(100'000 + i) + "\n";
  }
  QT_ASSIGN_OR_RETURN(auto src, space.CreateSource(lab, {.name = "检验记录导出", .csv = csv}));
  QT_ASSIGN_OR_RETURN(auto pipe,
                      space.CreatePipeline(lab, src.id, "检验记录治理", json::parse(R"js({"steps": [
        {"op": "trim"}, {"op": "mobile", "field": "c1", "on_invalid": "drop"}],
        "output": [
          {"name": "phone", "from": "c1", "label": "手机号", "sensitivity": "identifying", "mask": "mobile"},
          {"name": "exam", "from": "c2", "label": "检验项目"},
          {"name": "age", "from": "c3", "label": "年龄", "type": "integer", "min": 0, "max": 120, "fingerprint": true},
          {"name": "fee_fen", "from": "c4", "label": "费用(分)", "type": "integer", "min": 0, "max": 10000000, "fingerprint": true},
          {"name": "sample_no", "from": "c5", "label": "检验单号"}]})js")));
  QT_ASSIGN_OR_RETURN(auto run, space.RunPipeline(lab, pipe.id));
  QT_ASSIGN_OR_RETURN(
      auto product,
      space.CreateProduct(
          lab,
          {.run_id = run.id,
           .title = "检验客户与检验记录",
           .description = "可隐私求交的客户手机号（不出域）与可交付的检验记录（带接收方指纹）。",
           .tags = {"医疗", "隐私计算"},
           .update_frequency = "monthly",
           .licence = "仅限合约约定用途"}));
  QT_ASSIGN_OR_RETURN(
      auto offer,
      space.CreateOffer(lab, {.product_id = product.id,
                              .title = "隐私求交与安全交付",
                              .policy = json::parse(R"js({"permission": [
        {"action": "psi", "constraint": [
          {"leftOperand": "psiOutput", "operator": "isAnyOf", "rightOperand": ["intersection", "size"]},
          {"leftOperand": "field", "operator": "isAnyOf", "rightOperand": ["phone"]},
          {"leftOperand": "psiIntersectionField", "operator": "isAnyOf", "rightOperand": ["phone"]},
          {"leftOperand": "psiClientSize", "operator": "lteq", "rightOperand": 50000},
          {"leftOperand": "psiSessionsPerDay", "operator": "lteq", "rightOperand": 5},
          {"leftOperand": "count", "operator": "lteq", "rightOperand": 20}]},
        {"action": "delivery", "constraint": [
          {"leftOperand": "field", "operator": "isAnyOf", "rightOperand": ["exam", "age", "fee_fen", "sample_no"]},
          {"leftOperand": "count", "operator": "lteq", "rightOperand": 5}]}]})js"),
                              .visible_to = {},
                              .negotiable_by = {.kinds = {OrgKind::kEnterprise}, .orgs = {}}}));
  QT_ASSIGN_OR_RETURN(auto c, space.RequestContract(ai, offer.id, std::nullopt));
  QT_RETURN_IF_ERROR(space.OfferContract(lab, c.id, std::nullopt).status());
  QT_RETURN_IF_ERROR(space.AcceptContract(ai, c.id).status());
  QT_RETURN_IF_ERROR(space.AgreeContract(lab, c.id).status());
  QT_RETURN_IF_ERROR(space.VerifyContract(ai, c.id).status());
  QT_RETURN_IF_ERROR(space.FinalizeContract(lab, c.id).status());

  // The AI company's 1,500 customers, 600 of them the lab's.
  std::vector<std::string> mine;
  mine.reserve(1500);
  for (int i = 0; i < 1500; ++i) {
    mine.push_back(i < 600 ? "137" + std::to_string(10'000'000 + i * 17)
                           : "188" + std::to_string(20'000'000 + i));
  }
  // First how many customers are shared (size only: any number of items up
  // to the contract's psiClientSize), then which, for a list of at most
  // 1,000 (phone is identifying: the intersection needs psiIntersectionField
  // and is capped at 1,000 items per session).
  for (auto [output, purpose, items] :
       {std::tuple{privacy::PsiOutput::kSize, "共同客户规模评估", mine},
        std::tuple{privacy::PsiOutput::kIntersection, "共同客户识别",
                   std::vector<std::string>(mine.begin(), mine.begin() + 1000)}}) {
    std::array<uint8_t, 16> id{};
    random.Fill(id);
    QT_RETURN_IF_ERROR(psi.RunWithItems(ai,
                                        {.session_id = crypto::HexEncode(id),
                                         .contract_id = c.id,
                                         .column = "phone",
                                         .output = output,
                                         .purpose = purpose,
                                         .region = "330100"},
                                        items)
                           .status());
  }
  QT_ASSIGN_OR_RETURN(auto delivery, deliveries.Deliver(ai, c.id, "模型训练", {}));
  QT_ASSIGN_OR_RETURN(std::string file, deliveries.File(ai, delivery.id));
  return deliveries.Receive(ai, file).status();
}

}  // namespace qt::demo
