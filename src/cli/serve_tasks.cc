#include "cli/serve_tasks.h"

namespace qt::cli {

ServeTasks::ServeTasks(const ServeConfig& config, ServeServices& s, MetricsRegistry& metrics)
    : checkpoints_(*s.ledger, config.checkpoint_interval_ms, &metrics) {
  auto every = [&](const char* name, int64_t interval_ms, std::function<Status()> run) {
    tasks_.push_back(std::make_unique<PeriodicTask>(name, interval_ms, std::move(run), &metrics));
  };
  every("witness_submissions", config.checkpoint_interval_ms,
        [w = s.witnessing.get()] { return w->Round(); });
  every("negotiation_sync", config.negotiation_sync_ms,
        [n = s.negotiations.get()] { return n->Sync(); });
  every("federation_crawl", config.crawl_interval_ms,
        [peers = s.peers.get(), catalog = s.federated_catalog.get()]() -> Status {
          Status greeted = peers->GreetPending();
          Status crawled = catalog->Crawl();
          return crawled.ok() ? greeted : crawled;
        });
  every("market_ticks", config.market_tick_ms,
        [market = s.market.get()] { return market->Advance().status(); });
  every("live_jobs", config.market_tick_ms,
        [jobs = s.jobs.get()] { return jobs->Advance().status(); });
  every("policy_sync", config.policy_sync_ms, [policies = s.policies.get()]() -> Status {
    QT_ASSIGN_OR_RETURN(match::SyncReport r, policies->Sync());
    if (r.damaged == 0) return OkStatus();
    return Internal(std::to_string(r.damaged) + " damaged profiles passed over (logged)");
  });
  every("webhooks", config.webhook_ms,
        [policies = s.policies.get()] { return policies->Deliver(100).status(); });
  every("dashboard", config.dashboard_refresh_ms,
        [dashboard = s.dashboard.get()] { return dashboard->Refresh(); });
  if (config.demo) {
    traffic_.emplace(*s.accounts, *s.market, config.demo_seed);
    every("demo_traffic", config.demo_traffic_ms, [this] { return traffic_->Step(); });
  }
}

}  // namespace qt::cli
