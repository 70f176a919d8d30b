// For the live-jobs integration tests: the real server started with the
// test's flags, a compute provider's simulated cluster of 4 nodes of 8 H800
// (two nodes per leaf switch) registered through the API, and two tenant
// organisations.
#ifndef QIANTANG_TESTS_INTEGRATION_LIVE_CLUSTER_H_
#define QIANTANG_TESTS_INTEGRATION_LIVE_CLUSTER_H_

#include <string>
#include <vector>

#include "tests/integration/api_test.h"

namespace qt::testing {

class LiveClusterApiTest : public ApiTest {
 protected:
  // Starts the server with `flags` and registers the cluster.
  void StartWithCluster(std::vector<std::string> flags) {
    ASSERT_NO_FATAL_FAILURE(StartServer(std::move(flags)));
    provider_ = NewOrg("算力 Co", "compute_provider", 711);
    tenant_ = NewOrg("大模型 Co", "enterprise", 712);
    other_ = NewOrg("另一家 Co", "enterprise", 713);
    auto cluster = Call(*client_, "POST", "/api/v1/compute/provider-clusters", provider_,
                        R"({"name": "液冷训练集群", "region": "钱塘区",
                            "pools": [{"name": "h800", "chip": "H800", "nodes": 4,
                                       "nodes_per_leaf": 2}],
                            "fen_per_card_hour": {"H800": 2800}})");
    ASSERT_EQ(cluster.status, 201) << cluster.raw;
    cluster_ = cluster.body["id"];
  }

  std::string provider_, tenant_, other_, cluster_;
};

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_INTEGRATION_LIVE_CLUSTER_H_
