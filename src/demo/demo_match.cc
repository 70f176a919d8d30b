#include "demo/demo_match.h"

#include <map>

#include "accounts/credit_code.h"
#include "demo/acting.h"
#include "demo/gen.h"
#include "demo/tech_firms.h"

namespace qt::demo {

using accounts::OrgKind;
using nlohmann::json;

Result<DemoMatch> LoadDemoMatch(accounts::Accounts& accounts, const accounts::Principal& op,
                                match::Finance& finance, const std::string& seed, int64_t firms) {
  DemoMatch out;
  QT_ASSIGN_OR_RETURN(auto orgs, AllOrgs(accounts));
  std::map<std::string, accounts::Org> by_name;
  for (const auto& o : orgs) by_name[o.name] = o;
  // The 49 institutions: those of the city, and the rest of the station's.
  Gen g("demo-match/" + seed);
  for (const std::string& name : FinanceInstitutionNames()) {
    if (by_name.contains(name)) continue;
    std::string first17 = "91330100MA";
    for (int k = 0; k < 7; ++k) first17 += "0123456789ABCDEFGHJKLMNPQRTUWXY"[g.Int(0, 30)];
    QT_ASSIGN_OR_RETURN(
        auto created,
        accounts.CreateOrg(op, {name, OrgKind::kInstitution,
                                first17 + accounts::CreditCodeCheckCharacter(first17)}));
    by_name[name] = created.org;
  }
  out.institutions = static_cast<int64_t>(FinanceInstitutionNames().size());

  const auto station = ActAs(by_name.at("杭州市科学技术局"));
  constexpr int64_t kBatch = 50'000;
  const std::vector<TechFirm> all = GenerateTechFirms(static_cast<int>(firms), seed);
  for (size_t from = 0; from < all.size(); from += kBatch) {
    std::vector<std::pair<std::string, json>> rows;
    for (size_t i = from; i < std::min(all.size(), from + kBatch); ++i)
      rows.emplace_back(all[i].name, all[i].profile);
    QT_ASSIGN_OR_RETURN(size_t n, finance.ImportProfiles(station, rows));
    out.firms += static_cast<int64_t>(n);
  }
  for (const FinanceProductSpec& p : GenerateFinanceProducts(500, out.institutions, seed)) {
    QT_RETURN_IF_ERROR(
        finance
            .Publish(ActAs(by_name.at(p.institution)),
                     {p.kind, p.name, p.rule, p.max_amount_fen, p.terms, p.requires_kind})
            .status());
    ++out.products;
  }

  // The seed's story for the demo enterprise.
  const auto bank = ActAs(by_name.at("杭州银行股份有限公司科技支行"));
  const auto insurer = ActAs(by_name.at("杭州科技保险服务中心"));
  QT_ASSIGN_OR_RETURN(
      auto policy,
      finance.Publish(insurer, {match::ProductKind::kInsurance, "研发费用损失保险（首创）",
                                "need_types has \"保\" and rd_ratio >= 0.1 and "
                                "patents >= 3 and qualifications has "
                                "\"高新技术企业\"",
                                141'000'000, "研发超支损失保障，保额 141 万元", std::nullopt}));
  QT_ASSIGN_OR_RETURN(
      auto loan,
      finance.Publish(bank, {match::ProductKind::kLoan, "保险+信贷 科技研发贷",
                             "need_types has \"贷\" and rd_ratio >= 0.1 and credit_rating in "
                             "[\"AAA\", \"AA\", \"A\"]",
                             100'000'000, "年化 3.45%，一年，以研发费用损失险为增信",
                             match::ProductKind::kInsurance}));
  out.products += 2;
  const auto& firm = by_name.at("杭州深度求索人工智能有限公司");
  json profile = {{"credit_code", firm.credit_code},
                  {"district", "滨江区"},
                  {"industry", "I65"},
                  {"founded", "2023-07-17"},
                  {"staff", 160},
                  {"revenue_fen", 4'200'000'000},
                  {"rd_ratio", 0.38},
                  {"patents", 21},
                  {"qualifications", {"高新技术企业", "科技型中小企业", "雏鹰企业"}},
                  {"credit_rating", "AA"},
                  {"need_amount_fen", 100'000'000},
                  {"need_types", {"贷", "保", "投"}}};
  const auto me = ActAs(firm);
  QT_ASSIGN_OR_RETURN(auto ent, finance.SaveOwnProfile(me, firm.name, profile));
  QT_ASSIGN_OR_RETURN(auto app, finance.Apply(me, ent.id, loan.id, 100'000'000));
  // The seed's loan is underwritten by the first R&D cost-loss insurance:
  // the narrowest fit, so the best-ranked companion for this enterprise.
  if (app.bundle_ids != std::vector<std::string>{policy.id}) {
    return Internal("the demo's loan was not bundled with 研发费用损失保险（首创）");
  }
  QT_RETURN_IF_ERROR(
      finance.Decide(bank, app.id, match::Decision::kAccept, 100'000'000, "").status());
  return out;
}

namespace {

// Per domain: what a demand asks for and what a capability offers.
struct DomainText {
  const char* domain;
  const char* needs[3];
  const char* offers[3];
};
constexpr DomainText kTexts[] = {
    {"智慧交通",
     {"车路协同路口改造", "自动驾驶公交测试线路", "交通信号自适应优化"},
     {"车路协同路侧系统", "L4 自动驾驶接驳车", "信号配时优化算法"}},
    {"智慧医疗",
     {"医学影像辅助诊断", "基层医院远程会诊", "院内物资机器人配送"},
     {"影像辅助诊断大模型", "远程会诊平台", "医院物流机器人"}},
    {"智能制造",
     {"产线视觉质检", "设备预测性维护", "工厂数字孪生"},
     {"工业视觉检测系统", "设备健康管理平台", "数字孪生工厂建模"}},
    {"城市治理",
     {"一网统管事件分拨", "违章建筑识别", "城市内涝预警"},
     {"城市大脑事件中枢", "遥感影像识别", "内涝监测物联网"}},
    {"数字文旅",
     {"景区客流预测", "博物馆沉浸式导览", "非遗数字化"},
     {"客流预测模型", "AR 导览系统", "三维扫描与数字藏品"}},
    {"智慧教育",
     {"课堂教学分析", "个性化作业推荐", "校园安全预警"},
     {"课堂行为分析系统", "学情诊断大模型", "校园视频智能分析"}},
    {"智慧养老",
     {"独居老人跌倒监测", "社区助餐服务", "养老机构智能照护"},
     {"毫米波跌倒监测", "助餐服务平台", "智能照护床垫"}},
    {"低空经济",
     {"无人机物流配送航线", "低空巡检", "eVTOL 起降场规划"},
     {"无人机物流系统", "无人机巡检平台", "低空飞行服务系统"}},
    {"人工智能",
     {"政务大模型问答", "算力调度平台接入", "多模态内容审核"},
     {"政务领域大模型", "算力调度中间件", "多模态审核模型"}},
    {"数据要素",
     {"公共数据授权运营", "数据产品质量评估", "可信数据空间接入"},
     {"数据治理加工平台", "数据质量评估工具", "隐私计算平台"}},
    {"生态环保",
     {"河道水质在线监测", "垃圾分类智能督导", "碳排放核算"},
     {"水质监测传感网", "垃圾分类识别系统", "碳核算 SaaS"}},
    {"金融科技",
     {"科创企业信用画像", "供应链金融风控", "普惠金融反欺诈"},
     {"企业信用评估模型", "供应链风控平台", "反欺诈图计算"}},
    {"智慧农业",
     {"茶园病虫害识别", "农产品溯源", "智能灌溉"},
     {"病虫害识别 App", "区块链溯源平台", "智能灌溉控制器"}},
    {"公共安全",
     {"消防隐患识别", "大型活动人群管控", "燃气泄漏监测"},
     {"消防物联网", "人群密度分析", "燃气监测终端"}},
    {"能源双碳",
     {"园区微电网调度", "充电桩有序充电", "建筑能耗管理"},
     {"微电网能量管理系统", "有序充电平台", "楼宇能耗监测"}},
    {"生物医药",
     {"新药临床试验招募", "医药冷链监控", "基因检测数据分析"},
     {"临床试验招募平台", "冷链温控物联网", "基因数据分析流程"}},
};

}  // namespace

Result<DemoScenarios> LoadDemoScenarios(accounts::Accounts& accounts, match::Scenarios& scenarios,
                                        const std::string& seed) {
  Gen g("demo-scenarios/" + seed);
  DemoScenarios out;
  QT_ASSIGN_OR_RETURN(auto orgs, AllOrgs(accounts));
  std::vector<accounts::Org> askers, suppliers;
  for (const auto& o : orgs) {
    if (o.kind == OrgKind::kAuthority || o.kind == OrgKind::kService) askers.push_back(o);
    if (o.kind == OrgKind::kEnterprise || o.kind == OrgKind::kDataHolder) suppliers.push_back(o);
  }
  if (askers.empty() || suppliers.empty()) return out;
  const char* districts[] = {"上城区", "拱墅区", "西湖区", "滨江区",
                             "萧山区", "余杭区", "临平区", "钱塘区"};
  std::vector<match::Listing> demands, capabilities;
  for (int i = 0; i < 340; ++i) {
    const DomainText& d = kTexts[g.Int(0, std::size(kTexts) - 1)];
    const std::string need = d.needs[g.Int(0, 2)];
    match::Listing l{.id = "",
                     .list = match::ScenarioList::kDemand,
                     .org_id = "",
                     .title = need + "场景需求 " + std::to_string(i + 1),
                     .description = std::string("面向") + districts[g.Int(0, 7)] + "征集" + need +
                                    "解决方案，要求在" + std::to_string(g.Int(3, 12)) +
                                    " 个月内完成试点，" + d.domain + "方向。",
                     .domain = d.domain,
                     .tags = {need},
                     .district = districts[g.Int(0, 7)],
                     .budget_fen = g.Int(20, 2000) * 1'000'000,
                     .deadline = Date::Parse("2027-" + std::to_string(10 + g.Int(0, 2)) + "-28"),
                     .references = "",
                     .state = match::ListingState::kOpen,
                     .created_at = 0};
    QT_ASSIGN_OR_RETURN(auto added, scenarios.Add(ActAs(askers[g.Int(0, askers.size() - 1)]), l));
    demands.push_back(std::move(added));
  }
  for (int i = 0; i < 460; ++i) {
    const DomainText& d = kTexts[g.Int(0, std::size(kTexts) - 1)];
    const std::string offer = d.offers[g.Int(0, 2)];
    match::Listing l{
        .id = "",
        .list = match::ScenarioList::kCapability,
        .org_id = "",
        .title = offer,
        .description = "提供" + offer + "，支持" + d.needs[g.Int(0, 2)] + "，可本地化部署。",
        .domain = d.domain,
        .tags = {d.needs[g.Int(0, 2)]},
        .district = "",
        .budget_fen = 0,
        .deadline = std::nullopt,
        .references = "已在" + std::to_string(g.Int(1, 30)) + " 个项目落地",
        .state = match::ListingState::kOpen,
        .created_at = 0};
    QT_ASSIGN_OR_RETURN(auto added,
                        scenarios.Add(ActAs(suppliers[g.Int(0, suppliers.size() - 1)]), l));
    capabilities.push_back(std::move(added));
  }
  out.demands = static_cast<int64_t>(demands.size());
  out.capabilities = static_cast<int64_t>(capabilities.size());
  // The platform pairs the best match of some demands and moves them on.
  QT_ASSIGN_OR_RETURN(accounts::Org op, accounts.Operator());
  const auto platform = ActAs(op);
  const match::PairState path[] = {match::PairState::kContacted, match::PairState::kPiloting,
                                   match::PairState::kDeployed};
  for (size_t i = 0; i < demands.size(); i += 10) {
    QT_ASSIGN_OR_RETURN(auto best, scenarios.Matches(demands[i].id, 1));
    if (best.empty()) continue;
    QT_ASSIGN_OR_RETURN(
        auto pair, scenarios.Recommend(platform, demands[i].id, best[0].listing.id, "平台推荐"));
    ++out.pairs;
    const int64_t steps = g.Int(0, 3);
    for (int64_t k = 0; k < steps; ++k)
      QT_RETURN_IF_ERROR(scenarios.Advance(platform, pair.id, path[k], "").status());
  }
  return out;
}

}  // namespace qt::demo
