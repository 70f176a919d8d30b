// Node-to-node requests as a hostile node or an eavesdropper would send them,
// against the guarantee of docs/federation/README.md ("Peering"): only a
// peer's pinned key signing this very request, now and once, gets in; 401 or
// 403 otherwise, and a refused request changes nothing.
#include <gtest/gtest.h>

#include "tests/integration/fake_node.h"
#include "tests/integration/peering_node.h"

namespace qt::testing {
namespace {

using nlohmann::json;

const std::string kCatalogRequest =
    R"({"@context":["https://w3id.org/dspace/2025/1/context.jsonld"],"@type":"CatalogRequestMessage"})";

class PeerRequestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(node_.Start());
    ASSERT_NO_FATAL_FAILURE(node_.Publish("港口集装箱吞吐量", "宁波舟山港每日集装箱吞吐"));
    base_ = node_.server->url();
    // The operator adds X (unreachable, so it stays pending).
    auto added = node_.AddPeer(x_.Descriptor());
    ASSERT_EQ(added.status, 201) << added.raw;
    ASSERT_EQ(added.body["state"], "pending");
  }
  HttpAnswer Hello(const FakeNode::Signing& how = {}) {
    return x_.Send(*node_.client, base_, "POST", "/federation/hello", x_.Descriptor(), how);
  }
  HttpAnswer Catalog(const FakeNode::Signing& how = {}, const std::string& body = kCatalogRequest) {
    return x_.Send(*node_.client, base_, "POST", "/dsp/catalog/request", body, how);
  }
  // Everything a refused request could have changed.
  std::string State() {
    return Call(*node_.client, "GET", "/api/v1/federation/peers/city-x", node_.op).body.dump() +
           Call(*node_.client, "POST", "/api/v1/ledger/checkpoints", node_.op).body["size"].dump();
  }

  PeeringNode node_{"city-b", "宁波", 901};
  FakeNode x_{"city-x", "http://127.0.0.1:9"};
  std::string base_;
};

TEST_F(PeerRequestsTest, APeersSignedRequestGetsInOnceAndOnlyOnce) {
  // Before its hello is answered, X may greet but not read the catalog.
  auto early = Catalog();
  EXPECT_EQ(early.status, 403) << early.raw;
  EXPECT_EQ(early.body["@type"], "CatalogError");
  auto hello = Hello();
  ASSERT_EQ(hello.status, 200) << hello.raw;
  EXPECT_NE(hello.raw.find("name city-b\n"), std::string::npos);
  EXPECT_EQ(node_.Peer("city-x")["state"], "active");

  auto headers = x_.Sign("POST", base_, "/dsp/catalog/request", kCatalogRequest);
  auto first =
      FakeNode::SendWith(*node_.client, "POST", "/dsp/catalog/request", kCatalogRequest, headers);
  ASSERT_EQ(first.status, 200) << first.raw;
  EXPECT_EQ(first.body["@type"], "Catalog");
  EXPECT_EQ(first.body["participantId"], "city-b");
  EXPECT_NE(first.raw.find("港口集装箱吞吐量"), std::string::npos);
  // The same bytes again, within the window: a replay.
  auto replay =
      FakeNode::SendWith(*node_.client, "POST", "/dsp/catalog/request", kCatalogRequest, headers);
  EXPECT_EQ(replay.status, 401) << replay.raw;
  EXPECT_NE(replay.raw.find("replayed"), std::string::npos) << replay.raw;
  EXPECT_EQ(replay.body["@type"], "CatalogError");
}

TEST_F(PeerRequestsTest, EveryForgeryIsRefusedAndChangesNothing) {
  const std::string before = State();
  // No signature at all, and garbage in the headers.
  EXPECT_EQ(Call(*node_.client, "POST", "/federation/hello", "", x_.Descriptor()).status, 401);
  httplib::Headers junk = {{"Signature-Input", "sig1=(\"@method\""}, {"Signature", "sig1=:AA:"}};
  EXPECT_EQ(FakeNode::SendWith(*node_.client, "POST", "/federation/hello", "{}", junk).status, 401);
  // Signed, but: by a key that is no peer; with a peer's keyid and another key.
  FakeNode stranger{"city-y", "http://127.0.0.1:9"};
  EXPECT_EQ(stranger.Send(*node_.client, base_, "POST", "/federation/hello", stranger.Descriptor())
                .status,
            403);
  FakeNode impostor{"city-x", "http://127.0.0.1:9"};  // X's name, its own key
  EXPECT_EQ(
      impostor.Send(*node_.client, base_, "POST", "/federation/hello", x_.Descriptor()).status,
      401);
  // For another node's URL (a request captured on its way elsewhere).
  EXPECT_EQ(Hello({.target_uri = "http://127.0.0.1:1/federation/hello"}).status, 401);
  // Outside the clock window, either way.
  EXPECT_EQ(Hello({.skew_seconds = -120}).status, 401);
  EXPECT_EQ(Hello({.skew_seconds = 120}).status, 401);
  // A body other than the one signed; a digest of another body.
  {
    auto h = x_.Sign("POST", base_, "/federation/hello", x_.Descriptor());
    EXPECT_EQ(
        FakeNode::SendWith(*node_.client, "POST", "/federation/hello", x_.Descriptor() + " ", h)
            .status,
        401);
  }
  EXPECT_EQ(Hello({.digest_of = "other"}).status, 401);
  // Components left out of the signature; a nonce too short to be one.
  EXPECT_EQ(Hello({.components = {"@method", "@target-uri"}}).status, 401);
  EXPECT_EQ(Hello({.components = {"@method", "content-digest"}}).status, 401);
  EXPECT_EQ(Hello({.nonce = "abc"}).status, 401);
  EXPECT_EQ(State(), before) << "a refused request changed the node";
  // A hello properly signed by X but carrying someone else's descriptor: X
  // did reach the node (its last contact says so), and stays pending.
  auto a = x_.Send(*node_.client, base_, "POST", "/federation/hello", stranger.Descriptor());
  EXPECT_EQ(a.status, 403) << a.raw;
  EXPECT_EQ(node_.Peer("city-x")["state"], "pending");
}

TEST_F(PeerRequestsTest, SuspendedAndRemovedPeersAreShutOut) {
  ASSERT_EQ(Hello().status, 200);
  ASSERT_EQ(Catalog().status, 200);
  auto s = Call(*node_.client, "POST", "/api/v1/federation/peers/city-x/suspend", node_.op);
  ASSERT_EQ(s.status, 200) << s.raw;
  EXPECT_EQ(Catalog().status, 403);
  EXPECT_EQ(Hello().status, 403);
  // Only the operator's admin may change peers.
  auto member = NewOrgToken(*node_.client, node_.op, "旁观者", "enterprise", 902);
  EXPECT_EQ(Call(*node_.client, "POST", "/api/v1/federation/peers/city-x/resume", member).status,
            403);
  EXPECT_EQ(Call(*node_.client, "POST", "/api/v1/federation/peers", member,
                 json{{"descriptor", x_.Descriptor()}}.dump())
                .status,
            403);
  EXPECT_EQ(Call(*node_.client, "DELETE", "/api/v1/federation/peers/city-x", node_.op).status, 200);
  EXPECT_EQ(Catalog().status, 403);
  EXPECT_EQ(node_.Peer("city-x")["state"], "removed");
  // Coming back under the same name with another key is refused.
  FakeNode changed{"city-x", "http://127.0.0.1:9"};
  auto again = node_.AddPeer(changed.Descriptor());
  EXPECT_EQ(again.status, 409) << again.raw;
}

TEST_F(PeerRequestsTest, BadDescriptorsAreRefusedWithTheirReason) {
  FakeNode z{"city-z", "http://127.0.0.1:9"};
  crypto::SigningKey other = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  struct Case {
    std::string descriptor;
    int status;
  } cases[] = {
      {"", 400},
      {"qiantang-node/v1\nname city-z\n", 400},
      {z.Descriptor(&other), 403},  // signed by a key other than the one it names
      {node_.Descriptor(), 400},    // this node's own
  };
  for (const auto& c : cases) {
    auto a = node_.AddPeer(c.descriptor);
    EXPECT_EQ(a.status, c.status) << c.descriptor << "\n" << a.raw;
  }
  z.url = "ftp://127.0.0.1:9";
  EXPECT_EQ(node_.AddPeer(z.Descriptor()).status, 400);
  EXPECT_EQ(Call(*node_.client, "GET", "/api/v1/federation/peers/city-z", node_.op).status, 404);
}

}  // namespace
}  // namespace qt::testing
