#include "tests/support/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "core/subprocess.h"

namespace qt::testing {
namespace {

// Reads `fd` until EOF into `out`.
void Drain(int fd, std::string& out) {
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
}

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

std::string QiantangBinary() {
  const char* b = std::getenv("QIANTANG_BINARY");
  if (b == nullptr) throw std::runtime_error("QIANTANG_BINARY is not set (run under ctest)");
  return b;
}

ServerProcess::ServerProcess(std::string dir, std::vector<std::string> extra_args,
                             std::string db_url)
    : dir_(std::move(dir)), extra_args_(std::move(extra_args)), db_url_(std::move(db_url)) {
  // A keep-alive client writing to a connection the server closed (its idle
  // timeout) gets an error and reconnects; over TLS, OpenSSL's write would
  // raise SIGPIPE and kill the test instead.
  static const bool kPipeIgnored = [] { return signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)kPipeIgnored;
  for (size_t i = 0; i + 1 < extra_args_.size(); ++i) {
    if (extra_args_[i] == "--tls-cert") tls_cert_ = extra_args_[i + 1];
  }
  const char* backend = std::getenv("QIANTANG_TEST_SERVER_BACKEND");
  if (db_url_.empty() && backend != nullptr && std::string(backend) == "postgresql") {
    own_db_ = std::make_unique<TestDatabase>("postgresql");
    db_url_ = own_db_->url();
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill();
}

bool ServerProcess::Start() {
  bootstrap_token_.clear();
  demo_tokens_.clear();
  lines_.clear();
  int out[2];
  if (pipe(out) != 0) return false;
  std::vector<std::string> args = {QiantangBinary(),
                                   "serve",
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--db",
                                   db_url_.empty() ? "sqlite:" + dir_ + "/qiantang.db" : db_url_,
                                   "--master-key-file",
                                   dir_ + "/master.key",
                                   "--log-level",
                                   "warn",
                                   "--threads",
                                   "8"};
  const char* web = std::getenv("QIANTANG_WEB_DIR");
  args.insert(args.end(), {"--web-dir", web ? web : ""});
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    auto argv = Argv(args);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);

  // Read lines until "listening on http://127.0.0.1:PORT", 300 s at most (the
  // demo city under ASan on a busy 2-core machine takes minutes).
  std::string pending;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[1024];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;  // the server exited
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      lines_.push_back(line);
      const std::string token_mark = "bootstrap operator token (shown once): ";
      if (line.starts_with(token_mark)) bootstrap_token_ = line.substr(token_mark.size());
      if (line.starts_with("demo token ")) {
        std::string kind = line.substr(11, line.find(' ', 11) - 11);
        demo_tokens_[kind] = line.substr(line.rfind(' ') + 1);
      }
      const std::string listen_mark =
          tls_cert_.empty() ? "listening on http://127.0.0.1:" : "listening on https://127.0.0.1:";
      if (line.starts_with(listen_mark)) {
        port_ = std::atoi(line.c_str() + listen_mark.size());
        // Keep draining stdout in the background so the server never blocks on it.
        int fd = out[0];
        std::thread([fd] {
          std::string sink;
          Drain(fd, sink);
          close(fd);
        }).detach();
        return true;
      }
    }
  }
  close(out[0]);
  return false;
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::unique_ptr<httplib::Client> ServerProcess::Client() const {
  auto c = std::make_unique<httplib::Client>(url());
  if (!tls_cert_.empty()) c->set_ca_cert_path(tls_cert_);
  c->set_keep_alive(true);
  c->set_read_timeout(30);
  return c;
}

CommandResult ServerProcess::Cli(const std::vector<std::string>& args,
                                 const std::string& token) const {
  std::vector<std::string> argv = {QiantangBinary(), "--server", url()};
  if (!tls_cert_.empty()) argv.insert(argv.end(), {"--cacert", tls_cert_});
  if (!token.empty()) argv.insert(argv.end(), {"--token", token});
  argv.insert(argv.end(), args.begin(), args.end());
  // An empty HOME keeps a developer's saved token out of the test.
  return RunCommand(argv, {"HOME=" + dir_, "QIANTANG_TOKEN="});
}

CommandResult RunCommand(const std::vector<std::string>& args,
                         const std::vector<std::string>& extra_env) {
  Result<ProcessResult> r = RunProcess(args, extra_env);
  if (!r.ok()) throw std::runtime_error(r.status().message());
  return {r->exit_code, r->out, r->err};
}

HttpAnswer Call(httplib::Client& client, const std::string& method, const std::string& path,
                const std::string& token, const std::string& body) {
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  httplib::Result res = method == "GET"    ? client.Get(path, headers)
                        : method == "POST" ? client.Post(path, headers, body, "application/json")
                                           : client.Delete(path, headers);
  HttpAnswer a;
  if (!res) return a;
  a.status = res->status;
  a.raw = res->body;
  a.headers = res->headers;
  a.body = nlohmann::json::parse(res->body, nullptr, false);
  if (a.body.is_discarded()) a.body = nullptr;
  return a;
}

}  // namespace qt::testing
