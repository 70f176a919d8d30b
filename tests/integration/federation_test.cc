// Witnessing between city nodes, end to end: three `qiantang serve` processes,
// each with its own database, ledger origin and witness key. Each node's
// witness cosigns another's checkpoints through the C2SP tlog-witness protocol
// (`qiantang ledger witness`), a C2SP tlog-policy with a quorum verifies the
// result offline, and a node whose ledger forks is refused and flagged.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "tests/integration/test_codes.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string Hash(const std::string& origin) { return crypto::HexEncode(crypto::Sha256(origin)); }

struct Node {
  explicit Node(std::string name) : city(std::move(name)) {}
  std::string city;
  TempDir dir;
  std::unique_ptr<TestDatabase> db;  // PostgreSQL only; outlives the server
  std::unique_ptr<ServerProcess> server;
  std::unique_ptr<httplib::Client> client;
  std::string op;

  std::string origin() const { return city + ".example/ledger"; }
  std::vector<std::string> Args() const {
    std::vector<std::string> args = {"--ledger-origin", origin(), "--witness-name",
                                     city + ".example/witness"};
    args.insert(args.end(), extra.begin(), extra.end());
    if (std::find(extra.begin(), extra.end(), "--checkpoint-interval-ms") == extra.end()) {
      args.insert(args.end(), {"--checkpoint-interval-ms", "3600000"});
    }
    return args;
  }
  std::vector<std::string> extra;  // more serve flags
  bool Start(const std::string& from_dir = "") {
    // On PostgreSQL the node keeps one database across restarts.
    const char* backend = std::getenv("QIANTANG_TEST_SERVER_BACKEND");
    if (!db && backend != nullptr && std::string(backend) == "postgresql") {
      db = std::make_unique<TestDatabase>("postgresql");
    }
    server = std::make_unique<ServerProcess>(from_dir.empty() ? dir.path().string() : from_dir,
                                             Args(), db ? db->url() : "");
    if (!server->Start()) return false;
    client = server->Client();
    if (!server->bootstrap_token().empty()) op = server->bootstrap_token();
    return true;
  }
  void Grow(int from, int n) {
    for (int i = from; i < from + n; ++i) {
      ASSERT_EQ(Call(*client, "POST", "/api/v1/orgs", op,
                     OrgBody(city + " org " + std::to_string(i), "enterprise", i))
                    .status,
                201);
    }
    ASSERT_EQ(Call(*client, "POST", "/api/v1/ledger/checkpoints", op).status, 201);
  }
  std::string LogVkey() const {
    return Call(*client, "GET", "/api/v1/ledger/vkey").body["vkey"].get<std::string>();
  }
  std::string WitnessVkey() const {
    return Call(*client, "GET", "/api/v1/federation/witness").body["vkey"].get<std::string>();
  }
  // Has `witness` cosign this node's latest checkpoint; returns the cosigned note.
  CommandResult SubmitTo(const Node& witness) const {
    return server->Cli({"ledger", "witness", "--witness", witness.server->url() + "/witness"}, op);
  }
};

class FederationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (Node* n : {&a_, &b_, &c_}) ASSERT_TRUE(n->Start()) << n->city;
    // B and C witness A's ledger, added by their operators from A's vkey.
    for (Node* w : {&b_, &c_}) {
      auto added = w->server->Cli({"federation", "witness", "add-log", a_.LogVkey()}, w->op);
      ASSERT_EQ(added.exit_code, 0) << added.err;
      EXPECT_NE(added.out.find("origin: city-a.example/ledger"), std::string::npos) << added.out;
    }
  }

  std::string File(const std::string& name) { return a_.dir.File(name); }

  Node a_{"city-a"}, b_{"city-b"}, c_{"city-c"};
};

TEST_F(FederationTest, TwoWitnessesCosignAndAPolicyQuorumVerifiesOffline) {
  a_.Grow(1, 2);
  auto by_b = a_.SubmitTo(b_);
  ASSERT_EQ(by_b.exit_code, 0) << by_b.err;
  auto by_c = a_.SubmitTo(c_);
  ASSERT_EQ(by_c.exit_code, 0) << by_c.err;

  // The note once, then both witnesses' cosignature lines.
  const std::string note = by_b.out.substr(0, by_b.out.rfind('\n', by_b.out.size() - 2) + 1);
  const std::string b_line = by_b.out.substr(note.size());
  const std::string c_line = by_c.out.substr(by_c.out.rfind('\n', by_c.out.size() - 2) + 1);
  ASSERT_NE(b_line.find("city-b.example/witness"), std::string::npos) << by_b.out;
  ASSERT_NE(c_line.find("city-c.example/witness"), std::string::npos) << by_c.out;
  WriteFile(File("policy"), "log " + a_.LogVkey() + "\nwitness B " + b_.WitnessVkey() +
                                "\nwitness C " + c_.WitnessVkey() + "\ngroup peers 2 B C\n" +
                                "quorum peers\n");
  WriteFile(File("both.txt"), note + b_line + c_line);
  WriteFile(File("one.txt"), note + b_line);
  auto both = RunCommand({QiantangBinary(), "ledger", "verify", "checkpoint", "--policy",
                          File("policy"), "--checkpoint", File("both.txt")});
  EXPECT_EQ(both.exit_code, 0) << both.err;
  EXPECT_NE(both.out.find("cosigned by B, C; the policy's quorum is met"), std::string::npos)
      << both.out;
  auto one = RunCommand({QiantangBinary(), "ledger", "verify", "checkpoint", "--policy",
                         File("policy"), "--checkpoint", File("one.txt")});
  EXPECT_NE(one.exit_code, 0);
  EXPECT_NE(one.err.find("quorum is not met"), std::string::npos) << one.err;
  // A cosignature line moved under another witness's name fails, it does not count.
  std::string swapped = c_line;
  swapped.replace(swapped.find("city-c"), 6, "city-b");
  WriteFile(File("swapped.txt"), note + b_line + swapped);
  EXPECT_NE(RunCommand({QiantangBinary(), "ledger", "verify", "checkpoint", "--policy",
                        File("policy"), "--checkpoint", File("swapped.txt")})
                .exit_code,
            0);

  // A grows; the next submission learns B's size (409) and sends a proof from it.
  a_.Grow(10, 3);
  auto saved = a_.server->Cli(
      {"ledger", "witness", "--witness", b_.server->url() + "/witness", "--out", File("again.txt")},
      a_.op);
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  EXPECT_NE(saved.out.find("cosigned: size"), std::string::npos) << saved.out;
  std::ifstream in(File("again.txt"));
  const CommandResult again{0, std::string(std::istreambuf_iterator<char>(in), {}), ""};
  auto log = Call(*b_.client, "GET", "/api/v1/federation/witness/logs/" + Hash(a_.origin()));
  ASSERT_EQ(log.status, 200) << log.raw;
  EXPECT_NE(again.out.find("\n" + std::to_string(log.body["size"].get<uint64_t>()) + "\n"),
            std::string::npos);
  EXPECT_FALSE(log.body["forked"].get<bool>());
  // Monitors read the latest cosigned checkpoint from the witness.
  auto monitor = Call(*b_.client, "GET", "/witness/" + Hash(a_.origin()) + "/checkpoint");
  EXPECT_EQ(monitor.status, 200);
  EXPECT_EQ(monitor.raw.substr(0, monitor.raw.find("\n\n")),
            again.out.substr(0, again.out.find("\n\n")));
}

TEST_F(FederationTest, ANodeHasEachNewCheckpointCosignedByItsPolicysWitnesses) {
  EXPECT_EQ(Call(*a_.client, "GET", "/api/v1/ledger/checkpoint/witnessed").status, 404);
  // A's policy: its own log, B and C with their submission URLs, both needed;
  // D is known to readers but has no URL, so it is not asked.
  Node d{"city-d"};
  ASSERT_TRUE(d.Start());
  const std::string policy = "log " + a_.LogVkey() + "\nwitness B " + b_.WitnessVkey() + " " +
                             b_.server->url() + "/witness\nwitness C " + c_.WitnessVkey() + " " +
                             c_.server->url() + "/witness\nwitness D " + d.WitnessVkey() +
                             "\ngroup peers all B C\nquorum peers\n";
  WriteFile(File("policy"), policy);
  a_.client.reset();
  ASSERT_EQ(a_.server->Stop(), 0);
  a_.extra = {"--witness-policy", File("policy"), "--checkpoint-interval-ms", "200"};
  ASSERT_TRUE(a_.Start());
  a_.Grow(1, 2);

  // Within a few rounds the latest checkpoint carries both cosignatures (an
  // earlier one, published between the two organisations, may come first).
  const std::string newest = Call(*a_.client, "GET", "/api/v1/ledger/checkpoint").raw;
  const std::string newest_text = newest.substr(0, newest.find("\n\n"));
  HttpAnswer witnessed;
  for (int i = 0; i < 300; ++i) {
    witnessed = Call(*a_.client, "GET", "/api/v1/ledger/checkpoint/witnessed");
    if (witnessed.status == 200 && witnessed.raw.starts_with(newest_text + "\n")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(witnessed.status, 200) << witnessed.raw;
  WriteFile(File("witnessed.txt"), witnessed.raw);
  auto v = RunCommand({QiantangBinary(), "ledger", "verify", "checkpoint", "--policy",
                       File("policy"), "--checkpoint", File("witnessed.txt")});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.out.find("cosigned by B, C;"), std::string::npos) << v.out;

  // C goes down: A carries on with B, and its newer checkpoints wait for C.
  c_.client.reset();
  ASSERT_EQ(c_.server->Stop(), 0);
  a_.Grow(20, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto still = Call(*a_.client, "GET", "/api/v1/ledger/checkpoint/witnessed");
  EXPECT_EQ(still.raw, witnessed.raw);  // the quorum is not met for the newer one
  auto metrics = Call(*a_.client, "GET", "/metrics").raw;
  EXPECT_NE(metrics.find("qiantang_witness_submissions_total{witness=\"C\",outcome=\"failed\"}"),
            std::string::npos)
      << metrics.substr(0, 2000);
  auto b_log = Call(*b_.client, "GET", "/api/v1/federation/witness/logs/" + Hash(a_.origin()));
  auto latest = Call(*a_.client, "GET", "/api/v1/ledger/checkpoint").raw;
  EXPECT_NE(latest.find("\n" + std::to_string(b_log.body["size"].get<uint64_t>()) + "\n"),
            std::string::npos)
      << "B cosigned the newest checkpoint without C";
  d.client.reset();
  d.server->Stop();
}

TEST_F(FederationTest, AForkedLedgerIsRefusedKeptAsEvidenceAndFlagged) {
  const char* backend = std::getenv("QIANTANG_TEST_SERVER_BACKEND");
  if (backend != nullptr && std::string(backend) == "postgresql") {
    GTEST_SKIP()
        << "the fork copies a SQLite file; on PostgreSQL each process has its own database";
  }
  a_.Grow(1, 2);
  ASSERT_EQ(a_.SubmitTo(b_).exit_code, 0);
  // A second history under the same key: a copy of A's database that grows apart.
  a_.client.reset();
  ASSERT_EQ(a_.server->Stop(), 0);
  TempDir fork_dir;
  std::filesystem::copy(
      a_.dir.path(), fork_dir.path(),
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(a_.Start());
  a_.Grow(100, 2);
  Node fork{"city-a"};
  ASSERT_TRUE(fork.Start(fork_dir.path().string()));
  fork.op = a_.op;
  fork.Grow(200, 2);  // the same size as A's, another root

  ASSERT_EQ(a_.SubmitTo(b_).exit_code, 0);
  auto refused = fork.SubmitTo(b_);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("HTTP 422"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("root differs"), std::string::npos) << refused.err;

  auto shown = b_.server->Cli({"federation", "witness", "log", a_.origin()}, "");
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("forked: true"), std::string::npos) << shown.out;
  auto evidence = b_.server->Cli({"federation", "witness", "evidence", a_.origin()}, "");
  EXPECT_NE(evidence.out.find("FORK"), std::string::npos) << evidence.out;
  auto metrics = Call(*b_.client, "GET", "/metrics");
  EXPECT_NE(metrics.raw.find("qiantang_witness_checkpoints_total{outcome=\"inconsistent\"} 1"),
            std::string::npos);
  // A's own history carries on being cosigned.
  a_.Grow(300, 1);
  EXPECT_EQ(a_.SubmitTo(b_).exit_code, 0);
  fork.client.reset();
  fork.server->Stop();
}

TEST_F(FederationTest, StrangersGetTheSpecsRefusalsAndChangeNothing) {
  a_.Grow(1, 1);
  auto note = Call(*a_.client, "GET", "/api/v1/ledger/checkpoint").raw;
  struct Case {
    std::string body;
    int status;
  };
  for (const Case& c : std::vector<Case>{
           {"", 400},
           {"old 1\n\n" + note, 409},  // B has cosigned nothing of A's yet
           {"old 0\n\n" + note.substr(0, note.find('\n')) + "x" + note.substr(note.find('\n')),
            404},  // another origin
           {"old 0\n\n" + note.substr(0, note.find("\n\n") + 2) +
                "\xe2\x80\x94 city-a.example/ledger AAAAAAAA\n",
            403},  // no valid signature by the log's key
       }) {
    auto a = Call(*b_.client, "POST", "/witness/add-checkpoint", "", c.body);
    EXPECT_EQ(a.status, c.status) << c.body << " -> " << a.raw;
    if (c.status == 409) {
      EXPECT_EQ(a.raw, "0\n");
      EXPECT_EQ(a.headers.find("Content-Type")->second, "text/x.tlog.size");
    }
  }
  // Only B's operator adds or removes logs.
  auto enterprise = NewOrgToken(*b_.client, b_.op, "B enterprise", "enterprise", 7);
  auto body = R"({"vkey":")" + c_.LogVkey() + R"("})";
  EXPECT_EQ(Call(*b_.client, "POST", "/api/v1/federation/witness/logs", "", body).status, 401);
  EXPECT_EQ(Call(*b_.client, "POST", "/api/v1/federation/witness/logs", enterprise, body).status,
            403);
  EXPECT_EQ(
      Call(*b_.client, "DELETE", "/api/v1/federation/witness/logs/" + Hash(a_.origin()), enterprise)
          .status,
      403);
  EXPECT_EQ(Call(*b_.client, "POST", "/api/v1/federation/witness/logs", b_.op,
                 R"({"vkey":"city-x+00000000+AAAA"})")
                .status,
            400);
  auto logs = Call(*b_.client, "GET", "/api/v1/federation/witness/logs");
  ASSERT_EQ(logs.body["items"].size(), 1u);
  EXPECT_EQ(logs.body["items"][0]["size"], 0);
  // The operator's removal keeps the size; the log answers 404 until re-added.
  ASSERT_EQ(a_.SubmitTo(b_).exit_code, 0);
  EXPECT_EQ(b_.server->Cli({"federation", "witness", "remove-log", a_.origin()}, b_.op).exit_code,
            0);
  EXPECT_NE(a_.SubmitTo(b_).err.find("HTTP 404"), std::string::npos);
}

}  // namespace
}  // namespace qt::testing
