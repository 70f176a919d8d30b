#include "identity/identity.h"

#include <sodium.h>

#include <charconv>

#include "crypto/encoding.h"
#include "identity/internal.h"
#include "identity/lists.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::identity {

using accounts::Principal;
using nlohmann::json;
using store::Tx;

std::string KeyedHash(const std::array<uint8_t, 32>& key, std::string_view message, size_t bytes) {
  std::vector<uint8_t> out(bytes);
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const uint8_t*>(message.data()),
                     message.size(), key.data(), key.size());
  return crypto::HexEncode(out);
}

std::string DateOf(int64_t ms) { return FormatRfc3339(ms).substr(0, 10); }

Identity::Identity(store::Store& store, IdentityOptions options)
    : store_(store),
      options_(options),
      code_limiter_(*options_.clock, options_.codes_per_minute),
      receipt_limiter_(*options_.clock, options_.receipts_per_minute),
      token_lockout_(*options_.clock),
      receipt_lockout_(*options_.clock) {}

Identity::~Identity() = default;

namespace {

Bytes Random32(Random& random) {
  Bytes b(32);
  random.Fill(b);
  return b;
}

Status InsertSecret(Tx& tx, const std::string& name, const Bytes& sealed, int64_t now) {
  QT_ASSIGN_OR_RETURN(store::Rows rows,
                      tx.Query("SELECT 1 FROM id_secrets WHERE name = ?", {name}));
  if (!rows.empty()) return OkStatus();
  return tx
      .Exec("INSERT INTO id_secrets (name, sealed, created_at) VALUES (?, ?, ?)",
            {name, sealed, now})
      .status();
}

}  // namespace

Status Identity::Init() {
  const int64_t now = options_.clock->NowMillis();
  return store_.Write([&](Tx& tx) -> Status {
    const auto& mk = *options_.master_key;
    QT_RETURN_IF_ERROR(InsertSecret(
        tx, "service",
        mk.Seal(Random32(*options_.random), "identity.secret:service", *options_.random), now));
    for (const Category& c : AllCategories()) {
      const std::string name =
          "category:" + std::to_string(c.number) + ":" + std::to_string(kCategoryEpoch);
      QT_RETURN_IF_ERROR(InsertSecret(
          tx, name,
          mk.Seal(Random32(*options_.random), "identity.secret:" + name, *options_.random), now));
    }
    QT_ASSIGN_OR_RETURN(store::Rows active,
                        tx.Query("SELECT kid FROM id_keys WHERE retired_at = 0"));
    if (!active.empty()) return OkStatus();
    QT_ASSIGN_OR_RETURN(IssuerKey key, GenerateIssuerKey(CoseAlg::kEdDSA, *options_.random));
    const std::string kid = crypto::HexEncode(key.kid);
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO id_keys (kid, alg, public_key, secret_sealed, created_at,"
                " retired_at, not_after) VALUES (?, ?, ?, ?, ?, 0, ?)",
                {kid, std::string(AlgName(key.alg)), key.public_key,
                 mk.Seal(key.secret, "identity.key:" + kid, *options_.random), now,
                 now + options_.key_lifetime_days * 86'400'000})
            .status());
    return options_.journal
        ->Append(tx, {"system", "identity.key.created", kid, {{"alg", AlgName(key.alg)}}})
        .status();
  });
}

Result<std::shared_ptr<const Identity::Secrets>> Identity::LoadSecrets() {
  std::lock_guard lock(secrets_mu_);
  std::string active_kid;
  store::Rows secret_rows, key_rows;
  QT_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(key_rows, tx.Query("SELECT kid, alg, public_key, secret_sealed FROM id_keys"
                                           " WHERE retired_at = 0"));
    if (key_rows.empty())
      return FailedPrecondition("identity: no active signing key (Init not run)");
    active_kid = key_rows[0].Text("kid");
    if (secrets_ && crypto::HexEncode(secrets_->active.kid) == active_kid) return OkStatus();
    QT_ASSIGN_OR_RETURN(secret_rows, tx.Query("SELECT name, sealed FROM id_secrets"));
    return OkStatus();
  }));
  if (secrets_ && crypto::HexEncode(secrets_->active.kid) == active_kid) return secrets_;
  auto fresh = std::make_shared<Secrets>();
  const auto& mk = *options_.master_key;
  for (const store::Row& r : secret_rows) {
    QT_ASSIGN_OR_RETURN(Bytes plain,
                        mk.Open(r.Blob("sealed"), "identity.secret:" + r.Text("name")));
    if (plain.size() != 32) return Internal("identity: a secret is not 32 bytes");
    const std::string& name = r.Text("name");
    if (name == "service") {
      std::copy(plain.begin(), plain.end(), fresh->service.begin());
    } else if (name.starts_with("category:")) {
      int number = 0;
      const char* end = name.data() + name.size();
      auto [ptr, ec] = std::from_chars(name.data() + 9, end, number);
      // "category:N:EPOCH"
      if (ec != std::errc() || (ptr != end && *ptr != ':')) {
        return Internal("identity: damaged secret " + name);
      }
      std::copy(plain.begin(), plain.end(), fresh->category[number].begin());
    }
  }
  const store::Row& k = key_rows[0];
  auto alg = ParseAlg(k.Text("alg"));
  if (!alg) return Internal("identity: the active key " + k.Text("kid") + " has an unknown alg");
  fresh->active.alg = *alg;
  fresh->active.public_key = k.Blob("public_key");
  fresh->active.kid = KidOf(fresh->active.public_key);
  QT_ASSIGN_OR_RETURN(fresh->active.secret,
                      mk.Open(k.Blob("secret_sealed"), "identity.key:" + k.Text("kid")));
  secrets_ = std::move(fresh);
  return secrets_;
}

Result<ListIssuer> Identity::OperatorIssuer() {
  QT_ASSIGN_OR_RETURN(accounts::Org op, options_.accounts->Operator());
  return ListIssuer{.id = op.id, .name = op.name, .public_key = crypto::HexEncode(op.public_key)};
}

Result<std::string> Identity::IssuerPublicKey() {
  QT_ASSIGN_OR_RETURN(accounts::Org op, options_.accounts->Operator());
  return crypto::HexEncode(op.public_key);
}

namespace {

// The issuer's signature over `doc` (lists.h).
Result<crypto::Signature> SignAsIssuer(accounts::Accounts& accounts, const ListIssuer& issuer,
                                       const json& doc) {
  QT_ASSIGN_OR_RETURN(std::string bytes, SignedBytes(doc));
  return accounts.SignAs(issuer.id,
                         std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

Result<SigningKeyInfo> KeyInfoFromRow(const store::Row& r) {
  return store::Decode<SigningKeyInfo>("id_keys", r, [&]() -> SigningKeyInfo {
    return {.kid = r.Text("kid"),
            .alg = r.Text("alg"),
            .public_key = crypto::Base64Encode(r.Blob("public_key")),
            .created_at = r.Int("created_at"),
            .retired_at = r.Int("retired_at"),
            .not_after = r.Int("not_after")};
  });
}

}  // namespace

Result<std::vector<SigningKeyInfo>> Identity::Keys() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<SigningKeyInfo>> {
    std::vector<SigningKeyInfo> out;
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query("SELECT kid, alg, public_key, created_at, retired_at, not_after"
                                 " FROM id_keys ORDER BY created_at, kid"));
    QT_RETURN_IF_ERROR(store::DecodeInto(rows, KeyInfoFromRow, out));
    return out;
  });
}

Result<SignedTrustList> Identity::TrustList() {
  QT_ASSIGN_OR_RETURN(std::vector<SigningKeyInfo> keys, Keys());
  identity::TrustList list;
  list.issued_at = options_.clock->NowMillis();
  for (const SigningKeyInfo& k : keys) {
    list.version = std::max(list.version, std::max(k.created_at, k.retired_at));
    if (k.not_after < list.issued_at) continue;  // expired keys verify nothing
    auto alg = ParseAlg(k.alg);
    auto key = crypto::Base64Decode(k.public_key);
    if (!alg || !key.ok()) return Internal("identity: key " + k.kid + " is damaged");
    list.keys.push_back({.kid = k.kid,
                         .key = {*alg, *std::move(key)},
                         .not_before = k.created_at,
                         .retired_at = k.retired_at,
                         .not_after = k.not_after});
  }
  SignedTrustList out{.list = std::move(list)};
  QT_ASSIGN_OR_RETURN(out.issuer, OperatorIssuer());
  QT_ASSIGN_OR_RETURN(out.signature,
                      SignAsIssuer(*options_.accounts, out.issuer,
                                   TrustListDocument(ListIssuerJson(out.issuer), out.list)));
  return out;
}

Result<SignedRevocations> Identity::Revocations(int64_t since) {
  QT_ASSIGN_OR_RETURN(
      SignedRevocations out, store::ReadValue(store_, [&](Tx& tx) -> Result<SignedRevocations> {
        SignedRevocations delta{.from = since};
        QT_ASSIGN_OR_RETURN(store::Rows last,
                            tx.Query("SELECT MAX(seq) AS seq FROM id_revocations"));
        const int64_t to = last[0].IsNull("seq") ? 0 : last[0].Int("seq");
        if (since < 0 || since > to) {
          return InvalidArgument("since: must be between 0 and " + std::to_string(to));
        }
        QT_ASSIGN_OR_RETURN(
            store::Rows rows,
            tx.Query("SELECT seq, serial, revoked_at, reason, head FROM id_revocations"
                     " WHERE seq > ? ORDER BY seq",
                     {since}));
        for (const store::Row& r : rows) {
          QT_ASSIGN_OR_RETURN(RevocationEntry e,
                              store::Decode<RevocationEntry>("id_revocations", r, [&] {
                                return RevocationEntry{r.Int("seq"), r.Text("serial"),
                                                       r.Int("revoked_at"), r.Text("reason")};
                              }));
          delta.entries.push_back(std::move(e));
        }
        if (to > 0) {
          QT_ASSIGN_OR_RETURN(store::Rows h,
                              tx.Query("SELECT head FROM id_revocations WHERE seq = ?", {to}));
          QT_ASSIGN_OR_RETURN(delta.head, StoredHead(h[0]));
        }
        return delta;
      }));
  out.issued_at = options_.clock->NowMillis();
  QT_ASSIGN_OR_RETURN(out.issuer, OperatorIssuer());
  QT_ASSIGN_OR_RETURN(out.signature,
                      SignAsIssuer(*options_.accounts, out.issuer,
                                   RevocationsDocument(ListIssuerJson(out.issuer), out.from,
                                                       out.head, out.issued_at, out.entries)));
  return out;
}

Result<SigningKeyInfo> Identity::RotateKey(const Principal& caller, const std::string& alg_name) {
  if (!caller.IsOperator() || !caller.Has(accounts::Role::kAdmin)) {
    return PermissionDenied("only the operator's admins rotate the code signing key");
  }
  auto alg = ParseAlg(alg_name);
  if (!alg) return InvalidArgument("alg: must be EdDSA or ES256");
  QT_ASSIGN_OR_RETURN(IssuerKey key, GenerateIssuerKey(*alg, *options_.random));
  const std::string kid = crypto::HexEncode(key.kid);
  const int64_t now = options_.clock->NowMillis();
  const Bytes sealed =
      options_.master_key->Seal(key.secret, "identity.key:" + kid, *options_.random);
  return store::WriteValue(store_, [&](Tx& tx) -> Result<SigningKeyInfo> {
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE id_keys SET retired_at = ? WHERE retired_at = 0", {now}).status());
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO id_keys (kid, alg, public_key, secret_sealed, created_at,"
                " retired_at, not_after) VALUES (?, ?, ?, ?, ?, 0, ?)",
                {kid, std::string(AlgName(key.alg)), key.public_key, sealed, now,
                 now + options_.key_lifetime_days * 86'400'000})
            .status());
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query("SELECT kid, alg, public_key, created_at, retired_at, not_after"
                                 " FROM id_keys WHERE kid = ?",
                                 {kid}));
    QT_ASSIGN_OR_RETURN(SigningKeyInfo info, KeyInfoFromRow(rows[0]));
    QT_RETURN_IF_ERROR(
        options_.journal
            ->Append(tx, {caller.org_id, "identity.key.rotated", kid, {{"alg", AlgName(key.alg)}}})
            .status());
    return info;
  });
}

Result<Identity::Stats> Identity::GetStats() {
  // Citizens, scans and codes grow with the city: their counts are kept as
  // they change (AddToCounters), never counted here.
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Stats> {
    QT_ASSIGN_OR_RETURN(store::Rows counters,
                        tx.Query("SELECT name, value FROM id_counters WHERE name IN"
                                 " ('citizens', 'revoked', 'talents', 'scans', 'codes')"));
    std::map<std::string, int64_t> c;
    for (const store::Row& r : counters) c[r.Text("name")] = r.Int("value");
    QT_ASSIGN_OR_RETURN(store::Rows terminals, tx.Query("SELECT COUNT(*) AS n FROM id_terminals"));
    return Stats{c["citizens"],         c["revoked"], c["talents"],
                 terminals[0].Int("n"), c["scans"],   c["codes"]};
  });
}

Result<Identity::Tallies> Identity::GetTallies() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Tallies> {
    Tallies t;
    QT_ASSIGN_OR_RETURN(store::Rows counters,
                        tx.Query("SELECT name, value FROM id_counters WHERE name LIKE 'district:%'"
                                 " OR name LIKE 'talent:%' OR name LIKE 'scan:%'"));
    for (const store::Row& r : counters) {
      const std::string& name = r.Text("name");
      const int64_t n = r.Int("value");
      if (n == 0) continue;
      if (name.starts_with("district:")) {
        t.citizens_by_district[name.substr(9)] = n;
      } else if (name.starts_with("talent:")) {
        t.talents_by_category[name.substr(7)] = n;
      } else {
        // "scan:<category>:<hour>"
        const size_t colon = name.rfind(':');
        const std::string category = name.substr(5, colon - 5);
        int hour = -1;
        try {
          hour = std::stoi(name.substr(colon + 1));
        } catch (const std::exception&) {
          return Internal("identity: damaged counter '" + name + "'");
        }
        if (hour < 0 || hour > 23) return Internal("identity: damaged counter '" + name + "'");
        t.scans_by_category[category] += n;
        t.scans_by_hour[static_cast<size_t>(hour)] += n;
      }
    }
    return t;
  });
}

}  // namespace qt::identity
