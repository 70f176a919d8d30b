// ECDH-PSI through the real server and CLI: the provider's node serves the
// session, the consumer's CLI holds its own items; the contract decides what
// the consumer may learn; bad messages are refused and change nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/integration/api_test.h"
#include "tests/integration/test_codes.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

using nlohmann::json;

std::string Phone(int i) { return "139" + std::to_string(10000000 + i); }

class PsiApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    diagnostics_ = NewOrg("杭州某医学检验有限公司", "data_holder", 601);
    ai_ = NewOrg("杭州某人工智能有限公司", "data_holder", 602);
  }

  // A product of `rows` customers (phone, district) owned by `token`.
  std::string Product(const std::string& token, int from, int to) {
    std::string csv = "phone,district\n";
    for (int i = from; i < to; ++i) csv += Phone(i) + ",西湖区\n";
    auto src = Call(*client_, "POST", "/api/v1/dataspace/sources", token,
                    json{{"name", "客户"}, {"csv", csv}}.dump());
    auto pipe =
        Call(*client_, "POST", "/api/v1/dataspace/pipelines", token,
             json{{"name", "p"}, {"source_id", src.body["id"]}, {"spec", json::parse(R"({"output": [
                            {"name": "phone", "sensitivity": "identifying", "mask": "mobile"},
                            {"name": "district"}]})")}}
                 .dump());
    auto run =
        Call(*client_, "POST",
             "/api/v1/dataspace/pipelines/" + pipe.body["id"].get<std::string>() + "/runs", token);
    auto product = Call(*client_, "POST", "/api/v1/dataspace/products", token,
                        json{{"run_id", run.body["id"]}, {"title", "客户名单"}}.dump());
    EXPECT_EQ(product.status, 201) << product.raw;
    return product.body["id"];
  }

  // The start of a two-item intersection session `id` on the phone column.
  static json StartBody(const std::string& contract, const std::string& id) {
    return {{"session_id", id}, {"contract_id", contract},  {"column", "phone"},
            {"client_size", 2}, {"output", "intersection"}, {"purpose", "p"}};
  }

  // A finalized contract on `product` whose psi permission allows `outputs`
  // (the intersection on the identifying phone explicitly, when allowed).
  std::string Contract(const std::string& product, const std::vector<std::string>& outputs) {
    json constraints = {
        {{"leftOperand", "psiOutput"}, {"operator", "isAnyOf"}, {"rightOperand", outputs}},
        {{"leftOperand", "field"}, {"operator", "isAnyOf"}, {"rightOperand", {"phone"}}},
        {{"leftOperand", "count"}, {"operator", "lteq"}, {"rightOperand", 4}}};
    if (std::find(outputs.begin(), outputs.end(), "intersection") != outputs.end()) {
      constraints.push_back({{"leftOperand", "psiIntersectionField"},
                             {"operator", "isAnyOf"},
                             {"rightOperand", {"phone"}}});
    }
    json policy = {{"permission", {{{"action", "psi"}, {"constraint", constraints}}}}};
    auto offer = Call(*client_, "POST", "/api/v1/dataspace/offers", diagnostics_,
                      json{{"product_id", product}, {"title", "求交"}, {"policy", policy}}.dump());
    EXPECT_EQ(offer.status, 201) << offer.raw;
    auto c =
        Call(*client_, "POST",
             "/api/v1/dataspace/offers/" + offer.body["id"].get<std::string>() + "/contracts", ai_);
    std::string id = c.body["id"];
    for (auto [verb, token] : {std::pair{"offer", diagnostics_},
                               {"accept", ai_},
                               {"agree", diagnostics_},
                               {"verify", ai_},
                               {"finalize", diagnostics_}}) {
      EXPECT_EQ(
          Call(*client_, "POST", "/api/v1/dataspace/contracts/" + id + "/" + verb, token).status,
          200);
    }
    return id;
  }

  std::string diagnostics_, ai_;
};

TEST_F(PsiApiTest, TheConsumerLearnsWhatTheContractAllowsAndNothingMore) {
  std::string product = Product(diagnostics_, 0, 2000);  // phones 0..1999
  std::string input = dir_.File("mine.csv");
  {
    std::ofstream out(input);
    out << "mobile\n";
    for (int i = 1700; i < 2700; ++i) out << Phone(i) << "\n";  // 300 shared
    out << Phone(1800) << "\n";                                 // a duplicate
  }
  std::string both = Contract(product, {"intersection", "size"});
  auto r = server_->Cli({"--json", "psi", "run", both, "--column", "phone", "--input", input,
                         "--output", "intersection", "--purpose", "客户核验"},
                        ai_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json result = json::parse(r.out);
  EXPECT_EQ(result["client_size"], 1000);
  EXPECT_EQ(result["server_size"], 2000);
  EXPECT_EQ(result["intersection_size"], 300);
  ASSERT_EQ(result["intersection"].size(), 300u);
  EXPECT_EQ(result["intersection"][0], Phone(1700));

  std::string size_only = Contract(product, {"size"});
  auto refused = server_->Cli({"psi", "run", size_only, "--column", "phone", "--input", input,
                               "--output", "intersection", "--purpose", "p"},
                              ai_);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("constraint psiOutput isAnyOf [size]"), std::string::npos)
      << refused.err;
  auto sized = server_->Cli({"--json", "psi", "run", size_only, "--column", "phone", "--input",
                             input, "--output", "size", "--purpose", "p"},
                            ai_);
  ASSERT_EQ(sized.exit_code, 0) << sized.err;
  EXPECT_EQ(json::parse(sized.out)["intersection_size"], 300);
  EXPECT_EQ(json::parse(sized.out).count("intersection"), 0u);

  // Within one node: the AI company's own product against the contract's.
  std::string own = Product(ai_, 1950, 2050);
  auto local = Call(*client_, "POST", "/api/v1/privacy/psi/local", ai_,
                    json{{"contract_id", both},
                         {"column", "phone"},
                         {"output", "size"},
                         {"purpose", "p"},
                         {"product_id", own},
                         {"product_column", "phone"}}
                        .dump());
  ASSERT_EQ(local.status, 200) << local.raw;
  EXPECT_EQ(local.body["intersection_size"], 50);
  // Each session was one metered use; sizes are on the ledger, items are not.
  auto uses = Call(*client_, "GET", "/api/v1/dataspace/contracts/" + both + "/usage", diagnostics_);
  EXPECT_EQ(uses.body["items"].size(), 2u);
  EXPECT_EQ(uses.raw.find(Phone(1700)), std::string::npos);
}

TEST_F(PsiApiTest, BadMessagesAreRefusedAndChangeNothing) {
  std::string product = Product(diagnostics_, 0, 100);
  std::string contract = Contract(product, {"intersection"});
  const std::string id = "0123456789abcdef0123456789abcdef";
  json start = StartBody(contract, id);
  for (auto [field, value, message] : std::vector<std::tuple<std::string, json, std::string>>{
           {"session_id", "short", "session_id"},
           {"session_id", "0123456789ABCDEF0123456789ABCDEF", "session_id"},
           {"output", "size", "constraint psiOutput"},
           {"column", "district", "constraint field"},
           {"column", "nope", "no field"},
           {"client_size", -1, "client_size"}}) {
    json body = start;
    body[field] = value;
    auto a = Call(*client_, "POST", "/api/v1/privacy/psi/sessions", ai_, body.dump());
    EXPECT_TRUE(a.status == 400 || a.status == 403) << field << ": " << a.raw;
    EXPECT_NE(a.raw.find(message), std::string::npos) << a.raw;
  }
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/dataspace/contracts/" + contract + "/usage", ai_)
                .body["items"]
                .size(),
            0u);
  auto ok = Call(*client_, "POST", "/api/v1/privacy/psi/sessions", ai_, start.dump());
  ASSERT_EQ(ok.status, 201) << ok.raw;
  auto again = Call(*client_, "POST", "/api/v1/privacy/psi/sessions", ai_, start.dump());
  EXPECT_EQ(again.status, 409);
  EXPECT_NE(again.raw.find("used before"), std::string::npos);
  const std::string base = "/api/v1/privacy/psi/sessions/" + id;
  // Not a point: 32 bytes of 0xff (non-canonical); the identity; a torn point.
  std::string bad(32, '\xff');
  auto b64 = [](const std::string& bytes) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
      uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
      for (int k = 18; k >= 0; k -= 6) out += t[(n >> k) & 63];
    }
    if (i + 1 == bytes.size()) {
      uint32_t n = uint8_t(bytes[i]) << 16;
      out += t[(n >> 18) & 63];
      out += t[(n >> 12) & 63];
      out += "==";
    } else if (i + 2 == bytes.size()) {
      uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
      out += t[(n >> 18) & 63];
      out += t[(n >> 12) & 63];
      out += t[(n >> 6) & 63];
      out += '=';
    }
    return out;
  };
  for (const std::string& bytes : {bad, std::string(32, '\0'), std::string(31, 'a')}) {
    auto a = Call(*client_, "POST", base + "/client/0", ai_, json{{"points", b64(bytes)}}.dump());
    EXPECT_EQ(a.status, 400) << a.raw;
  }
  // The provider cannot drive the consumer's session; a stranger cannot see it.
  EXPECT_EQ(Call(*client_, "GET", base + "/server/0", diagnostics_).status, 404);
  auto stranger = NewOrgToken(*client_, op_, "路人", "enterprise", 603);
  EXPECT_EQ(Call(*client_, "GET", base, stranger).status, 404);
  // A party that stops: the session stays open, then finishing it records the sizes.
  EXPECT_EQ(Call(*client_, "GET", base, ai_).body["state"], "open");
  auto fin = Call(*client_, "POST", base + "/finish", ai_);
  EXPECT_EQ(fin.body["state"], "finished");
  EXPECT_EQ(Call(*client_, "GET", base + "/server/0", ai_).status, 404);
}

// A session lives only while its contract is in force (it once went on
// answering after the contract was terminated).
TEST_F(PsiApiTest, ASessionEndsWhenItsContractIsTerminated) {
  std::string product = Product(diagnostics_, 0, 100);
  std::string contract = Contract(product, {"intersection"});
  const std::string id = "fedcba9876543210fedcba9876543210";
  json start = StartBody(contract, id);
  ASSERT_EQ(Call(*client_, "POST", "/api/v1/privacy/psi/sessions", ai_, start.dump()).status, 201);
  const std::string base = "/api/v1/privacy/psi/sessions/" + id;
  ASSERT_EQ(Call(*client_, "GET", base + "/server/0", ai_).status, 200);
  auto ended = Call(*client_, "POST", "/api/v1/dataspace/contracts/" + contract + "/terminate",
                    diagnostics_, json{{"reason", "停止供应"}}.dump());
  ASSERT_EQ(ended.status, 200) << ended.raw;
  auto after = Call(*client_, "GET", base + "/server/1", ai_);
  EXPECT_EQ(after.status, 409) << after.raw;
  EXPECT_NE(after.raw.find("no longer in force"), std::string::npos) << after.raw;
  EXPECT_EQ(Call(*client_, "POST", base + "/size", ai_).status, 404);  // closed for good
  EXPECT_EQ(Call(*client_, "GET", base, ai_).body["state"], "abandoned");
}

TEST_F(PsiApiTest, ADeliveryReachesOnlyItsRecipientAndALeakNamesIt) {
  // The diagnostics company's exam records, with fingerprintable fields.
  std::string csv = "patient,exam,age,fee_fen\n";
  for (int i = 0; i < 400; ++i) {
    csv += "P" + std::to_string(i) + "," + (i % 2 ? "CT" : "MR") + "," +
           std::to_string(20 + i % 60) + "," + std::to_string(20000 + i * 13) + "\n";
  }
  auto src = Call(*client_, "POST", "/api/v1/dataspace/sources", diagnostics_,
                  json{{"name", "检验记录"}, {"csv", csv}}.dump());
  auto pipe =
      Call(*client_, "POST", "/api/v1/dataspace/pipelines", diagnostics_,
           json{{"name", "p"}, {"source_id", src.body["id"]}, {"spec", json::parse(R"({"output": [
                          {"name": "patient", "sensitivity": "identifying"}, {"name": "exam"},
                          {"name": "age", "type": "integer", "min": 0, "max": 120, "fingerprint": true},
                          {"name": "fee_fen", "type": "integer", "min": 0, "max": 10000000, "fingerprint": true}]})")}}
               .dump());
  auto run = Call(*client_, "POST",
                  "/api/v1/dataspace/pipelines/" + pipe.body["id"].get<std::string>() + "/runs",
                  diagnostics_);
  auto product = Call(*client_, "POST", "/api/v1/dataspace/products", diagnostics_,
                      json{{"run_id", run.body["id"]}, {"title", "检验记录"}}.dump());
  ASSERT_EQ(product.status, 201) << product.raw;
  std::string product_id = product.body["id"];
  json policy = json::parse(R"({"permission": [{"action": "delivery", "constraint": [
      {"leftOperand": "field", "operator": "isAnyOf", "rightOperand": ["patient", "exam", "age", "fee_fen"]}]}]})");
  auto offer = Call(*client_, "POST", "/api/v1/dataspace/offers", diagnostics_,
                    json{{"product_id", product_id}, {"title", "交付"}, {"policy", policy}}.dump());
  ASSERT_EQ(offer.status, 201) << offer.raw;
  std::string third = NewOrgToken(*client_, op_, "另一家企业", "enterprise", 604);
  auto contract_for = [&](const std::string& consumer) {
    auto c = Call(*client_, "POST",
                  "/api/v1/dataspace/offers/" + offer.body["id"].get<std::string>() + "/contracts",
                  consumer);
    std::string id = c.body["id"];
    for (auto [verb, token] : {std::pair{"offer", diagnostics_},
                               {"accept", consumer},
                               {"agree", diagnostics_},
                               {"verify", consumer},
                               {"finalize", diagnostics_}}) {
      EXPECT_EQ(
          Call(*client_, "POST", "/api/v1/dataspace/contracts/" + id + "/" + verb, token).status,
          200);
    }
    return id;
  };
  std::map<std::string, std::string> csvs;
  std::string ai_file;
  for (const std::string& who : {ai_, third}) {
    std::string contract = contract_for(who);
    auto req =
        server_->Cli({"--json", "delivery", "request", contract, "--purpose", "模型训练"}, who);
    ASSERT_EQ(req.exit_code, 0) << req.err;
    std::string id = json::parse(req.out)["id"];
    std::string file = dir_.File(id + ".qtd");
    ASSERT_EQ(server_->Cli({"delivery", "fetch", id, "--out", file}, who).exit_code, 0);
    std::string out = dir_.File(id + ".csv");
    auto opened = server_->Cli({"delivery", "open", file, "--out", out}, who);
    ASSERT_EQ(opened.exit_code, 0) << opened.err;
    std::ifstream in(out);
    csvs[who] = std::string(std::istreambuf_iterator<char>(in), {});
    if (who == ai_) ai_file = file;
  }
  EXPECT_NE(csvs[ai_], csvs[third]);
  // Each recipient lists its own delivery, the holder both, paged with a total.
  for (const std::string& who : {ai_, third}) {
    auto mine = Call(*client_, "GET", "/api/v1/privacy/deliveries", who);
    EXPECT_EQ(mine.body["total"], 1) << mine.raw;
  }
  auto first = Call(*client_, "GET", "/api/v1/privacy/deliveries?limit=1", diagnostics_);
  ASSERT_EQ(first.body["items"].size(), 1u) << first.raw;
  EXPECT_EQ(first.body["total"], 2);
  auto second = Call(
      *client_, "GET",
      "/api/v1/privacy/deliveries?limit=1&cursor=" + first.body["next_cursor"].get<std::string>(),
      diagnostics_);
  ASSERT_EQ(second.body["items"].size(), 1u) << second.raw;
  EXPECT_NE(second.body["items"][0]["id"], first.body["items"][0]["id"]);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/privacy/deliveries?cursor=nope", ai_).status, 400);
  auto listed = server_->Cli({"delivery", "list"}, diagnostics_);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("(2 in all)"), std::string::npos) << listed.out;
  // The other company cannot open the AI company's copy; a changed byte fails.
  auto foreign = server_->Cli({"delivery", "open", ai_file}, third);
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_NE(foreign.err.find("another organisation"), std::string::npos) << foreign.err;
  {
    std::ifstream in(ai_file, std::ios::binary);
    std::string bytes(std::istreambuf_iterator<char>(in), {});
    bytes[bytes.size() - 10] ^= 1;
    std::ofstream(ai_file, std::ios::binary) << bytes;
  }
  auto tampered = server_->Cli({"delivery", "open", ai_file}, ai_);
  EXPECT_EQ(tampered.exit_code, 1);
  EXPECT_NE(tampered.err.find("altered"), std::string::npos) << tampered.err;

  // The AI company's copy leaks, reordered, cut to a quarter, without the fee column.
  std::vector<std::string> lines;
  {
    std::istringstream in(csvs[ai_]);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) lines.push_back(line);
  }
  std::reverse(lines.begin(), lines.end());
  std::string leak = "patient,exam,age\r\n";
  for (size_t i = 0; i < lines.size(); i += 4) {
    leak += lines[i].substr(0, lines[i].rfind(',')) + "\r\n";
  }
  std::string leak_file = dir_.File("leak.csv");
  std::ofstream(leak_file) << leak;
  auto traced = server_->Cli({"--json", "delivery", "trace", leak_file, "--product", product_id},
                             diagnostics_);
  ASSERT_EQ(traced.exit_code, 0) << traced.err;
  json t = json::parse(traced.out);
  auto ai_org = Call(*client_, "GET", "/api/v1/whoami", ai_).body["org"]["id"];
  EXPECT_EQ(t["traced"], true) << traced.out;
  EXPECT_EQ(t["recipient_id"], ai_org);
  EXPECT_GT(t["confidence"].get<double>(), 0.999999);
  // Only the holder traces; a contract without delivery refuses it.
  EXPECT_EQ(server_->Cli({"delivery", "trace", leak_file, "--product", product_id}, ai_).exit_code,
            1);
  std::string psi_only = Contract(Product(diagnostics_, 0, 50), {"size"});
  auto refused = server_->Cli({"delivery", "request", psi_only, "--purpose", "x"}, ai_);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("does not permit delivery"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace qt::testing
