// ServerProcess: the real `qiantang serve` binary, started on an ephemeral
// loopback port with its own SQLite file, for integration tests.
//
// The binary is $QIANTANG_BINARY (set by CTest). Start() waits for the
// "listening on" line and collects the tokens the server prints. Kill() sends
// SIGKILL (for crash tests); Stop() sends SIGTERM and waits for a clean exit.
#ifndef QIANTANG_TESTS_SUPPORT_SERVER_PROCESS_H_
#define QIANTANG_TESTS_SUPPORT_SERVER_PROCESS_H_

#include <httplib.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/test_database.h"

namespace qt::testing {

struct CommandResult {
  int exit_code;
  std::string out;
  std::string err;
};

class ServerProcess {
 public:
  // `dir` holds the master key and, unless `db_url` is given, the SQLite
  // database; it outlives restarts. Several processes may share one `dir` and
  // one PostgreSQL `db_url`. Without `db_url`, QIANTANG_TEST_SERVER_BACKEND=
  // postgresql gives the process a fresh PostgreSQL database of its own
  // (CTest runs the integration tests that way too: the "_pg" tests).
  explicit ServerProcess(std::string dir, std::vector<std::string> extra_args = {},
                         std::string db_url = "");
  ~ServerProcess();

  // Starts the server; fails the test (ASSERT-style) via the returned bool.
  bool Start();
  // SIGTERM, then waits; returns the exit status (0 for a clean stop).
  int Stop();
  // SIGKILL, then reaps.
  void Kill();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // https when started with --tls-cert (whose certificate the test's clients
  // and Cli() trust: it must name 127.0.0.1).
  std::string url() const {
    return (tls_cert_.empty() ? "http://127.0.0.1:" : "https://127.0.0.1:") + std::to_string(port_);
  }
  // The bootstrap operator token, if this start printed one.
  const std::string& bootstrap_token() const { return bootstrap_token_; }
  // Demo tokens by org kind, if started with --demo.
  const std::map<std::string, std::string>& demo_tokens() const { return demo_tokens_; }
  const std::vector<std::string>& stdout_lines() const { return lines_; }

  // A keep-alive client to this server.
  std::unique_ptr<httplib::Client> Client() const;

  // Runs `qiantang ARGS...` as a CLI against this server with `token`.
  CommandResult Cli(const std::vector<std::string>& args, const std::string& token) const;

 private:
  std::string dir_;
  std::vector<std::string> extra_args_;
  std::string db_url_;
  std::string tls_cert_;
  std::unique_ptr<TestDatabase> own_db_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string bootstrap_token_;
  std::map<std::string, std::string> demo_tokens_;
  std::vector<std::string> lines_;
};

// Path of the qiantang binary under test.
std::string QiantangBinary();

// Runs a command (argv[0] is the program) and captures its output.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env = {});

// Sends `method path` with an optional bearer token and JSON body; returns
// the status and the parsed body (null if not JSON).
struct HttpAnswer {
  int status = 0;
  nlohmann::json body;
  std::string raw;
  httplib::Headers headers;
};
HttpAnswer Call(httplib::Client& client, const std::string& method, const std::string& path,
                const std::string& token = "", const std::string& body = "");

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_SUPPORT_SERVER_PROCESS_H_
