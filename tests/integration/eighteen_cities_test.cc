// The seed's interconnection of 18 pilot cities, end to end: 18 `qiantang
// serve` processes, each with its own database (two on PostgreSQL when
// QIANTANG_TEST_PG is set, SQLite for the rest), keys, ledger and TLS
// certificate, peer with every other from signed descriptors, over TLS. A search on one finds an
// offer of the farthest, and an enterprise there contracts for it node to node, queries it and
// intersects its items with it; every node's checkpoints are cosigned by a quorum of its peers'
// witnesses by themselves; then one node rewrites its own ledger in its database and keeps serving:
// every witness refuses its next checkpoint and flags the fork, and the other 17 carry on being
// witnessed.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <thread>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "tests/integration/peering_node.h"

namespace qt::testing {
namespace {

using nlohmann::json;

constexpr const char* kCities[18][2] = {
    {"hangzhou", "杭州"}, {"ningbo", "宁波"},   {"wenzhou", "温州"}, {"jiaxing", "嘉兴"},
    {"huzhou", "湖州"},   {"shaoxing", "绍兴"}, {"jinhua", "金华"},  {"quzhou", "衢州"},
    {"zhoushan", "舟山"}, {"taizhou", "台州"},  {"lishui", "丽水"},  {"shanghai", "上海"},
    {"nanjing", "南京"},  {"suzhou", "苏州"},   {"hefei", "合肥"},   {"fuzhou", "福州"},
    {"xiamen", "厦门"},   {"shenzhen", "深圳"}};

bool WaitFor(const std::function<bool()>& done, int seconds) {
  for (int i = 0; i < seconds * 4; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return done();
}

json Status(const PeeringNode& n) {
  return Call(*n.client, "GET", "/api/v1/federation/status", n.op).body;
}

uint64_t WitnessedSize(const PeeringNode& n) {
  json s = Status(n);
  return s["node"]["witnessed_size"].is_number() ? s["node"]["witnessed_size"].get<uint64_t>() : 0;
}

// Adds `k` organisations to `n` (its ledger grows) and publishes a checkpoint.
uint64_t Grow(PeeringNode& n, int k) {
  static int next = 0;  // credit codes are unique per node: never reuse one
  for (int i = 0; i < k; ++i, ++next) {
    auto org = Call(*n.client, "POST", "/api/v1/orgs", n.op,
                    OrgBody(n.city + "企业" + std::to_string(next), "enterprise", 50000 + next));
    EXPECT_EQ(org.status, 201) << org.raw;
  }
  auto cp = Call(*n.client, "POST", "/api/v1/ledger/checkpoints", n.op);
  EXPECT_EQ(cp.status, 201) << cp.raw;
  return cp.body["size"].get<uint64_t>();
}

TEST(EighteenCitiesTest, InterconnectedWitnessedAndAForkIsCaughtByEveryPeer) {
  std::vector<std::unique_ptr<PeeringNode>> nodes;
  nodes.reserve(18);
  for (int i = 0; i < 18; ++i) {
    nodes.push_back(std::make_unique<PeeringNode>(kCities[i][0], kCities[i][1], 400 + i));
    // Every node serves HTTPS with its own self-signed certificate; peers
    // pin each other's TLS keys from their descriptors.
    nodes.back()->tls = MakeCertificate((nodes.back()->dir.path() / "tls").string());
    ASSERT_NO_FATAL_FAILURE(
        nodes.back()->Start({"--checkpoint-interval-ms", "2000", "--crawl-interval-ms", "3600000",
                             "--witness-quorum", "2"},
                            /*postgresql=*/i == 5 || i == 12));
    // Shenzhen's offer allows PSI on the district beside the channel.
    json policy = nullptr;
    if (i == 17) {
      policy = {
          {"permission",
           {{{"action", "aggregate_query"},
             {"constraint",
              {{{"leftOperand", "purpose"},
                {"operator", "isAnyOf"},
                {"rightOperand", {"research"}}},
               {{"leftOperand", "epsilon"}, {"operator", "lteq"}, {"rightOperand", 1.0}},
               {{"leftOperand", "groupSize"}, {"operator", "gteq"}, {"rightOperand", 2}}}}},
            {{"action", "psi"},
             {"constraint",
              {{{"leftOperand", "psiOutput"}, {"operator", "isAnyOf"}, {"rightOperand", {"size"}}},
               {{"leftOperand", "field"},
                {"operator", "isAnyOf"},
                {"rightOperand", {"district"}}}}}}}}};
    }
    ASSERT_NO_FATAL_FAILURE(nodes.back()->Publish(std::string(kCities[i][1]) + "公共数据目录",
                                                  std::string(kCities[i][1]) + "市开放的数据",
                                                  policy));
  }
  for (int i = 0; i < 18; ++i) {
    for (int j = i + 1; j < 18; ++j) ASSERT_NO_FATAL_FAILURE(PeerBothWays(*nodes[i], *nodes[j]));
  }
  PeeringNode& hz = *nodes[0];
  ASSERT_EQ(Status(hz)["peers"].size(), 17u);

  // A federated search on Hangzhou finds Shenzhen's offer, and says so.
  auto crawl = Call(*hz.client, "POST", "/api/v1/federation/crawl", hz.op);
  ASSERT_EQ(crawl.status, 200) << crawl.raw;
  EXPECT_TRUE(crawl.body["error"].is_null()) << crawl.raw;
  auto found = hz.Search("深圳公共数据目录", 3);
  ASSERT_EQ(found.status, 200) << found.raw;
  ASSERT_FALSE(found.body["items"].empty()) << found.raw;
  EXPECT_EQ(found.body["items"][0]["node"], "shenzhen");
  EXPECT_EQ(found.body["items"][0]["city"], "深圳");
  EXPECT_EQ(found.body["items"][0]["offer_id"], nodes[17]->offers[0]);

  // An enterprise of Hangzhou contracts for it node to node, both ledgers
  // recording the agreement, then queries it and intersects with it there.
  const std::string firm = NewOrgToken(*hz.client, hz.op, "杭州数据应用公司", "enterprise", 499);
  const std::string id = NegotiateToFinalized(hz, firm, *nodes[17], nodes[17]->offers[0]);
  ASSERT_FALSE(id.empty());
  const std::string api = "/api/v1/federation/negotiations/" + id;
  json done = Call(*hz.client, "GET", api, firm).body;
  EXPECT_TRUE(done["proofs"]["own"].is_object() && done["proofs"]["peer"].is_object())
      << done.dump();
  auto q = Call(*hz.client, "POST", api + "/queries", firm,
                json{{"sql", "SELECT COUNT(*) FROM data"}, {"purpose", "research"}}.dump());
  EXPECT_EQ(q.status, 200) << q.raw;
  EXPECT_EQ(q.body["node"], "shenzhen") << q.raw;
  auto psi = Call(*hz.client, "POST", api + "/psi", firm,
                  json{{"column", "district"},
                       {"output", "size"},
                       {"purpose", "research"},
                       {"items", {"西湖区", "萧山区"}}}
                      .dump());
  ASSERT_EQ(psi.status, 200) << psi.raw;
  EXPECT_EQ(psi.body["intersection_size"], 1) << psi.raw;
  EXPECT_EQ(psi.body["server_size"], 3) << psi.raw;

  // Every node's latest checkpoint is cosigned by a quorum of its peers.
  std::vector<uint64_t> sizes;
  sizes.reserve(nodes.size());
  for (auto& n : nodes) sizes.push_back(Grow(*n, 1));
  for (int i = 0; i < 18; ++i) {
    EXPECT_TRUE(WaitFor([&] { return WitnessedSize(*nodes[i]) >= sizes[i]; }, 120))
        << nodes[i]->name << " is not witnessed at " << sizes[i];
  }

  // Huzhou rewrites its own ledger in its database and keeps serving.
  PeeringNode& hu = *nodes[4];
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((hu.dir.path() / "qiantang.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE ledger_nodes SET hash = randomblob(32)", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  Grow(hu, 1);
  const std::string hu_hash = crypto::HexEncode(crypto::Sha256("huzhou.example/ledger"));
  for (int i = 0; i < 18; ++i) {
    if (i == 4) continue;
    EXPECT_TRUE(WaitFor(
        [&] {
          auto log = Call(*nodes[i]->client, "GET", "/api/v1/federation/witness/logs/" + hu_hash);
          return log.body.value("forked", false);
        },
        120))
        << nodes[i]->name << "'s witness did not flag Huzhou's fork";
  }
  // The other 17 carry on.
  const uint64_t next = Grow(hz, 1);
  EXPECT_TRUE(WaitFor([&] { return WitnessedSize(hz) >= next; }, 120));
  EXPECT_EQ(WitnessedSize(hu), sizes[4]) << "Huzhou's rewritten history was cosigned";
  auto status = hz.server->Cli({"federation", "status"}, hz.op);
  EXPECT_NE(status.out.find("huzhou (湖州): active"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("FORKED"), std::string::npos) << status.out;
}

}  // namespace
}  // namespace qt::testing
