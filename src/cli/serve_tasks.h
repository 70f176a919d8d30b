// ServeTasks: the server's background work, each task on its own thread
// every interval (core/periodic.h). A run that fails or throws is logged,
// counted in qiantang_background_failures_total{task} and tried again next
// interval. The tasks start when ServeTasks is built and stop, after any run
// in progress, when it is destroyed: destroy it before the services.
//
// | task                | setting                | what a run does                         |
// |---------------------|------------------------|-----------------------------------------|
// | checkpoints         | checkpoint_interval_ms | signs a ledger checkpoint if it grew    |
// | witness_submissions | checkpoint_interval_ms | sends the newest checkpoint to witnesses|
// | negotiation_sync    | negotiation_sync_ms    | resends contract changes peers missed   |
// | federation_crawl    | crawl_interval_ms      | greets pending peers, crawls catalogs   |
// | market_ticks        | market_tick_ms         | advances orders of simulated clusters   |
// | policy_sync         | policy_sync_ms         | turns profile changes into notices      |
// | webhooks            | webhook_ms             | delivers notices to webhooks            |
// | dashboard           | dashboard_refresh_ms   | recomputes the city dashboard's figures |
// | demo_traffic        | demo_traffic_ms        | --demo only: an enterprise buys compute |
//
// Several server processes on one database may all run every task: each
// change a run makes is conditional on the state it read.
//
// Thread-safety: each task runs on its own thread; the object itself is
// built and destroyed by one thread.
#ifndef QIANTANG_CLI_SERVE_TASKS_H_
#define QIANTANG_CLI_SERVE_TASKS_H_

#include <memory>
#include <optional>
#include <vector>

#include "cli/serve_config.h"
#include "cli/serve_services.h"
#include "core/metrics.h"
#include "core/periodic.h"
#include "demo/demo_compute.h"

namespace qt::cli {

class ServeTasks {
 public:
  // `config`, `s` and `metrics` must outlive the tasks.
  ServeTasks(const ServeConfig& config, ServeServices& s, MetricsRegistry& metrics);
  ServeTasks(const ServeTasks&) = delete;
  ServeTasks& operator=(const ServeTasks&) = delete;

 private:
  std::optional<demo::DemoTraffic> traffic_;  // --demo only
  ledger::CheckpointPublisher checkpoints_;
  std::vector<std::unique_ptr<PeriodicTask>> tasks_;
};

}  // namespace qt::cli

#endif  // QIANTANG_CLI_SERVE_TASKS_H_
