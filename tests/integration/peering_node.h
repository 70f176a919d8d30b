// A city node for federation tests: a real `qiantang serve` with its own
// database, node name, ledger origin and witness name, an operator token, and
// a data holder that publishes small products with offers open to every node.
#ifndef QIANTANG_TESTS_INTEGRATION_PEERING_NODE_H_
#define QIANTANG_TESTS_INTEGRATION_PEERING_NODE_H_

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/test_codes.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tls_certificate.h"

namespace qt::testing {

struct PeeringNode {
  explicit PeeringNode(std::string node_name, std::string node_city, int number)
      : name(std::move(node_name)), city(std::move(node_city)), n(number) {}

  // Starts the server; `extra` are more serve flags. `postgresql`: on a
  // PostgreSQL database of its own if QIANTANG_TEST_PG is set (else SQLite),
  // whatever QIANTANG_TEST_SERVER_BACKEND says. Over TLS if `tls` holds a
  // certificate, else over plain http with plain http peers allowed.
  void Start(std::vector<std::string> extra = {}, bool postgresql = false) {
    std::vector<std::string> args = {"--node-name",      name,
                                     "--node-city",      city,
                                     "--ledger-origin",  name + ".example/ledger",
                                     "--witness-name",   name + ".example/witness",
                                     "--peer-timeout-s", "2"};
    if (tls.cert.empty()) {
      args.emplace_back("--plain-http-peers");
    } else {
      args.insert(args.end(), {"--tls-cert", tls.cert, "--tls-key", tls.key});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    const char* backend = std::getenv("QIANTANG_TEST_SERVER_BACKEND");
    const bool pg_configured = std::getenv("QIANTANG_TEST_PG") != nullptr;
    if (!db && ((backend != nullptr && std::string(backend) == "postgresql") ||
                (postgresql && pg_configured))) {
      db = std::make_unique<TestDatabase>("postgresql");
    }
    server = std::make_unique<ServerProcess>(dir.path().string(), args, db ? db->url() : "");
    ASSERT_TRUE(server->Start()) << name;
    client = server->Client();
    if (!server->bootstrap_token().empty()) op = server->bootstrap_token();
  }
  void Stop() {
    client.reset();
    server->Stop();
  }

  std::string Descriptor() const {
    auto d = Call(*client, "GET", "/federation/descriptor");
    EXPECT_EQ(d.status, 200) << d.raw;
    return d.raw;
  }
  HttpAnswer AddPeer(const std::string& descriptor) const {
    return Call(*client, "POST", "/api/v1/federation/peers", op,
                nlohmann::json{{"descriptor", descriptor}}.dump());
  }
  nlohmann::json Peer(const std::string& peer) const {
    return Call(*client, "GET", "/api/v1/federation/peers/" + peer, op).body;
  }
  HttpAnswer Search(const std::string& q, int limit = 20) const {
    return Call(*client, "GET",
                "/api/v1/federation/catalog?limit=" + std::to_string(limit) +
                    "&q=" + httplib::detail::encode_query_param(q),
                op);
  }

  // Publishes a product titled `title` (three districts' head counts) with one
  // offer open to every node, under `policy` (by default: aggregate queries
  // for research, epsilon 1, groups of 2).
  void Publish(const std::string& title, const std::string& description,
               nlohmann::json policy = nullptr) {
    if (holder.empty()) holder = NewOrgToken(*client, op, city + "数据公司", "data_holder", n);
    const std::string csv = "区,人数\n西湖区,10\n上城区,20\n滨江区,30\n";
    auto src = Call(*client, "POST", "/api/v1/dataspace/sources", holder,
                    nlohmann::json{{"name", title}, {"csv", csv}}.dump());
    ASSERT_EQ(src.status, 201) << src.raw;
    auto pipe = Call(*client, "POST", "/api/v1/dataspace/pipelines", holder,
                     nlohmann::json{{"name", title},
                                    {"source_id", src.body["id"]},
                                    {"spec",
                                     {{"steps", nlohmann::json::array()},
                                      {"output",
                                       {{{"name", "district"}, {"from", "c1"}},
                                        {{"name", "people"},
                                         {"from", "c2"},
                                         {"type", "integer"},
                                         {"min", 0},
                                         {"max", 1000}}}}}}}
                         .dump());
    ASSERT_EQ(pipe.status, 201) << pipe.raw;
    auto run =
        Call(*client, "POST",
             "/api/v1/dataspace/pipelines/" + pipe.body["id"].get<std::string>() + "/runs", holder);
    ASSERT_EQ(run.status, 201) << run.raw;
    auto product = Call(
        *client, "POST", "/api/v1/dataspace/products", holder,
        nlohmann::json{{"run_id", run.body["id"]}, {"title", title}, {"description", description}}
            .dump());
    ASSERT_EQ(product.status, 201) << product.raw;
    products.push_back(product.body["id"]);
    if (policy.is_null())
      policy = {
          {"permission",
           {{{"action", "aggregate_query"},
             {"constraint",
              {{{"leftOperand", "purpose"},
                {"operator", "isAnyOf"},
                {"rightOperand", {"research"}}},
               {{"leftOperand", "epsilon"}, {"operator", "lteq"}, {"rightOperand", 1.0}},
               {{"leftOperand", "groupSize"}, {"operator", "gteq"}, {"rightOperand", 2}}}}}}}};
    auto offer = Call(
        *client, "POST", "/api/v1/dataspace/offers", holder,
        nlohmann::json{
            {"product_id", product.body["id"]}, {"title", title + "（研究）"}, {"policy", policy}}
            .dump());
    ASSERT_EQ(offer.status, 201) << offer.raw;
    offers.push_back(offer.body["id"]);
  }

  std::string name, city;
  int n;
  TempDir dir;
  TlsFiles tls;                      // set before Start() to serve HTTPS
  std::unique_ptr<TestDatabase> db;  // PostgreSQL only; outlives the server
  std::unique_ptr<ServerProcess> server;
  std::unique_ptr<httplib::Client> client;
  std::string op, holder;
  std::vector<std::string> offers, products;
};

// Peers `a` and `b` both ways (each operator adds the other's descriptor).
inline void PeerBothWays(PeeringNode& a, PeeringNode& b) {
  auto ab = a.AddPeer(b.Descriptor());
  ASSERT_EQ(ab.status, 201) << ab.raw;
  auto ba = b.AddPeer(a.Descriptor());
  ASSERT_EQ(ba.status, 201) << ba.raw;
  // b's hello reached a, which knew it already: both are active now.
  EXPECT_EQ(ba.body["state"], "active") << ba.raw;
  EXPECT_EQ(a.Peer(b.name)["state"], "active");
}

// Negotiates `provider`'s offer `offer_id` for the organisation of `member`
// (a token of `consumer`) to FINALIZED, `provider`'s holder making the
// provider's moves; returns the negotiation's id on `consumer` ("" if it
// failed, with the failures recorded).
// `key_file`: the consumer holds its own key, and signs with it through the CLI.
inline std::string NegotiateToFinalized(PeeringNode& consumer, const std::string& member,
                                        PeeringNode& provider, const std::string& offer_id,
                                        const std::string& key_file = "") {
  const std::string api = "/api/v1/federation/negotiations";
  auto requested = Call(*consumer.client, "POST", api, member,
                        nlohmann::json{{"peer", provider.name}, {"offer_id", offer_id}}.dump());
  EXPECT_EQ(requested.status, 201) << requested.raw;
  std::string id = requested.body.value("id", "");
  const std::string pid = requested.body.value("provider_pid", "");
  if (id.empty()) return "";
  auto state = [&] { return Call(*consumer.client, "GET", api + "/" + id, member).body["state"]; };
  auto reaches = [&](const char* want) {
    for (int i = 0; i < 200 && state() != want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(state(), want);
  };
  auto provider_moves = [&](const char* verb) {
    auto r = Call(*provider.client, "POST", "/api/v1/dataspace/contracts/" + pid + "/" + verb,
                  provider.holder, "{}");
    EXPECT_EQ(r.status, 200) << verb << ": " << r.raw;
  };
  auto consumer_moves = [&](const char* verb) {
    auto r = Call(*consumer.client, "POST", api + "/" + id + "/" + verb, member, "{}");
    EXPECT_EQ(r.status, 200) << verb << ": " << r.raw;
  };
  provider_moves("offer");
  reaches("OFFERED");
  consumer_moves("accept");
  provider_moves("agree");
  reaches("AGREED");
  if (key_file.empty()) {
    consumer_moves("verify");
  } else {
    auto r = consumer.server->Cli({"federation", "negotiations", "verify", id, "--key", key_file},
                                  member);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  provider_moves("finalize");
  reaches("FINALIZED");
  return id;
}

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_INTEGRATION_PEERING_NODE_H_
