#include "match/finance.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <unordered_map>

#include "accounts/credit_code.h"
#include "accounts/paging.h"
#include "core/ids.h"
#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "match/enterprise.h"
#include "store/decode.h"
#include "store/like.h"
#include "store/transact.h"

namespace qt::match {

using accounts::OrgKind;
using accounts::Principal;
using nlohmann::json;
using store::Tx;

// The engine's view of the store: every enterprise and active product.
struct Finance::Memory {
  explicit Memory(const Schema& schema) : index(schema) {}
  int64_t version = -1;
  std::vector<Enterprise>
      enterprises;               // by position, without their profiles (the entities hold them)
  std::vector<Entity> entities;  // as loaded (the index refers to them until replaced)
  std::deque<Entity> changed;    // later versions and new ones (stable addresses)
  std::vector<const Entity*> current;  // by position: the entity the index refers to
  std::unordered_map<std::string, int> by_id;
  std::deque<Product> products;  // active ones; stable addresses (the index refers to rules)
  std::deque<Rule> rules;        // parallel to products
  std::unordered_map<std::string, int> product_slot;  // product id -> index in products/rules
  MatchIndex index;
};

namespace {

constexpr const char* kEnterpriseColumns =
    "SELECT id, name, credit_code, org_id, profile, updated_at FROM fm_enterprises";
constexpr const char* kProductColumns =
    "SELECT id, institution_id, kind, name, rule, max_amount_fen, terms, requires_kind, state, "
    "created_at"
    " FROM fm_products";
constexpr const char* kApplicationColumns =
    "SELECT id, enterprise_id, product_id, institution_id, bundle_ids, amount_fen, state, reason, "
    "served_fen,"
    " created_at, decided_at,"
    " (SELECT name FROM fm_enterprises e WHERE e.id = fm_applications.enterprise_id)"
    " AS enterprise_name,"
    " (SELECT name FROM fm_products p WHERE p.id = fm_applications.product_id) AS product_name"
    " FROM fm_applications";

Result<Enterprise> EnterpriseFromRow(const store::Row& r) {
  return store::Decode<Enterprise>("fm_enterprises", r, [&]() -> Enterprise {
    return {r.Text("id"),
            r.Text("name"),
            r.Text("credit_code"),
            r.IsNull("org_id") ? "" : r.Text("org_id"),
            json::parse(r.Text("profile")),
            r.Int("updated_at")};
  });
}

Result<Product> ProductFromRow(const store::Row& r) {
  return store::Decode<Product>("fm_products", r, [&]() -> Result<Product> {
    QT_ASSIGN_OR_RETURN(ProductKind kind,
                        Stored(ParseProductKind(r.Text("kind")), "kind", r.Text("kind")));
    std::optional<ProductKind> requires_kind;
    if (const std::string& text = r.Text("requires_kind"); !text.empty()) {
      QT_ASSIGN_OR_RETURN(requires_kind, Stored(ParseProductKind(text), "requires_kind", text));
    }
    QT_ASSIGN_OR_RETURN(ProductState state,
                        Stored(ParseProductState(r.Text("state")), "state", r.Text("state")));
    return Product{.id = r.Text("id"),
                   .institution_id = r.Text("institution_id"),
                   .kind = kind,
                   .name = r.Text("name"),
                   .rule = r.Text("rule"),
                   .max_amount_fen = r.Int("max_amount_fen"),
                   .terms = r.Text("terms"),
                   .requires_kind = requires_kind,
                   .state = state,
                   .created_at = r.Int("created_at")};
  });
}

Result<Application> ApplicationFromRow(const store::Row& r) {
  return store::Decode<Application>("fm_applications", r, [&]() -> Result<Application> {
    QT_ASSIGN_OR_RETURN(ApplicationState state,
                        Stored(ParseApplicationState(r.Text("state")), "state", r.Text("state")));
    return Application{
        .id = r.Text("id"),
        .enterprise_id = r.Text("enterprise_id"),
        .product_id = r.Text("product_id"),
        .institution_id = r.Text("institution_id"),
        .bundle_ids = json::parse(r.Text("bundle_ids")).get<std::vector<std::string>>(),
        .amount_fen = r.Int("amount_fen"),
        .state = state,
        .reason = r.Text("reason"),
        .served_fen = r.Int("served_fen"),
        .created_at = r.Int("created_at"),
        .decided_at = r.Int("decided_at"),
        .enterprise_name = r.Text("enterprise_name"),
        .product_name = r.Text("product_name")};
  });
}

// The letter an enterprise uses for a product kind in need_types.
std::string_view NeedLetter(ProductKind kind) {
  switch (kind) {
    case ProductKind::kInvestment:
      return "投";
    case ProductKind::kLoan:
      return "贷";
    case ProductKind::kSubsidy:
      return "补";
    case ProductKind::kGuarantee:
      return "担";
    case ProductKind::kInsurance:
      return "保";
  }
  return "";
}

double Today(const Clock& clock) { return static_cast<double>(clock.NowMillis() / 86'400'000); }

Result<int64_t> BumpVersion(Tx& tx) {
  QT_RETURN_IF_ERROR(tx.Exec("UPDATE fm_version SET value = value + 1 WHERE id = 1").status());
  QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT value FROM fm_version WHERE id = 1"));
  return rows[0].Int("value");
}

}  // namespace

Finance::Finance(store::Store& store, FinanceOptions options) : store_(store), options_(options) {
  (void)AddEnterpriseAttributes(schema_);
}

Finance::~Finance() = default;

Status Finance::Refresh() {
  int64_t version = 0;
  QT_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT value FROM fm_version WHERE id = 1"));
    version = rows[0].Int("value");
    return OkStatus();
  }));
  if (memory_ && memory_->version == version) return OkStatus();
  auto m = std::make_unique<Memory>(schema_);
  QT_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(store::Rows v, tx.Query("SELECT value FROM fm_version WHERE id = 1"));
    m->version = v[0].Int("value");
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query(std::string(kEnterpriseColumns) + " ORDER BY id"));
    for (const store::Row& r : rows) {
      auto decoded = EnterpriseFromRow(r);
      if (!decoded.ok()) continue;  // logged; one damaged row must not hide the others
      Enterprise e = std::move(decoded).value();
      auto entity = schema_.EntityFromJson(e.id, e.profile);
      if (!entity.ok()) {  // a profile of the wrong shape: logged and passed over
        (void)store::DamagedRow("fm_enterprises", r, entity.status().ToString());
        continue;
      }
      e.profile = nullptr;  // the engine reads the entity; 180,000 JSON profiles are hundreds of MB
      m->by_id[e.id] = static_cast<int>(m->enterprises.size());
      m->enterprises.push_back(std::move(e));
      m->entities.push_back(std::move(entity).value());
    }
    QT_ASSIGN_OR_RETURN(store::Rows products, tx.Query(std::string(kProductColumns) +
                                                       " WHERE state = 'active' ORDER BY id"));
    for (const store::Row& r : products) {
      auto decoded = ProductFromRow(r);
      if (!decoded.ok()) continue;  // logged; one damaged row must not hide the others
      Product p = std::move(decoded).value();
      auto rule = Rule::Compile(p.rule, schema_);
      if (!rule.ok()) {  // a stored rule that no longer compiles: logged and passed over
        (void)store::DamagedRow("fm_products", r, rule.status().ToString());
        continue;
      }
      m->product_slot[p.id] = static_cast<int>(m->products.size());
      m->products.push_back(std::move(p));
      m->rules.push_back(std::move(rule).value());
    }
    return OkStatus();
  }));
  m->index.SetEntities(m->entities);
  for (const Entity& e : m->entities) m->current.push_back(&e);
  for (size_t i = 0; i < m->rules.size(); ++i) m->index.AddRule(static_cast<int>(i), m->rules[i]);
  memory_ = std::move(m);
  return OkStatus();
}

void Finance::Advance(int64_t version, const std::function<void(Memory&)>& apply) {
  std::lock_guard lock(mu_);
  // Each change keeps its entity alive for the index; past a quarter of the
  // city the engine is read again instead.
  if (memory_ && memory_->version == version - 1 &&
      memory_->changed.size() < memory_->entities.size() / 4 + 10'000) {
    apply(*memory_);
    memory_->version = version;
  } else {
    memory_.reset();
  }
}

Result<Enterprise> Finance::SaveOwnProfile(const Principal& caller, const std::string& name,
                                           const json& profile) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kEnterprise, "keep an enterprise profile"));
  QT_RETURN_IF_ERROR(CheckDisplayText(name, 200).WithContext("name"));
  Enterprise e{.id = "",
               .name = name,
               .credit_code = "",
               .org_id = caller.org_id,
               .profile = profile,
               .updated_at = options_.clock->NowMillis()};
  {
    std::lock_guard lock(mu_);
    QT_RETURN_IF_ERROR(schema_.EntityFromJson("check", profile).status().WithContext("profile"));
  }
  if (!profile.contains("credit_code") || !profile["credit_code"].is_string()) {
    return InvalidArgument("profile.credit_code: required");
  }
  e.credit_code = profile["credit_code"];
  QT_RETURN_IF_ERROR(
      accounts::ValidateCreditCode(e.credit_code).WithContext("profile.credit_code"));
  const std::string fresh_id = IdGenerator(*options_.clock, *options_.random).Next("ent");
  int64_t version = 0;
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    // A profile is the organisation's own: its credit code is the one the
    // organisation was registered with, or the profile (and a screened one
    // imported under that code) would be another enterprise's.
    QT_ASSIGN_OR_RETURN(store::Rows org,
                        tx.Query("SELECT credit_code FROM orgs WHERE id = ?", {caller.org_id}));
    if (org.empty() || org[0].Text("credit_code") != e.credit_code) {
      return PermissionDenied(
          "profile.credit_code: not your organisation's credit code (a profile is your own)");
    }
    QT_ASSIGN_OR_RETURN(store::Rows mine, tx.Query("SELECT id FROM fm_enterprises WHERE org_id = ?",
                                                   {caller.org_id}));
    QT_ASSIGN_OR_RETURN(
        store::Rows same,
        tx.Query("SELECT id, org_id FROM fm_enterprises WHERE credit_code = ?", {e.credit_code}));
    if (!mine.empty()) {
      e.id = mine[0].Text("id");
    } else if (!same.empty() && same[0].IsNull("org_id")) {
      e.id = same[0].Text("id");  // the screened profile becomes the organisation's own
    } else {
      e.id = fresh_id;
    }
    if (!same.empty() && same[0].Text("id") != e.id) {
      return Conflict("profile.credit_code: another enterprise has this credit code");
    }
    QT_ASSIGN_OR_RETURN(version, BumpVersion(tx));
    auto done = tx.Exec(
        mine.empty() && same.empty()
            ? "INSERT INTO fm_enterprises (name, credit_code, org_id, profile, updated_at,"
              " change_seq, id) VALUES (?, ?, ?, ?, ?, ?, ?)"
            : "UPDATE fm_enterprises SET name = ?, credit_code = ?, org_id = ?, profile = ?,"
              " updated_at = ?, change_seq = ? WHERE id = ?",
        {e.name, e.credit_code, e.org_id, profile.dump(), e.updated_at, version, e.id});
    QT_RETURN_IF_ERROR(done.status());
    return options_.journal
        ->Append(tx, {caller.org_id, "match.enterprise.profile_saved", e.id, json::object()})
        .status();
  }));
  Advance(version, [&](Memory& m) {
    auto entity = schema_.EntityFromJson(e.id, profile);
    if (!entity.ok()) return;
    m.changed.push_back(std::move(*entity));
    auto at = m.by_id.find(e.id);
    if (at == m.by_id.end()) {
      m.by_id[e.id] = static_cast<int>(m.enterprises.size());
      m.enterprises.push_back(e);
      m.enterprises.back().profile = nullptr;
      m.current.push_back(&m.changed.back());
      m.index.AddEntity(m.changed.back());
    } else {
      m.enterprises[at->second] = e;
      m.enterprises[at->second].profile = nullptr;
      m.current[at->second] = &m.changed.back();
      m.index.UpdateEntity(at->second, m.changed.back());
    }
  });
  return e;
}

Result<size_t> Finance::ImportProfiles(
    const Principal& caller, const std::vector<std::pair<std::string, json>>& named_profiles) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kAuthority, "import enterprise profiles"));
  if (named_profiles.empty()) return InvalidArgument("enterprises: none given");
  if (named_profiles.size() > kMaxImport)
    return PayloadTooLarge("enterprises: at most 200,000 at once");
  crypto::Sha256Hasher digest;
  for (size_t i = 0; i < named_profiles.size(); ++i) {
    const auto& [name, profile] = named_profiles[i];
    const std::string row = "row " + std::to_string(i + 1);
    QT_RETURN_IF_ERROR(CheckDisplayText(name, 200).WithContext(row + ": name"));
    {
      std::lock_guard lock(mu_);
      QT_RETURN_IF_ERROR(
          schema_.EntityFromJson("check", profile).status().WithContext(row + ": profile"));
    }
    if (!profile.contains("credit_code") || !profile["credit_code"].is_string() ||
        !accounts::ValidateCreditCode(profile["credit_code"].get<std::string>()).ok()) {
      return InvalidArgument(row + ": profile.credit_code: not a valid unified social credit code");
    }
    digest.Update(profile.dump());
  }
  const int64_t now = options_.clock->NowMillis();
  IdGenerator ids(*options_.clock, *options_.random);
  std::vector<std::string> fresh(named_profiles.size());
  for (std::string& id : fresh) id = ids.Next("ent");
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    // The engine reloads on its next use; the version also numbers the change (change_seq).
    QT_ASSIGN_OR_RETURN(const int64_t version, BumpVersion(tx));
    for (size_t i = 0; i < named_profiles.size(); ++i) {
      const auto& [name, profile] = named_profiles[i];
      const std::string code = profile["credit_code"];
      QT_ASSIGN_OR_RETURN(
          store::Rows same,
          tx.Query("SELECT id, org_id FROM fm_enterprises WHERE credit_code = ?", {code}));
      if (same.empty()) {
        QT_RETURN_IF_ERROR(
            tx.Exec(
                  "INSERT INTO fm_enterprises (id, name, credit_code, org_id, profile, updated_at,"
                  " change_seq) VALUES (?, ?, ?, NULL, ?, ?, ?)",
                  {fresh[i], name, code, profile.dump(), now, version})
                .status());
      } else if (same[0].IsNull("org_id")) {  // an organisation's own profile is not overwritten
        QT_RETURN_IF_ERROR(
            tx.Exec(
                  "UPDATE fm_enterprises SET name = ?, profile = ?, updated_at = ?, change_seq = ?"
                  " WHERE id = ?",
                  {name, profile.dump(), now, version, same[0].Text("id")})
                .status());
      }
    }
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "match.enterprises.imported",
                      "",
                      {{"count", static_cast<int64_t>(named_profiles.size())},
                       {"sha256", crypto::HexEncode(digest.Finish())}}})
        .status();
  }));
  return named_profiles.size();
}

Result<Enterprise> Finance::GetEnterprise(const std::string& id) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Enterprise> {
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query(std::string(kEnterpriseColumns) + " WHERE id = ?", {id}));
    if (rows.empty()) return NotFound("no enterprise " + id);
    return EnterpriseFromRow(rows[0]);
  });
}

Result<Enterprise> Finance::OwnEnterprise(const Principal& caller) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Enterprise> {
    QT_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query(std::string(kEnterpriseColumns) + " WHERE org_id = ?", {caller.org_id}));
    if (rows.empty()) return NotFound("your organisation has no enterprise profile yet");
    return EnterpriseFromRow(rows[0]);
  });
}

Result<accounts::Page<Enterprise>> Finance::ListEnterprises(const std::string& name_contains,
                                                            const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "ent"));
  std::string sql = std::string(kEnterpriseColumns) + " WHERE 1 = 1";
  store::Params params;
  if (!name_contains.empty()) {
    QT_RETURN_IF_ERROR(CheckDisplayText(name_contains, 200).WithContext("name"));
    sql += " AND LOWER(name) LIKE ? ESCAPE '\\'";
    params.emplace_back(store::LikeContains(name_contains));
  }
  return accounts::ReadCountedPage<Enterprise>(store_, sql, params, page, EnterpriseFromRow);
}

Result<Product> Finance::Publish(const Principal& caller, const NewProduct& p) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kInstitution, "publish finance products"));
  if (p.requires_kind == p.kind) {
    return InvalidArgument("requires_kind: another of the five kinds, or empty");
  }
  QT_RETURN_IF_ERROR(CheckDisplayText(p.name, 200).WithContext("name"));
  if (!p.terms.empty()) QT_RETURN_IF_ERROR(CheckDisplayText(p.terms, 2000).WithContext("terms"));
  if (p.max_amount_fen <= 0) return InvalidArgument("max_amount_fen: must be positive");
  {
    std::lock_guard lock(mu_);
    QT_RETURN_IF_ERROR(Rule::Compile(p.rule, schema_).status());
  }
  Product out{.id = IdGenerator(*options_.clock, *options_.random).Next("fp"),
              .institution_id = caller.org_id,
              .kind = p.kind,
              .name = p.name,
              .rule = p.rule,
              .max_amount_fen = p.max_amount_fen,
              .terms = p.terms,
              .requires_kind = p.requires_kind,
              .state = ProductState::kActive,
              .created_at = options_.clock->NowMillis()};
  int64_t version = 0;
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO fm_products (id, institution_id, kind, name, rule, max_amount_fen,"
                " terms, requires_kind, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {out.id, out.institution_id, std::string(ProductKindName(out.kind)), out.name,
                 out.rule, out.max_amount_fen, out.terms,
                 out.requires_kind ? std::string(ProductKindName(*out.requires_kind)) : "",
                 std::string(ProductStateName(out.state)), out.created_at})
            .status());
    QT_ASSIGN_OR_RETURN(version, BumpVersion(tx));
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "match.product.published",
                      out.id,
                      {{"kind", ProductKindName(out.kind)}}})
        .status();
  }));
  Advance(version, [&](Memory& m) {
    auto rule = Rule::Compile(out.rule, schema_);
    if (!rule.ok()) return;
    const int slot = static_cast<int>(m.products.size());
    m.product_slot[out.id] = slot;
    m.products.push_back(out);
    m.rules.push_back(std::move(*rule));
    m.index.AddRule(slot, m.rules.back());
  });
  return out;
}

Result<Product> Finance::Withdraw(const Principal& caller, const std::string& id) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kInstitution, "withdraw finance products"));
  Product p;
  int64_t version = 0;
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query(std::string(kProductColumns) + " WHERE id = ?", {id}));
    if (rows.empty() || rows[0].Text("institution_id") != caller.org_id)
      return NotFound("no product " + id + " of yours");
    QT_ASSIGN_OR_RETURN(p, ProductFromRow(rows[0]));
    if (p.state != ProductState::kActive)
      return FailedPrecondition("product " + id + " is already withdrawn");
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE fm_products SET state = 'withdrawn' WHERE id = ?", {id}).status());
    p.state = ProductState::kWithdrawn;
    QT_ASSIGN_OR_RETURN(version, BumpVersion(tx));
    return options_.journal
        ->Append(tx, {caller.org_id, "match.product.withdrawn", id, json::object()})
        .status();
  }));
  Advance(version, [&](Memory& m) {
    auto at = m.product_slot.find(id);
    if (at == m.product_slot.end()) return;
    m.index.RemoveRule(at->second);
    m.products[at->second].state = ProductState::kWithdrawn;
    m.product_slot.erase(at);
  });
  return p;
}

Result<accounts::Page<Product>> Finance::ListProducts(std::optional<ProductKind> kind,
                                                      const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "fp"));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<accounts::Page<Product>> {
    std::string sql = std::string(kProductColumns) + " WHERE state = 'active' AND id > ?";
    store::Params params = {page.cursor};
    if (kind) {
      sql += " AND kind = ?";
      params.emplace_back(std::string(ProductKindName(*kind)));
    }
    return accounts::QueryPage<Product>(tx, sql, params, page, ProductFromRow);
  });
}

Result<int64_t> Finance::Reach(const std::string& product_id) {
  std::lock_guard lock(mu_);
  QT_RETURN_IF_ERROR(Refresh());
  auto it = memory_->product_slot.find(product_id);
  if (it == memory_->product_slot.end()) return NotFound("no active product " + product_id);
  return static_cast<int64_t>(
      memory_->index.EntitiesFor(memory_->rules[it->second], Today(*options_.clock)).size());
}

Result<Prospects> Finance::NearlyEligible(const Principal& caller, const std::string& product_id,
                                          size_t limit) {
  QT_RETURN_IF_ERROR(
      caller.RequireMemberOf(OrgKind::kInstitution, "see who nearly qualifies for a product"));
  std::lock_guard lock(mu_);
  QT_RETURN_IF_ERROR(Refresh());
  Memory& m = *memory_;
  auto it = m.product_slot.find(product_id);
  if (it == m.product_slot.end() || m.products[it->second].institution_id != caller.org_id) {
    return NotFound("no active product " + product_id + " of yours");
  }
  const Rule& rule = m.rules[it->second];
  const double today = Today(*options_.clock);
  const std::vector<int> required = rule.RequiredClauses();
  struct Found {
    int position;
    ClauseResult miss;
  };
  std::vector<Found> found;
  for (size_t pos = 0; pos < m.current.size(); ++pos) {
    const Entity& e = *m.current[pos];
    // Two failed clauses of the top-level conjunction: no single clause saves it.
    int failed = 0;
    for (int c : required) failed += rule.ClauseHolds(c, e, today) ? 0 : 1;
    if (failed > 1 || rule.Matches(e, today)) continue;
    std::vector<ClauseResult> misses = rule.NearMisses(e, schema_, today);
    if (!misses.empty()) found.push_back({static_cast<int>(pos), std::move(misses[0])});
  }
  const size_t n = std::min(limit, found.size());
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(n), found.end(),
                    [](const Found& a, const Found& b) {
                      const bool an = std::isnan(a.miss.gap), bn = std::isnan(b.miss.gap);
                      if (an != bn) return bn;
                      return !an && a.miss.gap < b.miss.gap;
                    });
  Prospects out{.count = static_cast<int64_t>(found.size()), .items = {}};
  for (size_t i = 0; i < n; ++i) {
    const Enterprise& e = m.enterprises[found[i].position];
    out.items.push_back({e.id, e.name, std::move(found[i].miss)});
  }
  return out;
}

Result<MatchResult> Finance::Match(const std::string& enterprise_id, size_t limit) {
  std::lock_guard lock(mu_);
  QT_RETURN_IF_ERROR(Refresh());
  Memory& m = *memory_;
  auto at = m.by_id.find(enterprise_id);
  if (at == m.by_id.end()) return NotFound("no enterprise " + enterprise_id);
  const Entity& e = *m.current[at->second];
  const double today = Today(*options_.clock);
  const std::vector<int> eligible = m.index.RulesFor(e, today);
  // Score: 1 + 1 if the enterprise seeks this kind + 0.5 x how much of its
  // sought amount the product covers + 0.05 per clause (narrower products fit
  // better); a bundle adds 1 when its companion's kind is sought too.
  const int need_amount = *schema_.Find("need_amount"), need_types = *schema_.Find("need_types");
  const double need_value = e.numbers[schema_.Slot(need_amount)];
  const double need = std::isnan(need_value) ? 0.0 : need_value;
  const std::vector<int32_t>& sought = e.sets[schema_.Slot(need_types)];
  auto seeks = [&](ProductKind kind) {
    const int32_t letter = schema_.Lookup(NeedLetter(kind));
    return letter >= 0 && std::binary_search(sought.begin(), sought.end(), letter);
  };
  auto score = [&](int slot) {
    const Product& p = m.products[slot];
    double s = seeks(p.kind) ? 2.0 : 1.0;
    if (need > 0) s += 0.5 * std::min(1.0, static_cast<double>(p.max_amount_fen) / need);
    return s + 0.05 * static_cast<double>(m.rules[slot].clauses().size());
  };
  std::map<ProductKind, std::vector<std::pair<double, int>>> by_kind;
  for (int slot : eligible) by_kind[m.products[slot].kind].emplace_back(score(slot), slot);
  for (auto& [kind, list] : by_kind) {
    std::sort(list.begin(), list.end(), [&](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first
                                : m.products[a.second].id < m.products[b.second].id;
    });
  }
  MatchResult out;
  for (int slot : eligible) {
    const Product& p = m.products[slot];
    ProductMatch pm{p, score(slot), m.rules[slot].Explain(e, schema_, today), {}};
    if (p.requires_kind) {
      for (const auto& [s, companion] : by_kind[*p.requires_kind]) {
        if (pm.bundle.size() < 3) pm.bundle.push_back(m.products[companion]);
      }
      if (!pm.bundle.empty() && seeks(*p.requires_kind)) pm.score += 1.0;
      if (pm.bundle.empty()) {  // cannot be served alone: one step away
        pm.explanation.passed = false;
        ClauseResult missing;
        missing.text =
            "requires an eligible " + std::string(ProductKindName(*p.requires_kind)) + " product";
        missing.actual = "none";
        pm.explanation.clauses.push_back(std::move(missing));
        out.near_misses.push_back(std::move(pm));
        continue;
      }
    }
    out.eligible.push_back(std::move(pm));
  }
  std::sort(out.eligible.begin(), out.eligible.end(),
            [](const ProductMatch& a, const ProductMatch& b) {
              return a.score != b.score ? a.score > b.score : a.product.id < b.product.id;
            });
  if (out.eligible.size() > limit) out.eligible.resize(limit);
  const std::vector<int>& sorted_eligible = eligible;
  for (size_t slot = 0; slot < m.products.size() && out.near_misses.size() < limit; ++slot) {
    if (m.products[slot].state != ProductState::kActive) continue;
    if (std::binary_search(sorted_eligible.begin(), sorted_eligible.end(), static_cast<int>(slot)))
      continue;
    std::vector<ClauseResult> misses = m.rules[slot].NearMisses(e, schema_, today);
    if (misses.empty()) continue;
    out.near_misses.push_back({m.products[slot],
                               score(static_cast<int>(slot)),
                               Explanation{false, std::move(misses)},
                               {}});
  }
  return out;
}

Result<Application> Finance::Apply(const Principal& caller, const std::string& enterprise_id,
                                   const std::string& product_id, int64_t amount_fen) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kEnterprise, "apply for finance products"));
  QT_ASSIGN_OR_RETURN(Enterprise ent, GetEnterprise(enterprise_id));
  if (ent.org_id != caller.org_id)
    return PermissionDenied("enterprise " + enterprise_id + " is not yours");
  QT_ASSIGN_OR_RETURN(MatchResult matched, Match(enterprise_id, SIZE_MAX));
  auto it = std::find_if(matched.eligible.begin(), matched.eligible.end(),
                         [&](const ProductMatch& pm) { return pm.product.id == product_id; });
  if (it == matched.eligible.end()) {
    for (const ProductMatch& pm : matched.near_misses) {
      if (pm.product.id != product_id) continue;
      std::string why;
      for (const ClauseResult& c : pm.explanation.clauses) {
        if (!c.passed) why += (why.empty() ? "" : "; ") + c.text;
      }
      return FailedPrecondition("not eligible for " + product_id + ": " + why);
    }
    return FailedPrecondition("not eligible for " + product_id +
                              " (or it is not an active product)");
  }
  if (amount_fen <= 0 || amount_fen > it->product.max_amount_fen) {
    return InvalidArgument("amount_fen: between 1 and the product's " +
                           std::to_string(it->product.max_amount_fen));
  }
  QT_ASSIGN_OR_RETURN(Enterprise enterprise, GetEnterprise(enterprise_id));
  Application a{.id = IdGenerator(*options_.clock, *options_.random).Next("fa"),
                .enterprise_id = enterprise_id,
                .product_id = product_id,
                .institution_id = it->product.institution_id,
                .bundle_ids = {},
                .amount_fen = amount_fen,
                .state = ApplicationState::kApplied,
                .reason = "",
                .served_fen = 0,
                .created_at = options_.clock->NowMillis(),
                .decided_at = 0,
                .enterprise_name = enterprise.name,
                .product_name = it->product.name};
  if (!it->bundle.empty()) a.bundle_ids = {it->bundle.front().id};
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO fm_applications (id, enterprise_id, product_id, institution_id,"
                " bundle_ids, amount_fen, state, reason, served_fen, created_at, decided_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 'applied', '', 0, ?, 0)",
                {a.id, a.enterprise_id, a.product_id, a.institution_id, json(a.bundle_ids).dump(),
                 a.amount_fen, a.created_at})
            .status());
    return options_.journal
        ->Append(tx,
                 {caller.org_id, "match.application.submitted", a.id, {{"product_id", product_id}}})
        .status();
  }));
  return a;
}

Result<Application> Finance::Decide(const Principal& caller, const std::string& id,
                                    Decision decision, int64_t served_fen,
                                    const std::string& reason) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kInstitution, "decide applications"));
  const bool accept = decision == Decision::kAccept;
  if (!accept) QT_RETURN_IF_ERROR(CheckDisplayText(reason, 500).WithContext("reason"));
  Application a;
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query(std::string(kApplicationColumns) + " WHERE id = ?", {id}));
    if (rows.empty() || rows[0].Text("institution_id") != caller.org_id)
      return NotFound("no application " + id + " to you");
    QT_ASSIGN_OR_RETURN(a, ApplicationFromRow(rows[0]));
    if (a.state != ApplicationState::kApplied) {
      return FailedPrecondition("application " + id + " is already " +
                                std::string(ApplicationStateName(a.state)));
    }
    if (accept && (served_fen <= 0 || served_fen > a.amount_fen)) {
      return InvalidArgument("served_fen: between 1 and the amount applied for");
    }
    a.state = accept ? ApplicationState::kAccepted : ApplicationState::kDeclined;
    a.served_fen = accept ? served_fen : 0;
    a.reason = reason;
    a.decided_at = options_.clock->NowMillis();
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE fm_applications SET state = ?, served_fen = ?, reason = ?, decided_at = ?"
                " WHERE id = ?",
                {std::string(ApplicationStateName(a.state)), a.served_fen, a.reason, a.decided_at,
                 id})
            .status());
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "match.application." + std::string(ApplicationStateName(a.state)),
                      id,
                      {{"served_fen", a.served_fen}}})
        .status();
  }));
  return a;
}

Result<accounts::Page<Application>> Finance::Applications(const Principal& caller,
                                                          const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "fa"));
  std::string sql = std::string(kApplicationColumns);
  store::Params params;
  if (caller.org_kind == OrgKind::kInstitution) {
    sql += " WHERE institution_id = ?";
    params = {caller.org_id};
  } else if (caller.org_kind == OrgKind::kEnterprise) {
    sql += " WHERE enterprise_id IN (SELECT id FROM fm_enterprises WHERE org_id = ?)";
    params = {caller.org_id};
  } else if (caller.IsOperator() || caller.org_kind == OrgKind::kAuthority) {
    sql += " WHERE 1 = 1";
  } else {
    return PermissionDenied(
        "applications are read by their enterprise, institution or authorities");
  }
  return accounts::ReadCountedPage<Application>(store_, sql, params, page, ApplicationFromRow);
}

Result<Finance::Stats> Finance::GetStats() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Stats> {
    Stats s;
    QT_ASSIGN_OR_RETURN(
        store::Rows r,
        tx.Query("SELECT (SELECT COUNT(*) FROM fm_enterprises) AS enterprises,"
                 " (SELECT COUNT(*) FROM fm_products WHERE state = 'active') AS products,"
                 " (SELECT COUNT(DISTINCT institution_id) FROM fm_products WHERE state = 'active')"
                 " AS institutions,"
                 " (SELECT COUNT(*) FROM fm_applications) AS applications,"
                 " (SELECT COUNT(*) FROM fm_applications WHERE state = 'accepted') AS accepted,"
                 " (SELECT CAST(COALESCE(SUM(served_fen), 0) AS BIGINT) FROM fm_applications)"
                 " AS served_fen"));
    s.enterprises = r[0].Int("enterprises");
    s.products = r[0].Int("products");
    s.institutions = r[0].Int("institutions");
    s.applications = r[0].Int("applications");
    s.accepted = r[0].Int("accepted");
    s.served_fen = r[0].Int("served_fen");
    QT_ASSIGN_OR_RETURN(
        store::Rows kinds,
        tx.Query("SELECT kind, COUNT(*) AS n FROM fm_products WHERE state = 'active'"
                 " GROUP BY kind ORDER BY kind"));
    for (const store::Row& k : kinds) {
      QT_ASSIGN_OR_RETURN(ProductKind kind, store::Decode<ProductKind>("fm_products", k, [&] {
                            return Stored(ParseProductKind(k.Text("kind")), "kind", k.Text("kind"));
                          }));
      s.products_by_kind[std::string(ProductKindName(kind))] = k.Int("n");
    }
    return s;
  });
}

}  // namespace qt::match
