// Stored data the server cannot read never takes it down (docs/SECURITY.md).
//
// An attacker who gets one odd value stored (a CSV source of 501 inferred
// columns), a bug in an older build, or an operator's hand edit leaves a row
// its decoder cannot read. That row must be an error for the requests that
// read it (500, {"error": {"code": "internal"}}, the row named in the log),
// while every other object is served and the process keeps answering: no
// decoder dereferences stored data unchecked, and background tasks that trip
// over it log, count and go on.
//
// The demo city is loaded once; each test corrupts one row of one module's
// main table directly in the database while the server runs (SQLite writes
// from this process are WAL-safe; on PostgreSQL through libpq), then checks
// the bad object, a good one of the same kind, and /healthz. Number columns
// can only hold garbage on SQLite (PostgreSQL types its columns), so those
// cases are skipped on PostgreSQL; JSON columns are corrupted on both.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/resident_id.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"

namespace qt::testing {
namespace {

using nlohmann::json;

bool OnPostgres() {
  const char* b = std::getenv("QIANTANG_TEST_SERVER_BACKEND");
  return b != nullptr && std::string(b) == "postgresql";
}

// The server's database, opened beside it: SQL with "?" placeholders and text
// parameters; Query returns the first column of each row.
class Db {
 public:
  explicit Db(const std::string& url) : url_(url) {}

  std::vector<std::string> Query(const std::string& sql, const std::vector<std::string>& params) {
    std::vector<std::string> out;
    Run(sql, params, &out);
    return out;
  }
  void Exec(const std::string& sql, const std::vector<std::string>& params) {
    Run(sql, params, nullptr);
  }

 private:
  void Run(const std::string& sql, const std::vector<std::string>& params,
           std::vector<std::string>* out) {
    if (url_.starts_with("sqlite:")) {
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open(url_.substr(7).c_str(), &db), SQLITE_OK);
      sqlite3_busy_timeout(db, 20000);
      sqlite3_stmt* stmt = nullptr;
      ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
          << sqlite3_errmsg(db) << ": " << sql;
      for (size_t i = 0; i < params.size(); ++i) {
        sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
      }
      int rc;
      while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const unsigned char* t = sqlite3_column_text(stmt, 0);
        if (out) out->push_back(t ? reinterpret_cast<const char*>(t) : "");
      }
      EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db) << ": " << sql;
      sqlite3_finalize(stmt);
      sqlite3_close(db);
      return;
    }
    std::string pg_sql;
    int n = 0;
    for (char c : sql) pg_sql += c == '?' ? "$" + std::to_string(++n) : std::string(1, c);
    PGconn* conn = PQconnectdb(url_.c_str());
    ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* res = PQexecParams(conn, pg_sql.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.data(), nullptr, nullptr, 0);
    const auto st = PQresultStatus(res);
    EXPECT_TRUE(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) << PQerrorMessage(conn);
    if (out && st == PGRES_TUPLES_OK) {
      for (int i = 0; i < PQntuples(res); ++i) out->push_back(PQgetvalue(res, i, 0));
    }
    PQclear(res);
    PQfinish(conn);
  }

  std::string url_;
};

// One module's main table: the row to corrupt and the requests that read it.
struct Case {
  std::string name;
  std::string kind;        // demo token that reads the objects ("" for public routes)
  std::string pick;        // SQL giving ids of two objects; "?" is the token's org id
  std::string corrupt;     // SQL that damages the object with id "?"
  bool number_column;      // garbage in a BIGINT column: SQLite only
  std::string bad_route;   // reads the damaged object ("{id}" replaced)
  std::string good_route;  // reads another object ("{id}" is the second id)
  int bad_status = 500;    // 200 where a market-wide view leaves the row out
};

class StoredDataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = new TestDatabase(OnPostgres() ? "postgresql" : "sqlite");
    server_ = new ServerProcess(
        dir_->path().string(),
        {"--demo", "--demo-citizens", "60", "--demo-firms", "200", "--market-tick-ms", "200"},
        db_->url());
    ASSERT_TRUE(server_->Start());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete db_;
    delete dir_;
  }

  std::string Token(const std::string& kind) {
    return kind.empty() ? "" : server_->demo_tokens().at(kind);
  }
  std::string OrgOf(const std::string& kind) {
    auto client = server_->Client();
    auto me = Call(*client, "GET", "/api/v1/whoami", Token(kind));
    EXPECT_EQ(me.status, 200) << me.raw;
    return me.body["org"]["id"];
  }
  void ExpectAlive() {
    auto client = server_->Client();
    auto a = Call(*client, "GET", "/healthz");
    ASSERT_EQ(a.status, 200) << "the server stopped answering: " << a.raw;
  }
  static std::string Fill(std::string route, const std::string& id) {
    auto at = route.find("{id}");
    if (at != std::string::npos) route.replace(at, 4, id);
    return route;
  }

  // Damages the first object that `c.pick` gives, then: the bad route answers
  // 500 with an internal error body, the good route 200, /healthz 200.
  void Check(const Case& c) {
    if (c.number_column && OnPostgres()) {
      GTEST_SKIP() << "PostgreSQL types its columns: a BIGINT cannot hold garbage";
    }
    Db db(db_->url());
    std::vector<std::string> params;
    if (c.pick.find('?') != std::string::npos) params.push_back(OrgOf(c.kind));
    auto ids = db.Query(c.pick, params);
    const bool second = c.good_route.find("{id}") != std::string::npos;
    ASSERT_GE(ids.size(), second ? 2u : 1u) << c.name << ": too few objects for " << c.pick;
    db.Exec(c.corrupt, {ids[0]});
    auto client = server_->Client();
    auto bad = Call(*client, "GET", Fill(c.bad_route, ids[0]), Token(c.kind));
    EXPECT_EQ(bad.status, c.bad_status) << c.name << ": " << bad.raw;
    if (c.bad_status == 500) {
      EXPECT_EQ(bad.body["error"]["code"], "internal") << c.name << ": " << bad.raw;
    } else {
      EXPECT_EQ(bad.raw.find(ids[0]), std::string::npos) << c.name << ": the row is left out";
    }
    ASSERT_NO_FATAL_FAILURE(ExpectAlive());
    auto good = Call(*client, "GET", Fill(c.good_route, second ? ids[1] : ids[0]), Token(c.kind));
    EXPECT_EQ(good.status, 200) << c.name << ": " << good.raw;
    // Background tasks (market ticks, policy syncs, webhooks, demo traffic)
    // meet the row too; give them a few rounds, then the server still answers.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ASSERT_NO_FATAL_FAILURE(ExpectAlive());
  }

  static TempDir* dir_;
  static TestDatabase* db_;
  static ServerProcess* server_;
};
TempDir* StoredDataTest::dir_ = nullptr;
TestDatabase* StoredDataTest::db_ = nullptr;
ServerProcess* StoredDataTest::server_ = nullptr;

// The report: 501 columns with no declared fields were stored, and every later
// read of the holder's sources crashed the server.
TEST_F(StoredDataTest, ASourceOf501InferredColumnsIsRefusedAndTheServerKeepsAnswering) {
  std::string header, row;
  for (int i = 1; i <= 501; ++i) {
    header += (i > 1 ? "," : "") + std::string("col") + std::to_string(i);
    row += (i > 1 ? "," : "") + std::to_string(i);
  }
  const std::string holder = Token("data_holder");
  auto client = server_->Client();
  auto created = Call(*client, "POST", "/api/v1/dataspace/sources", holder,
                      json{{"name", "wide"}, {"csv", header + "\n" + row + "\n"}}.dump());
  EXPECT_EQ(created.status, 400) << created.raw;
  EXPECT_EQ(created.body["error"]["code"], "invalid_argument") << created.raw;
  auto list = Call(*client, "GET", "/api/v1/dataspace/sources?limit=100", holder);
  EXPECT_EQ(list.status, 200) << list.raw;
  ASSERT_NO_FATAL_FAILURE(ExpectAlive());
}

// A header the inference turns into a name the schema reader refuses (a digit
// first and 63 characters long becomes "_" + 63 = 64) is refused at upload.
TEST_F(StoredDataTest, AnInferredSchemaTheReaderWouldRefuseIsNeverStored) {
  const std::string long_name = "1" + std::string(62, 'a');
  const std::string holder = Token("data_holder");
  auto client = server_->Client();
  auto created = Call(*client, "POST", "/api/v1/dataspace/sources", holder,
                      json{{"name", "long"}, {"csv", long_name + ",b\n1,2\n"}}.dump());
  EXPECT_TRUE(created.status == 201 || created.status == 400) << created.raw;
  auto list = Call(*client, "GET", "/api/v1/dataspace/sources?limit=100", holder);
  EXPECT_EQ(list.status, 200) << list.raw;
  ASSERT_NO_FATAL_FAILURE(ExpectAlive());
}

TEST_F(StoredDataTest, DataSpaceSourceWithGarbageSchema) {
  Check({"ds_sources.fields", "data_holder",
         "SELECT id FROM ds_sources WHERE org_id = ? ORDER BY id",
         "UPDATE ds_sources SET fields = 'garbage' WHERE id = ?", false,
         "/api/v1/dataspace/sources?limit=100", "/api/v1/dataspace/pipelines?limit=100"});
}

TEST_F(StoredDataTest, DataSpaceProductWithGarbageTags) {
  Check({"ds_products.tags", "data_holder", "SELECT id FROM ds_products ORDER BY id",
         "UPDATE ds_products SET tags = '{\"not\": \"a list\"}' WHERE id = ?", false,
         "/api/v1/dataspace/products/{id}", "/api/v1/dataspace/products/{id}"});
}

TEST_F(StoredDataTest, DataSpaceContractWithGarbagePolicy) {
  Check({"ds_contracts.policy", "data_holder",
         "SELECT id FROM ds_contracts WHERE provider_id = ? ORDER BY id",
         "UPDATE ds_contracts SET policy = 'garbage' WHERE id = ?", false,
         "/api/v1/dataspace/contracts/{id}", "/api/v1/dataspace/contracts/{id}"});
}

TEST_F(StoredDataTest, ExchangeRegistrationWithGarbageRights) {
  Check({"ex_applications.rights", "data_holder",
         "SELECT id FROM ex_applications WHERE applicant_id = ? ORDER BY id",
         "UPDATE ex_applications SET rights = 'garbage' WHERE id = ?", false,
         "/api/v1/exchange/applications/{id}", "/api/v1/exchange/stats"});
}

TEST_F(StoredDataTest, ExchangeCertificateWithGarbageDocument) {
  Check({"ex_certificates.document", "", "SELECT number FROM ex_certificates ORDER BY number",
         "UPDATE ex_certificates SET document = 'garbage' WHERE number = ?", false,
         "/api/v1/exchange/certificates/{id}", "/api/v1/exchange/certificates/{id}"});
}

TEST_F(StoredDataTest, ExchangeListingWithGarbagePrice) {
  Check({"ex_listings.price_fen", "", "SELECT id FROM ex_listings ORDER BY id",
         "UPDATE ex_listings SET price_fen = 'garbage' WHERE id = ?", true,
         "/api/v1/exchange/listings?limit=100", "/api/v1/exchange/stats"});
}

TEST_F(StoredDataTest, IdentityCitizenWithGarbageTimestamp) {
  // The demo's citizens belong to the registrar, which has no demo token:
  // the authority that reads them here enrols its own.
  auto client = server_->Client();
  for (int seq : {1, 2}) {
    std::string first17 = "33010619800307" + std::to_string(100 + seq);
    auto enrolled =
        Call(*client, "POST", "/api/v1/identity/citizens", Token("authority"),
             nlohmann::json{{"name", "王" + std::to_string(seq)},
                            {"resident_id", first17 + ResidentIdCheckCharacter(first17)},
                            {"district", "西湖区"},
                            {"concession", "none"}}
                 .dump());
    ASSERT_EQ(enrolled.status, 201) << enrolled.raw;
  }
  Check({"id_citizens.created_at", "authority",
         "SELECT id FROM id_citizens WHERE authority_id = ? ORDER BY id",
         "UPDATE id_citizens SET created_at = 'garbage' WHERE id = ?", true,
         "/api/v1/identity/citizens/{id}", "/api/v1/identity/citizens/{id}"});
}

TEST_F(StoredDataTest, IdentityTerminalWithGarbageTimestamp) {
  Check({"id_terminals.created_at", "service",
         "SELECT id FROM id_terminals WHERE org_id = ? ORDER BY id",
         "UPDATE id_terminals SET created_at = 'garbage' WHERE id = ?", true,
         "/api/v1/identity/terminals", "/api/v1/identity/stats"});
}

TEST_F(StoredDataTest, MatchEnterpriseProfileWithGarbage) {
  Check({"fm_enterprises.profile", "institution", "SELECT id FROM fm_enterprises ORDER BY id",
         "UPDATE fm_enterprises SET profile = 'garbage' WHERE id = ?", false,
         "/api/v1/match/finance/enterprises/{id}", "/api/v1/match/finance/enterprises/{id}"});
}

TEST_F(StoredDataTest, MatchFinanceProductWithGarbageAmount) {
  Check({"fm_products.max_amount_fen", "institution",
         "SELECT id FROM fm_products WHERE institution_id = ? ORDER BY id",
         "UPDATE fm_products SET max_amount_fen = 'garbage' WHERE id = ?", true,
         "/api/v1/match/finance/products?limit=100", "/api/v1/match/finance/stats"});
}

TEST_F(StoredDataTest, MatchPolicyWithGarbageVersion) {
  Check({"pl_policies.version", "", "SELECT id FROM pl_policies ORDER BY id",
         "UPDATE pl_policies SET version = 'garbage' WHERE id = ?", true,
         "/api/v1/match/policies/{id}", "/api/v1/match/policies/{id}"});
}

TEST_F(StoredDataTest, MatchScenarioListingWithGarbageTags) {
  Check({"sc_listings.tags", "", "SELECT id FROM sc_listings ORDER BY id",
         "UPDATE sc_listings SET tags = 'garbage' WHERE id = ?", false,
         "/api/v1/match/scenarios/listings/{id}", "/api/v1/match/scenarios/listings/{id}"});
}

TEST_F(StoredDataTest, ComputeOrderWithGarbageAmount) {
  // Demo traffic orders for random enterprises: the one read here orders too.
  auto client = server_->Client();
  auto request = Call(*client, "POST", "/api/v1/compute/requests", Token("enterprise"),
                      R"({"cards": 8, "duration_s": 3600, "max_fen_per_card_hour": 3000})");
  ASSERT_EQ(request.status, 201) << request.raw;
  ASSERT_FALSE(request.body["quotes"].empty()) << request.raw;
  auto order = Call(
      *client, "POST",
      "/api/v1/compute/quotes/" + request.body["quotes"][0]["id"].get<std::string>() + "/accept",
      Token("enterprise"));
  ASSERT_EQ(order.status, 201) << order.raw;
  Check({"market_orders.amount_fen", "enterprise",
         "SELECT id FROM market_orders WHERE enterprise_id = ? ORDER BY id",
         "UPDATE market_orders SET amount_fen = 'garbage' WHERE id = ?", true,
         "/api/v1/compute/orders?limit=100", "/api/v1/compute/trades"});
}

TEST_F(StoredDataTest, ComputeClusterWithGarbageSpec) {
  // Clusters feed the whole market (quotes, capacity): a damaged one is left
  // out and logged, and the rest is listed and quoted.
  Check({"market_clusters.spec", "compute_provider",
         "SELECT id FROM market_clusters WHERE provider_id = ? ORDER BY id",
         "UPDATE market_clusters SET spec = '[{}]' WHERE id = ?", false,
         "/api/v1/compute/provider-clusters", "/api/v1/compute/capacity", 200});
}

TEST_F(StoredDataTest, PrivacyPsiSessionWithGarbageOutput) {
  Check({"psi_sessions.output", "enterprise",
         "SELECT id FROM psi_sessions WHERE consumer_id = ? ORDER BY id",
         "UPDATE psi_sessions SET output = 'garbage' WHERE id = ?", false,
         "/api/v1/privacy/psi/sessions/{id}", "/api/v1/privacy/deliveries?limit=100"});
}

TEST_F(StoredDataTest, PrivacyDeliveryWithGarbageColumns) {
  Check({"deliveries.columns", "enterprise",
         "SELECT id FROM deliveries WHERE recipient_id = ? ORDER BY id",
         "UPDATE deliveries SET columns = 'garbage' WHERE id = ?", false,
         "/api/v1/privacy/deliveries?limit=100", "/api/v1/identity/stats"});
}

// Background tasks meet damaged rows too: the policy follower reads every
// changed enterprise profile (it threw, and the exception ended the process).
// Now the row is logged, passed over and counted on /metrics; the rest goes on.
TEST_F(StoredDataTest, BackgroundFailuresAreCountedAndTheServerGoesOn) {
  Db db(db_->url());
  auto ids = db.Query("SELECT id FROM fm_enterprises ORDER BY id DESC", {});
  ASSERT_FALSE(ids.empty());
  db.Exec(
      "UPDATE fm_enterprises SET profile = 'garbage', change_seq = change_seq + 1000000"
      " WHERE id = ?",
      {ids[0]});
  auto client = server_->Client();
  const std::string metric = "qiantang_background_failures_total{task=\"policy_sync\"} ";
  std::string seen;
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ASSERT_NO_FATAL_FAILURE(ExpectAlive());
    auto m = Call(*client, "GET", "/metrics");
    ASSERT_EQ(m.status, 200);
    auto at = m.raw.find(metric);
    if (at == std::string::npos) continue;
    seen = m.raw.substr(at + metric.size(), m.raw.find('\n', at) - at - metric.size());
    if (seen != "0") break;
  }
  EXPECT_NE(seen, "") << "no " << metric << "on /metrics";
  EXPECT_NE(seen, "0") << "the damaged profile was not counted";
  // Other profiles are still read, and the server keeps answering.
  auto other =
      Call(*client, "GET", "/api/v1/match/finance/enterprises/" + ids[1], Token("institution"));
  EXPECT_EQ(other.status, 200) << other.raw;
}

}  // namespace
}  // namespace qt::testing
