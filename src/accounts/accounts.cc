#include "accounts/accounts.h"

#include <algorithm>
#include <cassert>
#include <nlohmann/json.hpp>

#include "accounts/credit_code.h"
#include "accounts/paging.h"
#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/recipient_box.h"
#include "crypto/sha256.h"
#include "store/decode.h"
#include "store/like.h"
#include "store/transact.h"

namespace qt::accounts {
namespace {

using store::Params;
using store::Row;
using store::Rows;
using store::Tx;

constexpr std::string_view kTokenPrefix = "qt_";

constexpr std::string_view kOrgColumns =
    "id, name, kind, credit_code, public_key, created_at, home_node, key_custody,"
    " key_registered_at, key_version";
constexpr std::string_view kUserColumns = "id, org_id, name, role, created_at, deactivated_at";
constexpr std::string_view kTokenColumns =
    "id, org_id, user_id, label, created_at, expires_at, revoked_at";

store::Bytes TokenHash(std::string_view secret) {
  crypto::Digest d = crypto::Sha256(secret);
  return store::Bytes(d.begin(), d.end());
}

Result<Org> OrgFromRow(const Row& r) {
  return store::Decode<Org>("orgs", r, [&]() -> Result<Org> {
    auto kind = ParseOrgKind(r.Text("kind"));
    if (!kind) return Internal("kind: unknown '" + r.Text("kind") + "'");
    Org o{r.Text("id"),
          r.Text("name"),
          *kind,
          r.Text("credit_code"),
          {},
          r.Int("created_at"),
          r.Text("home_node"),
          KeyCustody::kNode,
          r.Int("key_registered_at"),
          r.Int("key_version")};
    if (!o.home_node.empty()) {
      o.key_custody = KeyCustody::kHomeNode;
    } else if (r.Text("key_custody") == KeyCustodyName(KeyCustody::kSelf)) {
      o.key_custody = KeyCustody::kSelf;
    } else if (r.Text("key_custody") != KeyCustodyName(KeyCustody::kNode)) {
      return Internal("key_custody: unknown '" + r.Text("key_custody") + "'");
    }
    const auto& pk = r.Blob("public_key");
    if (pk.size() != o.public_key.size()) return Internal("public_key: not a key");
    std::copy(pk.begin(), pk.end(), o.public_key.begin());
    return o;
  });
}

Result<User> UserFromRow(const Row& r) {
  return store::Decode<User>("users", r, [&]() -> Result<User> {
    auto role = ParseRole(r.Text("role"));
    if (!role) return Internal("role: unknown '" + r.Text("role") + "'");
    User u{r.Text("id"), r.Text("org_id"),    r.Text("name"),
           *role,        r.Int("created_at"), std::nullopt};
    if (!r.IsNull("deactivated_at")) u.deactivated_at = r.Int("deactivated_at");
    return u;
  });
}

Result<TokenInfo> TokenFromRow(const Row& r) {
  return store::Decode<TokenInfo>("tokens", r, [&]() -> TokenInfo {
    TokenInfo t{r.Text("id"),        r.Text("org_id"),    r.Text("user_id"), r.Text("label"),
                r.Int("created_at"), r.Int("expires_at"), std::nullopt};
    if (!r.IsNull("revoked_at")) t.revoked_at = r.Int("revoked_at");
    return t;
  });
}

}  // namespace

Status Accounts::JournalUser(Tx& tx, const std::string& actor, const User& u) {
  return options_.journal
      ->Append(tx,
               {actor, "user.created", u.id, {{"org_id", u.org_id}, {"role", RoleName(u.role)}}})
      .status();
}

Accounts::Accounts(store::Store& store, AccountsOptions options)
    : store_(store), options_(options), ids_(*options.clock, *options.random) {
  assert(options.clock && options.random && options.master_key && options.journal);
}

Result<CreatedOrg> Accounts::InsertOrg(Tx& tx, const std::string& actor, const NewOrg& org) {
  QT_RETURN_IF_ERROR(CheckDisplayText(org.name, kMaxNameBytes).WithContext("name"));
  QT_RETURN_IF_ERROR(ValidateCreditCode(org.credit_code).WithContext("credit_code"));
  QT_RETURN_IF_ERROR(CheckDisplayText(org.admin_name, kMaxNameBytes).WithContext("admin_name"));

  CreatedOrg out;
  const UnixMillis now = options_.clock->NowMillis();
  crypto::SigningKey key = crypto::GenerateSigningKey(*options_.random);
  out.org = Org{ids_.Next("org"),  org.name, org.kind, org.credit_code, key.public_key, now, "",
                KeyCustody::kNode, 0,        0};
  std::vector<uint8_t> sealed = options_.master_key->Seal(key.seed, out.org.id, *options_.random);

  auto inserted = tx.Exec(
      "INSERT INTO orgs (id, name, kind, credit_code, public_key, sealed_signing_key, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?)",
      {out.org.id, out.org.name, std::string(OrgKindName(org.kind)), out.org.credit_code,
       store::Bytes(key.public_key.begin(), key.public_key.end()), sealed, now});
  if (inserted.status().code() == StatusCode::kConflict) {
    return Conflict("credit_code: an organisation with credit code " + org.credit_code +
                    " already exists");
  }
  QT_RETURN_IF_ERROR(inserted.status());

  out.admin = User{ids_.Next("usr"), out.org.id, org.admin_name, Role::kAdmin, now, std::nullopt};
  QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO users (id, org_id, name, role, created_at)"
                             " VALUES (?, ?, ?, ?, ?)",
                             {out.admin.id, out.admin.org_id, out.admin.name,
                              std::string(RoleName(Role::kAdmin)), now})
                         .status());
  QT_RETURN_IF_ERROR(options_.journal
                         ->Append(tx, {actor.empty() ? out.org.id : actor,
                                       "org.created",
                                       out.org.id,
                                       {{"name", out.org.name},
                                        {"kind", OrgKindName(out.org.kind)},
                                        {"credit_code", out.org.credit_code},
                                        {"public_key", crypto::HexEncode(out.org.public_key)}}})
                         .status());
  QT_RETURN_IF_ERROR(JournalUser(tx, actor.empty() ? out.org.id : actor, out.admin));
  QT_ASSIGN_OR_RETURN(out.admin_token, InsertToken(tx, actor.empty() ? out.org.id : actor,
                                                   out.admin, "initial admin token", 0));
  return out;
}

namespace {

// Writes a new token valid from `now` to `expires_at`, and journals it.
Result<IssuedToken> WriteToken(Tx& tx, const AccountsOptions& options, IdGenerator& ids,
                               const std::string& actor, const User& user, const std::string& label,
                               UnixMillis now, UnixMillis expires_at) {
  QT_RETURN_IF_ERROR(CheckDisplayText(label, Accounts::kMaxNameBytes).WithContext("label"));
  std::array<uint8_t, 32> raw;
  options.random->Fill(raw);
  IssuedToken t;
  t.secret = std::string(kTokenPrefix) + crypto::Base64UrlEncode(raw);
  t.info = TokenInfo{ids.Next("tok"), user.org_id, user.id, label, now, expires_at, std::nullopt};
  QT_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO tokens (id, org_id, user_id, token_hash, label, created_at, expires_at)"
              " VALUES (?, ?, ?, ?, ?, ?, ?)",
              {t.info.id, t.info.org_id, t.info.user_id, TokenHash(t.secret), t.info.label,
               t.info.created_at, t.info.expires_at})
          .status());
  QT_RETURN_IF_ERROR(options.journal
                         ->Append(tx, {actor,
                                       "token.issued",
                                       t.info.id,
                                       {{"org_id", t.info.org_id},
                                        {"user_id", t.info.user_id},
                                        {"expires_at", t.info.expires_at}}})
                         .status());
  return t;
}

}  // namespace

Result<IssuedToken> Accounts::InsertToken(Tx& tx, const std::string& actor, const User& user,
                                          const std::string& label, int64_t ttl_ms) {
  if (ttl_ms < 0) return InvalidArgument("ttl: must not be negative");
  const UnixMillis now = options_.clock->NowMillis();
  return WriteToken(tx, options_, ids_, actor, user, label, now,
                    now + (ttl_ms == 0 ? options_.token_ttl_ms : ttl_ms));
}

Result<std::optional<CreatedOrg>> Accounts::Bootstrap(const NewOrg& operator_org) {
  assert(operator_org.kind == OrgKind::kOperator);
  return store::WriteValue(store_, [&](Tx& tx) -> Result<std::optional<CreatedOrg>> {
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) AS n FROM orgs"));
    if (rows.at(0).Int("n") > 0) return std::optional<CreatedOrg>();
    QT_ASSIGN_OR_RETURN(CreatedOrg created, InsertOrg(tx, "", operator_org));
    return std::optional<CreatedOrg>(std::move(created));
  });
}

Result<Org> Accounts::Operator() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Org> {
    QT_ASSIGN_OR_RETURN(Rows rows,
                        tx.Query("SELECT " + std::string(kOrgColumns) +
                                 " FROM orgs WHERE kind = 'operator' ORDER BY id LIMIT 1"));
    if (rows.empty()) return NotFound("there is no operator organisation yet");
    return OrgFromRow(rows[0]);
  });
}

Status Accounts::CheckMasterKey() {
  auto op = Operator();
  if (op.status().code() == StatusCode::kNotFound) return OkStatus();
  QT_RETURN_IF_ERROR(op.status());
  auto sig = SignAs(op->id, {});
  if (!sig.ok()) {
    return FailedPrecondition(
        "the master key does not open the organisations' signing keys: is master_key_file the "
        "file this database was created with?");
  }
  return OkStatus();
}

Result<Principal> Accounts::Authenticate(std::string_view token_secret) {
  if (!token_secret.starts_with(kTokenPrefix)) return Unauthenticated("malformed token");
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Principal> {
    QT_ASSIGN_OR_RETURN(
        Rows rows,
        tx.Query("SELECT t.id, t.user_id, t.org_id, o.kind, u.role, t.expires_at, t.revoked_at,"
                 " u.deactivated_at"
                 " FROM tokens t JOIN users u ON u.id = t.user_id JOIN orgs o ON o.id = t.org_id"
                 " WHERE t.token_hash = ?",
                 {TokenHash(token_secret)}));
    if (rows.empty()) return Unauthenticated("unknown token");
    const Row& r = rows[0];
    if (!r.IsNull("revoked_at")) return Unauthenticated("token has been revoked");
    if (!r.IsNull("deactivated_at"))
      return Unauthenticated("the token's user has been deactivated");
    if (r.Int("expires_at") <= options_.clock->NowMillis())
      return Unauthenticated("token has expired");
    return store::Decode<Principal>("tokens", r, [&]() -> Result<Principal> {
      auto kind = ParseOrgKind(r.Text("kind"));
      auto role = ParseRole(r.Text("role"));
      if (!kind || !role) return Internal("kind or role: unknown");
      return Principal{r.Text("id"), r.Text("user_id"), r.Text("org_id"), *kind, *role};
    });
  });
}

Result<CreatedOrg> Accounts::CreateOrg(const Principal& caller, const NewOrg& org) {
  if (!caller.IsOperator() || !caller.Has(Role::kAdmin)) {
    return PermissionDenied("only the operator's administrators create organisations");
  }
  if (org.kind == OrgKind::kOperator) {
    return InvalidArgument("kind: there is one operator; it is created at bootstrap");
  }
  return store::WriteValue(
      store_, [&](Tx& tx) -> Result<CreatedOrg> { return InsertOrg(tx, caller.org_id, org); });
}

Result<Org> Accounts::GetOrg(const std::string& id) {
  if (!IsValidId(id, "org")) return NotFound("no organisation " + id);
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Org> {
    QT_ASSIGN_OR_RETURN(
        Rows rows,
        tx.Query("SELECT " + std::string(kOrgColumns) + " FROM orgs WHERE id = ?", {id}));
    if (rows.empty()) return NotFound("no organisation " + id);
    return OrgFromRow(rows[0]);
  });
}

Result<Page<Org>> Accounts::ListOrgs(const PageRequest& page) { return ListOrgs(page, {}); }

namespace {

// " AND ..." conditions for `f`, with their parameters appended to `params`.
Result<std::string> OrgConditions(const OrgFilter& f, Params& params) {
  std::string sql;
  if (f.kind) {
    sql += " AND kind = ?";
    params.emplace_back(std::string(OrgKindName(*f.kind)));
  }
  if (!f.name_contains.empty()) {
    QT_RETURN_IF_ERROR(
        CheckDisplayText(f.name_contains, OrgFilter::kMaxNameContains).WithContext("name"));
    sql += " AND LOWER(name) LIKE ? ESCAPE '\\'";
    params.emplace_back(store::LikeContains(f.name_contains));
  }
  if (!f.ids.empty()) {
    if (f.ids.size() > OrgFilter::kMaxIds) {
      return InvalidArgument("ids: at most " + std::to_string(OrgFilter::kMaxIds));
    }
    sql += " AND id IN (";
    for (size_t i = 0; i < f.ids.size(); ++i) {
      sql += i == 0 ? "?" : ", ?";
      params.emplace_back(f.ids[i]);
    }
    sql += ")";
  }
  return sql;
}

}  // namespace

Result<Page<Org>> Accounts::ListOrgs(const PageRequest& page, const OrgFilter& filter) {
  QT_RETURN_IF_ERROR(CheckPage(page, "org"));
  Params params = {page.cursor};
  QT_ASSIGN_OR_RETURN(std::string conditions, OrgConditions(filter, params));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Page<Org>> {
    return QueryPage<Org>(
        tx, "SELECT " + std::string(kOrgColumns) + " FROM orgs WHERE id > ?" + conditions, params,
        page, OrgFromRow);
  });
}

Result<int64_t> Accounts::CountOrgs(const OrgFilter& filter) {
  Params params;
  QT_ASSIGN_OR_RETURN(std::string conditions, OrgConditions(filter, params));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<int64_t> {
    QT_ASSIGN_OR_RETURN(
        Rows rows, tx.Query("SELECT COUNT(*) AS n FROM orgs WHERE 1 = 1" + conditions, params));
    return rows[0].Int("n");
  });
}

Result<std::vector<OrgTally>> Accounts::TallyOrgs() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<OrgTally>> {
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT kind, SUBSTR(credit_code, 3, 6) AS division,"
                                            " COUNT(*) AS orgs FROM orgs WHERE home_node = ''"
                                            " GROUP BY kind, SUBSTR(credit_code, 3, 6)"));
    std::vector<OrgTally> out;
    out.reserve(rows.size());
    for (const Row& r : rows) {
      std::optional<OrgKind> kind = ParseOrgKind(r.Text("kind"));
      if (!kind) return Internal("organisations: unknown kind '" + r.Text("kind") + "'");
      out.push_back({*kind, r.Text("division"), r.Int("orgs")});
    }
    return out;
  });
}

Result<User> Accounts::CreateUser(const Principal& caller, const std::string& org_id,
                                  const std::string& name, Role role) {
  if (caller.org_id != org_id) {
    return PermissionDenied("users of an organisation are managed by that organisation only");
  }
  if (!caller.Has(Role::kAdmin)) return PermissionDenied("only administrators create users");
  QT_RETURN_IF_ERROR(CheckDisplayText(name, kMaxNameBytes).WithContext("name"));
  User u{ids_.Next("usr"), org_id, name, role, options_.clock->NowMillis(), std::nullopt};
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    auto r =
        tx.Exec("INSERT INTO users (id, org_id, name, role, created_at) VALUES (?, ?, ?, ?, ?)",
                {u.id, u.org_id, u.name, std::string(RoleName(role)), u.created_at});
    if (r.status().code() == StatusCode::kConflict) {
      return Conflict("name: a user named '" + name + "' already exists in this organisation");
    }
    QT_RETURN_IF_ERROR(r.status());
    return JournalUser(tx, caller.org_id, u);
  }));
  return u;
}

Result<Page<User>> Accounts::ListUsers(const Principal& caller, const std::string& org_id,
                                       const PageRequest& page) {
  if (caller.org_id != org_id) {
    return PermissionDenied("users of an organisation are visible to that organisation only");
  }
  QT_RETURN_IF_ERROR(CheckPage(page, "usr"));
  return ReadCountedPage<User>(
      store_, "SELECT " + std::string(kUserColumns) + " FROM users WHERE org_id = ?", {org_id},
      page, UserFromRow);
}

Result<IssuedToken> Accounts::IssueToken(const Principal& caller, const std::string& user_id,
                                         const std::string& label, int64_t ttl_ms) {
  const std::string& target = user_id.empty() ? caller.user_id : user_id;
  if (target != caller.user_id && !caller.Has(Role::kAdmin)) {
    return PermissionDenied("only administrators issue tokens for other users");
  }
  return store::WriteValue(store_, [&](Tx& tx) -> Result<IssuedToken> {
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT " + std::string(kUserColumns) +
                                                " FROM users WHERE id = ? AND org_id = ?",
                                            {target, caller.org_id}));
    if (rows.empty()) return NotFound("user_id: no user " + target + " in your organisation");
    QT_ASSIGN_OR_RETURN(User user, UserFromRow(rows[0]));
    if (user.deactivated_at) return FailedPrecondition("user_id: the user is deactivated");
    // A token never outlives the token that issues it: a default lifetime is
    // cut to the caller's, a longer explicit one is refused.
    QT_ASSIGN_OR_RETURN(Rows own,
                        tx.Query("SELECT expires_at FROM tokens WHERE id = ?", {caller.token_id}));
    if (own.empty()) return Unauthenticated("the calling token is not known");
    const UnixMillis now = options_.clock->NowMillis();
    const int64_t left = own[0].Int("expires_at") - now;
    int64_t ttl = ttl_ms == 0 ? options_.token_ttl_ms : ttl_ms;
    if (ttl_ms > left) {
      return InvalidArgument(
          "ttl_seconds: the new token would outlive the token that issues it"
          " (at most " +
          std::to_string(std::max<int64_t>(left, 0) / 1000) + " s left)");
    }
    ttl = std::min(ttl, left);
    if (ttl <= 0) return Unauthenticated("token has expired");
    // From the same `now`: a second read of the clock could end a
    // millisecond after the caller's token.
    return WriteToken(tx, options_, ids_, caller.org_id, user, label, now, now + ttl);
  });
}

Result<User> Accounts::DeactivateUser(const Principal& caller, const std::string& org_id,
                                      const std::string& user_id) {
  if (caller.org_id != org_id) {
    return PermissionDenied("users of an organisation are managed by that organisation only");
  }
  if (!caller.Has(Role::kAdmin)) return PermissionDenied("only administrators deactivate users");
  if (user_id == caller.user_id) {
    return FailedPrecondition("an administrator cannot deactivate itself; ask another");
  }
  return store::WriteValue(store_, [&](Tx& tx) -> Result<User> {
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT " + std::string(kUserColumns) +
                                                " FROM users WHERE id = ? AND org_id = ?",
                                            {user_id, org_id}));
    if (rows.empty()) return NotFound("no user " + user_id + " in your organisation");
    QT_ASSIGN_OR_RETURN(User u, UserFromRow(rows[0]));
    if (u.deactivated_at) return u;  // already: idempotent
    u.deactivated_at = options_.clock->NowMillis();
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE users SET deactivated_at = ? WHERE id = ?", {*u.deactivated_at, user_id})
            .status());
    QT_RETURN_IF_ERROR(
        options_.journal
            ->Append(tx, {caller.org_id, "user.deactivated", u.id, {{"org_id", u.org_id}}})
            .status());
    return u;
  });
}

Result<Page<TokenInfo>> Accounts::ListTokens(const Principal& caller, const PageRequest& page) {
  QT_RETURN_IF_ERROR(CheckPage(page, "tok"));
  std::string sql = "SELECT " + std::string(kTokenColumns) + " FROM tokens WHERE org_id = ?";
  Params params = {caller.org_id};
  if (!caller.Has(Role::kAdmin)) {
    sql += " AND user_id = ?";
    params.emplace_back(caller.user_id);
  }
  return ReadCountedPage<TokenInfo>(store_, sql, params, page, TokenFromRow);
}

Status Accounts::RevokeToken(const Principal& caller, const std::string& token_id) {
  return store_.Write([&](Tx& tx) -> Status {
    // Another organisation's token is reported as absent, not as forbidden, so
    // token ids cannot be probed across organisations.
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT user_id, revoked_at FROM tokens"
                                            " WHERE id = ? AND org_id = ?",
                                            {token_id, caller.org_id}));
    if (rows.empty()) return NotFound("no token " + token_id);
    if (rows[0].Text("user_id") != caller.user_id && !caller.Has(Role::kAdmin)) {
      return PermissionDenied("only administrators revoke other users' tokens");
    }
    if (!rows[0].IsNull("revoked_at")) return OkStatus();  // already revoked: idempotent
    QT_RETURN_IF_ERROR(tx.Exec("UPDATE tokens SET revoked_at = ? WHERE id = ?",
                               {options_.clock->NowMillis(), token_id})
                           .status());
    return options_.journal->Append(tx, {caller.org_id, "token.revoked", token_id, {}}).status();
  });
}

Result<Org> Accounts::RegisterRemoteOrg(const std::string& node, const RemoteOrg& org) {
  QT_RETURN_IF_ERROR(CheckDisplayText(org.name, kMaxNameBytes).WithContext("name"));
  QT_RETURN_IF_ERROR(ValidateCreditCode(org.credit_code).WithContext("credit_code"));
  // A peer vouches for its organisations' kinds, but government powers do
  // not cross cities: its operator or authorities are not admitted as such.
  if (org.kind == OrgKind::kOperator || org.kind == OrgKind::kAuthority) {
    return InvalidArgument("kind: another node's " + std::string(OrgKindName(org.kind)) +
                           " is not admitted here");
  }
  if (node.empty() || org.id.empty()) return InvalidArgument("node and id are required");
  if (org.id.size() > 200) return InvalidArgument("id: at most 200 bytes");
  const Org added{ids_.Next("org"),
                  org.name,
                  org.kind,
                  node + "/" + org.credit_code,
                  org.public_key,
                  options_.clock->NowMillis(),
                  node,
                  KeyCustody::kHomeNode,
                  0,
                  0};
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Org> {
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT " + std::string(kOrgColumns) +
                                                " FROM orgs WHERE home_node = ? AND remote_id = ?",
                                            {node, org.id}));
    if (!rows.empty()) {
      QT_ASSIGN_OR_RETURN(Org known, OrgFromRow(rows[0]));
      if (known.public_key != org.public_key) {
        return Conflict("organisation " + org.id + " of node " + node +
                        " is known here with another key");
      }
      return known;
    }
    auto inserted = tx.Exec(
        "INSERT INTO orgs (id, name, kind, credit_code, public_key, sealed_signing_key,"
        " created_at, home_node, remote_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {added.id, added.name, std::string(OrgKindName(added.kind)), added.credit_code,
         store::Bytes(added.public_key.begin(), added.public_key.end()), store::Bytes{'-'},
         added.created_at, node, org.id});
    if (inserted.status().code() == StatusCode::kConflict) {
      return Conflict("credit_code: " + added.credit_code + " is held by another organisation of " +
                      node);
    }
    QT_RETURN_IF_ERROR(inserted.status());
    QT_RETURN_IF_ERROR(options_.journal
                           ->Append(tx, {added.id,
                                         "org.registered_remote",
                                         added.id,
                                         {{"node", node},
                                          {"remote_id", org.id},
                                          {"name", added.name},
                                          {"kind", OrgKindName(added.kind)},
                                          {"credit_code", added.credit_code},
                                          {"public_key", crypto::HexEncode(added.public_key)}}})
                           .status());
    return added;
  });
}

Result<crypto::SigningKey> Accounts::OrgKey(const std::string& org_id) {
  QT_ASSIGN_OR_RETURN(
      store::Bytes sealed, store::ReadValue(store_, [&](Tx& tx) -> Result<store::Bytes> {
        QT_ASSIGN_OR_RETURN(
            Rows rows,
            tx.Query("SELECT sealed_signing_key, home_node, key_custody FROM orgs WHERE id = ?",
                     {org_id}));
        if (rows.empty()) return NotFound("no organisation " + org_id);
        if (!rows[0].Text("home_node").empty()) {
          return FailedPrecondition("organisation " + org_id + "'s key is held by node '" +
                                    rows[0].Text("home_node") + "'; this node cannot sign for it");
        }
        if (rows[0].Text("key_custody") != KeyCustodyName(KeyCustody::kNode)) {
          return FailedPrecondition("organisation " + org_id +
                                    " holds its own key: it signs (and opens what is sealed to it) "
                                    "with that key itself, e.g. `--key FILE` in the CLI; this node "
                                    "cannot");
        }
        return rows[0].Blob("sealed_signing_key");
      }));
  QT_ASSIGN_OR_RETURN(auto seed, options_.master_key->Open(sealed, org_id));
  if (seed.size() != 32) return Internal("sealed signing key has the wrong size");
  return crypto::SigningKeyFromSeed(std::span<const uint8_t, 32>(seed.data(), 32));
}

Result<Org> Accounts::RegisterOwnKey(const Principal& caller, const std::string& org_id,
                                     const OwnKey& key) {
  if (caller.org_id != org_id) {
    return PermissionDenied("an organisation registers its own key only");
  }
  if (!caller.Has(Role::kAdmin)) {
    return PermissionDenied("only administrators register the organisation's key");
  }
  if (caller.org_kind == OrgKind::kOperator || caller.org_kind == OrgKind::kAuthority) {
    return FailedPrecondition(
        "an operator's or authority's key stays with the node: it signs as the platform runs "
        "(ledger checkpoints, trust lists, certificates), with nobody to hold a key file");
  }
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Org> {
    QT_ASSIGN_OR_RETURN(
        Rows rows,
        tx.Query("SELECT " + std::string(kOrgColumns) + " FROM orgs WHERE id = ?", {org_id}));
    if (rows.empty()) return NotFound("no organisation " + org_id);
    QT_ASSIGN_OR_RETURN(Org org, OrgFromRow(rows[0]));
    // The proofs name the registration's number: those of an earlier one are
    // never valid again (they are in the journal for anyone to replay).
    const std::string proof = OwnKeyProofMessage(org_id, org.key_version + 1, key.public_key);
    if (!crypto::Verify(key.public_key, crypto::AsBytes(proof), key.proof)) {
      return InvalidArgument("proof: not the key's signature of registration number " +
                             std::to_string(org.key_version + 1) + " of " + org_id);
    }
    if (org.key_custody == KeyCustody::kSelf) {
      // A key the organisation holds is replaced only with that key's consent:
      // a stolen admin token alone must not be enough to sign in its name.
      if (!key.previous_key_proof ||
          !crypto::Verify(org.public_key, crypto::AsBytes(proof), *key.previous_key_proof)) {
        return PermissionDenied(
            "previous_key_proof: the organisation holds its own key; a new one is registered "
            "only with the registration signed by the current key too");
      }
    }
    if (org.public_key == key.public_key) {
      return Conflict("public_key: is the organisation's key already");
    }
    const crypto::PublicKey previous = org.public_key;
    org.public_key = key.public_key;
    org.key_custody = KeyCustody::kSelf;
    org.key_registered_at = options_.clock->NowMillis();
    ++org.key_version;
    QT_ASSIGN_OR_RETURN(
        int64_t updated,
        tx.Exec("UPDATE orgs SET public_key = ?, sealed_signing_key = ?, key_custody = ?,"
                " key_registered_at = ?, key_version = ? WHERE id = ? AND key_version = ?",
                {store::Bytes(key.public_key.begin(), key.public_key.end()), store::Bytes{'-'},
                 std::string(KeyCustodyName(KeyCustody::kSelf)), org.key_registered_at,
                 org.key_version, org_id, org.key_version - 1}));
    if (updated != 1) return Conflict("another key was registered meanwhile");
    // The proofs too, so that anyone auditing the ledger can check that each
    // key was registered by its holder and, once held, replaced with consent.
    nlohmann::json event = {{"public_key", crypto::HexEncode(key.public_key)},
                            {"previous_public_key", crypto::HexEncode(previous)},
                            {"key_custody", KeyCustodyName(KeyCustody::kSelf)},
                            {"key_version", org.key_version},
                            {"proof", crypto::Base64Encode(key.proof)}};
    if (key.previous_key_proof) {
      event["previous_key_proof"] = crypto::Base64Encode(*key.previous_key_proof);
    }
    QT_RETURN_IF_ERROR(
        options_.journal->Append(tx, {caller.org_id, "org.key_registered", org_id, event})
            .status());
    return org;
  });
}

Result<Org> Accounts::Attester(const std::string& org_id) {
  QT_ASSIGN_OR_RETURN(Org org, GetOrg(org_id));
  if (org.key_custody == KeyCustody::kNode) return org;
  return Operator();
}

Result<crypto::Signature> Accounts::SignAs(const std::string& org_id,
                                           std::span<const uint8_t> message) {
  QT_ASSIGN_OR_RETURN(crypto::SigningKey key, OrgKey(org_id));
  return crypto::Sign(key, message);
}

Result<std::vector<uint8_t>> Accounts::OpenSealedFor(const std::string& org_id,
                                                     std::span<const uint8_t> sealed) {
  QT_ASSIGN_OR_RETURN(crypto::SigningKey key, OrgKey(org_id));
  return crypto::OpenSealed(key, sealed);
}

}  // namespace qt::accounts
