// FederatedCatalog: every city's published offers, searchable in one place.
//
// Crawl() asks each active peer for its DSP catalog (POST /dsp/catalog/
// request, signed, following Link rel="next" pages: at most 100 pages and
// 10,000 offers) and replaces that peer's entries in one transaction when the
// whole catalog was read. Incrementally where the peer supports it
// (federation/dsp.h): a peer whose catalog version has not changed answers
// one small message and its entries are kept, fresh; every peer's catalog is
// read whole at least every 10 crawl intervals. A failed crawl (peer down, slow, answering garbage)
// is retried twice with back-off, then recorded, and the peer's entries are
// kept: a search shows them as stale, with the age of the last good crawl,
// instead of losing them (an empty catalog between crawls is a known failure
// of other connectors). Suspended and removed peers are not crawled; a removed
// peer's entries are not searched.
//
// Search() ranks this node's own published offers and every peer's with the
// same Chinese BM25 index as the scenario lists (match/text_index.h: title
// 2.0, keywords 1.5, description and provider 1.0); each hit names its city
// and node. The index is rebuilt when a crawl changed the entries, or when
// this node's offers may have changed (at most every `local_refresh_ms`).
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_FEDERATION_CATALOG_H_
#define QIANTANG_FEDERATION_CATALOG_H_

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "dataspace/dataspace.h"
#include "federation/dsp.h"
#include "federation/peers.h"
#include "match/segmenter.h"
#include "match/text_index.h"
#include "store/store.h"

namespace qt::federation {

struct CatalogOptions {
  const Clock* clock = nullptr;        // required
  MetricsRegistry* metrics = nullptr;  // may be null
  int64_t crawl_interval_ms = 60'000;  // an entry is stale after two intervals
  int64_t local_refresh_ms = 5'000;
  int retry_backoff_ms = 500;  // before the 2nd try; doubled before the 3rd
};

struct FederatedOffer {
  std::string node{}, city{};  // the node's name and city; this node's own too
  bool local = false;
  std::string offer_id{}, dataset_id{}, title{}, description{}, publisher{};
  std::vector<std::string> keywords{};
  nlohmann::json policy{};    // the ODRL Offer
  UnixMillis crawled_at = 0;  // local: 0
  bool stale = false;         // the node's last good crawl is older than two intervals
  double score = 0;
};

struct CrawlStatus {
  std::string node{};
  UnixMillis crawled_at = 0;    // the last good crawl (0: never)
  UnixMillis attempted_at = 0;  // the last try
  std::string error;            // of the last try ("" if it succeeded)
  int64_t offers = 0;           // kept from the last good crawl
  std::string version{};        // of the peer's catalog as last read ("" if it gives none)
  UnixMillis read_at = 0;       // the last crawl that read it whole (later ones found it unchanged)
};

class FederatedCatalog {
 public:
  FederatedCatalog(store::Store& store, Peers& peers, const Node& node, dataspace::DataSpace& space,
                   CatalogOptions options);
  ~FederatedCatalog();
  static std::vector<store::Migration> Migrations();

  // Crawls every active peer once; the first failure, after trying them all.
  Status Crawl();
  // Crawls one peer (active or pending).
  Status CrawlPeer(const Peer& peer);

  // The best `limit` (1..100) offers for `query` (1..200 bytes); an empty
  // query lists offers by node and id.
  Result<std::vector<FederatedOffer>> Search(const std::string& query, int limit);
  Result<std::vector<CrawlStatus>> Crawls();
  // A peer's offer as last crawled; kNotFound if its last good crawl did not
  // have it (or the peer is removed).
  Result<FederatedOffer> Get(const std::string& node, const std::string& offer_id);

 private:
  struct Index;
  Result<std::shared_ptr<const Index>> CurrentIndex();
  // One read of `peer`'s catalog, page by page within the limits. Given the
  // version this node holds (`known`, or ""), a peer may answer "unchanged".
  struct CatalogRead {
    std::vector<RemoteOffer> offers;
    std::string version;     // the peer's version of what was read ("" if none)
    bool unchanged = false;  // still `known`: nothing was read
  };
  Result<CatalogRead> ReadPeerCatalog(const Peer& peer, const std::string& known);
  // Keeps the outcome of a crawl: the error, or the offers (replacing the
  // peer's entries), or only the time when they are unchanged.
  Status KeepCrawl(const Peer& peer, const Result<CatalogRead>& read, UnixMillis now);

  store::Store& store_;
  Peers& peers_;
  const Node& node_;
  dataspace::DataSpace& space_;
  const CatalogOptions options_;
  std::unique_ptr<match::Segmenter> segmenter_;
  std::mutex mu_;  // guards index_
  std::shared_ptr<const Index> index_;
};

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_CATALOG_H_
