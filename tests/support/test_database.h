// TestDatabase: an empty database for one test, on the backend asked for.
//
// "sqlite" is a file in a fresh folder. "postgresql" is a fresh database,
// created through $QIANTANG_TEST_PG (a URL of a server the tests may create
// databases on, e.g. postgresql://qiantang@127.0.0.1:54329/postgres) and
// dropped afterwards. TestBackends() lists "sqlite", and "postgresql" when
// that variable is set, so every storage and module test runs on both.
#ifndef QIANTANG_TESTS_SUPPORT_TEST_DATABASE_H_
#define QIANTANG_TESTS_SUPPORT_TEST_DATABASE_H_

#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace qt::testing {

std::vector<std::string> TestBackends();

// Names parameterised tests after their backend: "Backends/StoreTest.X/sqlite".
struct BackendName {
  template <typename Info>
  std::string operator()(const Info& info) const {
    return info.param;
  }
};

class TestDatabase {
 public:
  explicit TestDatabase(const std::string& backend);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // The --db URL: "sqlite:/tmp/.../db" or "postgresql://.../qt_test_...".
  const std::string& url() const { return url_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::string url_;
  std::string pg_name_;  // the database to drop, for PostgreSQL
};

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_SUPPORT_TEST_DATABASE_H_
