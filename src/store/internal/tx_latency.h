// Transaction latency histograms, qiantang_db_transaction_seconds{mode}, for
// every Store backend.
#ifndef QIANTANG_STORE_INTERNAL_TX_LATENCY_H_
#define QIANTANG_STORE_INTERNAL_TX_LATENCY_H_

#include <chrono>

#include "core/metrics.h"

namespace qt::store::internal {

class TxLatency {
 public:
  explicit TxLatency(MetricsRegistry* metrics) {
    if (metrics == nullptr) return;
    const char* help = "Database transaction latency in seconds";
    read_ = &metrics->GetHistogram("qiantang_db_transaction_seconds", help, {{"mode", "read"}});
    write_ = &metrics->GetHistogram("qiantang_db_transaction_seconds", help, {{"mode", "write"}});
  }

  void Record(bool write, std::chrono::steady_clock::time_point start) const {
    if (Histogram* h = write ? write_ : read_) {
      h->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  }

 private:
  Histogram* read_ = nullptr;
  Histogram* write_ = nullptr;
};

}  // namespace qt::store::internal

#endif  // QIANTANG_STORE_INTERNAL_TX_LATENCY_H_
