// Peering and the federated catalog, end to end: real `qiantang serve`
// processes for three cities peer with each other from signed descriptors,
// crawl each other's DSP catalogs, and a search on one finds the offers of
// the others, saying which city each lives in. A peer that goes down keeps
// its entries (marked stale), and a peer that answers garbage, a wrong DSP
// message or too slowly is recorded while the others carry on.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "tests/integration/fake_node.h"
#include "tests/integration/peering_node.h"

namespace qt::testing {
namespace {

using nlohmann::json;

void WaitFor(const std::function<bool()>& done, int seconds = 30) {
  for (int i = 0; i < seconds * 10 && !done(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Starts `hz` and `nb`, publishes Ningbo's port data, and peers them both ways.
void StartPeeredWithPortData(PeeringNode& hz, PeeringNode& nb) {
  ASSERT_NO_FATAL_FAILURE(hz.Start());
  ASSERT_NO_FATAL_FAILURE(nb.Start());
  ASSERT_NO_FATAL_FAILURE(nb.Publish("港口集装箱吞吐量", "宁波舟山港每日集装箱吞吐"));
  ASSERT_NO_FATAL_FAILURE(PeerBothWays(hz, nb));
}

json Top(const PeeringNode& n, const std::string& q) {
  auto a = n.Search(q, 5);
  EXPECT_EQ(a.status, 200) << a.raw;
  return a.body["items"].empty() ? json() : a.body["items"][0];
}

TEST(PeeringTest, ThreeCitiesFindEachOthersOffersAndSayWhereTheyLive) {
  PeeringNode hz{"hangzhou", "杭州", 701}, nb{"ningbo", "宁波", 702}, wz{"wenzhou", "温州", 703};
  for (PeeringNode* n : {&hz, &nb, &wz}) ASSERT_NO_FATAL_FAILURE(n->Start());
  ASSERT_NO_FATAL_FAILURE(hz.Publish("公交线路客流日报", "杭州公交每条线路每日的客流"));
  ASSERT_NO_FATAL_FAILURE(nb.Publish("港口集装箱吞吐量", "宁波舟山港每日集装箱吞吐"));
  ASSERT_NO_FATAL_FAILURE(wz.Publish("瓯江水质监测", "温州瓯江各断面的水质指标"));
  ASSERT_NO_FATAL_FAILURE(PeerBothWays(hz, nb));
  ASSERT_NO_FATAL_FAILURE(PeerBothWays(hz, wz));

  // The DSP version and catalog endpoints are where the spec puts them.
  auto version = Call(*hz.client, "GET", "/.well-known/dspace-version");
  ASSERT_EQ(version.status, 200) << version.raw;
  EXPECT_EQ(version.body["protocolVersions"][0]["version"], "2025-1");
  EXPECT_EQ(version.body["protocolVersions"][0]["path"], "/dsp");

  auto crawl = Call(*hz.client, "POST", "/api/v1/federation/crawl", hz.op);
  ASSERT_EQ(crawl.status, 200) << crawl.raw;
  EXPECT_TRUE(crawl.body["error"].is_null()) << crawl.raw;
  ASSERT_EQ(crawl.body["items"].size(), 2u) << crawl.raw;
  for (const auto& c : crawl.body["items"]) EXPECT_EQ(c["offers"], 1) << crawl.raw;

  json port = Top(hz, "集装箱吞吐");
  EXPECT_EQ(port["node"], "ningbo");
  EXPECT_EQ(port["city"], "宁波");
  EXPECT_EQ(port["local"], false);
  EXPECT_EQ(port["offer_id"], nb.offers[0]);
  EXPECT_EQ(port["policy"]["@type"], "Offer");
  EXPECT_EQ(port["stale"], false);
  EXPECT_EQ(Top(hz, "水质")["city"], "温州");
  json own = Top(hz, "公交客流");
  EXPECT_EQ(own["node"], "hangzhou");
  EXPECT_EQ(own["local"], true);
  // Ningbo is not peered with Wenzhou: it sees its own and Hangzhou's only.
  ASSERT_EQ(Call(*nb.client, "POST", "/api/v1/federation/crawl", nb.op).status, 200);
  EXPECT_EQ(Top(nb, "公交客流")["city"], "杭州");
  EXPECT_TRUE(Top(nb, "水质").is_null() || Top(nb, "水质")["city"] != "温州");

  // The CLI says the same.
  auto cli = hz.server->Cli({"federation", "catalog", "集装箱"}, hz.op);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("宁波 (ningbo)  港口集装箱吞吐量"), std::string::npos) << cli.out;
  auto status = hz.server->Cli({"federation", "status"}, hz.op);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("ningbo (宁波): active"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("ledger witnessed at "), std::string::npos) << status.out;
  // Each peer's ledger is witnessed by the node that added it.
  auto logs = Call(*hz.client, "GET", "/api/v1/federation/witness/logs");
  ASSERT_EQ(logs.body["items"].size(), 2u) << logs.raw;
  EXPECT_EQ(logs.body["items"][0]["origin"], "ningbo.example/ledger");
}

// Incremental crawls: a peer whose catalog has not changed answers one small
// message and its entries stay, fresh; an offer made or withdrawn there is
// seen at the next crawl.
TEST(PeeringTest, AnUnchangedCatalogIsNotReadAgainAndAChangeIsSeenAtTheNextCrawl) {
  PeeringNode hz{"hangzhou", "杭州", 741}, nb{"ningbo", "宁波", 742};
  ASSERT_NO_FATAL_FAILURE(StartPeeredWithPortData(hz, nb));
  auto crawl = [&] {
    auto c = Call(*hz.client, "POST", "/api/v1/federation/crawl", hz.op);
    EXPECT_EQ(c.status, 200) << c.raw;
    for (const auto& item : c.body["items"]) {
      if (item["node"] == "ningbo") return item;
    }
    ADD_FAILURE() << c.raw;
    return json();
  };
  json first = crawl();
  EXPECT_EQ(first["unchanged"], false) << first;
  EXPECT_EQ(first["offers"], 1) << first;
  json second = crawl();
  EXPECT_EQ(second["unchanged"], true) << second;
  EXPECT_EQ(second["offers"], 1) << second;
  EXPECT_EQ(second["read_at"], first["read_at"]) << second;
  EXPECT_EQ(Top(hz, "集装箱")["stale"], false);

  // An offer for named organisations only is not in the catalog, and the
  // catalog's version says nothing of it either: still unchanged.
  const std::string holder_org =
      Call(*nb.client, "GET", "/api/v1/whoami", nb.holder).body["org"]["id"];
  auto restricted = Call(
      *nb.client, "POST", "/api/v1/dataspace/offers", nb.holder,
      json{{"product_id", nb.products[0]},
           {"title", "仅限指定机构"},
           {"policy",
            {{"permission",
              {{{"action", "aggregate_query"},
                {"constraint",
                 {{{"leftOperand", "epsilon"}, {"operator", "lteq"}, {"rightOperand", 1.0}},
                  {{"leftOperand", "groupSize"}, {"operator", "gteq"}, {"rightOperand", 2}}}}}}}}},
           {"visible_to", {{"orgs", {holder_org}}}}}
          .dump());
  ASSERT_EQ(restricted.status, 201) << restricted.raw;
  EXPECT_EQ(crawl()["unchanged"], true);

  ASSERT_NO_FATAL_FAILURE(nb.Publish("港口船舶进出港", "宁波舟山港每日船舶进出"));
  json third = crawl();
  EXPECT_EQ(third["unchanged"], false) << third;
  EXPECT_EQ(third["offers"], 2) << third;
  EXPECT_EQ(Top(hz, "船舶进出")["node"], "ningbo");

  auto withdrawn =
      Call(*nb.client, "POST", "/api/v1/dataspace/offers/" + nb.offers[0] + "/withdraw", nb.holder);
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.raw;
  json fourth = crawl();
  EXPECT_EQ(fourth["unchanged"], false) << fourth;
  EXPECT_EQ(fourth["offers"], 1) << fourth;
  EXPECT_TRUE(Top(hz, "集装箱").is_null() || Top(hz, "集装箱")["offer_id"] != nb.offers[0]);
  EXPECT_EQ(crawl()["unchanged"], true);
}

TEST(PeeringTest, APeerThatGoesDownKeepsItsEntriesMarkedStale) {
  PeeringNode hz{"hangzhou", "杭州", 711}, nb{"ningbo", "宁波", 712};
  ASSERT_NO_FATAL_FAILURE(hz.Start({"--crawl-interval-ms", "300"}));
  ASSERT_NO_FATAL_FAILURE(nb.Start());
  ASSERT_NO_FATAL_FAILURE(nb.Publish("港口集装箱吞吐量", "宁波舟山港每日集装箱吞吐"));
  ASSERT_NO_FATAL_FAILURE(PeerBothWays(hz, nb));
  WaitFor([&] { return Top(hz, "集装箱")["node"] == "ningbo"; });
  ASSERT_EQ(Top(hz, "集装箱")["node"], "ningbo");

  nb.Stop();
  // Two intervals without a good crawl: still there, now stale, with its age.
  WaitFor([&] { return Top(hz, "集装箱")["stale"] == true; });
  json entry = Top(hz, "集装箱");
  EXPECT_EQ(entry["node"], "ningbo");
  EXPECT_EQ(entry["stale"], true);
  EXPECT_GE(entry["age_seconds"].get<int>(), 0);
  auto peer = hz.Peer("ningbo");
  EXPECT_FALSE(peer["last_error"].is_null()) << peer.dump();
  EXPECT_EQ(Call(*hz.client, "GET", "/healthz").status, 200);

  // Back up, on another port: its operator's new descriptor moves it (the
  // key stays pinned), and it is crawled again, fresh.
  ASSERT_NO_FATAL_FAILURE(nb.Start());
  auto moved = hz.AddPeer(nb.Descriptor());
  ASSERT_EQ(moved.status, 201) << moved.raw;
  EXPECT_EQ(moved.body["url"], nb.server->url());
  WaitFor([&] { return Top(hz, "集装箱")["stale"] == false; });
  EXPECT_EQ(Top(hz, "集装箱")["stale"], false);
}

// A peer that confirms the hello properly, then answers its catalog with
// garbage, a wrong DSP message, or too late.
class MisbehavingPeer {
 public:
  MisbehavingPeer() : port_(server_.bind_to_any_port("127.0.0.1")), node_("rogue", Url()) {
    server_.Post("/federation/hello", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(node_.Descriptor(), "text/plain");
    });
    server_.Post("/dsp/catalog/request", [this](const httplib::Request&, httplib::Response& res) {
      const std::string mode = this->mode();
      if (mode == "slow") std::this_thread::sleep_for(std::chrono::seconds(4));
      if (mode == "garbage") res.set_content("<html>not a catalog", "text/html");
      if (mode == "wrong") {
        res.set_content(R"({"@type":"ContractNegotiation","state":"FINALIZED"})",
                        "application/json");
      }
      if (mode == "bad-offer") {
        res.set_content(
            R"({"@type":"Catalog","dataset":[{"@id":"d","hasPolicy":[{"@type":"Set"}]}]})",
            "application/json");
      }
      if (mode == "elsewhere" || mode == "next-port") {
        res.set_header("Link", mode == "elsewhere" ? "<http://169.254.169.254/latest>; rel=\"next\""
                                                   : "<:6379/x>; rel=\"next\"");
        res.set_content(R"({"@type":"Catalog"})", "application/json");
      }
      // JSON nested 100,000 deep: copying or printing it recurses past the
      // stack of the crawler that parsed it.
      if (mode == "deep") {
        res.set_content(R"({"@type":"Catalog","dataset":[{"@id":"d","hasPolicy":[)" +
                            std::string(100'000, '[') + std::string(100'000, ']') + "]}]}",
                        "application/json");
      }
      if (mode == "huge")
        res.set_content("[" + std::string(5 << 20, ' ') + "]", "application/json");
      if (mode == "big-offer") {
        res.set_content(R"({"@type":"Catalog","dataset":[{"@id":"d","hasPolicy":[{"@type":"Offer",)"
                        R"("@id":"o","permission":[{"action":")" +
                            std::string(20'000, 'a') + R"("}]}]}]})",
                        "application/json");
      }
      // A catalog version of 199 ASCII bytes and a Chinese character: cut at
      // 200 bytes it broke the next crawl request, and every crawl after it.
      if (mode == "odd-version") {
        res.set_content(
            json{{"@type", "Catalog"},
                 {"qiantang:catalogVersion", std::string(199, 'v') + "中"},
                 {"dataset",
                  {{{"@id", "d"},
                    {"dct:title", "奇怪的版本"},
                    {"hasPolicy",
                     {{{"@type", "Offer"}, {"@id", "o"}, {"permission", json::array()}}}}}}}}
                .dump(),
            "application/json");
      }
      // An honest peer's long Chinese keyword, cut at 100 bytes mid-character.
      if (mode == "long-keyword") {
        std::string keyword;
        for (int i = 0; i < 34; ++i) keyword += "数";
        res.set_content(
            json{{"@type", "Catalog"},
                 {"dataset",
                  {{{"@id", "d"},
                    {"dct:title", "长关键词"},
                    {"dcat:keyword", {keyword}},
                    {"hasPolicy",
                     {{{"@type", "Offer"}, {"@id", "o"}, {"permission", json::array()}}}}}}}}
                .dump(),
            "application/json");
      }
    });
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~MisbehavingPeer() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const FakeNode& node() const { return node_; }
  void set_mode(const std::string& m) {
    std::lock_guard lock(mu_);
    mode_ = m;
  }
  std::string mode() {
    std::lock_guard lock(mu_);
    return mode_;
  }

 private:
  httplib::Server server_;
  int port_;
  FakeNode node_;
  std::mutex mu_;
  std::string mode_ = "garbage";
  std::thread thread_;
};

TEST(PeeringTest, AMisbehavingPeerIsRecordedAndTheOthersCarryOn) {
  PeeringNode hz{"hangzhou", "杭州", 721}, nb{"ningbo", "宁波", 722};
  ASSERT_NO_FATAL_FAILURE(StartPeeredWithPortData(hz, nb));
  MisbehavingPeer rogue;
  auto added = hz.AddPeer(rogue.node().Descriptor());
  ASSERT_EQ(added.status, 201) << added.raw;
  ASSERT_EQ(added.body["state"], "active") << added.raw;

  for (const char* mode : {"garbage", "wrong", "bad-offer", "elsewhere", "next-port", "deep",
                           "huge", "big-offer", "slow"}) {
    rogue.set_mode(mode);
    auto crawl = Call(*hz.client, "POST", "/api/v1/federation/crawl", hz.op);
    ASSERT_EQ(crawl.status, 200) << crawl.raw;
    EXPECT_FALSE(crawl.body["error"].is_null()) << mode << ": " << crawl.raw;
    for (const auto& c : crawl.body["items"]) {
      if (c["node"] == "rogue") {
        EXPECT_FALSE(c["error"].is_null()) << mode;
        EXPECT_EQ(c["offers"], 0) << mode;
      } else {
        EXPECT_TRUE(c["error"].is_null()) << mode << ": " << c.dump();
        EXPECT_EQ(c["offers"], 1) << mode;
      }
    }
    EXPECT_EQ(Top(hz, "集装箱")["node"], "ningbo") << mode;
  }
  // A keyword cut mid-character is stored whole characters only; crawls go on
  // (it once threw inside a transaction and leaked its connection).
  rogue.set_mode("long-keyword");
  for (int i = 0; i < 12; ++i) {
    auto crawl = Call(*hz.client, "POST", "/api/v1/federation/crawl", hz.op);
    ASSERT_EQ(crawl.status, 200) << crawl.raw;
    EXPECT_TRUE(crawl.body["error"].is_null()) << crawl.raw;
  }
  json cut = Top(hz, "长关键词");
  ASSERT_EQ(cut["node"], "rogue") << cut.dump();
  EXPECT_EQ(cut["keywords"][0].get<std::string>().size(), 99u);  // 33 characters of 3 bytes

  rogue.set_mode("odd-version");
  for (int i = 0; i < 3; ++i) {
    auto crawl = Call(*hz.client, "POST", "/api/v1/federation/crawl", hz.op);
    ASSERT_EQ(crawl.status, 200) << crawl.raw;
    EXPECT_TRUE(crawl.body["error"].is_null()) << crawl.raw;
  }
  EXPECT_EQ(Top(hz, "奇怪的版本")["node"], "rogue");
  EXPECT_EQ(Top(hz, "集装箱")["node"], "ningbo");
}

TEST(PeeringTest, APeerCannotClaimAnotherNodesLedgerOrWitness) {
  PeeringNode hz{"hangzhou", "杭州", 731}, nb{"ningbo", "宁波", 732};
  ASSERT_NO_FATAL_FAILURE(hz.Start());
  ASSERT_NO_FATAL_FAILURE(nb.Start());
  ASSERT_NO_FATAL_FAILURE(PeerBothWays(hz, nb));
  // X's descriptor names Ningbo's ledger key (to frame it as forked with a
  // signed bad proof, or to unwitness it by being removed), or Hangzhou's own.
  auto descriptor_with = [](const FakeNode& x, const std::string& ledger_vkey) {
    std::string d = x.Descriptor();
    const size_t at = d.find("\nledger ") + 8;
    d.replace(at, d.find('\n', at) - at, ledger_vkey);
    // Re-sign the edited text.
    const std::string text = d.substr(0, d.find("\n\n") + 1);
    return *ledger::SignNote(text, x.name, x.key.public_key,
                             [&](std::span<const uint8_t> m) -> Result<crypto::Signature> {
                               return crypto::Sign(x.key, m);
                             });
  };
  FakeNode x{"city-x", "http://127.0.0.1:9"};
  auto nb_ledger = Call(*nb.client, "GET", "/api/v1/ledger/vkey").body["vkey"].get<std::string>();
  auto hz_ledger = Call(*hz.client, "GET", "/api/v1/ledger/vkey").body["vkey"].get<std::string>();
  auto claims_nb = hz.AddPeer(descriptor_with(x, nb_ledger));
  EXPECT_EQ(claims_nb.status, 409) << claims_nb.raw;
  auto claims_own = hz.AddPeer(descriptor_with(x, hz_ledger));
  EXPECT_EQ(claims_own.status, 400) << claims_own.raw;
  EXPECT_EQ(Call(*hz.client, "GET", "/api/v1/federation/peers/city-x", hz.op).status, 404);
}

}  // namespace
}  // namespace qt::testing
