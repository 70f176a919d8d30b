// Attacks on the import folder (docs/dataspace/README.md, "Import folder"):
// a data holder who can write into its import folder tries to make the server
// read what it must not — a symlink to /etc/passwd or to the master key, a
// symlinked folder, a hard link to a file outside, `..`, an absolute path,
// another organisation's folder, a FIFO, a directory, a file swapped for a
// symlink between registration and the pipeline run. Each is refused with a
// 4xx error that names the file as the client gave it (no server path, no
// byte of the target) and stores nothing. The server also refuses to start
// when its import folder holds the master key, the database or the data folder.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/integration/api_test.h"

namespace qt::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class ImportFolderAttack : public ApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    holder_ = NewOrg("杭州某数据有限公司", "data_holder", 701);
    other_ = NewOrg("杭州另一数据有限公司", "data_holder", 702);
    holder_id_ = Call(*client_, "GET", "/api/v1/whoami", holder_).body["org"]["id"];
    other_id_ = Call(*client_, "GET", "/api/v1/whoami", other_).body["org"]["id"];
    std::ifstream key(dir_.File("master.key"));
    key >> master_key_hex_;
    ASSERT_EQ(master_key_hex_.size(), 64u);
    import_ = dir_.path() / "import";
    fs::create_directories(import_ / holder_id_);
    fs::create_directories(import_ / other_id_);
    Write(import_ / holder_id_ / "ok.csv", "district,people\n西湖区,3\n");
    Write(import_ / other_id_ / "theirs.csv", "secret_of_other_org,n\nx,1\n");
    Write(dir_.path() / "outside.csv", "secret_outside,n\nx,1\n");
  }

  static void Write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

  HttpAnswer AddSource(const std::string& token, const std::string& file) {
    return Call(*client_, "POST", "/api/v1/dataspace/sources", token,
                json{{"name", "导入"}, {"file", file}}.dump());
  }
  size_t Sources(const std::string& token) {
    return Call(*client_, "GET", "/api/v1/dataspace/sources", token).body["items"].size();
  }
  // A refusal: 4xx, a JSON error naming the file as given, and nothing that
  // tells where the server keeps its files or what the target holds.
  void ExpectRefused(const HttpAnswer& a, const std::string& file, const std::string& why) {
    EXPECT_GE(a.status, 400) << file << ": " << a.raw;
    EXPECT_LT(a.status, 500) << file << ": " << a.raw;
    ASSERT_TRUE(a.body.contains("error")) << a.raw;
    const std::string message = a.body["error"]["message"];
    EXPECT_NE(message.find(why), std::string::npos) << file << ": " << message;
    EXPECT_EQ(message.find(dir_.path().string()), std::string::npos) << message;
    EXPECT_EQ(a.raw.find(master_key_hex_), std::string::npos) << a.raw;
    EXPECT_EQ(a.raw.find("root:"), std::string::npos) << a.raw;
    EXPECT_EQ(a.raw.find("secret_"), std::string::npos) << a.raw;
  }

  fs::path import_;
  std::string holder_, other_, holder_id_, other_id_, master_key_hex_;
};

TEST_F(ImportFolderAttack, EveryWayOutOfTheOrganisationsFolderIsRefused) {
  const fs::path mine = import_ / holder_id_;
  fs::create_symlink("/etc/passwd", mine / "link.csv");
  fs::create_symlink(dir_.File("master.key"), mine / "mk.csv");
  fs::create_symlink("/etc", mine / "etc");
  fs::create_symlink(import_ / other_id_, mine / "theirs");
  fs::create_hard_link(dir_.path() / "outside.csv", mine / "hard.csv");
  ASSERT_EQ(::mkfifo((mine / "pipe.csv").c_str(), 0600), 0);
  fs::create_directories(mine / "folder.csv");
  struct Case {
    std::string file;
    std::string why;
  };
  for (const Case& c : std::vector<Case>{
           {"link.csv", "symbolic link"},
           {"mk.csv", "symbolic link"},
           {"etc/passwd", "symbolic link"},
           {"theirs/theirs.csv", "symbolic link"},
           {"hard.csv", "hard link"},
           {"pipe.csv", "not a regular file"},
           {"folder.csv", "not a regular file"},
           {"../" + other_id_ + "/theirs.csv", "relative path"},
           {"./../../outside.csv", "relative path"},
           {(import_ / other_id_ / "theirs.csv").string(), "relative path"},
           {dir_.File("outside.csv"), "relative path"},
           // Another organisation's folder, named from the import root: it is
           // looked up inside the caller's own folder, where it is not.
           {other_id_ + "/theirs.csv", "no file"},
           {"theirs.csv", "no file"},
       }) {
    SCOPED_TRACE(c.file);
    ExpectRefused(AddSource(holder_, c.file), c.file, c.why);
  }
  EXPECT_EQ(Sources(holder_), 0u);
  // The holder's own regular file is imported; the other organisation reads
  // its own folder only.
  auto ok = AddSource(holder_, "ok.csv");
  ASSERT_EQ(ok.status, 201) << ok.raw;
  EXPECT_EQ(Sources(holder_), 1u);
  ExpectRefused(AddSource(other_, "ok.csv"), "ok.csv", "no file");
  EXPECT_EQ(AddSource(other_, "theirs.csv").status, 201);
  // Nothing the refused attempts pointed at reached the ledger or a listing.
  auto sources = Call(*client_, "GET", "/api/v1/dataspace/sources", holder_);
  EXPECT_EQ(sources.raw.find(master_key_hex_), std::string::npos);
  EXPECT_EQ(sources.raw.find("root"), std::string::npos);
}

TEST_F(ImportFolderAttack, AFolderOfTheOrganisationThatIsASymlinkIsRefused) {
  const std::string third = NewOrg("杭州第三数据有限公司", "data_holder", 703);
  const std::string third_id = Call(*client_, "GET", "/api/v1/whoami", third).body["org"]["id"];
  fs::create_directory_symlink(import_ / other_id_, import_ / third_id);
  ExpectRefused(AddSource(third, "theirs.csv"), "theirs.csv", "symbolic link");
  EXPECT_EQ(Sources(third), 0u);
}

TEST_F(ImportFolderAttack, AFileSwappedForASymlinkAfterRegistrationIsNotRead) {
  auto src = AddSource(holder_, "ok.csv");
  ASSERT_EQ(src.status, 201) << src.raw;
  auto pipe = Call(*client_, "POST", "/api/v1/dataspace/pipelines", holder_,
                   json{{"name", "p"},
                        {"source_id", src.body["id"]},
                        {"spec", {{"output", {{{"name", "district"}}, {{"name", "people"}}}}}}}
                       .dump());
  ASSERT_EQ(pipe.status, 201) << pipe.raw;
  const fs::path ok = import_ / holder_id_ / "ok.csv";
  fs::remove(ok);
  fs::create_symlink(dir_.File("master.key"), ok);
  const std::string runs =
      "/api/v1/dataspace/pipelines/" + pipe.body["id"].get<std::string>() + "/runs";
  ExpectRefused(Call(*client_, "POST", runs, holder_), "ok.csv", "symbolic link");
  EXPECT_EQ(Call(*client_, "GET", runs, holder_).body["items"].size(), 0u);
}

// The master key, the database and the data folder are never inside the
// folder the server imports from: such a configuration does not start.
TEST(ImportFolderConfiguration, TheServerRefusesAnImportFolderHoldingItsSecrets) {
  TempDir dir;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--import-dir", dir.path().string()},  // holds master.key and qiantang.db
           {"--import-dir", (dir.path() / "dataspace").string()},  // is the data folder
           {"--import-dir", (dir.path() / "dataspace").string(), "--data-dir",
            (dir.path() / "dataspace" / "inner").string()},  // holds the data folder
       }) {
    SCOPED_TRACE(args[1]);
    ServerProcess server(dir.path().string(), args);
    EXPECT_FALSE(server.Start());
  }
  // The console's folder is served over HTTP: it is no import folder.
  if (const char* web = std::getenv("QIANTANG_WEB_DIR"); web && *web) {
    ServerProcess served(dir.path().string(), {"--import-dir", web});
    EXPECT_FALSE(served.Start());
  }
  ServerProcess fine(dir.path().string(), {"--import-dir", (dir.path() / "import").string()});
  EXPECT_TRUE(fine.Start());
}

}  // namespace
}  // namespace qt::testing
