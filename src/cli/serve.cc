#include "cli/serve.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include "api/server.h"
#include "cli/serve_demo.h"
#include "cli/serve_services.h"
#include "cli/serve_tasks.h"
#include "crypto/tls.h"

namespace qt::cli {
namespace {

// Every connection is a descriptor: raise the soft limit to the hard one, and
// say so if even that cannot hold max_connections plus files and the database.
void RaiseOpenFileLimit(int64_t max_connections) {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return;
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
  getrlimit(RLIMIT_NOFILE, &r);
  const auto needed = static_cast<rlim_t>(max_connections + 256);
  if (r.rlim_cur != RLIM_INFINITY && r.rlim_cur < needed) {
    spdlog::warn(
        "open file limit {} is below max_connections + 256 = {}: connections beyond it "
        "wait in the listen queue (raise it with ulimit -n or LimitNOFILE=)",
        r.rlim_cur, needed);
  }
}

// glibc gives each thread that allocates under contention its own arena, up
// to 8 per core, and keeps what each arena ever held: with a pool of workers
// the resident size then creeps up for hours while only reading (41.7 MiB an
// hour in the read-only soak; 0.0 with two arenas over 30 minutes, with no
// loss of throughput: docs/BENCHMARKS.md). MALLOC_ARENA_MAX, if set, wins.
void LimitMallocArenas() {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
  mallopt(M_ARENA_MAX, 2);
}

Status Serve(const ServeConfig& config) {
  // Before anything is created: secrets never lie where others read.
  QT_RETURN_IF_ERROR(CheckFolders(config));
  LimitMallocArenas();
  // TLS: the certificate is loaded once here (a bad file stops the start) and
  // then reloaded by the front end when its files change.
  std::unique_ptr<crypto::ServerCertificate> tls;
  if (!config.tls_cert.empty()) {
    QT_ASSIGN_OR_RETURN(tls, crypto::ServerCertificate::Load(config.tls_cert, config.tls_key));
  }
  MetricsRegistry metrics;
  QT_ASSIGN_OR_RETURN(std::unique_ptr<ServeServices> s,
                      ServeServices::Build(config, metrics, tls.get()));
  if (s->bootstrap) {
    PrintLine("bootstrap operator token (shown once): " + s->bootstrap->admin_token.secret);
  }
  if (config.demo) QT_RETURN_IF_ERROR(LoadDemo(config, *s));

  QT_ASSIGN_OR_RETURN(api::TrustedProxies proxies,
                      api::TrustedProxies::Parse(config.trusted_proxies));
  RaiseOpenFileLimit(config.max_connections);
  api::ApiServer server(
      {.host = config.host,
       .port = config.port,
       .threads = static_cast<int>(config.threads),
       .max_body_bytes = static_cast<size_t>(config.max_body_bytes),
       .max_connections = static_cast<int>(config.max_connections),
       .max_connections_per_address = static_cast<int>(config.max_connections_per_address),
       .header_timeout_seconds = static_cast<int>(config.header_timeout_s),
       .body_timeout_seconds = static_cast<int>(config.body_timeout_s),
       .trusted_proxies = std::move(proxies),
       .web_dir = config.web_dir,
       .traces_dir = config.traces_dir,
       .tls = tls.get()},
      *s->accounts, *s->ledger, *s->store, metrics, s->domain);
  QT_ASSIGN_OR_RETURN(int port, server.Bind());
  std::string host =
      config.host.find(':') != std::string::npos ? "[" + config.host + "]" : config.host;
  if (PublicUrl(config).empty()) {
    QT_RETURN_IF_ERROR(s->node->set_url(UrlScheme(config) + host + ":" + std::to_string(port)));
  }
  // After the node knows its URL: peers are greeted with it.
  ServeTasks tasks(config, *s, metrics);
  PrintLine("listening on " + UrlScheme(config) + host + ":" + std::to_string(port));

  // SIGINT and SIGTERM are blocked in every thread and taken by this watcher,
  // which stops the server; in-flight requests finish first.
  std::thread watcher([&server] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != SIGUSR1) spdlog::info("signal {}: finishing in-flight requests", sig);
    server.Stop();
  });
  Status served = server.Run();
  pthread_kill(watcher.native_handle(), SIGUSR1);  // wakes the watcher if no signal came
  watcher.join();
  spdlog::info("stopped");
  return served;
}

}  // namespace

int RunServe(const ServeConfig& config) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto logger = spdlog::stderr_color_mt("qiantang");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(config.log_level));

  Status s = Serve(config);
  if (!s.ok()) {
    std::cerr << "qiantang serve: " << s.message() << std::endl;
    return 1;
  }
  return 0;
}

}  // namespace qt::cli
