#include "match/scenarios.h"

#include <algorithm>
#include <map>

#include "accounts/paging.h"
#include "core/ids.h"
#include "core/text.h"
#include "match/schema.h"
#include "store/decode.h"
#include "store/like.h"
#include "store/transact.h"

namespace qt::match {

using accounts::Principal;
using nlohmann::json;
using store::Tx;

struct Scenarios::Memory {
  int64_t version = -1;
  std::vector<Listing> demands, capabilities;  // open ones, by document number
  std::unique_ptr<TextIndex> demand_index, capability_index;
};

namespace {

constexpr const char* kColumns =
    "SELECT id, list, org_id, title, description, domain, tags, district, budget_fen, deadline, "
    "refs, state,"
    " created_at FROM sc_listings";
constexpr const char* kPairColumns =
    "SELECT id, demand_id, capability_id, state, note, created_at, updated_at FROM sc_pairs";
Result<Listing> FromRow(const store::Row& r) {
  return store::Decode<Listing>("sc_listings", r, [&]() -> Result<Listing> {
    QT_ASSIGN_OR_RETURN(ScenarioList list,
                        Stored(ParseScenarioList(r.Text("list")), "list", r.Text("list")));
    QT_ASSIGN_OR_RETURN(ListingState state,
                        Stored(ParseListingState(r.Text("state")), "state", r.Text("state")));
    std::optional<Date> deadline;
    if (!r.Text("deadline").empty()) {
      deadline = Date::Parse(r.Text("deadline"));
      if (!deadline) return InvalidArgument("deadline: not a day: " + r.Text("deadline"));
    }
    return Listing{.id = r.Text("id"),
                   .list = list,
                   .org_id = r.Text("org_id"),
                   .title = r.Text("title"),
                   .description = r.Text("description"),
                   .domain = r.Text("domain"),
                   .tags = json::parse(r.Text("tags")).get<std::vector<std::string>>(),
                   .district = r.Text("district"),
                   .budget_fen = r.Int("budget_fen"),
                   .deadline = deadline,
                   .references = r.Text("refs"),
                   .state = state,
                   .created_at = r.Int("created_at")};
  });
}

Result<Pair> PairFromRow(const store::Row& r) {
  return store::Decode<Pair>("sc_pairs", r, [&]() -> Result<Pair> {
    QT_ASSIGN_OR_RETURN(PairState state,
                        Stored(ParsePairState(r.Text("state")), "state", r.Text("state")));
    return Pair{.id = r.Text("id"),
                .demand_id = r.Text("demand_id"),
                .capability_id = r.Text("capability_id"),
                .state = state,
                .note = r.Text("note"),
                .created_at = r.Int("created_at"),
                .updated_at = r.Int("updated_at")};
  });
}

// The list's id prefix.
const char* IdPrefix(ScenarioList list) { return list == ScenarioList::kDemand ? "dmd" : "cap"; }

TextDocument Document(const Listing& l) {
  std::vector<std::string> tags = l.tags;
  tags.push_back(l.domain);
  return {{l.title, l.description + " " + l.references}, tags};
}

Result<int64_t> Bump(Tx& tx) {
  QT_RETURN_IF_ERROR(tx.Exec("UPDATE sc_version SET value = value + 1 WHERE id = 1").status());
  QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT value FROM sc_version WHERE id = 1"));
  return rows[0].Int("value");
}

}  // namespace

const std::vector<std::string>& Scenarios::Domains() {
  static const std::vector<std::string> kDomains = {"智慧交通", "智慧医疗", "智能制造", "城市治理",
                                                    "数字文旅", "智慧教育", "智慧养老", "低空经济",
                                                    "人工智能", "数据要素", "生态环保", "金融科技",
                                                    "智慧农业", "公共安全", "能源双碳", "生物医药"};
  return kDomains;
}

Scenarios::Scenarios(store::Store& store, ScenarioOptions options)
    : store_(store), options_(options) {
  std::vector<std::string> terms = Domains();
  for (const char* t : {"大模型", "算力", "自动驾驶", "车路协同", "数字孪生", "无人机", "机器人",
                        "物联网", "区块链", "专精特新", "首台套", "城市大脑", "一网统管"}) {
    terms.emplace_back(t);
  }
  segmenter_ = *Segmenter::Create(terms);
}

Scenarios::~Scenarios() = default;

Status Scenarios::Refresh() {
  int64_t version = 0;
  std::vector<Listing> all;
  QT_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(store::Rows v, tx.Query("SELECT value FROM sc_version WHERE id = 1"));
    version = v[0].Int("value");
    if (memory_ && memory_->version == version) return OkStatus();
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query(std::string(kColumns) + " WHERE state = 'open' ORDER BY id"));
    store::DecodeSkipping(rows, FromRow, all);  // a damaged listing is logged, the rest served
    return OkStatus();
  }));
  if (memory_ && memory_->version == version) return OkStatus();
  auto m = std::make_unique<Memory>();
  m->version = version;
  m->demand_index = std::make_unique<TextIndex>(*segmenter_, std::vector<double>{2.0, 1.0}, 2.0);
  m->capability_index =
      std::make_unique<TextIndex>(*segmenter_, std::vector<double>{2.0, 1.0}, 2.0);
  for (Listing& l : all) {
    const bool demand = l.list == ScenarioList::kDemand;
    QT_RETURN_IF_ERROR((demand ? m->demand_index : m->capability_index)->Add(Document(l)).status());
    (demand ? m->demands : m->capabilities).push_back(std::move(l));
  }
  memory_ = std::move(m);
  return OkStatus();
}

Result<Listing> Scenarios::Add(const Principal& caller, Listing l) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_RETURN_IF_ERROR(CheckDisplayText(l.title, 200).WithContext("title"));
  if (l.description.empty() || l.description.size() > kMaxDescription) {
    return InvalidArgument("description: 1 to 8000 bytes");
  }
  if (std::find(Domains().begin(), Domains().end(), l.domain) == Domains().end()) {
    return InvalidArgument("domain: one of the platform's domains (" + Domains()[0] + ", " +
                           Domains()[1] + ", ...)");
  }
  if (l.tags.size() > 10) return InvalidArgument("tags: at most 10");
  for (const std::string& t : l.tags)
    QT_RETURN_IF_ERROR(CheckDisplayText(t, 50).WithContext("tags"));
  const int64_t now = options_.clock->NowMillis();
  if (l.list == ScenarioList::kDemand) {
    if (l.budget_fen <= 0) return InvalidArgument("budget_fen: must be positive");
    if (!l.deadline) return InvalidArgument("deadline: a demand needs one");
    if (*l.deadline < Date::OfMillis(now)) return InvalidArgument("deadline: is in the past");
    if (!l.district.empty())
      QT_RETURN_IF_ERROR(CheckDisplayText(l.district, 50).WithContext("district"));
  } else {
    l.budget_fen = 0;
    l.deadline.reset();
    l.district.clear();
    if (l.references.size() > kMaxDescription)
      return InvalidArgument("references: at most 8000 bytes");
  }
  l.id = IdGenerator(*options_.clock, *options_.random).Next(IdPrefix(l.list));
  l.org_id = caller.org_id;
  l.state = ListingState::kOpen;
  l.created_at = now;
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO sc_listings (id, list, org_id, title, description, domain, tags, "
                "district,"
                " budget_fen, deadline, refs, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?,"
                " ?, ?, ?)",
                {l.id, std::string(ScenarioListName(l.list)), l.org_id, l.title, l.description,
                 l.domain, json(l.tags).dump(), l.district, l.budget_fen,
                 l.deadline ? l.deadline->ToString() : std::string(), l.references,
                 std::string(ListingStateName(l.state)), l.created_at})
            .status());
    QT_RETURN_IF_ERROR(Bump(tx).status());
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "match." + std::string(ScenarioListName(l.list)) + ".listed",
                      l.id,
                      {{"domain", l.domain}}})
        .status();
  }));
  return l;
}

Result<Listing> Scenarios::Close(const Principal& caller, const std::string& id) {
  Listing l;
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string(kColumns) + " WHERE id = ?", {id}));
    if (rows.empty() || rows[0].Text("org_id") != caller.org_id)
      return NotFound("no listing " + id + " of yours");
    QT_ASSIGN_OR_RETURN(l, FromRow(rows[0]));
    if (l.state != ListingState::kOpen)
      return FailedPrecondition("listing " + id + " is already closed");
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE sc_listings SET state = 'closed' WHERE id = ?", {id}).status());
    l.state = ListingState::kClosed;
    QT_RETURN_IF_ERROR(Bump(tx).status());
    return options_.journal
        ->Append(tx, {caller.org_id, "match." + std::string(ScenarioListName(l.list)) + ".closed",
                      id, json::object()})
        .status();
  }));
  return l;
}

Result<Listing> Scenarios::Get(const std::string& id) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Listing> {
    QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string(kColumns) + " WHERE id = ?", {id}));
    if (rows.empty()) return NotFound("no listing " + id);
    return FromRow(rows[0]);
  });
}

Result<accounts::Page<Listing>> Scenarios::List(ScenarioList list, const ListingFilter& filter,
                                                const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, IdPrefix(list)));
  std::string sql = std::string(kColumns) + " WHERE list = ?";
  store::Params params = {std::string(ScenarioListName(list))};
  if (!filter.domain.empty()) {
    sql += " AND domain = ?";
    params.emplace_back(filter.domain);
  }
  if (filter.state) {
    sql += " AND state = ?";
    params.emplace_back(std::string(ListingStateName(*filter.state)));
  }
  if (!filter.title_contains.empty()) {
    QT_RETURN_IF_ERROR(
        CheckDisplayText(filter.title_contains, ListingFilter::kMaxTitleContains).WithContext("q"));
    sql += " AND LOWER(title) LIKE ? ESCAPE '\\'";
    params.emplace_back(store::LikeContains(filter.title_contains));
  }
  return accounts::ReadCountedPage<Listing>(store_, sql, params, page, FromRow);
}

Result<std::vector<ListingMatch>> Scenarios::Search(ScenarioList list, const std::string& text,
                                                    const std::vector<std::string>& tags,
                                                    size_t limit) {
  std::lock_guard lock(mu_);
  QT_RETURN_IF_ERROR(Refresh());
  const bool demand = list == ScenarioList::kDemand;
  const TextIndex& index = demand ? *memory_->demand_index : *memory_->capability_index;
  const std::vector<Listing>& entries = demand ? memory_->demands : memory_->capabilities;
  const Date today = Date::OfMillis(options_.clock->NowMillis());
  // Demands past their deadline are not offered.
  QT_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, index.Search(text, tags, limit, [&](int doc) {
    return !demand || (entries[doc].deadline && *entries[doc].deadline >= today);
  }));
  std::vector<ListingMatch> out;
  out.reserve(hits.size());
  for (const SearchHit& h : hits)
    out.push_back({entries[h.doc], h.score, h.text_score, h.tags_matched});
  return out;
}

Result<std::vector<ListingMatch>> Scenarios::Matches(const std::string& id, size_t limit) {
  QT_ASSIGN_OR_RETURN(Listing l, Get(id));
  std::vector<std::string> tags = l.tags;
  tags.push_back(l.domain);
  return Search(l.list == ScenarioList::kDemand ? ScenarioList::kCapability : ScenarioList::kDemand,
                l.title + " " + l.description, tags, limit);
}

Result<Pair> Scenarios::Recommend(const Principal& caller, const std::string& demand_id,
                                  const std::string& capability_id, const std::string& note) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  if (!note.empty()) QT_RETURN_IF_ERROR(CheckDisplayText(note, 500).WithContext("note"));
  QT_ASSIGN_OR_RETURN(Listing demand, Get(demand_id));
  QT_ASSIGN_OR_RETURN(Listing capability, Get(capability_id));
  if (demand.list != ScenarioList::kDemand || capability.list != ScenarioList::kCapability) {
    return InvalidArgument("a pair is a demand and a capability");
  }
  if (caller.org_id != demand.org_id && caller.org_id != capability.org_id &&
      !caller.IsOperator()) {
    return PermissionDenied(
        "only the two parties (or the platform) pair a demand and a capability");
  }
  if (demand.state != ListingState::kOpen || capability.state != ListingState::kOpen)
    return FailedPrecondition("both listings must be open");
  const int64_t now = options_.clock->NowMillis();
  Pair p{.id = IdGenerator(*options_.clock, *options_.random).Next("pair"),
         .demand_id = demand_id,
         .capability_id = capability_id,
         .state = PairState::kRecommended,
         .note = note,
         .created_at = now,
         .updated_at = now};
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    auto done = tx.Exec(
        "INSERT INTO sc_pairs (id, demand_id, capability_id, state, note, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        {p.id, p.demand_id, p.capability_id, std::string(PairStateName(p.state)), p.note, now,
         now});
    if (!done.ok() && done.status().code() == StatusCode::kConflict) {
      return Conflict("this demand and capability are already paired");
    }
    QT_RETURN_IF_ERROR(done.status());
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "match.pair.recommended",
                      p.id,
                      {{"demand_id", demand_id}, {"capability_id", capability_id}}})
        .status();
  }));
  return p;
}

Result<Pair> Scenarios::Advance(const Principal& caller, const std::string& pair_id,
                                PairState state, const std::string& note) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  if (state == PairState::kRecommended)
    return InvalidArgument("state: contacted, piloting, deployed or closed");
  if (!note.empty()) QT_RETURN_IF_ERROR(CheckDisplayText(note, 500).WithContext("note"));
  Pair p;
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query(std::string(kPairColumns) + " WHERE id = ?", {pair_id}));
    if (rows.empty()) return NotFound("no pair " + pair_id);
    QT_ASSIGN_OR_RETURN(p, PairFromRow(rows[0]));
    QT_ASSIGN_OR_RETURN(store::Rows owners,
                        tx.Query("SELECT org_id FROM sc_listings WHERE id IN (?, ?)",
                                 {p.demand_id, p.capability_id}));
    bool party = caller.IsOperator();
    for (const store::Row& o : owners) party = party || o.Text("org_id") == caller.org_id;
    if (!party) return PermissionDenied("only the two parties move their pair");
    const std::string from(PairStateName(p.state));
    if (p.state == PairState::kClosed || p.state == PairState::kDeployed)
      return FailedPrecondition("pair " + pair_id + " is " + from);
    const auto next = static_cast<PairState>(static_cast<int>(p.state) + 1);
    if (state != PairState::kClosed && state != next) {
      return FailedPrecondition("pair " + pair_id + " is " + from + "; next is " +
                                std::string(PairStateName(next)) + " (or closed)");
    }
    p.state = state;
    p.note = note.empty() ? p.note : note;
    p.updated_at = options_.clock->NowMillis();
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE sc_pairs SET state = ?, note = ?, updated_at = ? WHERE id = ?",
                {std::string(PairStateName(p.state)), p.note, p.updated_at, pair_id})
            .status());
    return options_.journal
        ->Append(tx, {caller.org_id, "match.pair." + std::string(PairStateName(state)), pair_id,
                      json::object()})
        .status();
  }));
  return p;
}

Result<std::vector<Pair>> Scenarios::Pairs(const std::string& listing_id) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Pair>> {
    std::vector<Pair> out;
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query(std::string(kPairColumns) +
                                     " WHERE demand_id = ? OR capability_id = ? ORDER BY id",
                                 {listing_id, listing_id}));
    QT_RETURN_IF_ERROR(store::DecodeInto(rows, PairFromRow, out));
    return out;
  });
}

Result<Scenarios::Stats> Scenarios::GetStats() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Stats> {
    Stats s;
    QT_ASSIGN_OR_RETURN(
        store::Rows r,
        tx.Query("SELECT (SELECT COUNT(*) FROM sc_listings WHERE list = 'demand') AS demands,"
                 " (SELECT COUNT(*) FROM sc_listings WHERE list = 'capability') AS capabilities,"
                 " (SELECT COUNT(*) FROM sc_listings WHERE list = 'demand' AND state = 'open')"
                 " AS open_demands"));
    s.demands = r[0].Int("demands");
    s.capabilities = r[0].Int("capabilities");
    s.open_demands = r[0].Int("open_demands");
    QT_ASSIGN_OR_RETURN(
        store::Rows pairs,
        tx.Query("SELECT state, COUNT(*) AS n FROM sc_pairs GROUP BY state ORDER BY state"));
    for (const store::Row& p : pairs) {
      QT_ASSIGN_OR_RETURN(PairState state, store::Decode<PairState>("sc_pairs", p, [&] {
                            return Stored(ParsePairState(p.Text("state")), "state",
                                          p.Text("state"));
                          }));
      s.pairs_by_state[std::string(PairStateName(state))] = p.Int("n");
    }
    return s;
  });
}

}  // namespace qt::match
