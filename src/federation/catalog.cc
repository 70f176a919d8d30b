#include "federation/catalog.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <thread>

#include "core/text.h"
#include "federation/dsp.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::federation {
namespace {

using nlohmann::json;

constexpr size_t kMaxOffers = 10'000;
constexpr int kMaxPages = 100;
constexpr size_t kMaxPageBytes = size_t{4} << 20;      // one catalog page
constexpr size_t kMaxCatalogBytes = size_t{32} << 20;  // all pages of one crawl
constexpr int kAttempts = 3;
// A peer's catalog is read whole at least once every this many crawl
// intervals, whatever its version says (a publisher renamed, say).
constexpr int64_t kFullReadEvery = 10;

// The entries of peers not removed, as EntryFromRow reads them.
constexpr std::string_view kEntries =
    "SELECT c.node, c.offer_id, c.dataset_id, c.title, c.description, c.publisher, c.keywords,"
    " c.policy, c.crawled_at, p.city FROM fed_catalog c JOIN fed_peers p ON p.name = c.node"
    " WHERE p.state <> 'removed'";

Result<FederatedOffer> EntryFromRow(const store::Row& r) {
  return store::Decode<FederatedOffer>("fed_catalog", r, [&]() -> Result<FederatedOffer> {
    FederatedOffer o;
    o.node = r.Text("node");
    o.offer_id = r.Text("offer_id");
    o.dataset_id = r.Text("dataset_id");
    o.title = r.Text("title");
    o.description = r.Text("description");
    o.publisher = r.Text("publisher");
    o.keywords = json::parse(r.Text("keywords")).get<std::vector<std::string>>();
    o.policy = json::parse(r.Text("policy"));
    o.crawled_at = r.Int("crawled_at");
    o.city = r.Text("city");
    return o;
  });
}

constexpr std::string_view kCrawlColumns =
    "SELECT node, crawled_at, attempted_at, error, offers, version, read_at FROM fed_crawls";

Result<CrawlStatus> CrawlFromRow(const store::Row& r) {
  return store::Decode<CrawlStatus>("fed_crawls", r, [&]() -> Result<CrawlStatus> {
    return CrawlStatus{r.Text("node"),  r.Int("crawled_at"), r.Int("attempted_at"), r.Text("error"),
                       r.Int("offers"), r.Text("version"),   r.Int("read_at")};
  });
}

}  // namespace

struct FederatedCatalog::Index {
  std::pair<int64_t, int64_t> key;  // (sum of generations, crawl rows)
  UnixMillis built_at = 0;
  std::vector<FederatedOffer> offers;
  std::unique_ptr<match::TextIndex> text;
};

FederatedCatalog::FederatedCatalog(store::Store& store, Peers& peers, const Node& node,
                                   dataspace::DataSpace& space, CatalogOptions options)
    : store_(store), peers_(peers), node_(node), space_(space), options_(options) {
  segmenter_ = *match::Segmenter::Create({"数据产品", "公共数据", "可信数据空间", "算力"});
}

FederatedCatalog::~FederatedCatalog() = default;

Status FederatedCatalog::Crawl() {
  QT_ASSIGN_OR_RETURN(std::vector<Peer> peers, peers_.List("", 1000));
  Status first;
  for (const Peer& p : peers) {
    if (p.state != PeerState::kActive) continue;
    // One peer's crawl never stops the others', even by throwing.
    Status s = [&]() -> Status {
      try {
        return CrawlPeer(p);
      } catch (const std::exception& e) {
        return Internal("crawling peer '" + p.name + "' threw: " + e.what());
      }
    }();
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

Status FederatedCatalog::CrawlPeer(const Peer& peer) {
  // The version of the peer's catalog this node holds, if the peer gives one
  // and the last whole read is recent enough to ask only for changes.
  std::string known;
  {
    QT_ASSIGN_OR_RETURN(std::vector<CrawlStatus> crawls, Crawls());
    const UnixMillis now = options_.clock->NowMillis();
    for (const CrawlStatus& c : crawls) {
      if (c.node == peer.name && c.crawled_at > 0 &&
          now - c.read_at < kFullReadEvery * options_.crawl_interval_ms) {
        known = c.version;
      }
    }
  }
  Result<CatalogRead> read = Unavailable("not tried");
  int backoff = options_.retry_backoff_ms;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
      backoff *= 2;
    }
    read = ReadPeerCatalog(peer, known);
    if (read.ok()) break;
  }
  if (options_.metrics != nullptr) {
    options_.metrics
        ->GetCounter("qiantang_federation_crawls_total",
                     "crawls of peers' DSP catalogs, by peer and outcome",
                     {{"peer", peer.name}, {"outcome", read.ok() ? "ok" : "failed"}})
        .Increment();
  }
  QT_RETURN_IF_ERROR(KeepCrawl(peer, read, options_.clock->NowMillis()));
  return read.ok() ? OkStatus() : read.status().WithContext("crawling peer '" + peer.name + "'");
}

Result<FederatedCatalog::CatalogRead> FederatedCatalog::ReadPeerCatalog(const Peer& peer,
                                                                        const std::string& known) {
  CatalogRead read;
  std::set<std::string> seen;
  const std::string request = CatalogRequestJson(known).dump();
  std::string url = std::string(kDspPath) + "/catalog/request";
  size_t bytes = 0;
  for (int page = 0; page < kMaxPages && !url.empty(); ++page) {
    QT_ASSIGN_OR_RETURN(PeerAnswer a, peers_.Call(peer, "POST", url, request, kMaxPageBytes));
    bytes += a.body.size();
    if (bytes > kMaxCatalogBytes) {
      return Unavailable("the catalog is larger than " + std::to_string(kMaxCatalogBytes) +
                         " bytes");
    }
    if (Status s = CheckJsonDepth(a.body); !s.ok()) return Unavailable(s.message());
    json body = json::parse(a.body, nullptr, /*allow_exceptions=*/false);
    if (a.status != 200) {
      std::string reason = body.is_object() && body.contains("reason")
                               ? body["reason"].dump()
                               : ValidUtf8Prefix(a.body, 200);
      return Unavailable("HTTP " + std::to_string(a.status) + ": " + reason);
    }
    if (body.is_discarded()) return Unavailable("the catalog is not JSON");
    if (page == 0 && body.is_object() && body.contains(kCatalogVersion) &&
        body[kCatalogVersion].is_string()) {
      // A version is kept only as the provider's opaque token of printable
      // ASCII; anything else is no version (the catalog is read whole).
      const std::string given = body[kCatalogVersion].get<std::string>();
      const bool token =
          !given.empty() && given.size() <= 200 &&
          std::all_of(given.begin(), given.end(), [](char ch) { return ch > 0x20 && ch < 0x7f; });
      read.version = token ? given : "";
      if (!known.empty() && read.version == known &&
          body.value(kCatalogUnchanged, json()) == true) {
        read.unchanged = true;
        return read;
      }
    }
    auto offers = ReadCatalog(body, kMaxOffers - read.offers.size());
    if (!offers.ok()) return Unavailable(offers.status().message());
    for (RemoteOffer& o : *offers) {
      if (seen.insert(o.offer_id).second) read.offers.push_back(std::move(o));
    }
    url = a.next;
  }
  if (!url.empty()) {
    return Unavailable("the catalog has more than " + std::to_string(kMaxPages) + " pages");
  }
  return read;
}

Status FederatedCatalog::KeepCrawl(const Peer& peer, const Result<CatalogRead>& read,
                                   UnixMillis now) {
  if (!read.ok()) {
    const std::string error = ValidUtf8Prefix(read.status().message(), 500);
    return store_.Write([&](store::Tx& tx) -> Status {
      return tx
          .Exec(
              "INSERT INTO fed_crawls (node, crawled_at, attempted_at, error, offers, generation) "
              "VALUES (?, 0, ?, ?, 0, 0) ON CONFLICT (node) DO UPDATE SET attempted_at = ?, "
              "error = ?",
              {peer.name, now, error, now, error})
          .status();
    });
  }
  if (read->unchanged) {  // the entries stand, fresh as of now
    return store_.Write([&](store::Tx& tx) -> Status {
      return tx
          .Exec("UPDATE fed_crawls SET crawled_at = ?, attempted_at = ?, error = '' WHERE node = ?",
                {now, now, peer.name})
          .status();
    });
  }
  const auto offers = static_cast<int64_t>(read->offers.size());
  return store_.Write([&](store::Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(tx.Exec("DELETE FROM fed_catalog WHERE node = ?", {peer.name}).status());
    for (const RemoteOffer& o : read->offers) {
      QT_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO fed_catalog (node, offer_id, dataset_id, title, description, "
                  "publisher, keywords, policy, crawled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  {peer.name, o.offer_id, o.dataset_id, o.title, o.description, o.publisher,
                   json(o.keywords).dump(-1, ' ', false, json::error_handler_t::replace),
                   o.policy.dump(-1, ' ', false, json::error_handler_t::replace), now})
              .status());
    }
    return tx
        .Exec(
            "INSERT INTO fed_crawls (node, crawled_at, attempted_at, error, offers, generation, "
            "version, read_at) VALUES (?, ?, ?, '', ?, 1, ?, ?) ON CONFLICT (node) DO UPDATE SET "
            "crawled_at = ?, attempted_at = ?, error = '', offers = ?, "
            "generation = fed_crawls.generation + 1, version = ?, read_at = ?",
            {peer.name, now, now, offers, read->version, now, now, now, offers, read->version, now})
        .status();
  });
}

Result<std::vector<CrawlStatus>> FederatedCatalog::Crawls() {
  return store::ReadValue(store_, [&](store::Tx& tx) -> Result<std::vector<CrawlStatus>> {
    QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string(kCrawlColumns) + " ORDER BY node"));
    std::vector<CrawlStatus> out;
    QT_RETURN_IF_ERROR(store::DecodeInto(rows, CrawlFromRow, out));
    return out;
  });
}

Result<std::shared_ptr<const FederatedCatalog::Index>> FederatedCatalog::CurrentIndex() {
  using Key = std::pair<int64_t, int64_t>;
  QT_ASSIGN_OR_RETURN(
      const Key key, store::ReadValue(store_, [&](store::Tx& tx) -> Result<Key> {
        QT_ASSIGN_OR_RETURN(
            store::Rows rows,
            tx.Query("SELECT CAST(COALESCE(SUM(generation), 0) AS BIGINT) AS generations,"
                     " COUNT(*) AS crawls FROM fed_crawls"));  // PostgreSQL sums BIGINTs as NUMERIC
        return Key{rows[0].Int("generations"), rows[0].Int("crawls")};
      }));
  const UnixMillis now = options_.clock->NowMillis();
  std::lock_guard lock(mu_);
  if (index_ && index_->key == key && now - index_->built_at < options_.local_refresh_ms) {
    return index_;
  }
  auto index = std::make_shared<Index>();
  index->key = key;
  index->built_at = now;
  // This node's own offers first, then every peer's that is not removed.
  std::string after;
  while (true) {
    QT_ASSIGN_OR_RETURN(auto page, space_.PublishedOffers(after, 500));
    for (const auto& [offer, product] : page) {
      index->offers.push_back({.node = node_.name(),
                               .city = node_.city(),
                               .local = true,
                               .offer_id = offer.id,
                               .dataset_id = product.id,
                               .title = product.title,
                               .description = product.description,
                               .publisher = product.provider_name,
                               .keywords = product.tags,
                               .policy = OfferJson(offer)});
      after = offer.id;
    }
    if (page.size() < 500) break;
  }
  QT_ASSIGN_OR_RETURN(
      std::vector<FederatedOffer> remote,
      store::ReadValue(store_, [&](store::Tx& tx) -> Result<std::vector<FederatedOffer>> {
        QT_ASSIGN_OR_RETURN(store::Rows rows,
                            tx.Query(std::string(kEntries) + " ORDER BY c.node, c.offer_id"));
        std::vector<FederatedOffer> out;
        store::DecodeSkipping(rows, EntryFromRow, out);  // one damaged entry hides no other
        return out;
      }));
  for (auto& o : remote) index->offers.push_back(std::move(o));

  index->text = std::make_unique<match::TextIndex>(*segmenter_, std::vector<double>{2.0, 1.5, 1.0});
  for (const FederatedOffer& o : index->offers) {
    std::string keywords;
    for (const auto& k : o.keywords) keywords += k + " ";
    QT_RETURN_IF_ERROR(
        index->text->Add({{o.title, keywords, o.description + " " + o.publisher}, {}}).status());
  }
  index_ = index;
  return std::shared_ptr<const Index>(index);
}

Result<FederatedOffer> FederatedCatalog::Get(const std::string& node, const std::string& offer_id) {
  return store::ReadValue(store_, [&](store::Tx& tx) -> Result<FederatedOffer> {
    QT_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query(std::string(kEntries) + " AND c.node = ? AND c.offer_id = ?", {node, offer_id}));
    if (rows.empty()) {
      return NotFound("offer " + offer_id + " of node '" + node +
                      "' is not in the federated catalog (crawl the node first)");
    }
    return EntryFromRow(rows[0]);
  });
}

Result<std::vector<FederatedOffer>> FederatedCatalog::Search(const std::string& query, int limit) {
  if (limit < 1 || limit > 100) return InvalidArgument("limit: 1 to 100");
  if (query.size() > 200) return InvalidArgument("q: at most 200 bytes");
  QT_ASSIGN_OR_RETURN(auto index, CurrentIndex());
  QT_ASSIGN_OR_RETURN(std::vector<CrawlStatus> crawls, Crawls());
  const UnixMillis now = options_.clock->NowMillis();
  auto finish = [&](FederatedOffer o, double score) {
    o.score = score;
    if (!o.local) {
      auto c = std::find_if(crawls.begin(), crawls.end(),
                            [&](const CrawlStatus& s) { return s.node == o.node; });
      const UnixMillis last = c == crawls.end() ? o.crawled_at : c->crawled_at;
      o.stale = now - last > 2 * options_.crawl_interval_ms;
    }
    return o;
  };
  std::vector<FederatedOffer> out;
  if (query.empty()) {
    for (size_t i = 0; i < index->offers.size() && static_cast<int>(out.size()) < limit; ++i) {
      out.push_back(finish(index->offers[i], 0));
    }
    return out;
  }
  QT_ASSIGN_OR_RETURN(auto hits, index->text->Search(query, {}, static_cast<size_t>(limit)));
  for (const match::SearchHit& h : hits) out.push_back(finish(index->offers[h.doc], h.score));
  return out;
}

}  // namespace qt::federation
