// The ledger end to end: the real server journals every change, proofs verify
// offline with the CLI, tampering with the SQLite file is caught at the exact
// index, a fork is detected, and kill -9 never breaks a published checkpoint.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/integration/test_codes.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

void Sql(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(h);
}

class LedgerE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(
        dir_.path().string(), std::vector<std::string>{"--checkpoint-interval-ms", "100"});
    ASSERT_TRUE(server_->Start());
    op_ = server_->bootstrap_token();
    client_ = server_->Client();
  }

  void CreateOrgs(int from, int n) {
    for (int i = from; i < from + n; ++i) {
      ASSERT_EQ(Call(*client_, "POST", "/api/v1/orgs", op_,
                     OrgBody("Ledger " + std::to_string(i), "enterprise", i))
                    .status,
                201);
    }
  }

  std::string Publish() {
    auto a = Call(*client_, "POST", "/api/v1/ledger/checkpoints", op_);
    EXPECT_EQ(a.status, 201) << a.raw;
    return a.body["note"];
  }

  std::string File(const std::string& name) { return dir_.File(name); }
  std::string Db() { return dir_.File("qiantang.db"); }

  CommandResult Audit() {
    return RunCommand({QiantangBinary(), "ledger", "audit", "--db", "sqlite:" + Db(),
                       "--master-key-file", dir_.File("master.key")});
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<httplib::Client> client_;
  std::string op_;
};

TEST_F(LedgerE2eTest, EveryChangeIsProvableOfflineWithTheCli) {
  // The citizen code issuer key (1 event), bootstrap (3) + 4 x (org, user, token).
  CreateOrgs(1, 4);
  std::string note = Publish();
  EXPECT_NE(note.find("\n16\n"), std::string::npos) << note;
  auto vkey = Call(*client_, "GET", "/api/v1/ledger/vkey");
  WriteFile(File("vkey"), vkey.body["vkey"]);
  WriteFile(File("cp.txt"), note);
  auto public_cp = Call(*client_, "GET", "/api/v1/ledger/checkpoint");
  EXPECT_EQ(public_cp.raw, note);

  for (int id : {0, 7, 14}) {
    auto ev = Call(*client_, "GET", "/api/v1/ledger/proof/event/" + std::to_string(id), op_);
    ASSERT_EQ(ev.status, 200) << ev.raw;
    WriteFile(File("ev.json"), ev.raw);
    auto v = RunCommand({QiantangBinary(), "ledger", "verify", "event", "--vkey", File("vkey"),
                         "--proof", File("ev.json")});
    EXPECT_EQ(v.exit_code, 0) << v.err;
    EXPECT_NE(v.out.find("event ok"), std::string::npos);
  }
  auto cp = RunCommand({QiantangBinary(), "ledger", "verify", "checkpoint", "--vkey", File("vkey"),
                        "--checkpoint", File("cp.txt")});
  EXPECT_EQ(cp.exit_code, 0) << cp.err;

  CreateOrgs(10, 2);
  std::string note2 = Publish();
  WriteFile(File("cp2.txt"), note2);
  auto proof = Call(*client_, "GET", "/api/v1/ledger/proof/consistency?first=16&second=22", op_);
  WriteFile(File("con.json"), proof.raw);
  auto con =
      RunCommand({QiantangBinary(), "ledger", "verify", "consistency", "--vkey", File("vkey"),
                  "--old", File("cp.txt"), "--new", File("cp2.txt"), "--proof", File("con.json")});
  EXPECT_EQ(con.exit_code, 0) << con.err;
  auto audit = Audit();
  EXPECT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_NE(audit.out.find("22 entries"), std::string::npos) << audit.out;
}

TEST_F(LedgerE2eTest, TamperingWithTheSqliteFileIsCaughtAtTheExactIndex) {
  CreateOrgs(1, 5);
  std::string note = Publish();
  WriteFile(File("cp.txt"), note);
  WriteFile(File("vkey"), Call(*client_, "GET", "/api/v1/ledger/vkey").body["vkey"]);
  client_.reset();  // idle keep-alive connections would hold the shutdown
  server_->Stop();

  // An event's payload rewritten (renaming an organisation in history).
  Sql(Db(),
      "UPDATE ledger_entries SET event = REPLACE(event, 'Ledger 3', 'Ledger X') WHERE seq = 10");
  auto audit = Audit();
  EXPECT_NE(audit.exit_code, 0);
  EXPECT_NE(audit.err.find("at index 10:"), std::string::npos) << audit.err;

  // The rewritten event no longer proves against the checkpoint signed before.
  ASSERT_TRUE(server_->Start());
  client_ = server_->Client();
  auto ev = Call(*client_, "GET", "/api/v1/ledger/proof/event/10", op_);
  ASSERT_EQ(ev.status, 200) << ev.raw;
  WriteFile(File("ev.json"), ev.raw);
  auto v = RunCommand({QiantangBinary(), "ledger", "verify", "event", "--vkey", File("vkey"),
                       "--proof", File("ev.json"), "--checkpoint", File("cp.txt")});
  EXPECT_NE(v.exit_code, 0);
  client_.reset();  // idle keep-alive connections would hold the shutdown
  server_->Stop();

  // A stored interior node (level 1, leaves 4..5) and a leaf hash, each in a fresh copy.
  Sql(Db(),
      "UPDATE ledger_entries SET event = REPLACE(event, 'Ledger X', 'Ledger 3') WHERE seq = 10");
  ASSERT_EQ(Audit().exit_code, 0);
  Sql(Db(), "UPDATE ledger_nodes SET hash = randomblob(32) WHERE level = 1 AND idx = 2");
  audit = Audit();
  EXPECT_NE(audit.err.find("at index 5:"), std::string::npos) << audit.err;
}

TEST_F(LedgerE2eTest, AForkedCheckpointIsDetected) {
  CreateOrgs(1, 2);
  std::string base = Publish();
  client_.reset();  // idle keep-alive connections would hold the shutdown
  server_->Stop();
  // Copy the database: two histories with the same operator key from here on.
  TempDir fork_dir;
  std::filesystem::copy(
      dir_.path(), fork_dir.path(),
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(server_->Start());
  client_ = server_->Client();
  CreateOrgs(100, 2);
  std::string ours = Publish();

  ServerProcess forked(fork_dir.path().string());
  ASSERT_TRUE(forked.Start());
  auto fork_client = forked.Client();
  for (int i = 200; i < 203; ++i)
    Call(*fork_client, "POST", "/api/v1/orgs", op_,
         OrgBody("Fork " + std::to_string(i), "enterprise", i));
  std::string theirs = Call(*fork_client, "POST", "/api/v1/ledger/checkpoints", op_).body["note"];

  WriteFile(File("vkey"), Call(*client_, "GET", "/api/v1/ledger/vkey").body["vkey"]);
  WriteFile(File("ours.txt"), ours);
  WriteFile(File("theirs.txt"), theirs);
  // Both are validly signed, but neither extends the other: whatever proof the
  // fork's server offers, verification fails.
  auto a = std::string(ours.substr(ours.find('\n') + 1));
  auto b = std::string(theirs.substr(theirs.find('\n') + 1));
  const std::string small = a.substr(0, a.find('\n')), big = b.substr(0, b.find('\n'));
  auto proof = Call(*fork_client, "GET",
                    "/api/v1/ledger/proof/consistency?first=" + small + "&second=" + big, op_);
  ASSERT_EQ(proof.status, 200) << proof.raw;
  WriteFile(File("con.json"), proof.raw);
  auto v = RunCommand({QiantangBinary(), "ledger", "verify", "consistency", "--vkey", File("vkey"),
                       "--old", File("ours.txt"), "--new", File("theirs.txt"), "--proof",
                       File("con.json")});
  EXPECT_NE(v.exit_code, 0);
  EXPECT_NE(v.err.find("consistency"), std::string::npos) << v.err;
  // The shared prefix is still consistent with both.
  WriteFile(File("base.txt"), base);
  auto base_size = base.substr(base.find('\n') + 1);
  base_size = base_size.substr(0, base_size.find('\n'));
  auto p2 = Call(*fork_client, "GET",
                 "/api/v1/ledger/proof/consistency?first=" + base_size + "&second=" + big, op_);
  WriteFile(File("con2.json"), p2.raw);
  EXPECT_EQ(RunCommand({QiantangBinary(), "ledger", "verify", "consistency", "--vkey", File("vkey"),
                        "--old", File("base.txt"), "--new", File("theirs.txt"), "--proof",
                        File("con2.json")})
                .exit_code,
            0);
  fork_client.reset();
  forked.Stop();
}

TEST_F(LedgerE2eTest, KillDuringAppendsKeepsEveryPublishedCheckpointConsistent) {
  std::vector<std::string> seen;  // checkpoints observed before the kill
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto c = server_->Client();
    for (int i = 0; !stop; ++i) {
      if (Call(*c, "POST", "/api/v1/orgs", op_,
               OrgBody("Crash " + std::to_string(i), "enterprise", 3000 + i))
              .status != 201)
        break;
    }
  });
  auto reader = server_->Client();
  while (seen.size() < 8) {
    auto cp = Call(*reader, "GET", "/api/v1/ledger/checkpoint");
    if (cp.status == 200 && (seen.empty() || seen.back() != cp.raw)) seen.push_back(cp.raw);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  server_->Kill();
  stop = true;
  writer.join();

  ASSERT_TRUE(server_->Start());
  client_ = server_->Client();
  std::string head = Publish();
  WriteFile(File("vkey"), Call(*client_, "GET", "/api/v1/ledger/vkey").body["vkey"]);
  WriteFile(File("head.txt"), head);
  auto head_size = head.substr(head.find('\n') + 1);
  head_size = head_size.substr(0, head_size.find('\n'));
  for (size_t i = 0; i < seen.size(); ++i) {
    auto size = seen[i].substr(seen[i].find('\n') + 1);
    size = size.substr(0, size.find('\n'));
    auto p = Call(*client_, "GET",
                  "/api/v1/ledger/proof/consistency?first=" + size + "&second=" + head_size, op_);
    ASSERT_EQ(p.status, 200) << p.raw;
    WriteFile(File("old.txt"), seen[i]);
    WriteFile(File("p.json"), p.raw);
    auto v = RunCommand({QiantangBinary(), "ledger", "verify", "consistency", "--vkey",
                         File("vkey"), "--old", File("old.txt"), "--new", File("head.txt"),
                         "--proof", File("p.json")});
    EXPECT_EQ(v.exit_code, 0) << "checkpoint " << size << ": " << v.err;
  }
  client_.reset();  // idle keep-alive connections would hold the shutdown
  server_->Stop();
  EXPECT_EQ(Audit().exit_code, 0);
}

// An object's history: every event about it, newest first, in pages, and
// each provable like any other.
TEST_F(LedgerE2eTest, AnObjectsEventsAreFoundBySubject) {
  // A token's life: issued, then revoked; two events about it.
  auto issued = Call(*client_, "POST", "/api/v1/tokens", op_, R"({"label": "short-lived"})");
  ASSERT_EQ(issued.status, 201) << issued.raw;
  const std::string subject = issued.body["id"];
  ASSERT_EQ(Call(*client_, "DELETE", "/api/v1/tokens/" + subject, op_).status, 200);
  CreateOrgs(10, 2);  // other subjects
  auto all = Call(*client_, "GET", "/api/v1/ledger/events?subject=" + subject, op_);
  ASSERT_EQ(all.status, 200) << all.raw;
  ASSERT_EQ(all.body["items"].size(), 2u);
  EXPECT_EQ(all.body["items"][0]["event"]["kind"], "token.revoked");
  EXPECT_EQ(all.body["items"][1]["event"]["kind"], "token.issued");
  uint64_t previous = UINT64_MAX;
  for (const auto& e : all.body["items"]) {
    EXPECT_EQ(e["event"]["subject"], subject);
    EXPECT_LT(e["index"].get<uint64_t>(), previous);  // newest first
    previous = e["index"];
  }
  EXPECT_TRUE(all.body["next_before"].is_null());
  // Page by page, the same events.
  std::vector<uint64_t> paged;
  std::string before;
  for (int guard = 0; guard < 20; ++guard) {
    auto p = Call(*client_, "GET",
                  "/api/v1/ledger/events?limit=1&subject=" + subject +
                      (before.empty() ? "" : "&before=" + before),
                  op_);
    ASSERT_EQ(p.status, 200) << p.raw;
    for (const auto& e : p.body["items"]) paged.push_back(e["index"]);
    if (p.body["next_before"].is_null()) break;
    before = std::to_string(p.body["next_before"].get<uint64_t>());
  }
  std::vector<uint64_t> expected;
  for (const auto& e : all.body["items"]) expected.push_back(e["index"]);
  EXPECT_EQ(paged, expected);
  EXPECT_EQ(
      Call(*client_, "GET", "/api/v1/ledger/events?subject=org_nobody", op_).body["items"].size(),
      0u);
  // Nothing is below index 0: a client following next_before ends.
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/ledger/events?before=0&subject=" + subject, op_)
                .body["items"]
                .size(),
            0u);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/ledger/events?subject=" + subject).status, 401);
  for (const auto& [query, message] : std::vector<std::pair<std::string, std::string>>{
           {"", "subject: 1 to 200 bytes"},
           {"subject=" + std::string(201, 'x'), "subject: 1 to 200 bytes"},
           {"subject=x&limit=0", "limit: must be between 1 and 1000"},
           {"subject=x&limit=1001", "limit"},
           {"subject=x&before=-1", "before"},
           {"subject=x&before=", "before"}}) {
    auto r = Call(*client_, "GET", "/api/v1/ledger/events?" + query, op_);
    EXPECT_EQ(r.status, 400) << query << ": " << r.raw;
    EXPECT_NE(r.raw.find(message), std::string::npos) << query << ": " << r.raw;
  }
}

TEST_F(LedgerE2eTest, BadRequestsAndMalformedFilesGetClearErrors) {
  CreateOrgs(1, 1);
  Publish();
  struct Case {
    std::string path;
    int status;
    std::string part;
  };
  for (const Case& c : std::vector<Case>{
           {"/api/v1/ledger/entries?start=0&end=0", 400, "start: must be below end"},
           {"/api/v1/ledger/entries?start=0&end=999", 400, "end: the ledger has"},
           {"/api/v1/ledger/entries?start=0&end=5000", 400, "at most 1000"},
           {"/api/v1/ledger/entries?start=-1&end=2", 400, "start: must be a non-negative integer"},
           {"/api/v1/ledger/entries?end=2", 400, "start: is required"},
           {"/api/v1/ledger/proof/inclusion?index=5&size=5", 400, "index: must be below size"},
           {"/api/v1/ledger/proof/inclusion?index=0&size=0", 400, "index: must be below size"},
           {"/api/v1/ledger/proof/inclusion?index=0&size=9999", 400, "size: the ledger has"},
           {"/api/v1/ledger/proof/consistency?first=0&second=3", 400, "first: must be at least 1"},
           {"/api/v1/ledger/proof/consistency?first=4&second=3", 400,
            "first: must not be above second"},
           {"/api/v1/ledger/proof/consistency?first=1&second=x", 400,
            "second: must be a non-negative integer"},
           {"/api/v1/ledger/proof/event/99999", 404, "no ledger event"},
           {"/api/v1/ledger/proof/event/abc", 400, "id: must be a non-negative integer"},
           {"/api/v1/ledger/checkpoints/77777", 404, "no checkpoint of size"},
       }) {
    auto a = Call(*client_, "GET", c.path, op_);
    EXPECT_EQ(a.status, c.status) << c.path << ": " << a.raw;
    EXPECT_NE(a.raw.find(c.part), std::string::npos) << c.path << ": " << a.raw;
  }
  auto vkey = Call(*client_, "GET", "/api/v1/ledger/vkey").body["vkey"].get<std::string>();
  std::string note = Call(*client_, "GET", "/api/v1/ledger/checkpoint").raw;
  WriteFile(File("vkey"), vkey);
  struct FileCase {
    std::string note;
    std::string part;
  };
  for (const FileCase& f : std::vector<FileCase>{
           {"not a note", "malformed note"},
           {note.substr(0, note.size() - 1), "malformed note"},  // no final newline
           {note.substr(0, note.find('\n') + 1) + "9" + note.substr(note.find('\n') + 1),
            "invalid signature"},
       }) {
    WriteFile(File("bad.txt"), f.note);
    auto v = RunCommand({QiantangBinary(), "ledger", "verify", "checkpoint", "--vkey", File("vkey"),
                         "--checkpoint", File("bad.txt")});
    EXPECT_NE(v.exit_code, 0);
    EXPECT_NE(v.err.find(f.part), std::string::npos) << v.err;
  }
  WriteFile(File("good.txt"), note);
  auto badkey = RunCommand({QiantangBinary(), "ledger", "verify", "checkpoint", "--vkey",
                            "nobody+00000000+AAAA", "--checkpoint", File("good.txt")});
  EXPECT_NE(badkey.exit_code, 0);
  EXPECT_NE(badkey.err.find("--vkey"), std::string::npos) << badkey.err;
  WriteFile(File("junk.json"), "[1,2]");
  auto junk = RunCommand({QiantangBinary(), "ledger", "verify", "event", "--vkey", File("vkey"),
                          "--proof", File("junk.json")});
  EXPECT_NE(junk.exit_code, 0);
  EXPECT_NE(junk.err.find("not a JSON object"), std::string::npos) << junk.err;
}

}  // namespace
}  // namespace qt::testing
