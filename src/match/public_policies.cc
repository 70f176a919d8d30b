// Policies: publication, versions, the engine that finds eligible entities,
// and the inboxes. Webhooks are in webhooks.cc.
#include "match/public_policies.h"

#include <deque>
#include <set>
#include <tuple>
#include <unordered_map>

#include "accounts/paging.h"
#include "core/ids.h"
#include "core/text.h"
#include "match/enterprise.h"
#include "match/index.h"
#include "match/person.h"
#include "match/rule.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::match {

using accounts::OrgKind;
using accounts::Principal;
using nlohmann::json;
using store::Tx;

// The entities of one audience, following their changes.
struct PublicPolicies::Audience {
  explicit Audience(const Schema& s) : schema(s), index(s) {}
  const Schema& schema;
  MatchIndex index;
  std::vector<std::string> ids;             // by position
  std::vector<std::string> orgs;            // enterprises: the keeping organisation, or ""
  std::vector<identity::Citizen> citizens;  // persons: the record (re-read for today's values)
  std::vector<bool> active;
  std::vector<Entity> base;            // as of the last rebuild (the index refers to them)
  std::deque<Entity> changed;          // later versions; stable addresses
  std::vector<const Entity*> current;  // by position: the latest
  std::unordered_map<std::string, int> by_id;
  int64_t seq = -1;  // the last change followed: (seq, last_id)
  std::string last_id;
  int64_t kept_seq = -2;  // what pl_follow holds, as far as this process knows
  std::string kept_id;
  bool Moved() const { return seq != kept_seq || last_id != kept_id; }

  // Files the entity's new values; returns its position. In `bulk` the index
  // is left alone: Rebuild() it once after (many single inserts into its
  // sorted columns would cost a move of the column each).
  int Put(const std::string& id, Entity entity, bool is_active, bool bulk) {
    changed.push_back(std::move(entity));
    const Entity& e = changed.back();
    auto at = by_id.find(id);
    if (at == by_id.end()) {
      const int pos = static_cast<int>(ids.size());
      if (!bulk) index.AddEntity(e);
      by_id[id] = pos;
      ids.push_back(id);
      current.push_back(&e);
      orgs.emplace_back();
      citizens.emplace_back();
      active.push_back(is_active);
      return pos;
    }
    if (!bulk) index.UpdateEntity(at->second, e);
    current[at->second] = &e;
    active[at->second] = is_active;
    return at->second;
  }
  // Old versions kept alive for the index: time to rebuild it.
  bool Bloated() const { return changed.size() > base.size() / 4 + 10'000; }
  void Rebuild() {
    std::vector<Entity> all;
    all.reserve(current.size());
    for (const Entity* e : current) all.push_back(*e);
    base = std::move(all);
    index.SetEntities(base);
    for (size_t i = 0; i < base.size(); ++i) current[i] = &base[i];
    changed.clear();
  }
};

// What Sync works from: both audiences and the policies in force.
struct PublicPolicies::Memory {
  Memory(const Schema& enterprise_schema, const Schema& person_schema)
      : enterprise(enterprise_schema), person(person_schema) {}
  Audience enterprise, person;
  bool followed = false;  // the entities have been read once
  int64_t policies_version = -1;
  double day = -1;
  std::deque<PublicPolicy> policies;  // published ones; stable addresses
  std::deque<Rule> rules;             // parallel
  std::vector<int> in_force;          // slots filed in their audience's index
  std::set<std::pair<std::string, int64_t>>
      screened;  // (policy, version) whose publication screen is done
  Audience& Of(PolicyAudience audience) {
    return audience == PolicyAudience::kPerson ? person : enterprise;
  }
};

// One notice to write.
struct PublicPolicies::Candidate {
  int slot;  // policy
  int position;
  PolicyAudience audience;
};

namespace {

constexpr const char* kPolicyColumns =
    "SELECT id, issuer_id, audience, title, summary, benefit, rule, valid_from, valid_until, "
    "version, state,"
    " created_at, updated_at FROM pl_policies";
constexpr const char* kNoticeColumns =
    "SELECT n.id, n.policy_id, n.version, v.title, v.benefit, n.entity_id, n.explanation, "
    "n.created_at, n.read_at, v.valid_until,"
    " (SELECT state FROM pl_policies p WHERE p.id = n.policy_id) AS policy_state"
    " FROM pl_notices n JOIN pl_versions v ON v.policy_id = n.policy_id AND v.version = n.version";
constexpr size_t kFollowBatch = 20'000;
constexpr size_t kBulk = 2'000;
constexpr size_t kInsertRows = 100;

// A stored "YYYY-MM-DD" column as a Date; invalid_argument naming it (a
// damaged row, under store::Decode) if it is not one.
Result<Date> DateColumn(const store::Row& r, const char* column) {
  std::optional<Date> day = Date::Parse(r.Text(column));
  if (!day) return InvalidArgument(std::string(column) + ": not a day: " + r.Text(column));
  return *day;
}

Result<PublicPolicy> PublicPolicyFromRow(const store::Row& r) {
  return store::Decode<PublicPolicy>("pl_policies", r, [&]() -> Result<PublicPolicy> {
    QT_ASSIGN_OR_RETURN(PolicyAudience audience, Stored(ParsePolicyAudience(r.Text("audience")),
                                                        "audience", r.Text("audience")));
    QT_ASSIGN_OR_RETURN(PublicPolicyState state,
                        Stored(ParsePublicPolicyState(r.Text("state")), "state", r.Text("state")));
    QT_ASSIGN_OR_RETURN(Date valid_from, DateColumn(r, "valid_from"));
    QT_ASSIGN_OR_RETURN(Date valid_until, DateColumn(r, "valid_until"));
    return PublicPolicy{.id = r.Text("id"),
                        .issuer_id = r.Text("issuer_id"),
                        .audience = audience,
                        .title = r.Text("title"),
                        .summary = r.Text("summary"),
                        .benefit = r.Text("benefit"),
                        .rule = r.Text("rule"),
                        .valid_from = valid_from,
                        .valid_until = valid_until,
                        .version = r.Int("version"),
                        .state = state,
                        .notified = 0,
                        .created_at = r.Int("created_at"),
                        .updated_at = r.Int("updated_at")};
  });
}

Result<Notice> NoticeFromRow(const store::Row& r) {
  return store::Decode<Notice>("pl_notices", r, [&]() -> Result<Notice> {
    QT_ASSIGN_OR_RETURN(PublicPolicyState state,
                        Stored(ParsePublicPolicyState(r.Text("policy_state")), "policy_state",
                               r.Text("policy_state")));
    QT_ASSIGN_OR_RETURN(Date valid_until, DateColumn(r, "valid_until"));
    return Notice{.id = r.Text("id"),
                  .policy_id = r.Text("policy_id"),
                  .version = r.Int("version"),
                  .title = r.Text("title"),
                  .benefit = r.Text("benefit"),
                  .entity_id = r.Text("entity_id"),
                  .explanation = json::parse(r.Text("explanation")),
                  .created_at = r.Int("created_at"),
                  .read_at = r.Int("read_at"),
                  .valid_until = valid_until,
                  .closed = state != PublicPolicyState::kPublished};
  });
}

// A notice read on `today`: closed also once its policy's last day passed.
Result<Notice> NoticeOn(double today, const store::Row& r) {
  QT_ASSIGN_OR_RETURN(Notice n, NoticeFromRow(r));
  n.closed = n.closed || n.valid_until < Date{static_cast<int64_t>(today)};
  return n;
}

double Today(const Clock& clock) { return static_cast<double>(clock.NowMillis() / 86'400'000); }

bool InForce(const PublicPolicy& p, double today) {
  const Date day{static_cast<int64_t>(today)};
  return p.state == PublicPolicyState::kPublished && p.valid_from <= day && day <= p.valid_until;
}

Result<int64_t> BumpVersion(Tx& tx) {
  QT_RETURN_IF_ERROR(tx.Exec("UPDATE pl_version SET value = value + 1 WHERE id = 1").status());
  QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT value FROM pl_version WHERE id = 1"));
  return rows[0].Int("value");
}

Status CheckText(const std::string& text, size_t max, const char* field, bool required) {
  if (text.empty())
    return required ? InvalidArgument(std::string(field) + ": required") : OkStatus();
  return CheckDisplayText(text, max).WithContext(field);
}

Result<int64_t> CountNotices(Tx& tx, const std::string& policy_id, int64_t version) {
  QT_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query("SELECT COUNT(*) AS n FROM pl_notices WHERE policy_id = ? AND version = ?",
               {policy_id, version}));
  return rows[0].Int("n");
}

}  // namespace

PublicPolicies::PublicPolicies(store::Store& store, PublicPoliciesOptions options)
    : store_(store), options_(std::move(options)) {
  (void)AddEnterpriseAttributes(enterprise_schema_);
  (void)AddPersonAttributes(person_schema_);
}

PublicPolicies::~PublicPolicies() = default;

const Schema& PublicPolicies::schema(PolicyAudience audience) const {
  return audience == PolicyAudience::kPerson ? person_schema_ : enterprise_schema_;
}

// Publication and revision.

Result<PublicPolicy> PublicPolicies::Save(const Principal& caller, const std::string& id,
                                          const NewPublicPolicy& p) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kAuthority, "publish policies"));
  QT_RETURN_IF_ERROR(CheckText(p.title, 200, "title", true));
  QT_RETURN_IF_ERROR(CheckText(p.summary, kMaxText, "summary", false));
  QT_RETURN_IF_ERROR(CheckText(p.benefit, 200, "benefit", true));
  if (p.valid_until < p.valid_from) return InvalidArgument("valid_until: before valid_from");
  if (p.valid_until < Date::OfMillis(options_.clock->NowMillis())) {
    return InvalidArgument("valid_until: is in the past");
  }
  {
    std::lock_guard lock(mu_);
    Schema& schema = p.audience == PolicyAudience::kPerson ? person_schema_ : enterprise_schema_;
    QT_RETURN_IF_ERROR(Rule::Compile(p.rule, schema).status());
  }
  const int64_t now = options_.clock->NowMillis();
  PublicPolicy out{
      .id = id.empty() ? IdGenerator(*options_.clock, *options_.random).Next("pol") : id,
      .issuer_id = caller.org_id,
      .audience = p.audience,
      .title = p.title,
      .summary = p.summary,
      .benefit = p.benefit,
      .rule = p.rule,
      .valid_from = p.valid_from,
      .valid_until = p.valid_until,
      .version = 1,
      .state = PublicPolicyState::kPublished,
      .notified = 0,
      .created_at = now,
      .updated_at = now};
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    if (id.empty()) {
      QT_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO pl_policies (id, issuer_id, audience, title, summary, benefit, rule,"
                  " valid_from, valid_until, version, state, created_at, updated_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'published', ?, ?)",
                  {out.id, out.issuer_id, std::string(PolicyAudienceName(out.audience)), out.title,
                   out.summary, out.benefit, out.rule, out.valid_from.ToString(),
                   out.valid_until.ToString(), now, now})
              .status());
    } else {
      QT_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query(std::string(kPolicyColumns) + " WHERE id = ?", {id}));
      if (rows.empty() || rows[0].Text("issuer_id") != caller.org_id)
        return NotFound("no policy " + id + " of yours");
      QT_ASSIGN_OR_RETURN(PublicPolicy old, PublicPolicyFromRow(rows[0]));
      if (old.state != PublicPolicyState::kPublished)
        return FailedPrecondition("policy " + id + " is withdrawn");
      if (old.audience != p.audience)
        return InvalidArgument("audience: a policy keeps its audience");
      out.version = old.version + 1;
      out.created_at = old.created_at;
      QT_RETURN_IF_ERROR(
          tx.Exec("UPDATE pl_policies SET title = ?, summary = ?, benefit = ?, rule = ?,"
                  " valid_from = ?, valid_until = ?, version = ?, updated_at = ? WHERE id = ?",
                  {out.title, out.summary, out.benefit, out.rule, out.valid_from.ToString(),
                   out.valid_until.ToString(), out.version, now, id})
              .status());
    }
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO pl_versions (policy_id, version, title, benefit, rule, valid_from,"
                " valid_until, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                {out.id, out.version, out.title, out.benefit, out.rule, out.valid_from.ToString(),
                 out.valid_until.ToString(), now})
            .status());
    QT_RETURN_IF_ERROR(BumpVersion(tx).status());
    return options_.journal
        ->Append(tx, {caller.org_id,
                      id.empty() ? "match.policy.published" : "match.policy.revised",
                      out.id,
                      {{"version", out.version}, {"audience", PolicyAudienceName(out.audience)}}})
        .status();
  }));
  // Those eligible are noticed now; if this fails, the next periodic sync does it.
  (void)Sync();
  return Get(out.id);
}

Result<PublicPolicy> PublicPolicies::Publish(const Principal& caller, const NewPublicPolicy& p) {
  return Save(caller, "", p);
}

Result<PublicPolicy> PublicPolicies::Revise(const Principal& caller, const std::string& id,
                                            const NewPublicPolicy& p) {
  if (id.empty()) return InvalidArgument("id: required");
  return Save(caller, id, p);
}

Result<PublicPolicy> PublicPolicies::Withdraw(const Principal& caller, const std::string& id) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kAuthority, "withdraw policies"));
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query(std::string(kPolicyColumns) + " WHERE id = ?", {id}));
    if (rows.empty() || rows[0].Text("issuer_id") != caller.org_id)
      return NotFound("no policy " + id + " of yours");
    QT_ASSIGN_OR_RETURN(PublicPolicy p, PublicPolicyFromRow(rows[0]));
    if (p.state != PublicPolicyState::kPublished)
      return FailedPrecondition("policy " + id + " is already withdrawn");
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE pl_policies SET state = 'withdrawn', updated_at = ? WHERE id = ?",
                {options_.clock->NowMillis(), id})
            .status());
    QT_RETURN_IF_ERROR(BumpVersion(tx).status());
    return options_.journal
        ->Append(tx, {caller.org_id, "match.policy.withdrawn", id, json::object()})
        .status();
  }));
  return Get(id);
}

Result<PublicPolicy> PublicPolicies::Get(const std::string& id) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<PublicPolicy> {
    PublicPolicy p;
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query(std::string(kPolicyColumns) + " WHERE id = ?", {id}));
    if (rows.empty()) return NotFound("no policy " + id);
    QT_ASSIGN_OR_RETURN(p, PublicPolicyFromRow(rows[0]));
    QT_ASSIGN_OR_RETURN(p.notified, CountNotices(tx, p.id, p.version));
    return p;
  });
}

Result<accounts::Page<PublicPolicy>> PublicPolicies::List(std::optional<PolicyAudience> audience,
                                                          bool in_force,
                                                          const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "pol"));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<accounts::Page<PublicPolicy>> {
    accounts::Page<PublicPolicy> out;
    std::string sql = std::string(kPolicyColumns) + " WHERE id > ?";
    store::Params params = {page.cursor};
    if (audience) {
      sql += " AND audience = ?";
      params.emplace_back(std::string(PolicyAudienceName(*audience)));
    }
    if (in_force) {
      const std::string today = Date::OfMillis(options_.clock->NowMillis()).ToString();
      sql += " AND state = 'published' AND valid_from <= ? AND valid_until >= ?";
      params.emplace_back(today);
      params.emplace_back(today);
    }
    QT_ASSIGN_OR_RETURN(
        out, accounts::QueryPage<PublicPolicy>(tx, sql, params, page, PublicPolicyFromRow));
    for (PublicPolicy& p : out.items) {
      QT_ASSIGN_OR_RETURN(p.notified, CountNotices(tx, p.id, p.version));
    }
    return out;
  });
}

// Inboxes.

Result<accounts::Page<Notice>> PublicPolicies::EnterpriseInbox(const Principal& caller,
                                                               bool unread_only,
                                                               const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(
      caller.RequireMemberOf(OrgKind::kEnterprise, "read an enterprise's policy notices"));
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "pn"));
  accounts::Page<Notice> out;
  const double today = Today(*options_.clock);
  auto read = [today](const store::Row& r) { return NoticeOn(today, r); };
  QT_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    std::string sql =
        std::string(kNoticeColumns) +
        " WHERE n.entity_id IN (SELECT id FROM fm_enterprises WHERE org_id = ?) AND n.id > ?";
    if (unread_only) sql += " AND n.read_at = 0";
    QT_ASSIGN_OR_RETURN(
        out, accounts::QueryPage<Notice>(tx, sql, {caller.org_id, page.cursor}, page, read));
    return OkStatus();
  }));
  return out;
}

Result<accounts::Page<Notice>> PublicPolicies::PersonInbox(const identity::Citizen& citizen,
                                                           bool unread_only,
                                                           const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "pn"));
  accounts::Page<Notice> out;
  const double today = Today(*options_.clock);
  auto read = [today](const store::Row& r) { return NoticeOn(today, r); };
  QT_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    std::string sql = std::string(kNoticeColumns) + " WHERE n.entity_id = ? AND n.id > ?";
    if (unread_only) sql += " AND n.read_at = 0";
    QT_ASSIGN_OR_RETURN(
        out, accounts::QueryPage<Notice>(tx, sql, {citizen.id, page.cursor}, page, read));
    return OkStatus();
  }));
  return out;
}

namespace {

// Marks the notice read if `owns` says the entity is the reader's.
Result<Notice> MarkNoticeRead(store::Store& store, const Clock& clock, const std::string& notice_id,
                              const std::function<Result<bool>(Tx&, const std::string&)>& owns) {
  Notice n;
  QT_RETURN_IF_ERROR(store.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query(std::string(kNoticeColumns) + " WHERE n.id = ?", {notice_id}));
    if (rows.empty()) return NotFound("no notice " + notice_id + " for you");
    QT_ASSIGN_OR_RETURN(n, NoticeOn(Today(clock), rows[0]));
    QT_ASSIGN_OR_RETURN(bool mine, owns(tx, n.entity_id));
    if (!mine) return NotFound("no notice " + notice_id + " for you");
    if (n.read_at != 0) return OkStatus();
    n.read_at = clock.NowMillis();
    return tx.Exec("UPDATE pl_notices SET read_at = ? WHERE id = ?", {n.read_at, notice_id})
        .status();
  }));
  return n;
}

}  // namespace

Result<Notice> PublicPolicies::MarkRead(const Principal& caller, const std::string& notice_id) {
  QT_RETURN_IF_ERROR(
      caller.RequireMemberOf(OrgKind::kEnterprise, "read an enterprise's policy notices"));
  return MarkNoticeRead(
      store_, *options_.clock, notice_id, [&](Tx& tx, const std::string& entity) -> Result<bool> {
        QT_ASSIGN_OR_RETURN(store::Rows rows,
                            tx.Query("SELECT 1 FROM fm_enterprises WHERE id = ? AND org_id = ?",
                                     {entity, caller.org_id}));
        return !rows.empty();
      });
}

Result<Notice> PublicPolicies::MarkRead(const identity::Citizen& citizen,
                                        const std::string& notice_id) {
  return MarkNoticeRead(
      store_, *options_.clock, notice_id,
      [&](Tx&, const std::string& entity) -> Result<bool> { return entity == citizen.id; });
}

// The engine.

Status PublicPolicies::Load(Memory& m) {
  // Policies: reloaded when any process changed them, refiled when the day turns.
  int64_t version = 0;
  std::vector<PublicPolicy> published;
  std::set<std::pair<std::string, int64_t>> screened;
  QT_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(store::Rows v, tx.Query("SELECT value FROM pl_version WHERE id = 1"));
    version = v[0].Int("value");
    if (version == m.policies_version) return OkStatus();
    QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string(kPolicyColumns) +
                                                   " WHERE state = 'published' ORDER BY id"));
    store::DecodeSkipping(rows, PublicPolicyFromRow, published);  // a damaged one is logged
    QT_ASSIGN_OR_RETURN(store::Rows done, tx.Query("SELECT policy_id, version FROM pl_screens"));
    for (const store::Row& r : done) screened.emplace(r.Text("policy_id"), r.Int("version"));
    return OkStatus();
  }));
  const double today = Today(*options_.clock);
  if (version == m.policies_version && today == m.day) return OkStatus();
  for (int slot : m.in_force) m.Of(m.policies[slot].audience).index.RemoveRule(slot);
  m.in_force.clear();
  if (version != m.policies_version) {
    m.policies.clear();
    m.rules.clear();
    for (PublicPolicy& p : published) {
      Schema& schema = p.audience == PolicyAudience::kPerson ? person_schema_ : enterprise_schema_;
      auto rule = Rule::Compile(p.rule, schema);
      if (!rule.ok()) {  // a stored rule that no longer compiles: logged, the others run
        (void)store::DamagedRow("pl_policies", store::Row({store::Value(p.id)}),
                                rule.status().ToString());
        continue;
      }
      m.policies.push_back(std::move(p));
      m.rules.push_back(std::move(rule).value());
    }
    m.screened = std::move(screened);
    m.policies_version = version;
  }
  m.day = today;
  for (size_t slot = 0; slot < m.policies.size(); ++slot) {
    if (!InForce(m.policies[slot], today)) continue;
    m.Of(m.policies[slot].audience).index.AddRule(static_cast<int>(slot), m.rules[slot]);
    m.in_force.push_back(static_cast<int>(slot));
  }
  return OkStatus();
}

// Reads the changes after each audience's last one into memory; `out` gets
// the (policy, entity) pairs the changed entities now satisfy.
Status PublicPolicies::FollowChanges(Memory& m, SyncReport& report, std::vector<Candidate>& out) {
  // On the first call every entity is read, but only those changed after the
  // position kept in the store are checked.
  const bool first = !m.followed;
  if (first) {
    QT_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
      QT_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query("SELECT audience, seq, last_id FROM pl_follow"));
      for (const store::Row& r : rows) {
        QT_ASSIGN_OR_RETURN(PolicyAudience audience,
                            store::Decode<PolicyAudience>("pl_follow", r, [&] {
                              return Stored(ParsePolicyAudience(r.Text("audience")), "audience",
                                            r.Text("audience"));
                            }));
        Audience& a = m.Of(audience);
        a.kept_seq = r.Int("seq");
        a.kept_id = r.Text("last_id");
      }
      return OkStatus();
    }));
    m.followed = true;
  }
  const double today = Today(*options_.clock);
  auto after_kept = [&](const Audience& a, int64_t seq, const std::string& id) {
    return !first || seq > a.kept_seq || (seq == a.kept_seq && id > a.kept_id);
  };
  // Many changes at once (the first read, an import) rebuild the index once.
  std::vector<int> check_enterprises, check_persons;
  bool bulk_enterprises = first, bulk_persons = first;
  for (;;) {
    store::Rows rows;
    QT_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
      QT_ASSIGN_OR_RETURN(
          rows,
          tx.Query("SELECT id, org_id, profile, change_seq FROM fm_enterprises"
                   " WHERE (change_seq, id) > (?, ?) ORDER BY change_seq, id LIMIT ?",
                   {m.enterprise.seq, m.enterprise.last_id, static_cast<int64_t>(kFollowBatch)}));
      return OkStatus();
    }));
    bulk_enterprises = bulk_enterprises || rows.size() >= kBulk;
    for (const store::Row& r : rows) {
      const std::string id = r.Text("id");
      // A damaged profile is logged, counted and passed over: it must not
      // stop every later change from being followed.
      auto e = store::Decode<Entity>("fm_enterprises", r, [&] {
        return enterprise_schema_.EntityFromJson(id, json::parse(r.Text("profile")));
      });
      m.enterprise.seq = r.Int("change_seq");
      m.enterprise.last_id = id;
      if (!e.ok()) {
        ++report.damaged;
        continue;
      }
      const int pos = m.enterprise.Put(id, std::move(e).value(), true, bulk_enterprises);
      m.enterprise.orgs[pos] = r.IsNull("org_id") ? "" : r.Text("org_id");
      if (after_kept(m.enterprise, r.Int("change_seq"), id)) check_enterprises.push_back(pos);
    }
    if (rows.size() < kFollowBatch) break;
  }
  for (;;) {
    QT_ASSIGN_OR_RETURN(
        std::vector<identity::Citizen> citizens,
        options_.identity->CitizensChangedSince(m.person.seq, m.person.last_id, kFollowBatch));
    bulk_persons = bulk_persons || citizens.size() >= kBulk;
    for (identity::Citizen& c : citizens) {
      QT_ASSIGN_OR_RETURN(Entity e, person_schema_.EntityFromJson(c.id, PersonProfile(c, today)));
      const int pos = m.person.Put(c.id, std::move(e), c.status == identity::CitizenStatus::kActive,
                                   bulk_persons);
      m.person.seq = c.change_seq;
      m.person.last_id = c.id;
      if (after_kept(m.person, c.change_seq, c.id)) check_persons.push_back(pos);
      m.person.citizens[pos] = std::move(c);
    }
    if (citizens.size() < kFollowBatch) break;
  }
  if (bulk_enterprises || m.enterprise.Bloated()) m.enterprise.Rebuild();
  if (bulk_persons || m.person.Bloated()) m.person.Rebuild();
  // The policies in force each changed entity now satisfies.
  for (const auto& [a, audience, positions] :
       {std::tuple{&m.enterprise, PolicyAudience::kEnterprise, &check_enterprises},
        {&m.person, PolicyAudience::kPerson, &check_persons}}) {
    for (int pos : *positions) {
      for (int slot : a->index.RulesFor(*a->current[pos], today))
        out.push_back({slot, pos, audience});
    }
  }
  report.enterprises_changed = static_cast<int64_t>(check_enterprises.size());
  report.persons_changed = static_cast<int64_t>(check_persons.size());
  return OkStatus();
}

struct PublicPolicies::NoticeRow {
  std::string id, policy_id, entity_id, org_id, explanation;
  int64_t version;
};

Result<SyncReport> PublicPolicies::Sync() {
  std::lock_guard lock(mu_);
  if (!memory_) memory_ = std::make_unique<Memory>(enterprise_schema_, person_schema_);
  Memory& m = *memory_;
  SyncReport report;
  std::vector<Candidate> candidates;
  Status loaded = Load(m);
  if (loaded.ok()) loaded = FollowChanges(m, report, candidates);
  if (!loaded.ok()) {
    memory_.reset();  // read again from the kept cursors next time
    return loaded;
  }
  const double today = Today(*options_.clock);
  const Screens screens = ScreenNewVersions(m, today, candidates);
  report.policies_screened = static_cast<int64_t>(screens.size());
  IdGenerator ids(*options_.clock, *options_.random);
  const std::vector<NoticeRow> rows = ExplainNotices(m, candidates, today, ids);
  if (rows.empty() && screens.empty() && !m.enterprise.Moved() && !m.person.Moved()) return report;
  const std::string batch = ids.Next("pb");
  const int64_t now = options_.clock->NowMillis();
  NoticeCounts counts;
  Status written = store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(counts, WriteNotices(tx, m, rows, screens, batch, now));
    return OkStatus();
  });
  if (!written.ok()) {
    memory_.reset();
    return written;
  }
  for (Audience* a : {&m.enterprise, &m.person}) {
    a->kept_seq = a->seq;
    a->kept_id = a->last_id;
  }
  for (const auto& screen : screens) m.screened.insert(screen);
  for (const auto& [key, n] : counts) report.notices += n;
  return report;
}

PublicPolicies::Screens PublicPolicies::ScreenNewVersions(Memory& m, double today,
                                                          std::vector<Candidate>& candidates) {
  Screens screens;
  for (int slot : m.in_force) {
    const PublicPolicy& p = m.policies[slot];
    if (m.screened.contains({p.id, p.version})) continue;
    screens.emplace_back(p.id, p.version);
    for (int pos : m.Of(p.audience).index.EntitiesFor(m.rules[slot], today)) {
      candidates.push_back({slot, pos, p.audience});
    }
  }
  return screens;
}

std::vector<PublicPolicies::NoticeRow> PublicPolicies::ExplainNotices(
    Memory& m, const std::vector<Candidate>& candidates, double today, IdGenerator& ids) {
  std::vector<NoticeRow> rows;
  std::set<std::pair<int, int>> seen;
  for (const Candidate& c : candidates) {
    const bool person = c.audience == PolicyAudience::kPerson;
    if (!seen.emplace(c.slot, c.position * 2 + (person ? 1 : 0)).second) continue;
    Audience& a = m.Of(c.audience);
    if (!a.active[c.position]) continue;
    const PublicPolicy& p = m.policies[c.slot];
    Explanation why;
    if (person) {
      // A person's values are re-read for today (an age moves on).
      auto fresh = person_schema_.EntityFromJson(a.ids[c.position],
                                                 PersonProfile(a.citizens[c.position], today));
      if (!fresh.ok()) continue;
      why = m.rules[c.slot].Explain(*fresh, person_schema_, today);
    } else {
      why = m.rules[c.slot].Explain(*a.current[c.position], enterprise_schema_, today);
    }
    if (!why.passed) continue;
    rows.push_back({ids.Next("pn"), p.id, a.ids[c.position], a.orgs[c.position],
                    ExplanationJson(why).dump(), p.version});
  }
  return rows;
}

Result<PublicPolicies::NoticeCounts> PublicPolicies::WriteNotices(
    Tx& tx, const Memory& m, const std::vector<NoticeRow>& rows, const Screens& screens,
    const std::string& batch, int64_t now) {
  for (size_t from = 0; from < rows.size(); from += kInsertRows) {
    const size_t to = std::min(rows.size(), from + kInsertRows);
    std::string sql =
        "INSERT INTO pl_notices (id, policy_id, version, entity_id, org_id, explanation, batch,"
        " created_at, read_at) VALUES ";
    store::Params params;
    for (size_t i = from; i < to; ++i) {
      sql += i == from ? "(?, ?, ?, ?, ?, ?, ?, ?, 0)" : ", (?, ?, ?, ?, ?, ?, ?, ?, 0)";
      const NoticeRow& r = rows[i];
      for (store::Value v : {store::Value(r.id), store::Value(r.policy_id), store::Value(r.version),
                             store::Value(r.entity_id), store::Value(r.org_id),
                             store::Value(r.explanation), store::Value(batch), store::Value(now)}) {
        params.push_back(std::move(v));
      }
    }
    QT_RETURN_IF_ERROR(tx.Exec(sql + " ON CONFLICT DO NOTHING", params).status());
  }
  for (const auto& [policy_id, version] : screens) {
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO pl_screens (policy_id, version, screened_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                {policy_id, version, now})
            .status());
  }
  for (const Audience* a : {&m.enterprise, &m.person}) {
    const std::string name(PolicyAudienceName(a == &m.enterprise ? PolicyAudience::kEnterprise
                                                                 : PolicyAudience::kPerson));
    QT_RETURN_IF_ERROR(tx.Exec("UPDATE pl_follow SET seq = ?, last_id = ? WHERE audience = ?"
                               " AND (seq < ? OR (seq = ? AND last_id < ?))",
                               {a->seq, a->last_id, name, a->seq, a->seq, a->last_id})
                           .status());
  }
  NoticeCounts counts;
  if (rows.empty()) return counts;
  // A delivery for every new notice whose organisation has a webhook.
  QT_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO pl_deliveries (notice_id, org_id, state, attempts, next_at, last_error,"
              " delivered_at) SELECT n.id, n.org_id, 'pending', 0, ?, '', 0 FROM pl_notices n"
              " JOIN pl_webhooks w ON w.org_id = n.org_id WHERE n.batch = ?",
              {now, batch})
          .status());
  QT_ASSIGN_OR_RETURN(store::Rows made,
                      tx.Query("SELECT policy_id, version, COUNT(*) AS notices FROM pl_notices"
                               " WHERE batch = ? GROUP BY policy_id, version"
                               " ORDER BY policy_id, version",
                               {batch}));
  std::vector<ledger::NewEvent> events;
  for (const store::Row& r : made) {
    counts[{r.Text("policy_id"), r.Int("version")}] = r.Int("notices");
    events.push_back({"system",
                      "match.policy.noticed",
                      r.Text("policy_id"),
                      {{"version", r.Int("version")}, {"notices", r.Int("notices")}}});
  }
  if (events.empty()) return counts;
  QT_RETURN_IF_ERROR(options_.journal->AppendAll(tx, events).status());
  return counts;
}

Result<PublicPolicies::Totals> PublicPolicies::GetTotals() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Totals> {
    Totals t;
    QT_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT (SELECT COUNT(*) FROM pl_policies WHERE state = 'published') AS published,"
                 " (SELECT COUNT(*) FROM pl_notices) AS notices,"
                 " (SELECT COUNT(*) FROM pl_notices WHERE read_at > 0) AS notices_read"));
    t = {rows[0].Int("published"), rows[0].Int("notices"), rows[0].Int("notices_read")};
    return t;
  });
}

}  // namespace qt::match
