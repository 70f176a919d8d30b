// Contract negotiation between nodes, end to end: an enterprise of the
// Hangzhou node contracts for an offer of the Ningbo node through the
// Dataspace Protocol, node to node, each node signing for the participant
// whose key it holds, until both ledgers hold the agreement with the other
// node's checkpoint that includes it. Then the attacks: a third peer that
// reaches for another peer's negotiation, a provider node that sends an
// agreement for another key, a forged signature, a forged ledger proof, a
// message out of turn.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <thread>

#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "ledger/verify.h"
#include "tests/integration/fake_node.h"
#include "tests/integration/peering_node.h"
#include "tests/support/status_matchers.h"

namespace qt::testing {
namespace {

using nlohmann::json;

void WaitFor(const std::function<bool()>& done, int seconds = 20) {
  for (int i = 0; i < seconds * 10 && !done(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Checks a proof as a third party would: the event is in the checkpoint
// signed by the node's ledger key (from its descriptor).
void ExpectProofVerifies(const json& proof, const std::string& ledger_vkey) {
  ASSERT_TRUE(proof.is_object()) << proof.dump();
  std::vector<ledger::Bytes> inclusion;
  for (const auto& h : proof["inclusion"]) {
    auto bytes = crypto::Base64Decode(h.get<std::string>());
    ASSERT_THAT(bytes, IsOk());
    inclusion.emplace_back(bytes->begin(), bytes->end());
  }
  auto key = ledger::ParseVerifierKey(ledger_vkey);
  ASSERT_THAT(key, IsOk()) << ledger_vkey;
  Status s = ledger::VerifyEvent(proof["event"].get<std::string>(), proof["index"].get<uint64_t>(),
                                 inclusion, proof["checkpoint"].get<std::string>(), *key);
  EXPECT_THAT(s, IsOk()) << s.ToString();
}

std::string LedgerVkey(const PeeringNode& n) {
  return Call(*n.client, "GET", "/api/v1/ledger/vkey").body["vkey"].get<std::string>();
}

struct Pair {
  PeeringNode hz{"hangzhou", "杭州", 801}, nb{"ningbo", "宁波", 802};
  std::string enterprise;
  void Start(const json& policy = nullptr) {
    ASSERT_NO_FATAL_FAILURE(hz.Start());
    ASSERT_NO_FATAL_FAILURE(nb.Start());
    ASSERT_NO_FATAL_FAILURE(nb.Publish("港口集装箱吞吐量", "宁波舟山港每日集装箱吞吐", policy));
    ASSERT_NO_FATAL_FAILURE(PeerBothWays(hz, nb));
    // Offers are requested as the federated catalog found them.
    ASSERT_EQ(Call(*hz.client, "POST", "/api/v1/federation/crawl", hz.op).status, 200);
    enterprise = NewOrgToken(*hz.client, hz.op, "杭州港航科技有限公司", "enterprise", 803);
  }
  HttpAnswer Consumer(const std::string& method, const std::string& path,
                      const json& body = json::object()) {
    return Call(*hz.client, method, "/api/v1/federation/negotiations" + path, enterprise,
                method == "GET" ? "" : body.dump());
  }
  HttpAnswer Provider(const std::string& pid, const std::string& verb) {
    return Call(*nb.client, "POST", "/api/v1/dataspace/contracts/" + pid + "/" + verb, nb.holder,
                "{}");
  }
  json Contract(const std::string& pid) {
    return Call(*nb.client, "GET", "/api/v1/dataspace/contracts/" + pid, nb.holder).body;
  }
  // Negotiates Ningbo's offer to FINALIZED; its id here.
  std::string Finalized() { return NegotiateToFinalized(hz, enterprise, nb, nb.offers[0]); }
};

// PSI across nodes: Hangzhou's node holds the consumer's items and runs the
// PSI client; Ningbo's node runs the server under its contract, metering each
// session as for its own members.
TEST(NegotiationTest, ACrossNodePsiRunsWithTheItemsOnTheConsumersNode) {
  Pair p;
  const json psi = {
      {"permission",
       {{{"action", "psi"},
         {"constraint",
          {{{"leftOperand", "psiOutput"},
            {"operator", "isAnyOf"},
            {"rightOperand", {"intersection", "size"}}},
           {{"leftOperand", "field"}, {"operator", "isAnyOf"}, {"rightOperand", {"district"}}},
           {{"leftOperand", "purpose"}, {"operator", "isAnyOf"}, {"rightOperand", {"research"}}},
           {{"leftOperand", "count"}, {"operator", "lteq"}, {"rightOperand", 3}}}}}}}};
  ASSERT_NO_FATAL_FAILURE(p.Start(psi));
  const std::string id = p.Finalized();
  ASSERT_FALSE(HasFailure());
  const std::string pid = p.Consumer("GET", "/" + id).body["provider_pid"];
  const json ask = {{"column", "district"}, {"output", "intersection"}, {"purpose", "research"}};

  json both = ask;
  both["items"] = {"西湖区", "拱墅区", "滨江区", "西湖区", ""};
  auto r = p.Consumer("POST", "/" + id + "/psi", both);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["node"], "ningbo");
  EXPECT_EQ(r.body["client_size"], 3);  // distinct, non-empty
  EXPECT_EQ(r.body["server_size"], 3);
  EXPECT_EQ(r.body["intersection_size"], 2);
  EXPECT_EQ(r.body["intersection"], json::array({"西湖区", "滨江区"})) << r.raw;
  // Ningbo metered the session on the contract, as for its own consumers.
  EXPECT_EQ(p.Contract(pid)["uses"], 1);

  // Size only: the count, never the items.
  json size = both;
  size["output"] = "size";
  auto sized = p.Consumer("POST", "/" + id + "/psi", size);
  ASSERT_EQ(sized.status, 200) << sized.raw;
  EXPECT_EQ(sized.body["intersection_size"], 2);
  EXPECT_FALSE(sized.body.contains("intersection")) << sized.raw;

  // Ningbo's contract decides: a column or purpose it does not allow is
  // refused there, and nothing is spent.
  json other_column = both;
  other_column["column"] = "people";
  EXPECT_EQ(p.Consumer("POST", "/" + id + "/psi", other_column).status, 403);
  json marketing = both;
  marketing["purpose"] = "marketing";
  EXPECT_EQ(p.Consumer("POST", "/" + id + "/psi", marketing).status, 403);
  EXPECT_EQ(p.Contract(pid)["uses"], 2);
  // No items, both items and a product, another organisation's product: 4xx
  // here, before anything is sent.
  EXPECT_EQ(p.Consumer("POST", "/" + id + "/psi", ask).status, 400);
  json two = both;
  two["product_id"] = "prd_x";
  two["product_column"] = "x";
  EXPECT_EQ(p.Consumer("POST", "/" + id + "/psi", two).status, 400);
  json theirs = ask;
  theirs["product_id"] = "prd_nobody";
  theirs["product_column"] = "district";
  EXPECT_EQ(p.Consumer("POST", "/" + id + "/psi", theirs).status, 404);
  // Another Hangzhou organisation does not find the negotiation.
  const std::string stranger =
      NewOrgToken(*p.hz.client, p.hz.op, "杭州陌生公司", "enterprise", 805);
  EXPECT_EQ(Call(*p.hz.client, "POST", "/api/v1/federation/negotiations/" + id + "/psi", stranger,
                 both.dump())
                .status,
            404);
  // Ningbo's PSI endpoints answer only a signed peer.
  EXPECT_EQ(Call(*p.nb.client, "POST", "/federation/negotiations/" + pid + "/psi/start", "",
                 json{{"@type", "qiantang:PsiStart"}}.dump())
                .status,
            401);

  // The CLI runs it from a file of items, which go to Hangzhou's node only;
  // the third use is the contract's last.
  TempDir dir;
  const std::string input = (dir.path() / "districts.csv").string();
  std::ofstream(input) << "区\n上城区\n萧山区\n";
  auto cli =
      p.hz.server->Cli({"federation", "negotiations", "psi", id, "--column", "district", "--output",
                        "intersection", "--purpose", "research", "--input", input},
                       p.enterprise);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("1 of your 2 items are among the other side's 3"), std::string::npos)
      << cli.out;
  EXPECT_NE(cli.out.find("上城区"), std::string::npos) << cli.out;
  EXPECT_EQ(p.Consumer("POST", "/" + id + "/psi", both).status, 403);
  EXPECT_EQ(p.Contract(pid)["uses"], 3);
}

TEST(NegotiationTest, ACrossNodeContractIsFinalizedAndBothLedgersProveIt) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(p.Start());
  auto requested = p.Consumer("POST", "", {{"peer", "ningbo"}, {"offer_id", p.nb.offers[0]}});
  ASSERT_EQ(requested.status, 201) << requested.raw;
  EXPECT_EQ(requested.body["state"], "REQUESTED");
  const std::string id = requested.body["id"];
  const std::string pid = requested.body["provider_pid"];

  // On Ningbo the consumer is an organisation of Hangzhou's: Ningbo holds its
  // public key only, and nobody there can sign in its name.
  json contract = p.Contract(pid);
  ASSERT_EQ(contract["state"], "requested") << contract.dump();
  auto consumer = Call(*p.nb.client, "GET",
                       "/api/v1/orgs/" + contract["consumer_id"].get<std::string>(), p.nb.op);
  ASSERT_EQ(consumer.status, 200) << consumer.raw;
  EXPECT_EQ(consumer.body["home_node"], "hangzhou");
  EXPECT_EQ(consumer.body["name"], "杭州港航科技有限公司");

  // Each side moves in turn; each provider move reaches Hangzhou at once.
  ASSERT_EQ(p.Provider(pid, "offer").status, 200);
  WaitFor([&] { return p.Consumer("GET", "/" + id).body["state"] == "OFFERED"; });
  auto offered = p.Consumer("GET", "/" + id);
  ASSERT_EQ(offered.body["state"], "OFFERED") << offered.raw;
  EXPECT_EQ(offered.body["offer"]["@id"], p.nb.offers[0]);
  ASSERT_EQ(p.Consumer("POST", "/" + id + "/accept").status, 200);
  EXPECT_EQ(p.Contract(pid)["state"], "accepted");
  ASSERT_EQ(p.Provider(pid, "agree").status, 200);
  WaitFor([&] { return p.Consumer("GET", "/" + id).body["state"] == "AGREED"; });
  // The provider's holder cannot verify in the consumer's name.
  EXPECT_EQ(p.Provider(pid, "verify").status, 403);
  auto verified = p.Consumer("POST", "/" + id + "/verify");
  ASSERT_EQ(verified.status, 200) << verified.raw;
  contract = p.Contract(pid);
  ASSERT_EQ(contract["state"], "verified") << contract.dump();
  EXPECT_EQ(contract["consumer_signature"], verified.body["consumer_signature"]);
  ASSERT_EQ(p.Provider(pid, "finalize").status, 200);
  WaitFor([&] { return p.Consumer("GET", "/" + id).body["state"] == "FINALIZED"; });
  json done = p.Consumer("GET", "/" + id).body;
  ASSERT_EQ(done["state"], "FINALIZED") << done.dump();

  // The agreement is signed by both parties' keys, each held by its own node.
  const std::string agreement = done["agreement"];
  json a = json::parse(agreement);
  EXPECT_EQ(a["contract_id"], pid);
  auto pk = crypto::HexDecode(a["consumer"]["public_key"].get<std::string>());
  auto sig = crypto::Base64Decode(done["consumer_signature"].get<std::string>());
  ASSERT_TRUE(pk.ok() && sig.ok());
  crypto::PublicKey key{};
  crypto::Signature signature{};
  std::copy(pk->begin(), pk->end(), key.begin());
  std::copy(sig->begin(), sig->end(), signature.begin());
  EXPECT_TRUE(crypto::Verify(key, Bytes(agreement), signature));

  // Hangzhou's ledger holds the agreement with Ningbo's checkpoint, and
  // Ningbo's the other way round; a third party checks each proof offline.
  ASSERT_NO_FATAL_FAILURE(ExpectProofVerifies(done["proofs"]["peer"], LedgerVkey(p.nb)));
  ASSERT_NO_FATAL_FAILURE(ExpectProofVerifies(done["proofs"]["own"], LedgerVkey(p.hz)));
  json own = json::parse(done["proofs"]["own"]["event"].get<std::string>());
  EXPECT_EQ(own["kind"], "federation.negotiation.finalized");
  EXPECT_EQ(own["payload"]["agreement_sha256"], contract["agreement_sha256"]);
  EXPECT_EQ(own["payload"]["peer_checkpoint"], done["proofs"]["peer"]["checkpoint"]);
  bool countersigned = false;
  WaitFor([&] {
    auto cp = Call(*p.nb.client, "GET", "/api/v1/ledger/checkpoint");
    const std::string note = cp.raw;
    const uint64_t size = std::stoull(note.substr(note.find('\n') + 1));
    auto entries =
        Call(*p.nb.client, "GET",
             "/api/v1/ledger/entries?start=" + std::to_string(size > 20 ? size - 20 : 0) +
                 "&end=" + std::to_string(size),
             p.nb.op);
    for (const auto& e : entries.body["entries"]) {
      if (e["event"]["kind"] == "federation.negotiation.countersigned" &&
          e["event"]["subject"] == pid) {
        countersigned =
            e["event"]["payload"]["peer_checkpoint"] == done["proofs"]["own"]["checkpoint"];
      }
    }
    return countersigned;
  });
  EXPECT_TRUE(countersigned);

  // A channel query under the contract runs at Ningbo, under Ningbo's policy
  // and budget for this consumer, and comes back sealed to the consumer's key.
  auto q = p.Consumer(
      "POST", "/" + id + "/queries",
      {{"sql", "SELECT SUM(people) FROM data"}, {"purpose", "research"}, {"epsilon", 0.5}});
  ASSERT_EQ(q.status, 200) << q.raw;
  EXPECT_EQ(q.body["node"], "ningbo");
  // Whether the one group is released depends on the noise (3 rows against a
  // noisy threshold); what it was asked and what it spent do not.
  EXPECT_EQ(q.body["columns"], json::array({"sum_people"})) << q.raw;
  EXPECT_DOUBLE_EQ(q.body["epsilon_left"].get<double>(), 0.5) << q.raw;
  EXPECT_EQ(q.body["usage"]["contract_id"], pid);
  EXPECT_EQ(p.Contract(pid)["uses"], 1);
  // A purpose the contract does not allow, or more budget than is left, is
  // refused at Ningbo and nothing is spent.
  auto wrong = p.Consumer(
      "POST", "/" + id + "/queries",
      {{"sql", "SELECT SUM(people) FROM data"}, {"purpose", "marketing"}, {"epsilon", 0.1}});
  EXPECT_EQ(wrong.status, 403) << wrong.raw;
  auto greedy = p.Consumer(
      "POST", "/" + id + "/queries",
      {{"sql", "SELECT SUM(people) FROM data"}, {"purpose", "research"}, {"epsilon", 0.6}});
  EXPECT_GE(greedy.status, 400) << greedy.raw;
  EXPECT_EQ(p.Contract(pid)["uses"], 1);
  // Only the consumer's own members query; another Hangzhou organisation's
  // token does not find the negotiation.
  const std::string other = NewOrgToken(*p.hz.client, p.hz.op, "杭州另一家公司", "enterprise", 804);
  EXPECT_EQ(Call(*p.hz.client, "POST", "/api/v1/federation/negotiations/" + id + "/queries", other,
                 json{{"sql", "SELECT COUNT(*) FROM data"}, {"purpose", "research"}}.dump())
                .status,
            404);

  // The CLI shows it too, and queries through it.
  auto cli_query = p.hz.server->Cli(
      {"federation", "negotiations", "query", id, "--sql", "SELECT SUM(people) FROM data",
       "--purpose", "research", "--epsilon", "0.1"},
      p.enterprise);
  ASSERT_EQ(cli_query.exit_code, 0) << cli_query.err;
  EXPECT_NE(cli_query.out.find("signed by the provider on node ningbo"), std::string::npos)
      << cli_query.out;
  auto cli = p.hz.server->Cli({"federation", "negotiations", "show", id}, p.enterprise);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("state: FINALIZED"), std::string::npos) << cli.out;
  // Nobody else on Hangzhou sees the enterprise's negotiation.
  EXPECT_EQ(Call(*p.hz.client, "GET", "/api/v1/federation/negotiations/" + id, p.hz.op).status,
            404);

  // Either party may end a finalized contract; the other node follows, and
  // no query runs under it any more.
  auto ended = Call(*p.nb.client, "POST", "/api/v1/dataspace/contracts/" + pid + "/terminate",
                    p.nb.holder, json{{"reason", "数据停止供应"}}.dump());
  ASSERT_EQ(ended.status, 200) << ended.raw;
  WaitFor([&] { return p.Consumer("GET", "/" + id).body["state"] == "TERMINATED"; });
  EXPECT_EQ(p.Consumer("GET", "/" + id).body["state"], "TERMINATED");
  EXPECT_EQ(p.Consumer("POST", "/" + id + "/queries",
                       {{"sql", "SELECT COUNT(*) FROM data"}, {"purpose", "research"}})
                .status,
            409);
}

// A consumer that holds its own key, across nodes: it signs the agreement
// with its key file, and its channel answers reach it sealed to that key, so
// its node (which holds no key of it) neither signs nor reads for it. A PSI,
// whose client runs on its node with the items it gave it, works as for any
// consumer.
TEST(NegotiationTest, AConsumerHoldingItsKeySignsAndOpensItsAnswersItself) {
  Pair p;
  const json research = {
      {{"leftOperand", "purpose"}, {"operator", "isAnyOf"}, {"rightOperand", {"research"}}}};
  json query_constraints = research;
  query_constraints.push_back(
      {{"leftOperand", "epsilon"}, {"operator", "lteq"}, {"rightOperand", 1.0}});
  query_constraints.push_back(
      {{"leftOperand", "groupSize"}, {"operator", "gteq"}, {"rightOperand", 2}});
  json psi_constraints = research;
  psi_constraints.push_back(
      {{"leftOperand", "psiOutput"}, {"operator", "isAnyOf"}, {"rightOperand", {"size"}}});
  psi_constraints.push_back(
      {{"leftOperand", "field"}, {"operator", "isAnyOf"}, {"rightOperand", {"district"}}});
  ASSERT_NO_FATAL_FAILURE(
      p.Start({{"permission",
                {{{"action", "aggregate_query"}, {"constraint", query_constraints}},
                 {{"action", "psi"}, {"constraint", psi_constraints}}}}}));
  TempDir dir;
  const std::string key = (dir.path() / "org.key").string();
  const std::string other_key = (dir.path() / "other.key").string();
  for (const std::string& file : {key, other_key}) {
    ASSERT_EQ(p.hz.server->Cli({"orgs", "keygen", "--out", file}, "").exit_code, 0);
  }
  auto registered = p.hz.server->Cli({"orgs", "register-key", "--key", key}, p.enterprise);
  ASSERT_EQ(registered.exit_code, 0) << registered.err;
  const std::string id = NegotiateToFinalized(p.hz, p.enterprise, p.nb, p.nb.offers[0], key);
  ASSERT_FALSE(HasFailure());
  const std::string pid = p.Consumer("GET", "/" + id).body["provider_pid"];
  const json me = Call(*p.hz.client, "GET", "/api/v1/whoami", p.enterprise).body["org"];
  EXPECT_EQ(me["key_custody"], "self");
  // The consumer's signature in Ningbo's contract is the one its key made.
  const json contract = p.Contract(pid);
  auto pk = crypto::PublicKeyFromHex(me["public_key"].get<std::string>());
  auto sig = crypto::SignatureFromBase64(contract["consumer_signature"].get<std::string>());
  ASSERT_TRUE(pk.ok() && sig.ok()) << contract.dump();
  EXPECT_TRUE(crypto::Verify(*pk, Bytes(contract["agreement"].get<std::string>()), *sig));

  // The API passes the answer on as Ningbo sealed it; only the key opens it.
  const json ask = {
      {"sql", "SELECT SUM(people) FROM data"}, {"purpose", "research"}, {"epsilon", 0.2}};
  auto sealed = p.Consumer("POST", "/" + id + "/queries", ask);
  ASSERT_EQ(sealed.status, 200) << sealed.raw;
  EXPECT_FALSE(sealed.body.contains("columns")) << sealed.raw;
  EXPECT_EQ(sealed.body["sealed_to"], me["public_key"]);
  EXPECT_EQ(p.Contract(pid)["uses"], 1);
  // The CLI refuses to query without the key file, before anything is spent,
  // and refuses another key file; with its own, it opens the answer here.
  const std::vector<std::string> query = {
      "federation", "negotiations", "query",     id,   "--sql", "SELECT SUM(people) FROM data",
      "--purpose",  "research",     "--epsilon", "0.2"};
  auto keyless = p.hz.server->Cli(query, p.enterprise);
  EXPECT_NE(keyless.exit_code, 0);
  EXPECT_NE(keyless.err.find("pass --key FILE"), std::string::npos) << keyless.err;
  EXPECT_EQ(p.Contract(pid)["uses"], 1);
  auto with = [&](const std::string& file) {
    std::vector<std::string> args = query;
    args.insert(args.end(), {"--key", file});
    return p.hz.server->Cli(args, p.enterprise);
  };
  EXPECT_NE(with(other_key).exit_code, 0);
  auto opened = with(key);
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_NE(opened.out.find("signed by the provider on node ningbo"), std::string::npos)
      << opened.out;

  // A PSI runs on its node, which holds the items it was given; the points
  // cross sealed to the two nodes' keys, and Ningbo meters the session.
  const int64_t uses = p.Contract(pid)["uses"];
  auto psi = p.Consumer("POST", "/" + id + "/psi",
                        {{"column", "district"},
                         {"output", "size"},
                         {"purpose", "research"},
                         {"items", {"西湖区", "滨江区", "余杭区"}}});
  ASSERT_EQ(psi.status, 200) << psi.raw;
  EXPECT_EQ(psi.body["intersection_size"], 2) << psi.raw;
  EXPECT_FALSE(psi.body.contains("intersection")) << psi.raw;
  EXPECT_EQ(p.Contract(pid)["uses"], uses + 1);
}

TEST(NegotiationTest, EitherSideTerminatesAndAMessageOutOfTurnTerminatesBoth) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(p.Start());
  // The consumer terminates: Ningbo's contract ends too.
  auto first = p.Consumer("POST", "", {{"peer", "ningbo"}, {"offer_id", p.nb.offers[0]}});
  ASSERT_EQ(first.status, 201) << first.raw;
  auto ended = p.Consumer("POST", "/" + first.body["id"].get<std::string>() + "/terminate",
                          {{"reason", "预算取消"}});
  ASSERT_EQ(ended.status, 200) << ended.raw;
  EXPECT_EQ(ended.body["state"], "TERMINATED");
  EXPECT_TRUE(ended.body["last_error"].is_null()) << ended.raw;
  json c = p.Contract(first.body["provider_pid"]);
  EXPECT_EQ(c["state"], "terminated");
  EXPECT_EQ(c["reason"], "预算取消");

  // The provider terminates: Hangzhou's negotiation ends too.
  auto second = p.Consumer("POST", "", {{"peer", "ningbo"}, {"offer_id", p.nb.offers[0]}});
  ASSERT_EQ(second.status, 201) << second.raw;
  const std::string id = second.body["id"];
  auto t = Call(*p.nb.client, "POST",
                "/api/v1/dataspace/contracts/" + second.body["provider_pid"].get<std::string>() +
                    "/terminate",
                p.nb.holder, json{{"reason", "数据暂停供应"}}.dump());
  ASSERT_EQ(t.status, 200) << t.raw;
  WaitFor([&] { return p.Consumer("GET", "/" + id).body["state"] == "TERMINATED"; });
  EXPECT_EQ(p.Consumer("GET", "/" + id).body["reason"], "数据暂停供应");

  // Accepting before the provider offered: Ningbo answers 400, and both
  // sides terminate (the states differ).
  auto third = p.Consumer("POST", "", {{"peer", "ningbo"}, {"offer_id", p.nb.offers[0]}});
  ASSERT_EQ(third.status, 201) << third.raw;
  auto early = p.Consumer("POST", "/" + third.body["id"].get<std::string>() + "/accept");
  EXPECT_EQ(early.status, 409) << early.raw;  // Hangzhou's own check: not OFFERED
  // An offer that is not Ningbo's to give is refused, and nothing is created.
  auto unknown = p.Consumer("POST", "", {{"peer", "ningbo"}, {"offer_id", "off_nosuch"}});
  EXPECT_EQ(unknown.status, 404) << unknown.raw;
  auto no_peer = p.Consumer("POST", "", {{"peer", "shenzhen"}, {"offer_id", p.nb.offers[0]}});
  EXPECT_EQ(no_peer.status, 404) << no_peer.raw;
}

// A peer node the test drives: it answers the DSP provider endpoints as told
// and records what it was sent.
class FakeProvider {
 public:
  FakeProvider() : port_(server_.bind_to_any_port("127.0.0.1")), node_("rogue", Url()) {
    server_.Post("/federation/hello", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(node_.Descriptor(), "text/plain");
    });
    server_.Post("/dsp/catalog/request", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(json{{"@type", "Catalog"},
                           {"dataset",
                            {{{"@id", "urn:rogue:dataset"},
                              {"dct:title", "诱饵数据"},
                              {"hasPolicy",
                               {{{"@type", "Offer"},
                                 {"@id", "urn:rogue:offer"},
                                 {"permission", {{{"action", "use"}}}}},
                                {{"@type", "Offer"},
                                 {"@id", "urn:rogue:refused"},
                                 {"permission", {{{"action", "use"}}}}}}}}}}}
                          .dump(),
                      "application/json");
    });
    server_.Post("/dsp/negotiations/request",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   json m = json::parse(req.body);
                   Record(req.path, m);
                   if (m["offer"]["@id"] == "urn:rogue:refused") {
                     res.status = 400;
                     res.set_content(R"({"@type":"ContractNegotiationError","reason":["no"]})",
                                     "application/json");
                     return;
                   }
                   res.status = 201;
                   res.set_content(json{{"@type", "ContractNegotiation"},
                                        {"providerPid", "urn:rogue:1"},
                                        {"consumerPid", m["consumerPid"]},
                                        {"state", "REQUESTED"}}
                                       .dump(),
                                   "application/json");
                 });
    server_.Post(R"(/dsp/negotiations/[^/]+/.+)",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   Record(req.path, json::parse(req.body));
                   res.set_content("{}", "application/json");
                 });
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeProvider() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  FakeNode& node() { return node_; }
  json Received(const std::string& path_end) {
    std::lock_guard lock(mu_);
    for (auto it = received_.rbegin(); it != received_.rend(); ++it) {
      if (it->first.ends_with(path_end)) return it->second;
    }
    return json();
  }

 private:
  void Record(const std::string& path, json m) {
    std::lock_guard lock(mu_);
    received_.emplace_back(path, std::move(m));
  }
  httplib::Server server_;
  int port_;
  FakeNode node_;
  std::mutex mu_;
  std::vector<std::pair<std::string, json>> received_;
  std::thread thread_;
};

TEST(NegotiationTest, AHostileProviderNodeCannotGetAnAgreementAcceptedThatIsNotOne) {
  PeeringNode hz{"hangzhou", "杭州", 811};
  ASSERT_NO_FATAL_FAILURE(hz.Start());
  FakeProvider rogue;
  auto added = hz.AddPeer(rogue.node().Descriptor());
  ASSERT_EQ(added.status, 201) << added.raw;
  ASSERT_EQ(added.body["state"], "active") << added.raw;
  ASSERT_EQ(Call(*hz.client, "POST", "/api/v1/federation/crawl", hz.op).status, 200);
  const std::string enterprise =
      NewOrgToken(*hz.client, hz.op, "杭州某科技有限公司", "enterprise", 812);
  // A request the provider refuses is terminated here, and leaves nothing
  // in the way of the next one (it once did: a unique index on an empty pid).
  for (int i = 0; i < 2; ++i) {
    auto refused = Call(*hz.client, "POST", "/api/v1/federation/negotiations", enterprise,
                        json{{"peer", "rogue"}, {"offer_id", "urn:rogue:refused"}}.dump());
    EXPECT_EQ(refused.status, 409) << refused.raw;
  }
  auto requested = Call(*hz.client, "POST", "/api/v1/federation/negotiations", enterprise,
                        json{{"peer", "rogue"}, {"offer_id", "urn:rogue:offer"}}.dump());
  ASSERT_EQ(requested.status, 201) << requested.raw;
  const std::string id = requested.body["id"];
  json request = rogue.Received("/dsp/negotiations/request");
  EXPECT_EQ(request["callbackAddress"], hz.server->url() + "/dsp/callback");
  // The offer as the catalog published it, its target the dataset.
  EXPECT_EQ(request["offer"]["permission"][0]["action"], "use") << request.dump();
  EXPECT_EQ(request["offer"]["target"], "urn:rogue:dataset");
  const std::string consumer_key = request["qiantang:consumer"]["public_key"];
  auto state = [&] {
    return Call(*hz.client, "GET", "/api/v1/federation/negotiations/" + id, enterprise)
        .body["state"]
        .get<std::string>();
  };
  auto callback = [&](const std::string& what, json m) {
    m["@context"] = json::array({"https://w3id.org/dspace/2025/1/context.jsonld"});
    m["providerPid"] = "urn:rogue:1";
    if (!m.contains("consumerPid")) m["consumerPid"] = id;
    return rogue.node().Send(*hz.client, hz.server->url(), "POST",
                             "/dsp/callback/negotiations/" + id + "/" + what, m.dump());
  };

  // An offer, accepted.
  const json use = {{{"action", "use"}}};
  // An offer of another offer than the one requested is refused.
  EXPECT_EQ(callback("offers", {{"@type", "ContractOfferMessage"},
                                {"offer", {{"@type", "Offer"}, {"@id", "urn:other"}}}})
                .status,
            400);
  auto offer = callback(
      "offers", {{"@type", "ContractOfferMessage"},
                 {"offer", {{"@type", "Offer"}, {"@id", "urn:rogue:offer"}, {"permission", use}}}});
  ASSERT_EQ(offer.status, 200) << offer.raw;
  ASSERT_EQ(Call(*hz.client, "POST", "/api/v1/federation/negotiations/" + id + "/accept",
                 enterprise, "{}")
                .status,
            200);
  ASSERT_EQ(state(), "ACCEPTED");

  crypto::SigningKey provider = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  auto agreement_json = [&](const std::string& consumer_hex, const std::string& offer_id) {
    return json{
        {"type", "qiantang.dataspace.agreement/v1"},
        {"contract_id", "urn:rogue:1"},
        {"offer_id", offer_id},
        {"policy", {{"permission", use}}},
        {"provider", {{"id", "org_x"}, {"public_key", crypto::HexEncode(provider.public_key)}}},
        {"consumer", {{"id", "org_y"}, {"public_key", consumer_hex}}}};
  };
  auto agreement_for = [&](const std::string& consumer_hex, const std::string& offer_id) {
    return agreement_json(consumer_hex, offer_id).dump();
  };
  auto send_agreement = [&](const std::string& text, const crypto::SigningKey& signer) {
    return callback("agreement", {{"@type", "ContractAgreementMessage"},
                                  {"agreement", {{"@type", "Agreement"}}},
                                  {"qiantang:agreement", text},
                                  {"qiantang:providerSignature",
                                   crypto::Base64Encode(crypto::Sign(signer, Bytes(text)))}});
  };
  // An agreement naming another consumer key, or another offer: refused.
  const std::string other(64, 'a');
  EXPECT_EQ(send_agreement(agreement_for(other, "urn:rogue:offer"), provider).status, 400);
  EXPECT_EQ(send_agreement(agreement_for(consumer_key, "urn:other"), provider).status, 400);
  // Another policy than the offer accepted, no agreement type, or fields of
  // the wrong type: refused.
  json wider = agreement_json(consumer_key, "urn:rogue:offer");
  wider["policy"]["permission"].push_back({{"action", "transfer"}});
  EXPECT_EQ(send_agreement(wider.dump(), provider).status, 400);
  json untyped = agreement_json(consumer_key, "urn:rogue:offer");
  untyped.erase("type");
  EXPECT_EQ(send_agreement(untyped.dump(), provider).status, 400);
  json numeric = agreement_json(consumer_key, "urn:rogue:offer");
  numeric["contract_id"] = 7;
  numeric["consumer"]["public_key"] = json::array();
  EXPECT_EQ(send_agreement(numeric.dump(), provider).status, 400);
  // Signed by another key than the provider key it names: refused.
  crypto::SigningKey forger = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  EXPECT_EQ(send_agreement(agreement_for(consumer_key, "urn:rogue:offer"), forger).status, 403);
  EXPECT_EQ(state(), "ACCEPTED");
  // Another peer's pid, or a pid with path characters: not found / refused.
  auto wrong_pid = callback("offers", {{"@type", "ContractOfferMessage"},
                                       {"consumerPid", "neg_someone_else"},
                                       {"offer", {{"@type", "Offer"}}}});
  EXPECT_EQ(wrong_pid.status, 400) << wrong_pid.raw;
  auto dots = rogue.node().Send(*hz.client, hz.server->url(), "POST",
                                "/dsp/callback/negotiations/" + id + "/offers",
                                json{{"@type", "ContractOfferMessage"},
                                     {"providerPid", ".."},
                                     {"consumerPid", id},
                                     {"offer", {{"@type", "Offer"}}}}
                                    .dump());
  EXPECT_EQ(dots.status, 400) << dots.raw;

  // The real agreement: AGREED; the consumer's signature Hangzhou sends
  // verifies under the consumer's key.
  const std::string text = agreement_for(consumer_key, "urn:rogue:offer");
  ASSERT_EQ(send_agreement(text, provider).status, 200);
  ASSERT_EQ(state(), "AGREED");
  ASSERT_EQ(Call(*hz.client, "POST", "/api/v1/federation/negotiations/" + id + "/verify",
                 enterprise, "{}")
                .status,
            200);
  json verification = rogue.Received("/agreement/verification");
  auto ck = crypto::HexDecode(consumer_key);
  auto cs = crypto::Base64Decode(verification["qiantang:signature"].get<std::string>());
  ASSERT_TRUE(ck.ok() && cs.ok());
  crypto::PublicKey k{};
  crypto::Signature s{};
  std::copy(ck->begin(), ck->end(), k.begin());
  std::copy(cs->begin(), cs->end(), s.begin());
  EXPECT_TRUE(crypto::Verify(k, Bytes(text), s));

  // FINALIZED with a proof signed by another key than its pinned ledger key:
  // refused, nothing journaled, still VERIFIED.
  crypto::SigningKey fake_ledger = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  const std::string event =
      json{{"kind", "federation.negotiation.finalized"},
           {"subject", "urn:rogue:1"},
           {"payload", {{"agreement_sha256", crypto::HexEncode(crypto::Sha256(text))}}}}
          .dump();
  const std::string note = *ledger::SignNote(
      "rogue.example/ledger\n1\n" +
          crypto::Base64Encode(crypto::Sha256(std::string(1, '\0') + event)) + "\n",
      "rogue.example/ledger", fake_ledger.public_key,
      [&](std::span<const uint8_t> m) -> Result<crypto::Signature> {
        return crypto::Sign(fake_ledger, m);
      });
  auto forged = callback(
      "events",
      {{"@type", "ContractNegotiationEventMessage"},
       {"eventType", "FINALIZED"},
       {"qiantang:proof",
        {{"index", 0}, {"event", event}, {"checkpoint", note}, {"inclusion", json::array()}}}});
  EXPECT_EQ(forged.status, 403) << forged.raw;
  EXPECT_EQ(state(), "VERIFIED");
  // An offer now is out of turn: 400, and the negotiation is terminated.
  auto late = callback("offers", {{"@type", "ContractOfferMessage"},
                                  {"offer", {{"@type", "Offer"}, {"@id", "urn:rogue:offer"}}}});
  EXPECT_EQ(late.status, 400) << late.raw;
  EXPECT_EQ(late.body["@type"], "ContractNegotiationError") << late.raw;
  EXPECT_EQ(state(), "TERMINATED");
}

TEST(NegotiationTest, AThirdPeerCannotReachAnotherPeersNegotiation) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(p.Start());
  FakeProvider mallory_server;
  FakeNode& mallory = mallory_server.node();
  for (PeeringNode* n : {&p.hz, &p.nb}) {
    auto added = n->AddPeer(mallory.Descriptor());
    ASSERT_EQ(added.status, 201) << added.raw;
  }
  auto requested = p.Consumer("POST", "", {{"peer", "ningbo"}, {"offer_id", p.nb.offers[0]}});
  ASSERT_EQ(requested.status, 201) << requested.raw;
  const std::string id = requested.body["id"];
  const std::string pid = requested.body["provider_pid"];
  ASSERT_EQ(p.Provider(pid, "offer").status, 200);
  WaitFor([&] { return p.Consumer("GET", "/" + id).body["state"] == "OFFERED"; });

  // At Ningbo (provider): Hangzhou's negotiation is not found for Mallory.
  const std::string nb_url = p.nb.server->url();
  auto get = mallory.Send(*p.nb.client, nb_url, "GET", "/dsp/negotiations/" + pid, "");
  EXPECT_EQ(get.status, 404) << get.raw;
  json accept = {{"@context", json::array({"https://w3id.org/dspace/2025/1/context.jsonld"})},
                 {"@type", "ContractNegotiationEventMessage"},
                 {"providerPid", pid},
                 {"consumerPid", id},
                 {"eventType", "ACCEPTED"}};
  auto stolen = mallory.Send(*p.nb.client, nb_url, "POST", "/dsp/negotiations/" + pid + "/events",
                             accept.dump());
  EXPECT_EQ(stolen.status, 404) << stolen.raw;
  json end = accept;
  end["@type"] = "ContractNegotiationTerminationMessage";
  auto killed = mallory.Send(*p.nb.client, nb_url, "POST",
                             "/dsp/negotiations/" + pid + "/termination", end.dump());
  EXPECT_EQ(killed.status, 404) << killed.raw;
  json query = accept;
  query["@type"] = "qiantang:ChannelQuery";
  query["request"] = {{"sql", "SELECT COUNT(*) FROM data"}, {"purpose", "research"}};
  auto peek = mallory.Send(*p.nb.client, nb_url, "POST",
                           "/federation/negotiations/" + pid + "/query", query.dump());
  EXPECT_EQ(peek.status, 404) << peek.raw;
  EXPECT_EQ(p.Contract(pid)["state"], "offered");
  EXPECT_EQ(p.Contract(pid)["uses"], 0);

  // At Hangzhou (consumer): Mallory cannot push Ningbo's messages.
  const std::string hz_url = p.hz.server->url();
  json terminate = end;
  auto cb = mallory.Send(*p.hz.client, hz_url, "POST",
                         "/dsp/callback/negotiations/" + id + "/termination", terminate.dump());
  EXPECT_EQ(cb.status, 404) << cb.raw;
  EXPECT_EQ(p.Consumer("GET", "/" + id).body["state"], "OFFERED");

  // Mallory's own requests: a callback outside its URL, an operator consumer,
  // and a replayed request are refused; its consumer is its own, never
  // Hangzhou's (same claimed id and key, another organisation).
  json ask = {{"@context", json::array({"https://w3id.org/dspace/2025/1/context.jsonld"})},
              {"@type", "ContractRequestMessage"},
              {"consumerPid", "urn:mallory:1"},
              {"offer", {{"@type", "Offer"}, {"@id", p.nb.offers[0]}}},
              {"callbackAddress", "http://169.254.169.254/latest"},
              {"qiantang:consumer",
               {{"id", "org_anything"},
                {"name", "某公司"},
                {"kind", "enterprise"},
                {"credit_code", "91330106MA2H00000B"},
                {"public_key", std::string(64, 'b')}}}};
  EXPECT_EQ(
      mallory.Send(*p.nb.client, nb_url, "POST", "/dsp/negotiations/request", ask.dump()).status,
      400);
  ask["callbackAddress"] = mallory_server.Url() + "/dsp/callback";
  for (const char* powerful : {"operator", "authority"}) {
    ask["qiantang:consumer"]["kind"] = powerful;
    EXPECT_EQ(
        mallory.Send(*p.nb.client, nb_url, "POST", "/dsp/negotiations/request", ask.dump()).status,
        400)
        << powerful;
  }
  ask["qiantang:consumer"]["kind"] = "enterprise";
  const httplib::Headers signed_once =
      mallory.Sign("POST", nb_url, "/dsp/negotiations/request", ask.dump());
  auto own = FakeNode::SendWith(*p.nb.client, "POST", "/dsp/negotiations/request", ask.dump(),
                                signed_once);
  ASSERT_EQ(own.status, 201) << own.raw;
  EXPECT_EQ(
      FakeNode::SendWith(*p.nb.client, "POST", "/dsp/negotiations/request", ask.dump(), signed_once)
          .status,
      401);
  // Out of turn on its own negotiation: 400, and terminated.
  json early = accept;
  early["providerPid"] = own.body["providerPid"];
  early["consumerPid"] = "urn:mallory:1";
  auto out_of_turn = mallory.Send(
      *p.nb.client, nb_url, "POST",
      "/dsp/negotiations/" + own.body["providerPid"].get<std::string>() + "/events", early.dump());
  EXPECT_EQ(out_of_turn.status, 400) << out_of_turn.raw;
  EXPECT_EQ(out_of_turn.body["@type"], "ContractNegotiationError");
  auto mallory_contract = Call(
      *p.nb.client, "GET",
      "/api/v1/dataspace/contracts/" + own.body["providerPid"].get<std::string>(), p.nb.holder);
  EXPECT_EQ(mallory_contract.body["state"], "terminated") << mallory_contract.raw;
  EXPECT_NE(mallory_contract.body["consumer_id"], p.Contract(pid)["consumer_id"]);
}

}  // namespace
}  // namespace qt::testing
