// Issuing codes: the claims each category may read, sealed per category and
// signed with the active issuer key.
#include <cstdio>

#include "crypto/encoding.h"
#include "identity/credential.h"
#include "identity/internal.h"
#include "store/transact.h"

namespace qt::identity {

using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

// Whole years from `birth` to `today` (both YYYY-MM-DD).
int AgeOn(const std::string& birth, const std::string& today) {
  int age = std::stoi(today.substr(0, 4)) - std::stoi(birth.substr(0, 4));
  if (today.substr(5) < birth.substr(5)) --age;
  return age;
}

struct Person {
  std::string name, birth_date, district, concession, talent, talent_until;
};

json ClaimsFor(const Category& category, const Person& p, const std::string& pseudonym,
               const std::string& today) {
  json out = json::object();
  for (std::string_view claim : category.claims) {
    if (claim == "concession") out["concession"] = p.concession;
    if (claim == "name") out["name"] = p.name;
    if (claim == "pseudonym") out["pseudonym"] = pseudonym;
    if (claim == "adult") out["adult"] = AgeOn(p.birth_date, today) >= 18;
    if (claim == "senior") out["senior"] = AgeOn(p.birth_date, today) >= 60;
    if (claim == "district") out["district"] = p.district;
    const bool talent_valid = !p.talent.empty() && p.talent_until >= today;
    if (claim == "talent" && talent_valid) out["talent"] = p.talent;
    if (claim == "talent_until" && talent_valid) out["talent_until"] = p.talent_until;
  }
  return out;
}

}  // namespace

Result<IssuedCode> Identity::Issue(const std::string& citizen_id, CodeKind kind) {
  QT_ASSIGN_OR_RETURN(std::shared_ptr<const Secrets> secrets, LoadSecrets());
  const int64_t now = options_.clock->NowMillis();
  Person person;
  int64_t key_not_after = 0;
  QT_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT sealed, district, concession, talent_category, talent_until,"
                 " status FROM id_citizens WHERE id = ?",
                 {citizen_id}));
    if (rows.empty()) return NotFound("no citizen " + citizen_id);
    if (ParseCitizenStatus(rows[0].Text("status")) != CitizenStatus::kActive) {
      return FailedPrecondition("citizen " + citizen_id + " is revoked: no code is issued");
    }
    QT_ASSIGN_OR_RETURN(Bytes plain, options_.master_key->Open(rows[0].Blob("sealed"),
                                                               "identity.citizen:" + citizen_id));
    json sealed = json::parse(plain.begin(), plain.end());
    person = {sealed["name"],
              sealed["birth_date"],
              rows[0].Text("district"),
              rows[0].Text("concession"),
              rows[0].Text("talent_category"),
              rows[0].Text("talent_until")};
    QT_ASSIGN_OR_RETURN(store::Rows key, tx.Query("SELECT not_after FROM id_keys WHERE kid = ?",
                                                  {crypto::HexEncode(secrets->active.kid)}));
    key_not_after = key.empty() ? 0 : key[0].Int("not_after");
    return OkStatus();
  }));
  CodeContent content{.kind = kind == CodeKind::kDynamic ? 'd' : 's',
                      .code_id = Bytes(16),
                      .serial = "",
                      .issued_at = now / 1000,
                      .expires_at = 0,
                      .epoch = kCategoryEpoch,
                      .claims = {}};
  options_.random->Fill(content.code_id);
  content.expires_at = kind == CodeKind::kDynamic
                           ? content.issued_at + options_.dynamic_ttl_s
                           : std::min(content.issued_at + options_.static_validity_days * 86'400,
                                      key_not_after / 1000);
  const std::string today = DateOf(now);
  for (const Category& c : AllCategories()) {
    const std::string pseudonym =
        KeyedHash(secrets->service, "pseudonym:" + std::string(c.code) + ":" + citizen_id, 8);
    content.claims[c.number] = ClaimsFor(c, person, pseudonym, today);
  }
  IssuedCode out{.text = "",
                 .code_id = crypto::HexEncode(content.code_id),
                 .kind = kind,
                 .serial = "",
                 .kid = crypto::HexEncode(secrets->active.kid),
                 .issued_at = content.issued_at * 1000,
                 .expires_at = content.expires_at * 1000};
  QT_ASSIGN_OR_RETURN(
      out.serial, store::WriteValue(store_, [&](Tx& tx) -> Result<std::string> {
        std::string serial;  // static codes only
        if (kind == CodeKind::kStatic) {
          // The card's serial comes from a counter drawn in this transaction.
          QT_RETURN_IF_ERROR(
              tx.Exec("UPDATE id_counters SET value = value + 1 WHERE name = 'static'").status());
          QT_ASSIGN_OR_RETURN(store::Rows n,
                              tx.Query("SELECT value FROM id_counters WHERE name = 'static'"));
          char text[32];
          std::snprintf(text, sizeof text, "HZC-%08lld", static_cast<long long>(n[0].Int("value")));
          serial = text;
        }
        QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO id_codes (code_id, citizen_id, kind, serial, kid,"
                                   " issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   {out.code_id, citizen_id, std::string(CodeKindName(out.kind)),
                                    serial.empty() ? store::Value(nullptr) : store::Value(serial),
                                    out.kid, content.issued_at, content.expires_at})
                               .status());
        QT_RETURN_IF_ERROR(AddToCounters(tx, {{"codes", 1}}));
        if (kind == CodeKind::kStatic) {
          QT_RETURN_IF_ERROR(
              options_.journal
                  ->Append(tx, {"system", "identity.static_code.issued", serial, json::object()})
                  .status());
        }
        return serial;
      }));
  content.serial = out.serial;
  auto key_for = [&](int n) -> const CategoryKey* {
    auto it = secrets->category.find(n);
    return it == secrets->category.end() ? nullptr : &it->second;
  };
  QT_ASSIGN_OR_RETURN(Bytes cwt, SealCode(content, key_for, *options_.random));
  QT_ASSIGN_OR_RETURN(out.text, EncodeCredential(cwt, secrets->active));
  return out;
}

Result<IssuedCode> Identity::IssueDynamic(const Citizen& citizen) {
  if (!code_limiter_.Allow(citizen.id)) {
    return ResourceExhausted("at most " + std::to_string(options_.codes_per_minute) +
                             " codes a minute; try again shortly");
  }
  return Issue(citizen.id, CodeKind::kDynamic);
}

Result<IssuedCode> Identity::IssueStatic(const Principal& caller, const std::string& id) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(accounts::OrgKind::kAuthority, "print static codes"));
  QT_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    return ReadOwnCitizen(tx, caller, id, "print its cards").status();
  }));
  return Issue(id, CodeKind::kStatic);
}

}  // namespace qt::identity
