#include "tests/support/test_database.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>

namespace qt::testing {
namespace {

std::string AdminUrl() {
  const char* url = std::getenv("QIANTANG_TEST_PG");
  return url ? url : "";
}

void AdminExec(const std::string& sql) {
  PGconn* c = PQconnectdb(AdminUrl().c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("QIANTANG_TEST_PG: cannot connect: " + msg);
  }
  PGresult* r = PQexec(c, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string msg = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error(sql + ": " + msg);
}

// The admin URL with its database name replaced.
std::string WithDatabase(const std::string& url, const std::string& db) {
  size_t slash = url.find('/', url.find("://") + 3);
  size_t query = url.find('?');
  std::string base = slash == std::string::npos ? url : url.substr(0, slash);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + db + rest;
}

}  // namespace

std::vector<std::string> TestBackends() {
  std::vector<std::string> out = {"sqlite"};
  if (!AdminUrl().empty()) out.push_back("postgresql");
  return out;
}

TestDatabase::TestDatabase(const std::string& backend) {
  if (backend == "sqlite") {
    url_ = "sqlite:" + dir_.File("qiantang.db");
    return;
  }
  static std::atomic<int> counter{0};
  std::random_device rd;
  pg_name_ = "qt_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
             std::to_string(rd() % 100000);
  AdminExec("CREATE DATABASE " + pg_name_);
  url_ = WithDatabase(AdminUrl(), pg_name_);
}

TestDatabase::~TestDatabase() {
  if (pg_name_.empty()) return;
  try {
    AdminExec("DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)");
  } catch (...) {
    // A leftover database in a throwaway test cluster is harmless.
  }
}

}  // namespace qt::testing
