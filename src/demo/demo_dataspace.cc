#include "demo/demo_dataspace.h"

#include <map>

#include "accounts/credit_code.h"
#include "crypto/random.h"
#include "dataspace/standardize.h"
#include "demo/acting.h"
#include "demo/gen.h"

namespace qt::demo {
namespace {

using accounts::OrgKind;
using accounts::Principal;
using nlohmann::json;
namespace ds = dataspace;

const char* kDistricts[] = {"上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区",
                            "钱塘区", "富阳区", "临安区", "桐庐县", "淳安县", "建德市"};
const char* kDistrictCodes[] = {"330102", "330105", "330106", "330108", "330109",
                                "330110", "330113", "330114", "330111", "330112",
                                "330122", "330127", "330182"};
const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙"};
const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "杰", "涛"};

std::string FullWidth(const std::string& digits) {
  std::string out;
  for (char c : digits) {
    // U+FF10.. are the full-width digits: EF BC 90 + (c - '0').
    out += "\xEF\xBC";
    out += static_cast<char>(0x90 + (c - '0'));
  }
  return out;
}

std::string Date(Gen& g, int year_lo, int year_hi, bool messy) {
  // Up to October of year_hi (the demo city's data was exported in November).
  int y = static_cast<int>(g.Int(year_lo, year_hi));
  int m = static_cast<int>(g.Int(1, y == year_hi ? 10 : 12)), d = static_cast<int>(g.Int(1, 28));
  if (messy && g.Chance(10))
    return std::to_string(y) + "/" + std::to_string(m) + "/" + std::to_string(d);
  if (messy && g.Chance(5)) {
    return std::to_string(y) + "年" + std::to_string(m) + "月" + std::to_string(d) + "日";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

std::string ResidentId(Gen& g, int district, int age) {
  char first17[40];
  std::snprintf(first17, sizeof first17, "%s%04d%02d%02d%03d", kDistrictCodes[district], 2026 - age,
                static_cast<int>(g.Int(1, 12)), static_cast<int>(g.Int(1, 28)),
                static_cast<int>(g.Int(0, 999)));
  return std::string(first17) + ResidentIdCheckCharacter(first17);
}

// 医学影像元数据: 3,000 studies, dirty the way hospital exports are.
std::string MedicalImagingCsv(Gen& g) {
  const char* modalities[] = {"CT", "CT", "CT", "MR", "MR", "DX", "DX", "DX", "US"};
  const char* parts[] = {"胸部", "头颅", "腹部", "膝关节", "脊柱"};
  std::string csv =
      "检查号,患者姓名,身份证号,模态,检查部位,医院所在区,年龄,性别,检查日期,图像层数\n";
  std::string last;
  for (int i = 0; i < 3000; ++i) {
    if (i % 97 == 96) {  // a duplicated export row
      csv += last;
      continue;
    }
    int district = static_cast<int>(g.Int(0, 12));
    int age = static_cast<int>(g.Int(1, 95));
    std::string modality = g.Pick(modalities);
    std::string id = ResidentId(g, district, age);
    if (g.Chance(2)) id.back() = id.back() == '1' ? '2' : '1';  // a typing error
    int64_t slices = modality == "CT"   ? g.Int(100, 600)
                     : modality == "MR" ? g.Int(20, 200)
                     : modality == "DX" ? g.Int(1, 2)
                                        : g.Int(10, 60);
    std::string age_text = g.Chance(3) ? FullWidth(std::to_string(age)) : std::to_string(age);
    last = "IMG" + std::to_string(1000000 + i) + "," + g.Pick(kSurnames) + g.Pick(kGiven) +
           g.Pick(kGiven) + "," + id + "," + modality + "," + g.Pick(parts) + "," +
           kDistricts[district] + "," + age_text + "," + (g.Chance(50) ? "男" : "女") + "," +
           Date(g, 2025, 2026, true) + "," + std::to_string(slices) + "\n";
    csv += last;
  }
  return csv;
}

// 试点城市数据集: monthly statistics of 8 streets in each district.
std::string PilotCityCsv(Gen& g) {
  std::string csv = "区,街道,月份,常住人口,企业数,交通拥堵指数,PM2.5\n";
  for (int d = 0; d < 13; ++d) {
    for (int s = 1; s <= 8; ++s) {
      for (int m = 1; m <= 12; ++m) {
        char traffic[16];
        std::snprintf(traffic, sizeof traffic, "%.2f",
                      1.0 + static_cast<double>(g.Int(0, 150)) / 100);
        csv += std::string(kDistricts[d]) + "," + kDistricts[d] + "第" + std::to_string(s) +
               "街道," + "2025-" + (m < 10 ? "0" : "") + std::to_string(m) + "-01," +
               std::to_string(g.Int(20'000, 180'000)) + "," + std::to_string(g.Int(300, 9000)) +
               "," + traffic + "," + std::to_string(g.Int(12, 90)) + "\n";
      }
    }
  }
  return csv;
}

std::string BusCsv(Gen& g) {
  std::string csv = "线路,日期,区,上车人次\n";
  for (int line = 1; line <= 60; ++line) {
    const char* district = g.Pick(kDistricts);
    for (int day = 1; day <= 30; ++day) {
      csv += std::to_string(line * 7) + "路,2026-09-" + (day < 10 ? "0" : "") +
             std::to_string(day) + "," + district + "," + std::to_string(g.Int(800, 30'000)) + "\n";
    }
  }
  return csv;
}

std::string ElectricityCsv(Gen& g) {
  const char* industries[] = {"制造业", "信息技术", "批发零售", "住宿餐饮", "科研服务"};
  std::string csv = "统一社会信用代码,行业,区,月份,用电量kWh\n";
  constexpr std::string_view kCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  for (int e = 0; e < 300; ++e) {
    std::string code = "91330100";
    for (int i = 0; i < 9; ++i) code.push_back(kCharset[g.random().Uniform(kCharset.size())]);
    code.push_back(accounts::CreditCodeCheckCharacter(code));
    const char* industry = g.Pick(industries);
    const char* district = g.Pick(kDistricts);
    int64_t base = g.Int(5'000, 2'000'000);
    for (int m = 1; m <= 12; ++m) {
      csv += code + "," + industry + "," + district + ",2025-" + (m < 10 ? "0" : "") +
             std::to_string(m) + "-01," + std::to_string(base + g.Int(0, base / 5)) + "\n";
    }
  }
  return csv;
}

std::string TradeCsv(Gen& g, const char* category) {
  std::string csv = "区,品类,月份,订单数,金额(元)\n";
  for (int i = 0; i < 60; ++i) {
    csv += std::string(g.Pick(kDistricts)) + "," + category + ",2026-" +
           (i % 12 + 1 < 10 ? "0" : "") + std::to_string(i % 12 + 1) + "-01," +
           std::to_string(g.Int(10, 5000)) + "," + std::to_string(g.Int(1'000, 900'000)) + "\n";
  }
  return csv;
}

struct Showcase {
  std::string holder;
  std::string title, description;
  std::vector<std::string> tags;
  std::string csv;
  json spec;
  std::vector<std::string> fields;  // the policy's allowed fields
};

json Policy(const std::vector<std::string>& purposes, const std::vector<std::string>& fields,
            int group) {
  return {{"permission",
           {{{"action", "aggregate_query"},
             {"constraint",
              {{{"leftOperand", "purpose"}, {"operator", "isAnyOf"}, {"rightOperand", purposes}},
               {{"leftOperand", "field"}, {"operator", "isAnyOf"}, {"rightOperand", fields}},
               {{"leftOperand", "dateTime"},
                {"operator", "lt"},
                {"rightOperand", "2030-01-01T00:00:00Z"}},
               {{"leftOperand", "epsilon"}, {"operator", "lteq"}, {"rightOperand", 10.0}},
               {{"leftOperand", "groupSize"}, {"operator", "gteq"}, {"rightOperand", group}}}},
             {"duty", {{{"action", "inform"}}}}}}},
          {"prohibition", json::array({{{"action", "delivery"}}})}};
}

struct Published {
  std::string product_id, offer_id;
};

// The spec with the public domain of Hangzhou's districts declared on every
// `district` output: the channel then measures every district, present or
// not, and spends no delta on GROUP BY district (dataspace/channel.h).
json WithDistrictDomain(json spec) {
  for (json& field : spec["output"]) {
    if (field["name"] == "district") field["domain"] = kDistricts;
  }
  return spec;
}

Result<Published> Publish(ds::DataSpace& space, const Principal& holder, const Showcase& s,
                          const json& policy, int index) {
  QT_ASSIGN_OR_RETURN(ds::Source src,
                      space.CreateSource(holder, {.name = s.title + " 原始导出", .csv = s.csv}));
  QT_ASSIGN_OR_RETURN(ds::Pipeline p, space.CreatePipeline(holder, src.id, s.title + " 治理",
                                                           WithDistrictDomain(s.spec)));
  QT_ASSIGN_OR_RETURN(ds::Run run, space.RunPipeline(holder, p.id));
  static const char* kFrequencies[] = {"monthly", "daily", "weekly", "quarterly"};
  QT_ASSIGN_OR_RETURN(
      ds::Product product,
      space.CreateProduct(holder, {.run_id = run.id,
                                   .title = s.title,
                                   .description = s.description,
                                   .tags = s.tags,
                                   .update_frequency = kFrequencies[index % 4],
                                   .licence = "仅限可信数据空间内使用，可用不可见"}));
  QT_ASSIGN_OR_RETURN(
      ds::Offer offer,
      space.CreateOffer(
          holder, {.product_id = product.id,
                   .title = "统计分析（差分隐私）",
                   .policy = policy,
                   .visible_to = {},
                   .negotiable_by = {
                       .kinds = {OrgKind::kEnterprise, OrgKind::kInstitution, OrgKind::kAuthority},
                       .orgs = {}}}));
  return Published{product.id, offer.id};
}

Result<std::string> Contract(ds::DataSpace& space, const Principal& consumer,
                             const Principal& provider, const std::string& offer,
                             ds::ContractState until) {
  QT_ASSIGN_OR_RETURN(ds::Contract c, space.RequestContract(consumer, offer, std::nullopt));
  using S = ds::ContractState;
  if (until >= S::kOffered) QT_RETURN_IF_ERROR(space.OfferContract(provider, c.id, {}).status());
  if (until >= S::kAccepted) QT_RETURN_IF_ERROR(space.AcceptContract(consumer, c.id).status());
  if (until >= S::kAgreed) QT_RETURN_IF_ERROR(space.AgreeContract(provider, c.id).status());
  if (until >= S::kVerified) QT_RETURN_IF_ERROR(space.VerifyContract(consumer, c.id).status());
  if (until >= S::kFinalized) QT_RETURN_IF_ERROR(space.FinalizeContract(provider, c.id).status());
  return c.id;
}

}  // namespace

Status LoadDemoDataSpace(accounts::Accounts& accounts, const Principal& op, ds::DataSpace& space,
                         const std::string& seed) {
  Gen g("demo-dataspace/" + seed);
  QT_ASSIGN_OR_RETURN(auto orgs, AllOrgs(accounts));
  std::map<std::string, accounts::Org> by_name;
  std::vector<accounts::Org> holders;
  for (const auto& o : orgs) {
    by_name[o.name] = o;
    if (o.kind == OrgKind::kDataHolder) holders.push_back(o);
  }

  std::vector<Showcase> showcases = {
      {"杭州市医疗健康数据中心",
       "医学影像元数据集",
       "全市医院 CT、MR、DX、超声检查的元数据：模态、部位、区、年龄、性别、日期、层数。已去重、"
       "校验身份证号、统一日期格式。患者身份信息不出空间。",
       {"医疗", "影像", "高质量数据集"},
       MedicalImagingCsv(g),
       json::parse(R"js({"steps": [{"op": "trim"}, {"op": "normalize", "form": "NFKC"},
          {"op": "null_values", "values": ["", "未知", "-"]},
          {"op": "resident_id", "field": "c3"}, {"op": "date", "field": "c9"},
          {"op": "dedupe", "fields": ["c1"]}],
        "output": [
          {"name": "study_id", "from": "c1", "label": "检查号", "sensitivity": "identifying", "mask": "redact"},
          {"name": "patient_name", "from": "c2", "label": "患者姓名", "sensitivity": "identifying", "mask": "name"},
          {"name": "id_no", "from": "c3", "label": "身份证号", "sensitivity": "identifying", "mask": "resident_id"},
          {"name": "modality", "from": "c4", "label": "模态"},
          {"name": "body_part", "from": "c5", "label": "检查部位"},
          {"name": "district", "from": "c6", "label": "医院所在区"},
          {"name": "age", "from": "c7", "label": "年龄", "type": "integer", "min": 0, "max": 120},
          {"name": "sex", "from": "c8", "label": "性别"},
          {"name": "study_date", "from": "c9", "label": "检查日期", "type": "date"},
          {"name": "slices", "from": "c10", "label": "图像层数", "type": "integer", "min": 0, "max": 2000}]})js"),
       {"modality", "body_part", "district", "age", "sex", "study_date", "slices"}},
      {"杭州城市大脑数据运营有限公司",
       "试点城市数据集",
       "13 个区县 104 个街道的月度常住人口、企业数、交通拥堵指数与 PM2.5。",
       {"城市治理", "试点城市"},
       PilotCityCsv(g),
       json::parse(R"js({"steps": [{"op": "trim"}],
        "output": [{"name": "district", "from": "c1", "label": "区"},
          {"name": "street", "from": "c2", "label": "街道"},
          {"name": "month", "from": "c3", "label": "月份", "type": "date"},
          {"name": "population", "from": "c4", "label": "常住人口", "type": "integer", "min": 0, "max": 500000},
          {"name": "enterprises", "from": "c5", "label": "企业数", "type": "integer", "min": 0, "max": 50000},
          {"name": "traffic_index", "from": "c6", "label": "交通拥堵指数", "type": "real"},
          {"name": "pm25", "from": "pm2_5", "label": "PM2.5", "type": "integer", "min": 0, "max": 500}]})js"),
       {"district", "street", "month", "population", "enterprises", "pm25"}},
      {"杭州市公共交通集团有限公司",
       "公交线路客流日报",
       "60 条线路 2026 年 9 月逐日上车人次。",
       {"交通", "客流"},
       BusCsv(g),
       json::parse(R"js({"steps": [{"op": "trim"}, {"op": "date", "field": "c2"}],
        "output": [{"name": "line", "from": "c1", "label": "线路"},
          {"name": "day", "from": "c2", "label": "日期", "type": "date"},
          {"name": "district", "from": "c3", "label": "区"},
          {"name": "boardings", "from": "c4", "label": "上车人次", "type": "integer", "min": 0, "max": 100000}]})js"),
       {"line", "day", "district", "boardings"}},
      {"杭州市电力数据服务有限公司",
       "企业用电月度数据",
       "300 家企业 2025 年逐月用电量，可用于信贷风控。",
       {"电力", "信用", "金融"},
       ElectricityCsv(g),
       json::parse(
           R"js({"steps": [{"op": "trim"}, {"op": "credit_code", "field": "c1", "on_invalid": "drop"}],
        "output": [{"name": "credit_code", "from": "c1", "label": "统一社会信用代码", "sensitivity": "identifying", "mask": "credit_code"},
          {"name": "industry", "from": "c2", "label": "行业"},
          {"name": "district", "from": "c3", "label": "区"},
          {"name": "month", "from": "c4", "label": "月份", "type": "date"},
          {"name": "kwh", "from": "kwh", "label": "用电量kWh", "type": "integer", "min": 0, "max": 10000000, "sensitivity": "sensitive"}]})js"),
       {"industry", "district", "month", "kwh"}},
  };
  std::map<std::string, Published> showcase_products;
  for (size_t i = 0; i < showcases.size(); ++i) {
    const Showcase& s = showcases[i];
    auto holder = by_name.find(s.holder);
    if (holder == by_name.end()) return FailedPrecondition("demo holder missing: " + s.holder);
    QT_ASSIGN_OR_RETURN(
        Published p,
        Publish(space, ActAs(holder->second), s,
                Policy({"research", "credit", "planning"}, s.fields, 10), static_cast<int>(i)));
    showcase_products[s.title] = p;
  }

  // The other data enterprises, each with a small trade statistics product.
  // Each place and the district it lies in (the division in the credit code).
  const std::pair<const char*, const char*> places[] = {
      {"钱江", "330102"}, {"西溪", "330106"}, {"湘湖", "330109"}, {"运河", "330105"},
      {"良渚", "330110"}, {"之江", "330106"}, {"云栖", "330106"}, {"梦想", "330110"},
      {"未来", "330110"}, {"城西", "330106"}, {"东洲", "330111"}, {"千岛", "330127"},
      {"富春", "330111"}, {"天目", "330112"}, {"临平", "330113"}, {"滨盛", "330108"},
      {"奥体", "330109"}, {"湖滨", "330102"}, {"武林", "330105"}, {"九堡", "330102"},
      {"三墩", "330106"}, {"仓前", "330110"}, {"闻堰", "330109"}, {"瓜沥", "330109"}};
  const char* fields[] = {"零售",     "物流",     "农业",     "文旅",   "餐饮",
                          "教育",     "医药",     "建筑",     "能源",   "环保",
                          "金融科技", "跨境电商", "智能制造", "车联网", "气象",
                          "地理信息", "人力资源", "知识产权", "供应链"};
  json trade_spec = json::parse(R"js({"steps": [{"op": "trim"}],
    "output": [{"name": "district", "from": "c1", "label": "区"},
      {"name": "category", "from": "c2", "label": "品类"},
      {"name": "month", "from": "c3", "label": "月份", "type": "date"},
      {"name": "orders", "from": "c4", "label": "订单数", "type": "integer", "min": 0, "max": 100000},
      {"name": "amount_yuan", "from": "c5", "label": "金额(元)", "type": "integer", "min": 0, "max": 10000000}]})js");
  json trade_policy = Policy({"research", "planning"},
                             {"district", "category", "month", "orders", "amount_yuan"}, 5);
  int created = 0;
  for (const auto& [place, division] : places) {
    for (const char* field : fields) {
      if (static_cast<int>(holders.size()) + created >= kDemoDataEnterprises) break;
      std::string name = std::string("杭州") + place + field + "数据科技有限公司";
      std::string first17 = std::string("91") + division;
      constexpr std::string_view kCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
      for (int i = 0; i < 9; ++i) first17.push_back(kCharset[g.random().Uniform(kCharset.size())]);
      QT_ASSIGN_OR_RETURN(
          auto org,
          accounts.CreateOrg(op, {name, OrgKind::kDataHolder,
                                  first17 + accounts::CreditCodeCheckCharacter(first17)}));
      ++created;
      Showcase s{name,
                 std::string(place) + field + "经营统计",
                 std::string(place) + "片区" + field + "行业月度订单与交易额。",
                 {field, "经营"},
                 TradeCsv(g, field),
                 trade_spec,
                 {}};
      QT_RETURN_IF_ERROR(Publish(space, ActAs(org.org), s, trade_policy, created).status());
    }
  }

  // Contracts in several states; two finalized and used.
  auto party = [&](const char* name) { return ActAs(by_name.at(name)); };
  const Principal imaging = party("杭州云图医疗影像科技有限公司");
  const Principal hospital = party("杭州市医疗健康数据中心");
  QT_ASSIGN_OR_RETURN(std::string c1, Contract(space, imaging, hospital,
                                               showcase_products["医学影像元数据集"].offer_id,
                                               ds::ContractState::kFinalized));
  for (const char* sql : {"SELECT modality, COUNT(*), AVG(age) FROM data GROUP BY modality",
                          "SELECT district, COUNT(*) FROM data WHERE modality = 'CT' GROUP BY "
                          "district",
                          "SELECT body_part, AVG(slices) FROM data WHERE modality IN ('CT', 'MR') "
                          "GROUP BY body_part"}) {
    QT_RETURN_IF_ERROR(
        space
            .Query(imaging, c1,
                   {.sql = sql, .purpose = "research", .region = "330100", .epsilon_milli = 500})
            .status());
  }
  const Principal bank = party("杭州银行股份有限公司科技支行");
  const Principal power = party("杭州市电力数据服务有限公司");
  QT_ASSIGN_OR_RETURN(std::string c2,
                      Contract(space, bank, power, showcase_products["企业用电月度数据"].offer_id,
                               ds::ContractState::kFinalized));
  QT_RETURN_IF_ERROR(space
                         .Query(bank, c2,
                                {.sql = "SELECT industry, COUNT(*), SUM(kwh) FROM data "
                                        "GROUP BY industry",
                                 .purpose = "credit",
                                 .region = "330100",
                                 .epsilon_milli = 1000})
                         .status());
  // The demo's enterprise (its first) has a finalized contract on the
  // pilot-city set to query from the console, and a request to the demo's
  // data holder (its first) waiting for an offer.
  const Principal brain = party("杭州城市大脑数据运营有限公司");
  const Principal deepseek = party("杭州深度求索人工智能有限公司");
  QT_ASSIGN_OR_RETURN(std::string c3,
                      Contract(space, deepseek, brain, showcase_products["试点城市数据集"].offer_id,
                               ds::ContractState::kFinalized));
  QT_RETURN_IF_ERROR(space
                         .Query(deepseek, c3,
                                {.sql = "SELECT district, AVG(pm25) FROM data "
                                        "GROUP BY district",
                                 .purpose = "planning",
                                 .region = "330100",
                                 .epsilon_milli = 500})
                         .status());
  const Principal bus = party("杭州市公共交通集团有限公司");
  QT_RETURN_IF_ERROR(Contract(space, deepseek, bus, showcase_products["公交线路客流日报"].offer_id,
                              ds::ContractState::kRequested)
                         .status());
  QT_RETURN_IF_ERROR(Contract(space, party("杭州星河自动驾驶科技有限公司"), bus,
                              showcase_products["公交线路客流日报"].offer_id,
                              ds::ContractState::kAgreed)
                         .status());
  QT_ASSIGN_OR_RETURN(std::string c5, Contract(space, party("杭州市数据资源管理局"), brain,
                                               showcase_products["试点城市数据集"].offer_id,
                                               ds::ContractState::kFinalized));
  return space.TerminateContract(brain, c5, "试点评估已完成").status();
}

}  // namespace qt::demo
