#include "demo/demo_identity.h"

#include <map>

#include "core/clock.h"
#include "core/resident_id.h"
#include "crypto/encoding.h"
#include "crypto/recipient_box.h"
#include "demo/acting.h"
#include "demo/gen.h"
#include "identity/verifier.h"

namespace qt::demo {
namespace {

using namespace identity;

struct District {
  const char* code;
  const char* name;
};
constexpr District kDistricts[] = {{"330102", "上城区"}, {"330105", "拱墅区"}, {"330106", "西湖区"},
                                   {"330108", "滨江区"}, {"330109", "萧山区"}, {"330110", "余杭区"},
                                   {"330111", "富阳区"}, {"330112", "临安区"}, {"330113", "临平区"},
                                   {"330114", "钱塘区"}};
const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                           "徐", "孙", "朱", "胡", "沈", "钱", "俞", "楼", "何", "郑"};
const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇",
                        "杰", "涛", "婷", "浩", "宇", "欣", "琳", "晨", "佳", "睿"};

// Which service organisation runs which category's terminals.
constexpr std::pair<const char*, const char*> kOperators[] = {
    {"bus", "杭州市公共交通集团客运服务有限公司"},
    {"metro", "杭州地铁运营有限公司"},
    {"public_bike", "杭州市公共自行车交通服务发展有限公司"},
    {"scenic_area", "杭州西湖风景名胜区管理服务中心"},
    {"museum", "浙江省博物馆"},
    {"library", "杭州图书馆"},
    {"sports_venue", "杭州奥体中心体育场馆运营有限公司"},
    {"hospital", "杭州市第一人民医院"},
    {"pharmacy", "杭州九洲大药房连锁有限公司"},
    {"government_service", "杭州市民中心政务服务大厅"},
    {"parking", "杭州城市停车运营有限公司"},
    {"park", "杭州植物园"},
    {"theatre", "杭州大剧院"},
    {"elderly_care", "杭州市社会福利中心"},
    {"school", "杭州学军中学"},
    {"talent_housing", "杭州市人才安居服务中心"},
    {"talent_service", "杭州市人才服务中心"},
    {"startup_service", "杭州市创业服务中心"},
};

// Citizen i's register row: unique resident IDs by construction (district,
// date and sequence digits are a mixed-radix spelling of i; the district
// varies fastest, so that any number of citizens live in every district).
NewCitizen Row(Gen& g, int64_t i, const std::string& today) {
  constexpr int64_t kDays = 86 * 365;  // born within the last 86 years
  const District& d = kDistricts[i % 10];
  const int64_t j = i / 10;
  const int64_t day = (j * 7919) % kDays;  // spread over dates, not in order of i
  const int64_t seq = j / kDays;
  const int64_t born = *ParseRfc3339(today + "T00:00:00Z") - (day + 1) * 86'400'000;
  const std::string date = FormatRfc3339(born).substr(0, 10);
  std::string first17 =
      std::string(d.code) + date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
  const std::string s = std::to_string(1000 + seq * 7 + g.Int(0, 6));
  first17 += s.substr(s.size() - 3);
  NewCitizen c{.name = std::string(g.Pick(kSurnames)) + g.Pick(kGiven) +
                       (g.Chance(60) ? g.Pick(kGiven) : ""),
               .resident_id = first17 + ResidentIdCheckCharacter(first17),
               .district = d.name,
               .concession = "none"};
  const int age = static_cast<int>(day / 365);
  if (age >= 60)
    c.concession = "elderly";
  else if (age < 18)
    c.concession = "student";
  else if (g.Chance(2))
    c.concession = "disabled";
  else if (g.Chance(1))
    c.concession = "veteran";
  return c;
}

struct DemoTerminal {
  crypto::SigningKey key;
  Terminal terminal;
  std::unique_ptr<Verifier> verifier;
  std::vector<ScanReceipt> receipts;
};

}  // namespace

Result<DemoIdentity> LoadDemoIdentity(accounts::Accounts& accounts, Identity& identity,
                                      const std::string& seed, int64_t citizens) {
  Gen g("demo-identity/" + seed);
  DemoIdentity out;
  QT_ASSIGN_OR_RETURN(auto orgs, AllOrgs(accounts));
  std::map<std::string, accounts::Org> by_name;
  for (const auto& o : orgs) by_name[o.name] = o;
  const auto registrar = ActAs(by_name.at("杭州市数据资源管理局"));
  const auto talent_bureau = ActAs(by_name.at("杭州市科学技术局"));
  QT_ASSIGN_OR_RETURN(accounts::Org op, accounts.Operator());
  const auto operator_admin = ActAs(op);
  // Citizens belong to the registrar that enrols them; the operator lets the
  // talent bureau act on them (talent statuses).
  QT_RETURN_IF_ERROR(
      identity.Delegate(operator_admin, registrar.org_id, talent_bureau.org_id).status());
  const std::string today = FormatRfc3339(SystemClock::Get().NowMillis()).substr(0, 10);

  // The register, imported in batches (each all or none).
  std::vector<EnrolledCitizen> sample;  // every 97th: talents and scans come from here
  constexpr int64_t kBatch = 20'000;
  for (int64_t from = 0; from < citizens; from += kBatch) {
    std::vector<NewCitizen> rows;
    for (int64_t i = from; i < std::min(citizens, from + kBatch); ++i)
      rows.push_back(Row(g, i, today));
    QT_ASSIGN_OR_RETURN(auto enrolled, identity.EnrolMany(registrar, rows));
    for (size_t k = 0; k < enrolled.size(); k += 97) {
      if (sample.size() < 2000) sample.push_back(std::move(enrolled[k]));
    }
    out.citizens += static_cast<int64_t>(rows.size());
  }
  if (sample.empty()) return out;

  // Talent statuses for some adults: A (top) is rare, E common. The console's
  // demo citizen is the first of them.
  const char* kTalent[] = {"A", "B", "C", "C", "D", "D", "D", "E", "E", "E", "E", "E"};
  size_t shown = sample.size();
  for (size_t k = 0; k < sample.size(); k += 3) {
    const Citizen& c = sample[k].citizen;
    if (c.concession == "student") continue;
    if (shown == sample.size()) shown = k;
    const std::string until = std::to_string(2027 + g.Int(0, 2)) + "-12-31";
    QT_RETURN_IF_ERROR(identity.SetTalent(talent_bureau, c.id, g.Pick(kTalent), until).status());
    ++out.talents;
  }

  // Two terminals per category, synced as a real one would be, at the
  // service organisation the operator granted the category to.
  QT_ASSIGN_OR_RETURN(SignedTrustList signed_list, identity.TrustList());
  QT_ASSIGN_OR_RETURN(TrustList trust, ReadTrustList(ExportTrustList(signed_list), op.public_key));
  std::map<std::string, std::vector<DemoTerminal>> terminals;
  for (const auto& [category, org_name] : kOperators) {
    const auto org = ActAs(by_name.at(org_name));
    QT_RETURN_IF_ERROR(identity.Grant(operator_admin, org.org_id, category).status());
    for (int n = 1; n <= 2; ++n) {
      DemoTerminal t{crypto::GenerateSigningKey(g.random()), {}, nullptr, {}};
      QT_ASSIGN_OR_RETURN(
          t.terminal, identity.RegisterTerminal(org, category,
                                                std::string(FindCategory(category)->name_zh) + " " +
                                                    std::to_string(n) + " 号终端",
                                                crypto::HexEncode(t.key.public_key)));
      QT_ASSIGN_OR_RETURN(auto keys, identity.TerminalKeys(org, t.terminal.id));
      QT_ASSIGN_OR_RETURN(auto key, crypto::OpenSealed(t.key, keys.keys[0].sealed));
      CategoryKey k;
      std::copy(key.begin(), key.end(), k.begin());
      t.verifier = std::make_unique<Verifier>(*FindCategory(category));
      t.verifier->SetTrustList(trust);
      t.verifier->SetCategoryKeys({{1, k}});
      terminals[category].push_back(std::move(t));
      ++out.terminals;
    }
  }

  auto sign = [](DemoTerminal& t, ScanReceipt r) -> Status {
    QT_ASSIGN_OR_RETURN(std::string bytes, ReceiptBytes(r));
    r.signature = crypto::Base64Encode(crypto::Sign(
        t.key, std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
    t.receipts.push_back(std::move(r));
    return OkStatus();
  };
  // Scan histories: a few hundred citizens each show a code at a few places.
  if (shown == sample.size()) shown = 0;
  std::swap(sample[0], sample[shown]);
  const size_t scanners = std::min<size_t>(sample.size(), 300);
  for (size_t k = 0; k < scanners; ++k) {
    QT_ASSIGN_OR_RETURN(Citizen me, identity.AuthenticateCitizen(sample[k].token, "demo"));
    const int visits = static_cast<int>(g.Int(1, 5));
    for (int v = 0; v < visits; ++v) {
      QT_ASSIGN_OR_RETURN(IssuedCode code, identity.IssueDynamic(me));
      const auto& [category, org_name] = kOperators[g.Int(0, std::size(kOperators) - 1)];
      DemoTerminal& t = terminals[category][g.Int(0, 1)];
      auto scan = t.verifier->Verify(code.text, SystemClock::Get().NowMillis());
      if (!scan.ok())
        return Internal("demo: a fresh code did not verify: " + scan.status().ToString());
      std::vector<std::string> read;
      for (const auto& [claim, value] : scan->claims.items()) read.push_back(claim);
      // The demo's one misbehaving terminal: a library gate that also logs the district.
      const int64_t now = SystemClock::Get().NowMillis();
      if (k == 0 && v == 0) {
        DemoTerminal& library = terminals["library"][0];
        QT_RETURN_IF_ERROR(sign(library, {library.terminal.id,
                                          code.code_id,
                                          "library",
                                          {"name", "pseudonym", "district"},
                                          "accepted",
                                          now,
                                          ""}));
        continue;
      }
      QT_RETURN_IF_ERROR(
          sign(t, {t.terminal.id, code.code_id, category, read, "accepted", now, ""}));
    }
  }
  for (auto& [category, list] : terminals) {
    for (DemoTerminal& t : list) {
      if (t.receipts.empty()) continue;
      QT_ASSIGN_OR_RETURN(auto filed, identity.RecordScans(t.receipts, "demo"));
      out.scans += static_cast<int64_t>(filed.size());
    }
  }
  out.citizen_name = sample[0].citizen.name_masked;
  out.citizen_token = sample[0].token;
  return out;
}

}  // namespace qt::demo
