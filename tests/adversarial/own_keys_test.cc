// Attacks on "an organisation that holds its own key is signed for by nobody
// else" (docs/SECURITY.md), through the real binary and CLI: once a data
// holder and an enterprise register keys of their own, their agreements carry
// signatures only those keys made. The server refuses to sign for them; a
// token alone (a member's, an admin's, another organisation's) neither signs,
// nor registers a key for someone else, nor swaps a held key; a draft changed
// after signing, a stale draft and a signature by another key are refused.
// Every refusal changes nothing: the contract's state and the ledger's size
// are as before.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "accounts/model.h"
#include "core/clock.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "tests/adversarial/data_product.h"
#include "tests/adversarial/identity_adversary.h"

namespace qt::testing {
namespace {

using nlohmann::json;

std::string Sign(const crypto::SigningKey& key, const std::string& text) {
  return crypto::Base64Encode(crypto::Sign(key, crypto::AsBytes(text)));
}

// The body of POST /orgs/{org}/key for `key` as the organisation's
// `version`th key, its proof signed by `signer`.
std::string KeyBody(const std::string& org, const crypto::SigningKey& key,
                    const crypto::SigningKey& signer, int64_t version = 1) {
  return json{{"public_key", crypto::HexEncode(key.public_key)},
              {"proof", Sign(signer, accounts::OwnKeyProofMessage(org, version, key.public_key))}}
      .dump();
}

// The key in a file `orgs keygen` wrote.
crypto::SigningKey ReadKeyFileForTest(const std::string& path) {
  std::ifstream in(path);
  const json file = json::parse(in);
  auto seed = crypto::HexDecode(file["seed"].get<std::string>());
  EXPECT_TRUE(seed.ok() && seed->size() == 32);
  return crypto::SigningKeyFromSeed(std::span<const uint8_t, 32>(seed->data(), 32));
}

class OwnKeysTest : public DataProductTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DataProductTest::SetUp());
    holder_id_ = OrgIdOf(*client_, holder_);
    consumer_id_ = OrgIdOf(*client_, consumer_);
  }

  // `orgs keygen` and `orgs register-key` for the organisation of `token`.
  std::string HoldOwnKey(const std::string& token, const std::string& name) {
    std::string file = dir_.File(name);
    auto made = server_->Cli({"orgs", "keygen", "--out", file}, token);
    EXPECT_EQ(made.exit_code, 0) << made.err;
    auto registered = server_->Cli({"orgs", "register-key", "--key", file}, token);
    EXPECT_EQ(registered.exit_code, 0) << registered.err;
    EXPECT_NE(registered.out.find("now holds its own key"), std::string::npos) << registered.out;
    return file;
  }

  // A contract of the consumer on the offer, taken to ACCEPTED.
  std::string Accepted() {
    auto c = Call(*client_, "POST", "/api/v1/dataspace/offers/" + offer_ + "/contracts", consumer_);
    EXPECT_EQ(c.status, 201) << c.raw;
    std::string id = c.body.value("id", "");
    for (auto [verb, token] : {std::pair{"offer", holder_}, {"accept", consumer_}}) {
      auto r = Call(*client_, "POST", "/api/v1/dataspace/contracts/" + id + "/" + verb, token);
      EXPECT_EQ(r.status, 200) << verb << ": " << r.raw;
    }
    return id;
  }

  std::string State(const std::string& contract) {
    return Call(*client_, "GET", "/api/v1/dataspace/contracts/" + contract, holder_)
        .body.value("state", "");
  }

  std::string holder_id_, consumer_id_;
};

TEST_F(OwnKeysTest, PartiesHoldingTheirKeysSignTheirContractThemselves) {
  const std::string holder_key = HoldOwnKey(holder_, "holder.key");
  const std::string consumer_key = HoldOwnKey(consumer_, "consumer.key");
  auto shown = server_->Cli({"orgs", "show", holder_id_}, consumer_);
  EXPECT_NE(shown.out.find("key_custody: self"), std::string::npos) << shown.out;
  const std::string id = Accepted();

  // The server cannot sign for the provider, and the CLI does not sign with another key.
  auto unsigned_agree = server_->Cli({"dataspace", "contracts", "agree", id}, holder_);
  EXPECT_NE(unsigned_agree.exit_code, 0);
  EXPECT_NE(unsigned_agree.err.find("holds its own key"), std::string::npos) << unsigned_agree.err;
  auto wrong_key =
      server_->Cli({"dataspace", "contracts", "agree", id, "--key", consumer_key}, holder_);
  EXPECT_NE(wrong_key.exit_code, 0);
  EXPECT_NE(wrong_key.err.find("not signed"), std::string::npos) << wrong_key.err;
  EXPECT_EQ(State(id), "accepted");

  auto agreed = server_->Cli({"dataspace", "contracts", "agree", id, "--key", holder_key}, holder_);
  ASSERT_EQ(agreed.exit_code, 0) << agreed.err;
  auto unsigned_verify = server_->Cli({"dataspace", "contracts", "verify", id}, consumer_);
  EXPECT_NE(unsigned_verify.exit_code, 0);
  EXPECT_EQ(State(id), "agreed");
  auto verified =
      server_->Cli({"dataspace", "contracts", "verify", id, "--key", consumer_key}, consumer_);
  ASSERT_EQ(verified.exit_code, 0) << verified.err;
  ASSERT_EQ(server_->Cli({"dataspace", "contracts", "finalize", id}, holder_).exit_code, 0);

  // Offline, the agreement says who held each key when it was signed.
  auto exported = server_->Cli({"--json", "dataspace", "contracts", "show", id}, consumer_);
  ASSERT_EQ(exported.exit_code, 0);
  std::string file = dir_.File("contract.json");
  std::ofstream(file) << exported.out;
  auto offline = RunCommand({QiantangBinary(), "dataspace", "contracts", "verify-file", file});
  EXPECT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_NE(offline.out.find("(key held by self) and consumer"), std::string::npos) << offline.out;

  // A receipt for the provider's data is attested by the operator, and says so.
  auto q = server_->Cli({"--json", "dataspace", "query", id, "--sql",
                         "SELECT district, COUNT(*) FROM data GROUP BY district", "--purpose",
                         "research", "--epsilon", "1"},
                        consumer_);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::string answer = dir_.File("answer.json");
  std::ofstream(answer) << q.out;
  auto op = Call(*client_, "GET", "/api/v1/whoami", op_).body["org"];
  auto receipt = RunCommand({QiantangBinary(), "dataspace", "verify-receipt", answer, "--key",
                             op["public_key"].get<std::string>()});
  EXPECT_EQ(receipt.exit_code, 0) << receipt.err;
  EXPECT_NE(receipt.out.find("signed by " + op["id"].get<std::string>()), std::string::npos)
      << receipt.out;
  std::string holder_pk =
      Call(*client_, "GET", "/api/v1/orgs/" + holder_id_, op_).body["public_key"];
  EXPECT_NE(
      RunCommand({QiantangBinary(), "dataspace", "verify-receipt", answer, "--key", holder_pk})
          .exit_code,
      0);
}

TEST_F(OwnKeysTest, NoTokenRegistersAKeyForAnotherOrTakesOverAHeldKey) {
  crypto::SystemRandom random;
  const crypto::SigningKey mine = crypto::GenerateSigningKey(random);
  const crypto::SigningKey other = crypto::GenerateSigningKey(random);
  const std::string path = "/api/v1/orgs/" + holder_id_ + "/key";

  // A member who is not an admin.
  auto user = Call(*client_, "POST", "/api/v1/orgs/" + holder_id_ + "/users", holder_,
                   json{{"name", "clerk"}, {"role", "member"}}.dump());
  ASSERT_EQ(user.status, 201) << user.raw;
  auto token = Call(*client_, "POST", "/api/v1/tokens", holder_,
                    json{{"user_id", user.body["id"]}, {"label", "clerk"}}.dump());
  ASSERT_EQ(token.status, 201) << token.raw;
  const uint64_t ledger = LedgerSize(*client_, op_);
  EXPECT_EQ(
      Call(*client_, "POST", path, token.body["secret"], KeyBody(holder_id_, mine, mine)).status,
      403);
  // Another organisation's admin, for the holder.
  EXPECT_EQ(Call(*client_, "POST", path, consumer_, KeyBody(holder_id_, mine, mine)).status, 403);
  // A key whose holder never signed the registration.
  EXPECT_EQ(Call(*client_, "POST", path, holder_, KeyBody(holder_id_, mine, other)).status, 400);
  // A registration signed for another organisation, replayed.
  EXPECT_EQ(Call(*client_, "POST", path, holder_, KeyBody(consumer_id_, mine, mine)).status, 400);
  // Garbage names its field.
  auto bad =
      Call(*client_, "POST", path, holder_, json{{"public_key", "zz"}, {"proof", "%%"}}.dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.raw.find("public_key"), std::string::npos) << bad.raw;
  // The operator's key stays with the node.
  const std::string op_id = OrgIdOf(*client_, op_);
  EXPECT_EQ(
      Call(*client_, "POST", "/api/v1/orgs/" + op_id + "/key", op_, KeyBody(op_id, mine, mine))
          .status,
      409);
  EXPECT_EQ(LedgerSize(*client_, op_), ledger);

  // Once the holder holds a key, its admin token alone cannot swap it.
  ASSERT_EQ(Call(*client_, "POST", path, holder_, KeyBody(holder_id_, mine, mine)).status, 200);
  const uint64_t registered = LedgerSize(*client_, op_);
  EXPECT_EQ(registered, ledger + 1);
  auto swap = json::parse(KeyBody(holder_id_, other, other, 2));
  EXPECT_EQ(Call(*client_, "POST", path, holder_, swap.dump()).status, 403);
  swap["previous_key_proof"] =
      Sign(other, accounts::OwnKeyProofMessage(holder_id_, 2, other.public_key));
  EXPECT_EQ(Call(*client_, "POST", path, holder_, swap.dump()).status, 403);
  EXPECT_EQ(LedgerSize(*client_, op_), registered);
  swap["previous_key_proof"] =
      Sign(mine, accounts::OwnKeyProofMessage(holder_id_, 2, other.public_key));
  auto swapped = Call(*client_, "POST", path, holder_, swap.dump());
  EXPECT_EQ(swapped.status, 200) << swapped.raw;
  EXPECT_EQ(swapped.body["public_key"], crypto::HexEncode(other.public_key));
  EXPECT_EQ(swapped.body["key_version"], 2);

  // Back to the first key, with both keys' consent (registration 3); then a
  // stolen admin token replays registration 2's proofs, which the journal
  // shows anyone: refused, the first key stays.
  json back = json::parse(KeyBody(holder_id_, mine, mine, 3));
  back["previous_key_proof"] =
      Sign(other, accounts::OwnKeyProofMessage(holder_id_, 3, mine.public_key));
  ASSERT_EQ(Call(*client_, "POST", path, holder_, back.dump()).status, 200);
  auto replayed = Call(*client_, "POST", path, holder_, swap.dump());
  EXPECT_EQ(replayed.status, 400) << replayed.raw;
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/orgs/" + holder_id_, holder_).body["public_key"],
            crypto::HexEncode(mine.public_key));
}

TEST_F(OwnKeysTest, OnlyTheFreshDraftItselfSignedByTheProviderAgrees) {
  crypto::SystemRandom random;
  const crypto::SigningKey key = crypto::GenerateSigningKey(random);
  const crypto::SigningKey other = crypto::GenerateSigningKey(random);
  ASSERT_EQ(Call(*client_, "POST", "/api/v1/orgs/" + holder_id_ + "/key", holder_,
                 KeyBody(holder_id_, key, key))
                .status,
            200);
  const std::string id = Accepted();
  const std::string base = "/api/v1/dataspace/contracts/" + id;
  // Only the provider reads the draft.
  EXPECT_EQ(Call(*client_, "GET", base + "/agreement-draft", consumer_).status, 403);
  auto draft = Call(*client_, "GET", base + "/agreement-draft", holder_);
  ASSERT_EQ(draft.status, 200) << draft.raw;
  const std::string text = draft.body["agreement"];
  const uint64_t ledger = LedgerSize(*client_, op_);
  auto agree = [&](const std::string& agreement, const crypto::SigningKey& signer) {
    return Call(*client_, "POST", base + "/agree", holder_,
                json{{"agreement", agreement}, {"signature", Sign(signer, agreement)}}.dump());
  };

  // A draft changed after the server made it, though signed by the right key.
  json changed = json::parse(text);
  changed["product_sha256"] = std::string(64, '0');
  auto tampered = agree(changed.dump(), key);
  EXPECT_EQ(tampered.status, 400) << tampered.raw;
  EXPECT_NE(tampered.raw.find("not this contract's agreement"), std::string::npos);
  // A draft from an hour ago.
  json stale = json::parse(text);
  stale["agreed_at"] =
      FormatRfc3339(*ParseRfc3339(stale["agreed_at"].get<std::string>()) - int64_t{3600} * 1000);
  EXPECT_EQ(agree(stale.dump(), key).status, 400);
  // Dated in the future, or before the contract was accepted (each within
  // the 10 minutes): a draft never states what was not yet so.
  for (int64_t shift : {int64_t{5} * 60 * 1000, int64_t{-5} * 60 * 1000}) {
    json moved = json::parse(text);
    moved["agreed_at"] =
        FormatRfc3339(*ParseRfc3339(moved["agreed_at"].get<std::string>()) + shift);
    EXPECT_EQ(agree(moved.dump(), key).status, 400) << shift;
  }
  // The draft signed by another key, or by nobody.
  EXPECT_EQ(agree(text, other).status, 403);
  EXPECT_EQ(
      Call(*client_, "POST", base + "/agree", holder_, json{{"agreement", text}}.dump()).status,
      400);
  // The consumer cannot agree in the provider's place with the provider's draft.
  EXPECT_EQ(Call(*client_, "POST", base + "/agree", consumer_,
                 json{{"agreement", text}, {"signature", Sign(key, text)}}.dump())
                .status,
            403);
  EXPECT_EQ(State(id), "accepted");
  EXPECT_EQ(LedgerSize(*client_, op_), ledger);

  auto ok = agree(text, key);
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["agreement"], text);
  EXPECT_EQ(State(id), "agreed");
}

// The CLI signs only what it checked is the agreement it means to sign: a
// hostile server (or anyone answering at its URL) that sends other bytes as
// the "draft" or the "agreement" gets no signature, so it cannot collect the
// key's proof for a key registration of its choosing.
TEST_F(OwnKeysTest, TheCliSignsNothingButTheAgreementItMeans) {
  const std::string key_file = HoldOwnKey(holder_, "holder.key");
  const std::string consumer_key = HoldOwnKey(consumer_, "consumer.key");
  const std::string id = Accepted();
  crypto::SystemRandom random;
  const crypto::SigningKey evil = crypto::GenerateSigningKey(random);
  const std::string takeover = accounts::OwnKeyProofMessage(holder_id_, 2, evil.public_key);
  json draft = json::parse(
      Call(*client_, "GET", "/api/v1/dataspace/contracts/" + id + "/agreement-draft", holder_)
          .body["agreement"]
          .get<std::string>());
  json for_another = draft;
  for_another["contract_id"] = "ctr_another";
  json other_party = draft;
  for (const char* party : {"provider", "consumer"}) {
    other_party[party]["public_key"] = crypto::HexEncode(evil.public_key);
  }
  int posts = 0;
  std::string served;
  httplib::Server fake;
  fake.Get(R"(/api/v1/dataspace/contracts/.*)", [&](const httplib::Request&, httplib::Response& r) {
    r.set_content(json{{"agreement", served}, {"state", "agreed"}}.dump(), "application/json");
  });
  fake.Post(R"(/api/v1/.*)", [&](const httplib::Request&, httplib::Response& r) {
    ++posts;
    r.set_content("{}", "application/json");
  });
  const int port = fake.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { fake.listen_after_bind(); });
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  json extra = draft;
  extra["org"] = holder_id_;
  // Two contract_ids: this parser reads the last, others the first.
  const std::string twice = R"({"contract_id":"ctr_another",)" + draft.dump().substr(1);
  for (const std::string& bytes :
       {takeover, std::string("{}"), for_another.dump(), other_party.dump(), std::string("[1]"),
        extra.dump(), twice, draft.dump(2)}) {
    served = bytes;
    for (const auto& [verb, file] : {std::pair{"agree", key_file}, {"verify", consumer_key}}) {
      auto r = RunCommand({QiantangBinary(), "--server", url, "--token", "qt_x", "dataspace",
                           "contracts", verb, id, "--key", file});
      EXPECT_NE(r.exit_code, 0) << verb << " signed " << bytes;
      EXPECT_NE(r.err.find("not signed"), std::string::npos) << r.err;
    }
  }
  EXPECT_EQ(posts, 0);
  // The draft itself, as the server writes it, is signed and posted.
  served = draft.dump();
  auto signs = RunCommand({QiantangBinary(), "--server", url, "--token", "qt_x", "dataspace",
                           "contracts", "agree", id, "--key", key_file});
  EXPECT_EQ(signs.exit_code, 0) << signs.err;
  fake.stop();
  serving.join();
  EXPECT_EQ(posts, 1);
}

// A party whose key changed after the agreement was made cannot verify it
// with the new key: the agreement would name one key and carry another's
// signature, and fail offline.
TEST_F(OwnKeysTest, AKeyChangedAfterTheAgreementCannotVerifyIt) {
  const std::string id = Accepted();
  ASSERT_EQ(Call(*client_, "POST", "/api/v1/dataspace/contracts/" + id + "/agree", holder_).status,
            200);
  const std::string key_file = HoldOwnKey(consumer_, "consumer.key");
  auto verified =
      server_->Cli({"dataspace", "contracts", "verify", id, "--key", key_file}, consumer_);
  EXPECT_NE(verified.exit_code, 0);
  // The CLI refuses before the server: the agreement names the old key.
  EXPECT_NE(verified.err.find("not this key's holder"), std::string::npos) << verified.err;
  const crypto::SigningKey key = ReadKeyFileForTest(key_file);
  const std::string agreement =
      Call(*client_, "GET", "/api/v1/dataspace/contracts/" + id, consumer_).body["agreement"];
  auto direct = Call(*client_, "POST", "/api/v1/dataspace/contracts/" + id + "/verify", consumer_,
                     json{{"signature", Sign(key, agreement)}}.dump());
  EXPECT_EQ(direct.status, 409) << direct.raw;
  EXPECT_EQ(State(id), "agreed");
  // Registering the same key again changes nothing either.
  auto again = server_->Cli({"orgs", "register-key", "--key", key_file, "--previous-key", key_file},
                            consumer_);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("already"), std::string::npos) << again.err;
  // A key file is a small regular file: a device is refused, not read forever.
  auto device = server_->Cli({"orgs", "register-key", "--key", "/dev/zero"}, consumer_);
  EXPECT_NE(device.exit_code, 0);
}

TEST_F(OwnKeysTest, ADeliveryToAnOrganisationHoldingItsKeyOpensOnlyWhereTheKeyIs) {
  json policy = json::parse(R"({"permission": [{"action": "delivery", "constraint": [
      {"leftOperand": "field", "operator": "isAnyOf", "rightOperand": ["district", "age"]}]}]})");
  auto offer = Call(*client_, "POST", "/api/v1/dataspace/offers", holder_,
                    json{{"product_id", product_},
                         {"title", "交付"},
                         {"policy", policy},
                         {"negotiable_by", {{"kinds", {"enterprise"}}}}}
                        .dump());
  ASSERT_EQ(offer.status, 201) << offer.raw;
  const std::string contract = Contract(offer.body["id"], consumer_);
  const std::string key = HoldOwnKey(consumer_, "consumer.key");
  const std::string stranger_key = dir_.File("stranger.key");
  ASSERT_EQ(server_->Cli({"orgs", "keygen", "--out", stranger_key}, "").exit_code, 0);
  // keygen never overwrites a key file.
  EXPECT_NE(server_->Cli({"orgs", "keygen", "--out", key}, "").exit_code, 0);

  auto req =
      server_->Cli({"--json", "delivery", "request", contract, "--purpose", "research"}, consumer_);
  ASSERT_EQ(req.exit_code, 0) << req.err;
  const std::string id = json::parse(req.out)["id"];
  const std::string file = dir_.File("d.qtd");
  ASSERT_EQ(server_->Cli({"delivery", "fetch", id, "--out", file}, consumer_).exit_code, 0);
  const uint64_t ledger = LedgerSize(*client_, op_);

  // The node no longer holds the key that opens it; another key does not open it.
  auto on_node = server_->Cli({"delivery", "open", file}, consumer_);
  EXPECT_NE(on_node.exit_code, 0);
  EXPECT_NE(on_node.err.find("holds its own key"), std::string::npos) << on_node.err;
  EXPECT_NE(server_->Cli({"delivery", "open", file, "--key", stranger_key}, consumer_).exit_code,
            0);
  // A receipt the recipient did not sign, or from an organisation it is not addressed to.
  const std::string receipt_path = "/api/v1/privacy/deliveries/" + id + "/receipt";
  auto d = Call(*client_, "GET", "/api/v1/privacy/deliveries", consumer_).body["items"][0];
  const std::string receipt = json{{"type", "qiantang.privacy.delivery-receipt/v1"},
                                   {"delivery_id", id},
                                   {"contract_id", contract},
                                   {"recipient_id", consumer_id_},
                                   {"content_sha256", d["content_sha256"]},
                                   {"received_at", FormatRfc3339(SystemClock::Get().NowMillis())}}
                                  .dump();
  crypto::SystemRandom random;
  const crypto::SigningKey other = crypto::GenerateSigningKey(random);
  EXPECT_EQ(Call(*client_, "POST", receipt_path, consumer_,
                 json{{"receipt", receipt}, {"signature", Sign(other, receipt)}}.dump())
                .status,
            403);
  EXPECT_EQ(Call(*client_, "POST", receipt_path, holder_,
                 json{{"receipt", receipt}, {"signature", Sign(other, receipt)}}.dump())
                .status,
            404);
  EXPECT_EQ(LedgerSize(*client_, op_), ledger);

  const std::string csv = dir_.File("d.csv");
  auto opened = server_->Cli({"delivery", "open", file, "--key", key, "--out", csv}, consumer_);
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  std::ifstream in(csv);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "district,age");
  // The opened data is readable by its owner only.
  EXPECT_EQ(std::filesystem::status(csv).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto shown = Call(*client_, "GET", "/api/v1/privacy/deliveries", consumer_).body["items"][0];
  EXPECT_EQ(shown["state"], "received");
  EXPECT_EQ(LedgerSize(*client_, op_), ledger + 1);
  // Once only.
  EXPECT_NE(server_->Cli({"delivery", "open", file, "--key", key}, consumer_).exit_code, 0);
}

}  // namespace
}  // namespace qt::testing
