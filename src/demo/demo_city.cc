#include "demo/demo_city.h"

#include <map>

#include "accounts/credit_code.h"
#include "crypto/random.h"

namespace qt::demo {
namespace {

using accounts::OrgKind;

struct DemoOrg {
  OrgKind kind;
  const char* name;
};

// The seed names the operator, the 10,000-card cluster's owner and 17 partners
// of the compute scheduling platform; the rest are invented but typical.
const DemoOrg kOrgs[] = {
    {OrgKind::kComputeProvider, "浙江算力科技有限公司"},
    {OrgKind::kComputeProvider, "杭州信创云计算有限公司"},
    {OrgKind::kComputeProvider, "之江智算中心有限公司"},
    {OrgKind::kComputeProvider, "杭州云栖智算有限公司"},
    {OrgKind::kComputeProvider, "钱江液冷数据中心有限公司"},
    {OrgKind::kComputeProvider, "萧山湘湖算力有限公司"},
    {OrgKind::kComputeProvider, "余杭未来科技城算力有限公司"},
    {OrgKind::kComputeProvider, "滨江海创智算有限公司"},
    {OrgKind::kComputeProvider, "临平新城算力服务有限公司"},
    {OrgKind::kComputeProvider, "富阳东洲智算有限公司"},
    {OrgKind::kComputeProvider, "桐庐富春云计算有限公司"},
    {OrgKind::kComputeProvider, "建德新安江数据中心有限公司"},
    {OrgKind::kComputeProvider, "淳安千岛湖绿色算力有限公司"},
    {OrgKind::kComputeProvider, "钱塘新区智算科技有限公司"},
    {OrgKind::kComputeProvider, "拱墅运河算力有限公司"},
    {OrgKind::kComputeProvider, "西湖数智算力有限公司"},
    {OrgKind::kComputeProvider, "上城区鲲鹏智算有限公司"},
    {OrgKind::kEnterprise, "杭州深度求索人工智能有限公司"},
    {OrgKind::kEnterprise, "杭州灵犀机器人科技有限公司"},
    {OrgKind::kEnterprise, "杭州云图医疗影像科技有限公司"},
    {OrgKind::kEnterprise, "杭州星河自动驾驶科技有限公司"},
    {OrgKind::kEnterprise, "杭州小微智造科技有限公司"},
    {OrgKind::kEnterprise, "杭州绿能储能科技有限公司"},
    {OrgKind::kDataHolder, "杭州市公共交通集团有限公司"},
    {OrgKind::kDataHolder, "杭州市电力数据服务有限公司"},
    {OrgKind::kDataHolder, "杭州城市大脑数据运营有限公司"},
    {OrgKind::kDataHolder, "杭州市医疗健康数据中心"},
    {OrgKind::kDataHolder, "杭州迪安医学检验中心有限公司"},
    {OrgKind::kInstitution, "杭州银行股份有限公司科技支行"},
    {OrgKind::kInstitution, "杭州联合农村商业银行"},
    {OrgKind::kInstitution, "杭州市科创融资担保有限公司"},
    {OrgKind::kInstitution, "杭州科创产业投资基金"},
    {OrgKind::kInstitution, "杭州科技保险服务中心"},
    {OrgKind::kService, "杭州市第一人民医院"},
    {OrgKind::kService, "杭州地铁运营有限公司"},
    {OrgKind::kService, "杭州图书馆"},
    {OrgKind::kService, "杭州市人才服务中心"},
    {OrgKind::kService, "杭州市公共交通集团客运服务有限公司"},
    {OrgKind::kService, "杭州市公共自行车交通服务发展有限公司"},
    {OrgKind::kService, "杭州西湖风景名胜区管理服务中心"},
    {OrgKind::kService, "浙江省博物馆"},
    {OrgKind::kService, "杭州奥体中心体育场馆运营有限公司"},
    {OrgKind::kService, "杭州九洲大药房连锁有限公司"},
    {OrgKind::kService, "杭州市民中心政务服务大厅"},
    {OrgKind::kService, "杭州城市停车运营有限公司"},
    {OrgKind::kService, "杭州植物园"},
    {OrgKind::kService, "杭州大剧院"},
    {OrgKind::kService, "杭州市社会福利中心"},
    {OrgKind::kService, "杭州学军中学"},
    {OrgKind::kService, "杭州市人才安居服务中心"},
    {OrgKind::kService, "杭州市创业服务中心"},
    {OrgKind::kAuthority, "杭州市经济和信息化局"},
    {OrgKind::kAuthority, "杭州市科学技术局"},
    {OrgKind::kAuthority, "杭州市数据资源管理局"},
    {OrgKind::kAuthority, "杭州数据交易所登记中心"},
};

constexpr std::string_view kCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// Registration authority and category by kind: 9 1 = company, 1 1 = government
// body, 1 2 = public institution (hospital, library...).
std::string CreditCodePrefix(OrgKind kind) {
  switch (kind) {
    case OrgKind::kAuthority:
      return "11";
    case OrgKind::kService:
      return "12";
    default:
      return "91";
  }
}

}  // namespace

std::string MakeCreditCode(OrgKind kind, Random& random) {
  std::string code = CreditCodePrefix(kind) + "330100";  // Hangzhou
  for (int i = 0; i < 9; ++i) code.push_back(kCharset[random.Uniform(kCharset.size())]);
  code.push_back(accounts::CreditCodeCheckCharacter(code));
  return code;
}

Result<DemoCity> LoadDemoCity(accounts::Accounts& accounts, const accounts::Principal& op,
                              const std::string& seed) {
  QT_ASSIGN_OR_RETURN(auto existing, accounts.ListOrgs({.cursor = "", .limit = 2}));
  if (existing.items.size() > 1) {
    return FailedPrecondition(
        "the database already has organisations; the demo city loads "
        "into an empty database only");
  }
  crypto::DeterministicRandom random("demo-city/" + seed);
  DemoCity city;
  QT_ASSIGN_OR_RETURN(auto op_token, accounts.IssueToken(op, "", "demo operator token", 0));
  QT_ASSIGN_OR_RETURN(accounts::Org operator_org, accounts.Operator());
  city.tokens.push_back({operator_org.name, OrgKind::kOperator, op_token.secret});

  std::map<OrgKind, bool> has_token;
  for (const DemoOrg& d : kOrgs) {
    QT_ASSIGN_OR_RETURN(auto created,
                        accounts.CreateOrg(op, {d.name, d.kind, MakeCreditCode(d.kind, random)}));
    ++city.orgs_created;
    if (!has_token[d.kind]) {
      has_token[d.kind] = true;
      city.tokens.push_back({d.name, d.kind, created.admin_token.secret});
    } else if (d.kind == OrgKind::kDataHolder) {
      city.holder_tokens.push_back({d.name, d.kind, created.admin_token.secret});
    }
  }
  return city;
}

}  // namespace qt::demo
