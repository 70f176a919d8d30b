// The trusted data space through the real server and CLI: a holder brings a
// source, renovates it into a product, offers it; an enterprise negotiates a
// contract, queries through the channel, and verifies the agreement and its
// receipts offline. Planted canaries never leave; bad input changes nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/api_test.h"
#include "tests/integration/test_codes.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

using nlohmann::json;

std::string PeopleCsv() {
  std::string csv = "姓名,手机,区,年龄,收入\n";
  const char* districts[] = {"西湖区", "上城区", "滨江区", "拱墅区"};
  for (int i = 0; i < 400; ++i) {
    csv += "居民" + std::to_string(i) + ",1380013" + std::to_string(1000 + i) + "," +
           districts[i % 4] + "," + std::to_string(18 + i % 60) + "," +
           std::to_string(4000 + (i * 37) % 20000) + "\n";
  }
  // Canaries: a unique district, a unique age and an extreme income.
  csv += "金丝雀甲,13999999999,萧山区,117,88888888\n";
  csv += "金丝雀乙,13999999998,西湖区,116,77777777\n";
  return csv;
}

const char* kSpec =
    R"({"steps": [{"op": "trim"}, {"op": "mobile", "field": "c2"}, {"op": "dedupe"}],
  "output": [{"name": "name", "from": "c1", "sensitivity": "identifying", "mask": "name"},
             {"name": "phone", "from": "c2", "sensitivity": "identifying", "mask": "mobile"},
             {"name": "district", "from": "c3"},
             {"name": "age", "from": "c4", "type": "integer", "min": 0, "max": 120},
             {"name": "income", "from": "c5", "type": "integer", "min": 0, "max": 50000,
              "sensitivity": "sensitive"}]})";

const char* kPolicy = R"({"permission": [{"action": "aggregate_query", "constraint": [
    {"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": ["research"]},
    {"leftOperand": "field", "operator": "isAnyOf", "rightOperand": ["district", "age", "income"]},
    {"leftOperand": "epsilon", "operator": "lteq", "rightOperand": 5.0},
    {"leftOperand": "groupSize", "operator": "gteq", "rightOperand": 20}],
    "duty": [{"action": "inform"}]}]})";

class DataSpaceApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    holder_ = NewOrg("数据 Co", "data_holder", 801);
    enterprise_ = NewOrg("研究 Co", "enterprise", 802);
    bank_ = NewOrg("银行", "institution", 803);
  }

  // Source, pipeline, run, product and an offer to enterprises; returns the offer id.
  std::string PublishPeople() {
    auto src = Call(*client_, "POST", "/api/v1/dataspace/sources", holder_,
                    json{{"name", "居民抽样"}, {"csv", PeopleCsv()}}.dump());
    EXPECT_EQ(src.status, 201) << src.raw;
    auto pipe = Call(
        *client_, "POST", "/api/v1/dataspace/pipelines", holder_,
        json{{"name", "清洗"}, {"source_id", src.body["id"]}, {"spec", json::parse(kSpec)}}.dump());
    EXPECT_EQ(pipe.status, 201) << pipe.raw;
    auto run = Call(*client_, "POST",
                    "/api/v1/dataspace/pipelines/" + pipe.body["id"].get<std::string>() + "/runs",
                    holder_);
    EXPECT_EQ(run.status, 201) << run.raw;
    run_ = run.body;
    auto product = Call(*client_, "POST", "/api/v1/dataspace/products", holder_,
                        json{{"run_id", run.body["id"]},
                             {"title", "杭州居民收入"},
                             {"tags", {"收入"}},
                             {"update_frequency", "monthly"}}
                            .dump());
    EXPECT_EQ(product.status, 201) << product.raw;
    product_ = product.body["id"];
    auto offer = Call(*client_, "POST", "/api/v1/dataspace/offers", holder_,
                      json{{"product_id", product_},
                           {"title", "研究"},
                           {"policy", json::parse(kPolicy)},
                           {"negotiable_by", {{"kinds", {"enterprise"}}}}}
                          .dump());
    EXPECT_EQ(offer.status, 201) << offer.raw;
    return offer.body["id"];
  }

  // Walks a requested contract to finalized, each side with its CLI verbs.
  void FinalizeWithCli(const std::string& id) {
    for (auto [verb, token] : {std::pair{"offer", holder_},
                               {"accept", enterprise_},
                               {"agree", holder_},
                               {"verify", enterprise_},
                               {"finalize", holder_}}) {
      auto r = server_->Cli({"dataspace", "contracts", verb, id}, token);
      ASSERT_EQ(r.exit_code, 0) << verb << ": " << r.err;
    }
  }

  std::string holder_, enterprise_, bank_, product_;
  json run_;
};

TEST_F(DataSpaceApiTest, FromRawCsvToAReceiptedQueryThroughTheCli) {
  std::string offer = PublishPeople();
  EXPECT_EQ(run_["rows_out"], 402);
  EXPECT_EQ(run_["quality"]["fields"][1]["validity"], 1.0);
  // The run is on the ledger with its hashes.
  std::string seq = std::to_string(run_["ledger_seq"].get<int64_t>());
  auto entry = Call(
      *client_, "GET",
      "/api/v1/ledger/entries?start=" + seq + "&end=" + std::to_string(std::stoll(seq) + 1), bank_);
  ASSERT_EQ(entry.status, 200) << entry.raw;
  EXPECT_EQ(entry.body["entries"][0]["event"]["kind"], "dataspace.pipeline.run");
  EXPECT_EQ(entry.body["entries"][0]["event"]["payload"]["output_sha256"], run_["output_sha256"]);

  // The catalog and a masked preview, as any organisation sees them.
  auto found = server_->Cli({"dataspace", "products", "search", "收入"}, bank_);
  EXPECT_EQ(found.exit_code, 0) << found.err;
  EXPECT_NE(found.out.find(product_), std::string::npos);
  auto preview = server_->Cli({"dataspace", "products", "preview", product_}, bank_);
  EXPECT_EQ(preview.exit_code, 0) << preview.err;
  EXPECT_NE(preview.out.find("居*"), std::string::npos);
  EXPECT_NE(preview.out.find("138****"), std::string::npos);
  EXPECT_EQ(preview.out.find("居民0"), std::string::npos);
  EXPECT_TRUE(preview.out.starts_with("name ")) << "a header row of the columns: " << preview.out;
  EXPECT_NE(preview.out.find(" phone "), std::string::npos) << preview.out;

  // Negotiation with the CLI, each side its own verbs.
  auto req = server_->Cli({"--json", "dataspace", "contracts", "request", offer}, enterprise_);
  ASSERT_EQ(req.exit_code, 0) << req.err;
  std::string id = json::parse(req.out)["id"];
  ASSERT_NO_FATAL_FAILURE(FinalizeWithCli(id));
  auto shown = server_->Cli({"--json", "dataspace", "contracts", "show", id}, enterprise_);
  ASSERT_EQ(shown.exit_code, 0);
  std::string contract_file = dir_.File("contract.json");
  std::ofstream(contract_file) << shown.out;
  // Offline: no token, no server.
  auto verified =
      RunCommand({QiantangBinary(), "dataspace", "contracts", "verify-file", contract_file});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_NE(verified.out.find(": OK"), std::string::npos);
  json tampered = json::parse(shown.out);
  std::string agreement = tampered["agreement"];
  agreement.replace(agreement.find("5.0"), 3, "9.0");
  tampered["agreement"] = agreement;
  std::ofstream(contract_file) << tampered.dump();
  auto refused =
      RunCommand({QiantangBinary(), "dataspace", "contracts", "verify-file", contract_file});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("does not match"), std::string::npos);

  // A query through the channel, and its receipt verified offline.
  auto q = server_->Cli({"--json", "dataspace", "query", id, "--sql",
                         "SELECT district, COUNT(*), AVG(income) FROM data GROUP BY district",
                         "--purpose", "research", "--epsilon", "1"},
                        enterprise_);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  json answer = json::parse(q.out);
  // The districts' keys come from the data: released past a noisy count one
  // row reaches with probability 1e-8 (δ); the canary's 萧山区 never is.
  EXPECT_EQ(answer["rows"].size(), 4u);
  EXPECT_EQ(answer["keys"], "partition_selection");
  EXPECT_EQ(answer["delta"], 1e-8);
  EXPECT_FALSE(answer.contains("suppressed"));
  EXPECT_FALSE(answer.contains("groups"));
  EXPECT_EQ(answer["epsilon_left"], 4.0);
  std::string answer_file = dir_.File("answer.json");
  std::ofstream(answer_file) << q.out;
  std::string key = Call(*client_, "GET", "/api/v1/whoami", holder_).body["org"]["public_key"];
  auto receipt =
      RunCommand({QiantangBinary(), "dataspace", "verify-receipt", answer_file, "--key", key});
  EXPECT_EQ(receipt.exit_code, 0) << receipt.err;

  // A disallowed purpose: the CLI names the constraint and exits 1.
  auto wrong = server_->Cli(
      {"dataspace", "query", id, "--sql", "SELECT COUNT(*) FROM data", "--purpose", "marketing"},
      enterprise_);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("constraint purpose isAnyOf [research]"), std::string::npos);
  auto usage = Call(*client_, "GET", "/api/v1/dataspace/contracts/" + id + "/usage", holder_);
  ASSERT_EQ(usage.status, 200);
  EXPECT_EQ(usage.body["items"].size(), 1u);
}

TEST_F(DataSpaceApiTest, ContractsFilterOnTheServerAndCountOnlyTheCallersOwn) {
  std::string offer = PublishPeople();
  auto request = [&] {
    auto r = Call(*client_, "POST", "/api/v1/dataspace/offers/" + offer + "/contracts", enterprise_,
                  "{}");
    EXPECT_EQ(r.status, 201) << r.raw;
    EXPECT_EQ(r.body["product_title"], "杭州居民收入");
    return r.body["id"].get<std::string>();
  };
  std::string finalized = request();
  request();  // stays requested
  ASSERT_NO_FATAL_FAILURE(FinalizeWithCli(finalized));
  auto list = [&](const std::string& token, const std::string& query) {
    auto r = Call(*client_, "GET", "/api/v1/dataspace/contracts?limit=1&" + query, token);
    EXPECT_EQ(r.status, 200) << query << ": " << r.raw;
    return r.body;
  };
  json all = list(enterprise_, "");
  EXPECT_EQ(all["total"], 2);
  EXPECT_EQ(all["items"][0]["product_title"], "杭州居民收入");
  EXPECT_TRUE(all["next_cursor"].is_string());
  json done = list(enterprise_, "state=finalized");
  EXPECT_EQ(done["total"], 1);
  EXPECT_EQ(done["items"][0]["id"], finalized);
  EXPECT_EQ(list(enterprise_, "side=consumer")["total"], 2);
  EXPECT_EQ(list(enterprise_, "side=provider")["total"], 0);
  EXPECT_EQ(list(holder_, "side=provider&state=requested")["total"], 1);
  EXPECT_EQ(list(enterprise_, "q=%E6%94%B6%E5%85%A5")["total"], 2);  // 收入
  // LIKE's wildcards are literal, and another organisation counts nothing of theirs.
  EXPECT_EQ(list(enterprise_, "q=%25")["total"], 0);
  EXPECT_EQ(list(enterprise_, "q=_")["total"], 0);
  EXPECT_EQ(list(bank_, "")["total"], 0);
  EXPECT_EQ(list(bank_, "q=%E6%94%B6%E5%85%A5")["total"], 0);

  for (const char* bad : {"state=signed", "side=both", "state="}) {
    auto r = Call(*client_, "GET", std::string("/api/v1/dataspace/contracts?") + bad, enterprise_);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "invalid_argument") << bad;
  }
  auto cli = server_->Cli({"dataspace", "contracts", "list", "--state", "finalized"}, enterprise_);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find(finalized), std::string::npos);
  EXPECT_NE(cli.out.find("杭州居民收入"), std::string::npos);
  EXPECT_NE(cli.out.find("(1 in all)"), std::string::npos) << cli.out;
  // The parties by name, beside their ids.
  auto show = server_->Cli({"dataspace", "contracts", "show", finalized}, enterprise_);
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("provider: 数据 Co (org_"), std::string::npos) << show.out;
  // The terms read as sentences, in a contract and in the product's offers.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"dataspace", "contracts", "show", finalized},
        {"dataspace", "products", "show", product_}}) {
    auto shown = server_->Cli(args, enterprise_);
    ASSERT_EQ(shown.exit_code, 0) << shown.err;
    EXPECT_NE(shown.out.find("allowed: aggregate_query — for research; on fields district, age, "
                             "income; privacy budget ε ≤ 5.0; groups of at least 20 rows; the "
                             "provider is told of each use"),
              std::string::npos)
        << shown.out;
  }
}

TEST_F(DataSpaceApiTest, AnOfferIsShownOnlyToThoseItsAudienceAdmits) {
  PublishPeople();
  const std::string enterprise_org =
      Call(*client_, "GET", "/api/v1/whoami", enterprise_).body["org"]["id"];
  auto named = Call(*client_, "POST", "/api/v1/dataspace/offers", holder_,
                    json{{"product_id", product_},
                         {"title", "只给一家"},
                         {"policy", json::parse(kPolicy)},
                         {"visible_to", {{"orgs", {enterprise_org}}}}}
                        .dump());
  ASSERT_EQ(named.status, 201) << named.raw;
  const std::string id = named.body["id"];
  auto show = [&](const std::string& token) {
    return Call(*client_, "GET", "/api/v1/dataspace/offers/" + id, token);
  };
  EXPECT_EQ(show(enterprise_).status, 200);
  EXPECT_EQ(show(holder_).status, 200);
  // A bank is not in its audience: the same answer as an offer that does not exist.
  auto hidden = show(bank_);
  auto none = Call(*client_, "GET", "/api/v1/dataspace/offers/offer_nope", bank_);
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(hidden.body["error"]["message"], "no offer " + id);
  EXPECT_EQ(none.body["error"]["message"], "no offer offer_nope");
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/dataspace/offers/" + id).status, 401);

  auto cli = server_->Cli({"dataspace", "offers", "show", id}, enterprise_);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("provider: 数据 Co (org_"), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find("allowed: aggregate_query — for research"), std::string::npos) << cli.out;
  auto listed = server_->Cli({"dataspace", "offers", "list", "--product", product_}, bank_);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out.find(id), std::string::npos) << "not in the bank's audience: " << listed.out;
  EXPECT_NE(listed.out.find("allowed: aggregate_query"), std::string::npos) << listed.out;

  // Withdrawn: its holder still sees it, its audience no longer does.
  ASSERT_EQ(Call(*client_, "POST", "/api/v1/dataspace/offers/" + id + "/withdraw", holder_).status,
            200);
  EXPECT_EQ(show(enterprise_).status, 404);
  auto own = show(holder_);
  EXPECT_EQ(own.status, 200);
  EXPECT_EQ(own.body["active"], false);
}

TEST_F(DataSpaceApiTest, CanariesNeverLeaveThroughTheApi) {
  std::string offer = PublishPeople();
  auto c = Call(*client_, "POST", "/api/v1/dataspace/offers/" + offer + "/contracts", enterprise_);
  ASSERT_EQ(c.status, 201) << c.raw;
  std::string id = c.body["id"];
  std::string base = "/api/v1/dataspace/contracts/" + id;
  for (auto [verb, token] : {std::pair{"offer", holder_},
                             {"accept", enterprise_},
                             {"agree", holder_},
                             {"verify", enterprise_},
                             {"finalize", holder_}}) {
    ASSERT_EQ(Call(*client_, "POST", base + "/" + verb, token).status, 200) << verb;
  }
  const std::vector<std::string> tricks = {
      "SELECT name, COUNT(*) FROM data GROUP BY name",
      "SELECT phone, COUNT(*) FROM data GROUP BY phone",
      "SELECT COUNT(*) FROM data WHERE name = '金丝雀甲'",
      "SELECT * FROM data",
      "SELECT name FROM data",
      "SELECT district, COUNT(*) FROM data GROUP BY district",
      "SELECT age, COUNT(*), SUM(income) FROM data GROUP BY age",
      "SELECT income, COUNT(*) FROM data GROUP BY income",
      "SELECT COUNT(*), SUM(income) FROM data WHERE district = '萧山区'",
      "SELECT COUNT(*), AVG(income) FROM data WHERE age >= 116",
      "SELECT COUNT(*) FROM data WHERE income > 50000",
      "SELECT district, age, COUNT(*) FROM data GROUP BY district, age",
      "SELECT COUNT(*) FROM data WHERE district = '西湖区' AND age = 116",
      "SELECT COUNT(*) FROM data ORDER BY income DESC LIMIT 1",
      "SELECT COUNT(*) FROM data UNION SELECT income FROM data",
      "SELECT COUNT(*) FROM data WHERE income IN (SELECT income FROM data)",
      "SELECT MAX(income) FROM data",
      "SELECT COUNT(*) FROM data; SELECT * FROM data",
      "SELECT COUNT(*) FROM sqlite_master",
      "SELECT COUNT(*) FROM data WHERE district = '萧山区' OR 1 = 1",
      "SELECT SUBSTR(name, 1, 1), COUNT(*) FROM data GROUP BY name",
  };
  int answered = 0;
  for (const auto& sql : tricks) {
    auto a = Call(*client_, "POST", base + "/queries", enterprise_,
                  json{{"sql", sql}, {"purpose", "research"}, {"epsilon", 0.05}}.dump());
    EXPECT_TRUE(a.status == 200 || a.status == 400 || a.status == 403) << sql << ": " << a.raw;
    if (a.status == 200) ++answered;
    // The canaries' ages would leak as a group key ([116, ...]); as bare
    // numbers they are also ordinary noisy counts (a keyless answer's first
    // figure may be 116), so they are looked for in grouped answers only.
    const bool grouped = std::string(sql).find("GROUP BY") != std::string::npos;
    for (const char* secret :
         {"金丝雀", "萧山区", "88888888", "77777777", "13999999", "[117,", "[116,"}) {
      if (!grouped && secret[0] == '[') continue;
      std::string rows = a.status == 200 ? a.body["rows"].dump() : a.raw;
      EXPECT_EQ(rows.find(secret), std::string::npos)
          << sql << " leaked " << secret << ": " << rows;
    }
  }
  EXPECT_GE(answered, 8);
  // Differencing by repetition exhausts the budget: 5.0 at 0.5 a query.
  int ok = 0;
  for (int i = 0; i < 20; ++i) {
    auto a = Call(*client_, "POST", base + "/queries", enterprise_,
                  json{{"sql", "SELECT SUM(income) FROM data WHERE age < 116"},
                       {"purpose", "research"},
                       {"epsilon", 0.5}}
                      .dump());
    if (a.status != 200) {
      EXPECT_EQ(a.status, 403) << a.raw;
      EXPECT_NE(a.raw.find("constraint epsilon lteq 5"), std::string::npos) << a.raw;
      break;
    }
    ++ok;
  }
  EXPECT_LE(ok, 10 - answered / 10);
  EXPECT_GE(ok, 1);
}

TEST_F(DataSpaceApiTest, BadInputNamesTheFieldAndChangesNothing) {
  auto sources = [&] {
    return Call(*client_, "GET", "/api/v1/dataspace/sources", holder_).body["items"].size();
  };
  struct Case {
    std::string path;
    std::string body;
    int status;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"/api/v1/dataspace/sources", R"({"name": "x"})", 400, "give either csv"},
           {"/api/v1/dataspace/sources", R"({"name": "", "csv": "a\n1\n"})", 400, "name:"},
           {"/api/v1/dataspace/sources", R"({"name": "x", "csv": "a\n1\n", "colour": 1})", 400,
            "colour"},
           {"/api/v1/dataspace/sources", R"({"name": "x", "file": "../../etc/passwd"})", 400,
            "file: must be a relative path"},
           {"/api/v1/dataspace/sources", R"({"name": "x", "file": "nope.csv"})", 404, "file:"},
           {"/api/v1/dataspace/sources",
            R"({"name": "x", "csv": "a\n1\n", "fields": [{"name": "A B"}]})", 400,
            "fields[0].name"},
           {"/api/v1/dataspace/pipelines", R"({"name": "p", "source_id": "src_x"})", 404,
            "source_id"},
           {"/api/v1/dataspace/products", R"({"run_id": "run_x", "title": "t"})", 404, "run_id"},
           {"/api/v1/dataspace/products",
            R"({"run_id": "run_x", "title": "t", "update_frequency": "hourly"})", 400,
            "update_frequency"},
           {"/api/v1/dataspace/offers", R"({"product_id": "p", "title": "t"})", 400, "policy"},
       }) {
    auto a = Call(*client_, "POST", c.path, holder_, c.body);
    EXPECT_EQ(a.status, c.status) << c.body << ": " << a.raw;
    EXPECT_NE(a.body["error"]["message"].get<std::string>().find(c.message), std::string::npos)
        << a.raw;
  }
  EXPECT_EQ(sources(), 0u);
  // A file in the organisation's import folder (where large files go) works.
  const std::string org = Call(*client_, "GET", "/api/v1/whoami", holder_).body["org"]["id"];
  std::filesystem::create_directories(dir_.File("import/" + org));
  std::ofstream(dir_.File("import/" + org + "/small.csv")) << "a,b\n1,2\n";
  auto ok = Call(*client_, "POST", "/api/v1/dataspace/sources", holder_,
                 R"({"name": "导入", "file": "small.csv"})");
  EXPECT_EQ(ok.status, 201) << ok.raw;
  EXPECT_EQ(sources(), 1u);
  // An unknown policy term is refused when the offer is defined.
  std::string offer = PublishPeople();
  json bad = json::parse(kPolicy);
  bad["permission"][0]["action"] = "download";
  auto a = Call(*client_, "POST", "/api/v1/dataspace/offers", holder_,
                json{{"product_id", product_}, {"title", "x"}, {"policy", bad}}.dump());
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.raw.find("permission[0].action"), std::string::npos);
  // Banks may see the offer but not negotiate it.
  auto b = Call(*client_, "POST", "/api/v1/dataspace/offers/" + offer + "/contracts", bank_);
  EXPECT_EQ(b.status, 403) << b.raw;
  auto q = Call(*client_, "POST", "/api/v1/dataspace/contracts/ctr_x/queries", enterprise_,
                R"({"sql": "SELECT COUNT(*) FROM data", "purpose": "research", "epsilon": -1})");
  EXPECT_EQ(q.status, 400);
  EXPECT_NE(q.raw.find("epsilon"), std::string::npos);
}

}  // namespace
}  // namespace qt::testing
