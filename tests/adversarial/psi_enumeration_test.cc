// Attacks on PSI (docs/privacy/README.md, "Limits against enumeration"): a
// consumer with a PSI contract on an identifying column (phone numbers) tries
// to learn a masked number `137****0000` by sending every candidate of the
// prefix — 10,000 guesses — as its set, by splitting the guesses over many
// sessions, and by sending more points than it announced. The contract's
// limits hold: intersection output on an identifying field needs the holder's
// explicit permission (psiIntersectionField) and then at most 1,000 items per
// session; otherwise only the size comes back; sessions per day are capped;
// a session takes no more points than its client_size; a size-only session
// tells one number however its client blinds. Refusals name the limit.
#include <gtest/gtest.h>
#include <sodium.h>

#include <fstream>

#include "crypto/encoding.h"
#include "privacy/psi.h"
#include "privacy/ristretto.h"
#include "tests/integration/api_test.h"
#include "tests/support/status_matchers.h"

namespace qt::testing {
namespace {

using nlohmann::json;

constexpr const char* kCanary = "13712340000";  // shown masked as 137****0000

class PsiEnumeration : public ApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    holder_ = NewOrg("杭州某医学检验有限公司", "data_holder", 801);
    consumer_ = NewOrg("杭州某营销有限公司", "data_holder", 802);
    // 2,000 customers, the canary among them.
    std::string csv = "phone,district\n";
    csv += std::string(kCanary) + ",西湖区\n";
    for (int i = 0; i < 1999; ++i) csv += "139" + std::to_string(10000000 + i) + ",上城区\n";
    auto src = Call(*client_, "POST", "/api/v1/dataspace/sources", holder_,
                    json{{"name", "客户"}, {"csv", csv}}.dump());
    auto pipe =
        Call(*client_, "POST", "/api/v1/dataspace/pipelines", holder_,
             json{{"name", "p"}, {"source_id", src.body["id"]}, {"spec", json::parse(R"({"output": [
                    {"name": "phone", "sensitivity": "identifying", "mask": "mobile"},
                    {"name": "district"}]})")}}
                 .dump());
    auto run = Call(*client_, "POST",
                    "/api/v1/dataspace/pipelines/" + pipe.body["id"].get<std::string>() + "/runs",
                    holder_);
    auto product = Call(*client_, "POST", "/api/v1/dataspace/products", holder_,
                        json{{"run_id", run.body["id"]}, {"title", "客户名单"}}.dump());
    ASSERT_EQ(product.status, 201) << product.raw;
    product_ = product.body["id"];
    // The guesses: every 137XXXX0000.
    guesses_ = dir_.File("guesses.csv");
    std::ofstream out(guesses_);
    out << "phone\n";
    for (int i = 0; i < 10000; ++i) {
      out << "137" << std::to_string(10000 + i).substr(1) << "0000\n";
    }
  }

  // A finalized contract whose psi permission has `extra` constraints besides
  // psiOutput [intersection, size] and field `fields`.
  std::string Contract(const json& extra, const json& fields = {"phone"}) {
    json constraints = {
        {{"leftOperand", "psiOutput"},
         {"operator", "isAnyOf"},
         {"rightOperand", {"intersection", "size"}}},
        {{"leftOperand", "field"}, {"operator", "isAnyOf"}, {"rightOperand", fields}}};
    for (const json& c : extra) constraints.push_back(c);
    json policy = {{"permission", {{{"action", "psi"}, {"constraint", constraints}}}}};
    auto offer = Call(*client_, "POST", "/api/v1/dataspace/offers", holder_,
                      json{{"product_id", product_}, {"title", "求交"}, {"policy", policy}}.dump());
    EXPECT_EQ(offer.status, 201) << offer.raw;
    if (offer.status != 201) return "";
    auto c = Call(*client_, "POST",
                  "/api/v1/dataspace/offers/" + offer.body["id"].get<std::string>() + "/contracts",
                  consumer_);
    std::string id = c.body["id"];
    for (auto [verb, token] : {std::pair{"offer", holder_},
                               {"accept", consumer_},
                               {"agree", holder_},
                               {"verify", consumer_},
                               {"finalize", holder_}}) {
      EXPECT_EQ(
          Call(*client_, "POST", "/api/v1/dataspace/contracts/" + id + "/" + verb, token).status,
          200);
    }
    return id;
  }

  CommandResult Psi(const std::string& contract, const std::string& output,
                    const std::string& input) {
    return server_->Cli({"--json", "psi", "run", contract, "--column", "phone", "--input", input,
                         "--output", output, "--purpose", "营销"},
                        consumer_);
  }
  HttpAnswer Start(const std::string& contract, const std::string& output, int64_t client_size,
                   int n, const std::string& column = "phone") {
    char id[33];
    std::snprintf(id, sizeof id, "%032x", n);
    return Call(*client_, "POST", "/api/v1/privacy/psi/sessions", consumer_,
                json{{"session_id", id},
                     {"contract_id", contract},
                     {"column", column},
                     {"client_size", client_size},
                     {"output", output},
                     {"purpose", "营销"}}
                    .dump());
  }
  size_t Uses(const std::string& contract) {
    return Call(*client_, "GET", "/api/v1/dataspace/contracts/" + contract + "/usage", holder_)
        .body["items"]
        .size();
  }

  std::string holder_, consumer_, product_, guesses_;
};

TEST_F(PsiEnumeration, TenThousandGuessesOfAPrefixReturnTheSizeOnly) {
  // The holder allowed "intersection" on phone, but named no identifying
  // field for it: intersection output on phone is refused, size is given.
  const std::string contract = Contract(json::array());
  auto r = Psi(contract, "intersection", guesses_);
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find(kCanary), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("psiIntersectionField"), std::string::npos) << r.err;
  auto api = Start(contract, "intersection", 10000, 1);
  EXPECT_EQ(api.status, 403) << api.raw;
  EXPECT_NE(api.raw.find("size only"), std::string::npos) << api.raw;
  EXPECT_EQ(Uses(contract), 0u);

  auto sized = Psi(contract, "size", guesses_);
  ASSERT_EQ(sized.exit_code, 0) << sized.err;
  json result = json::parse(sized.out);
  EXPECT_EQ(result["intersection_size"], 1);
  EXPECT_EQ(result.count("intersection"), 0u);
  EXPECT_EQ(sized.out.find(kCanary), std::string::npos);
  EXPECT_EQ(Uses(contract), 1u);

  // No psiClientSize in the contract: at most 100,000 items per session.
  auto big = Start(contract, "size", 100001, 2);
  EXPECT_EQ(big.status, 403) << big.raw;
  EXPECT_NE(big.raw.find("100000"), std::string::npos) << big.raw;
  EXPECT_EQ(Uses(contract), 1u);
}

TEST_F(PsiEnumeration, ExplicitIntersectionIsCappedAndSessionsPerDayAreCounted) {
  const std::string contract = Contract(json::array(
      {{{"leftOperand", "psiIntersectionField"},
        {"operator", "isAnyOf"},
        {"rightOperand", {"phone"}}},
       {{"leftOperand", "psiSessionsPerDay"}, {"operator", "lteq"}, {"rightOperand", 3}}}));
  ASSERT_FALSE(contract.empty());
  // 10,000 guesses at once: over the 1,000 items intersection output allows.
  auto all = Psi(contract, "intersection", guesses_);
  EXPECT_NE(all.exit_code, 0) << all.out;
  EXPECT_NE(all.err.find("1000"), std::string::npos) << all.err;
  EXPECT_EQ(all.out.find(kCanary), std::string::npos);
  EXPECT_EQ(Uses(contract), 0u);
  // Split into slices of 1,000: the day's 3 sessions pass, the 4th is refused.
  int refused = 0;
  for (int slice = 0; slice < 10; ++slice) {
    const std::string path = dir_.File("slice" + std::to_string(slice) + ".csv");
    {
      std::ofstream out(path);
      out << "phone\n";
      for (int i = slice * 1000; i < (slice + 1) * 1000; ++i) {
        out << "137" << std::to_string(10000 + i).substr(1) << "0000\n";
      }
    }
    auto r = Psi(contract, "intersection", path);
    if (slice < 3) {
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(json::parse(r.out)["client_size"], 1000);
    } else {
      EXPECT_NE(r.exit_code, 0);
      EXPECT_NE(r.err.find("3 PSI sessions per day"), std::string::npos) << r.err;
      EXPECT_EQ(r.out.find(kCanary), std::string::npos);
      ++refused;
    }
  }
  EXPECT_EQ(refused, 7);
  EXPECT_EQ(Uses(contract), 3u);
  // The sessions page newest first, for both parties, with their total.
  const std::string sessions = "/api/v1/privacy/psi/sessions";
  for (const std::string& party : {consumer_, holder_}) {
    auto first = Call(*client_, "GET", sessions + "?limit=2", party);
    ASSERT_EQ(first.status, 200) << first.raw;
    EXPECT_EQ(first.body["total"], 3);
    ASSERT_EQ(first.body["items"].size(), 2u);
    EXPECT_GE(first.body["items"][0]["created_at"], first.body["items"][1]["created_at"]);
    auto rest =
        Call(*client_, "GET",
             sessions + "?limit=2&cursor=" + first.body["next_cursor"].get<std::string>(), party);
    ASSERT_EQ(rest.body["items"].size(), 1u) << rest.raw;
    EXPECT_TRUE(rest.body["next_cursor"].is_null());
    for (const json& seen : first.body["items"]) EXPECT_NE(seen["id"], rest.body["items"][0]["id"]);
  }
  for (const char* bad :
       {"nope", "1.", ".0123", "12x.00000000000000000000000000000001",
        "-1.00000000000000000000000000000001", "1.0000000000000000000000000000000G"}) {
    EXPECT_EQ(Call(*client_, "GET", sessions + "?cursor=" + bad, consumer_).status, 400) << bad;
  }
  auto listed = server_->Cli({"psi", "list", "--limit", "2"}, consumer_);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("(3 in all)"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("(more: --cursor "), std::string::npos) << listed.out;
  auto api = Start(contract, "size", 10, 99);
  EXPECT_EQ(api.status, 429) << api.raw;
  EXPECT_NE(api.raw.find("3 PSI sessions per day"), std::string::npos) << api.raw;
  // A second contract on the same product buys no more sessions today.
  const std::string again = Contract(json::array(
      {{{"leftOperand", "psiSessionsPerDay"}, {"operator", "lteq"}, {"rightOperand", 3}}}));
  auto second = Start(again, "size", 10, 100);
  EXPECT_EQ(second.status, 429) << second.raw;
  EXPECT_EQ(Uses(again), 0u);
}

TEST_F(PsiEnumeration, ASessionTakesNoMorePointsThanItsClientSize) {
  // On a column that is not protected, so that only client_size limits the guesses.
  const std::string contract = Contract(json::array(), {"phone", "district"});
  ASSERT_FALSE(contract.empty());
  auto s = Start(contract, "intersection", 1, 7, "district");
  ASSERT_EQ(s.status, 201) << s.raw;
  const std::string base = "/api/v1/privacy/psi/sessions/" + s.body["id"].get<std::string>();
  auto points = [](int n) {
    std::vector<uint8_t> bytes(static_cast<size_t>(n) * crypto_core_ristretto255_BYTES);
    for (int i = 0; i < n; ++i) crypto_core_ristretto255_random(bytes.data() + i * 32);
    return json{{"points", crypto::Base64Encode(bytes)}}.dump();
  };
  const std::string first = points(1);
  auto a = Call(*client_, "POST", base + "/client/0", consumer_, first);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["count"], 1);
  // Resending the same batch is a retry and is answered the same.
  auto retry = Call(*client_, "POST", base + "/client/0", consumer_, first);
  EXPECT_EQ(retry.status, 200) << retry.raw;
  EXPECT_EQ(retry.body["points"], a.body["points"]);
  // Other points under the same index, or a further batch: over the announced size.
  for (const auto& [path, body] :
       std::vector<std::pair<std::string, std::string>>{{base + "/client/0", points(1)},
                                                        {base + "/client/1", points(1000)},
                                                        {base + "/client/0", points(1000)}}) {
    auto over = Call(*client_, "POST", path, consumer_, body);
    EXPECT_EQ(over.status, 400) << path << ": " << over.raw;
    EXPECT_EQ(over.body.value("count", 0), 0) << over.raw;
  }
}

// The attack an outside review made work: a size-only session whose client
// blinds each guess with its own scalar. When the server sent the doubly
// blinded points back (shuffled), the client unblinded each against every
// scalar and told exactly which guesses were members. Now the server keeps
// them and tells one number per session, however the client blinds.
TEST_F(PsiEnumeration, BlindingEachGuessApartTellsOneNumberPerSession) {
  const std::string contract = Contract(json::array());
  ASSERT_FALSE(contract.empty());
  auto s = Start(contract, "size", 3, 11);
  ASSERT_EQ(s.status, 201) << s.raw;
  const std::string id = s.body["id"];
  const std::string base = "/api/v1/privacy/psi/sessions/" + id;
  const std::vector<std::string> guesses = {kCanary, "13700000000", "13799990000"};
  std::vector<privacy::Scalar> scalars;
  std::vector<privacy::Point> blinded;
  for (const auto& g : guesses) {
    scalars.push_back(privacy::RandomScalar());
    blinded.push_back(*privacy::Multiply(scalars.back(), privacy::HashToPoint(id, g)));
  }
  auto encode = [](std::span<const privacy::Point> points) {
    return json{{"points", crypto::Base64Encode(privacy::PointBytes(points))}}.dump();
  };
  auto a = Call(*client_, "POST", base + "/client/0", consumer_, encode(blinded));
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["count"], 0);  // no D_i come back to be unblinded
  EXPECT_EQ(Call(*client_, "GET", base + "/shuffled/0", consumer_).status, 404);
  auto server = Call(*client_, "GET", base + "/server/0", consumer_);
  ASSERT_EQ(server.status, 200) << server.raw;
  auto bytes = crypto::Base64Decode(server.body["points"].get<std::string>());
  ASSERT_THAT(bytes, IsOk());
  auto theirs = privacy::PointsFromBytes(*bytes);
  ASSERT_THAT(theirs, IsOk());
  ASSERT_EQ(theirs->size(), 2000u);
  // The T for one guess at a time, each followed by the question.
  auto tally_for = [&](size_t guess) {
    std::vector<privacy::Point> t;
    for (const auto& p : *theirs) t.push_back(*privacy::Multiply(scalars[guess], p));
    return encode(t);
  };
  ASSERT_EQ(Call(*client_, "POST", base + "/tally/0", consumer_, tally_for(0)).status, 200);
  auto first = Call(*client_, "POST", base + "/size", consumer_);
  ASSERT_EQ(first.status, 200) << first.raw;
  EXPECT_EQ(first.body["intersection_size"], 1);  // what a session of the canary alone tells
  auto second = Call(*client_, "POST", base + "/tally/1", consumer_, tally_for(1));
  EXPECT_EQ(second.status, 409) << second.raw;
  EXPECT_EQ(Call(*client_, "POST", base + "/size", consumer_).body["intersection_size"], 1);
  // More T than the server has items is refused too.
  auto t2 = Start(contract, "size", 1, 12);
  ASSERT_EQ(t2.status, 201) << t2.raw;
  std::vector<privacy::Point> many(2001, blinded[0]);
  EXPECT_EQ(Call(*client_, "POST",
                 "/api/v1/privacy/psi/sessions/" + t2.body["id"].get<std::string>() + "/tally/0",
                 consumer_, encode(many))
                .status,
            400);
}

}  // namespace
}  // namespace qt::testing
