#include "cli/serve_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <vector>

#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace qt::cli {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

const char* NoEnv(const char*) { return nullptr; }

TEST(ServeConfig, DefaultsAreDocumented) {
  auto c = ResolveServeConfig({}, "", NoEnv);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->port, 8080);
  EXPECT_EQ(c->db, "sqlite:var/qiantang.db");
  EXPECT_EQ(c->threads, 16);
  EXPECT_EQ(c->max_connections, 4096);
  EXPECT_EQ(c->max_connections_per_address, 128);
  EXPECT_EQ(c->header_timeout_s, 10);
  EXPECT_EQ(c->body_timeout_s, 30);
  EXPECT_EQ(c->trusted_proxies, "");
  EXPECT_FALSE(c->demo);
}

TEST(ServeConfig, FlagsBeatEnvironmentBeatsFile) {
  qt::testing::TempDir dir;
  std::ofstream(dir.File("q.toml"))
      << "threads = 3\nlisten = \"0.0.0.0:9000\"\nlog_level = \"warn\"\ndemo = true\n";
  auto env = [](const char* name) -> const char* {
    return std::string(name) == "QIANTANG_THREADS" ? "5" : nullptr;
  };
  auto c = ResolveServeConfig({{"threads", "7"}}, dir.File("q.toml"), env);
  ASSERT_THAT(c, IsOk()) << c.status().ToString();
  EXPECT_EQ(c->threads, 7);
  EXPECT_EQ(c->port, 9000);
  EXPECT_EQ(c->log_level, "warn");
  EXPECT_TRUE(c->demo);
  auto c2 = ResolveServeConfig({}, dir.File("q.toml"), env);
  EXPECT_EQ(c2->threads, 5);
}

TEST(ServeConfig, BadValuesAreNamed) {
  EXPECT_EQ(ResolveServeConfig({{"threads", "0"}}, "", NoEnv).status().message(),
            "threads: '0' is not an integer between 1 and 1024");
  EXPECT_EQ(ResolveServeConfig({{"listen", "8080"}}, "", NoEnv).status().message(),
            "listen: '8080' is not HOST:PORT (e.g. 127.0.0.1:8080)");
  EXPECT_FALSE(ResolveServeConfig({{"listen", "h:99999"}}, "", NoEnv).ok());
  EXPECT_FALSE(ResolveServeConfig({{"log_level", "loud"}}, "", NoEnv).ok());
  EXPECT_EQ(
      ResolveServeConfig({{"trusted_proxies", "10.0.0.0/8, proxy"}}, "", NoEnv).status().message(),
      "trusted_proxies: 'proxy' is not an IPv4 or IPv6 address or CIDR");
  EXPECT_THAT(ResolveServeConfig({{"trusted_proxies", "10.0.0.0/8 ::1"}}, "", NoEnv), IsOk());
  EXPECT_FALSE(ResolveServeConfig({{"header_timeout_s", "0"}}, "", NoEnv).ok());
  qt::testing::TempDir dir;
  std::ofstream(dir.File("bad.toml")) << "thredas = 3\n";
  EXPECT_NE(ResolveServeConfig({}, dir.File("bad.toml"), NoEnv).status().message().find("thredas"),
            std::string::npos);
  std::ofstream(dir.File("broken.toml")) << "threads = [\n";
  EXPECT_FALSE(ResolveServeConfig({}, dir.File("broken.toml"), NoEnv).ok());
  EXPECT_FALSE(ResolveServeConfig({}, dir.File("missing.toml"), NoEnv).ok());
}

TEST(ServeConfig, FoldersOthersReadHoldNoSecret) {
  ServeConfig c;  // var/master.key, var/qiantang.db, var/dataspace, var/import, web
  EXPECT_THAT(CheckFolders(c), IsOk());
  EXPECT_EQ(ResolvedImportDir(c), "var/import");
  for (const auto& set : std::vector<std::function<void(ServeConfig&)>>{
           [](ServeConfig& x) { x.import_dir = "var"; },
           [](ServeConfig& x) { x.import_dir = "./var/"; },
           [](ServeConfig& x) { x.import_dir = "var/dataspace"; },
           [](ServeConfig& x) { x.data_dir = "var/import/data"; },
           [](ServeConfig& x) { x.db = "sqlite:var/import/x/q.db"; },
           [](ServeConfig& x) { x.web_dir = "var"; },
           [](ServeConfig& x) { x.import_dir = "web/files"; },
       }) {
    ServeConfig bad;
    set(bad);
    Status s = CheckFolders(bad);
    EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument)) << bad.import_dir << " " << bad.web_dir;
  }
  ServeConfig near;
  near.import_dir = "var/importable";  // a sibling, not the parent, of nothing secret
  near.db = "postgresql://db/q";
  EXPECT_THAT(CheckFolders(near), IsOk());
}

TEST(ServeConfig, TlsNeedsBothFilesAndAnHttpsPublicUrl) {
  auto plain = ResolveServeConfig({}, "", NoEnv);
  ASSERT_THAT(plain, IsOk());
  EXPECT_TRUE(plain->tls_cert.empty());
  EXPECT_FALSE(plain->plain_http_peers);
  auto both = ResolveServeConfig({{"tls_cert", "c.pem"}, {"tls_key", "k.pem"}}, "", NoEnv);
  ASSERT_THAT(both, IsOk()) << both.status().ToString();
  auto one = ResolveServeConfig({{"tls_cert", "c.pem"}}, "", NoEnv);
  EXPECT_THAT(one, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_NE(one.status().message().find("give both"), std::string::npos);
  auto http = ResolveServeConfig(
      {{"tls_cert", "c.pem"}, {"tls_key", "k.pem"}, {"public_url", "http://x"}}, "", NoEnv);
  EXPECT_THAT(http, StatusIs(StatusCode::kInvalidArgument));
  auto peers = ResolveServeConfig({{"plain_http_peers", "yes"}}, "", NoEnv);
  EXPECT_THAT(peers, StatusIs(StatusCode::kInvalidArgument));
}

TEST(ServeConfig, OutboundAllowHostsIsAList) {
  EXPECT_TRUE(ResolveServeConfig({}, "", NoEnv)->outbound_allow_hosts.empty());
  auto c = ResolveServeConfig({{"outbound_allow_hosts", "127.0.0.1,hooks.internal"}}, "", NoEnv);
  ASSERT_THAT(c, IsOk()) << c.status().ToString();
  EXPECT_EQ(c->outbound_allow_hosts, (std::vector<std::string>{"127.0.0.1", "hooks.internal"}));
  EXPECT_FALSE(ResolveServeConfig({{"outbound_allow_hosts", "a,,b"}}, "", NoEnv).ok());
  EXPECT_FALSE(ResolveServeConfig({{"outbound_allow_hosts", "a b"}}, "", NoEnv).ok());
}

}  // namespace
}  // namespace qt::cli
