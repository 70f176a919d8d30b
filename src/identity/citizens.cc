// Enrolment, talent status, revocation and app tokens.
#include <algorithm>
#include <map>

#include "accounts/paging.h"
#include "core/ids.h"
#include "core/resident_id.h"
#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "identity/internal.h"
#include "identity/lists.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::identity {

using accounts::OrgKind;
using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

constexpr const char* kColumns =
    "SELECT id, name_masked, district, concession, birth_year, talent_category, talent_until,"
    " status, enrolled_by, revoke_reason, created_at, updated_at, change_seq, authority_id"
    " FROM id_citizens";

Result<Citizen> FromRow(const store::Row& r) {
  return store::Decode<Citizen>("id_citizens", r, [&]() -> Result<Citizen> {
    QT_ASSIGN_OR_RETURN(CitizenStatus status,
                        StoredName(ParseCitizenStatus(r.Text("status")), "status", r));
    return Citizen{.id = r.Text("id"),
                   .name_masked = r.Text("name_masked"),
                   .district = r.Text("district"),
                   .concession = r.Text("concession"),
                   .birth_year = r.Text("birth_year"),
                   .talent_category = r.Text("talent_category"),
                   .talent_until = r.Text("talent_until"),
                   .status = status,
                   .enrolled_by = r.Text("enrolled_by"),
                   .revoke_reason = r.Text("revoke_reason"),
                   .created_at = r.Int("created_at"),
                   .updated_at = r.Int("updated_at"),
                   .change_seq = r.Int("change_seq"),
                   .authority_id = r.Text("authority_id")};
  });
}

// Numbers the transaction's change to citizens (id_citizens.change_seq): the
// counter row is locked until commit, so changes become visible in order.
Result<int64_t> NextChange(Tx& tx) {
  QT_RETURN_IF_ERROR(
      tx.Exec("UPDATE id_counters SET value = value + 1 WHERE name = 'changes'").status());
  QT_ASSIGN_OR_RETURN(store::Rows rows,
                      tx.Query("SELECT value FROM id_counters WHERE name = 'changes'"));
  return rows[0].Int("value");
}

// The first character and a mask of fixed length, whatever the name's length.
std::string MaskName(std::string_view name) {
  size_t pos = 0;
  DecodeUtf8(name, &pos);
  return std::string(name.substr(0, pos)) + "**";
}

std::string TokenHash(std::string_view token) { return crypto::HexEncode(crypto::Sha256(token)); }

Status CheckNewCitizen(const NewCitizen& c) {
  QT_RETURN_IF_ERROR(CheckDisplayText(c.name, 50).WithContext("name"));
  if (Status s = ValidateResidentId(c.resident_id); !s.ok()) {
    return InvalidArgument("resident_id: " + s.message());
  }
  QT_RETURN_IF_ERROR(CheckDisplayText(c.district, 50).WithContext("district"));
  if (std::find(std::begin(kConcessions), std::end(kConcessions), c.concession) ==
      std::end(kConcessions)) {
    return InvalidArgument("concession: must be none, elderly, student, disabled or veteran");
  }
  return OkStatus();
}

Status RequireAuthority(const Principal& caller, std::string_view what) {
  return caller.RequireMemberOf(OrgKind::kAuthority, what);
}

Result<Citizen> ReadCitizen(Tx& tx, const std::string& id) {
  QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string(kColumns) + " WHERE id = ?", {id}));
  if (rows.empty()) return NotFound("no citizen " + id);
  return FromRow(rows[0]);
}

// A citizen's app token: "czt_" and 32 random bytes in base64url.
constexpr std::string_view kTokenPrefix = "czt_";

// The lockout key of a citizen token: the sender's address and the token's
// first characters, so that junk from an address does not lock out the other
// citizens behind it.
std::string TokenLockKey(std::string_view token, const std::string& source) {
  const size_t prefix = token.find('_') + 1 + 8;  // "czt_" and 48 bits of the secret
  return source + " " + std::string(token.substr(0, std::min(token.size(), prefix)));
}

// A valid resident ID as stored and hashed: its check character in upper case.
std::string NormalResidentId(std::string rid) {
  rid[17] = static_cast<char>(std::toupper(static_cast<unsigned char>(rid[17])));
  return rid;
}

}  // namespace

// The citizen, if the caller's authority holds it or the operator delegated
// its holder's citizens to the caller; permission_denied otherwise.
Result<Citizen> ReadOwnCitizen(Tx& tx, const Principal& caller, const std::string& id,
                               std::string_view what) {
  QT_ASSIGN_OR_RETURN(Citizen c, ReadCitizen(tx, id));
  if (c.authority_id == caller.org_id) return c;
  QT_ASSIGN_OR_RETURN(
      store::Rows delegated,
      tx.Query("SELECT 1 FROM id_delegations WHERE owner_id = ? AND delegate_id = ?",
               {c.authority_id, caller.org_id}));
  if (!delegated.empty()) return c;
  return PermissionDenied("citizen " + id + " belongs to another authority: only it, or an " +
                          "authority the operator delegates, may " + std::string(what));
}

Result<std::vector<EnrolledCitizen>> Identity::EnrolMany(const Principal& caller,
                                                         const std::vector<NewCitizen>& citizens) {
  QT_RETURN_IF_ERROR(RequireAuthority(caller, "enrol citizens"));
  if (citizens.empty()) return InvalidArgument("citizens: none given");
  if (citizens.size() > kMaxBatch) {
    return PayloadTooLarge("citizens: at most " + std::to_string(kMaxBatch) + " at once");
  }
  for (size_t i = 0; i < citizens.size(); ++i) {
    QT_RETURN_IF_ERROR(CheckNewCitizen(citizens[i]).WithContext("row " + std::to_string(i + 1)));
  }
  {  // The same person twice in one register: refused without asking the database.
    std::map<std::string, size_t> first_row;
    for (size_t i = 0; i < citizens.size(); ++i) {
      auto [it, fresh] = first_row.emplace(NormalResidentId(citizens[i].resident_id), i + 1);
      if (!fresh) {
        return InvalidArgument("row " + std::to_string(i + 1) +
                               ": resident_id: the same person as row " +
                               std::to_string(it->second));
      }
    }
  }
  const int64_t now = options_.clock->NowMillis();
  QT_RETURN_IF_ERROR(CheckEnrolConflicts(caller, now));
  QT_ASSIGN_OR_RETURN(std::shared_ptr<const Secrets> secrets, LoadSecrets());
  IdGenerator ids(*options_.clock, *options_.random);
  // Sealing and tokens are computed once, outside the (retryable) transaction.
  struct Prepared {
    EnrolledCitizen out;
    std::string resident_hash;
    Bytes sealed;
  };
  std::vector<Prepared> rows(citizens.size());
  for (size_t i = 0; i < citizens.size(); ++i) {
    const NewCitizen& c = citizens[i];
    const std::string rid = NormalResidentId(c.resident_id);
    Prepared& p = rows[i];
    p.out.citizen = {.id = ids.Next("cz"),
                     .name_masked = MaskName(c.name),
                     .district = c.district,
                     .concession = c.concession,
                     .birth_year = rid.substr(6, 4),
                     .talent_category = "",
                     .talent_until = "",
                     .status = CitizenStatus::kActive,
                     .enrolled_by = caller.org_id,
                     .revoke_reason = "",
                     .created_at = now,
                     .updated_at = now,
                     .change_seq = 0,
                     .authority_id = caller.org_id};
    Bytes secret(32);
    options_.random->Fill(secret);
    p.out.token = std::string(kTokenPrefix) + crypto::Base64UrlEncode(secret);
    p.resident_hash = KeyedHash(secrets->service, "resident:" + rid, 32);
    const std::string plain =
        json{{"name", c.name}, {"resident_id", rid}, {"birth_date", ResidentBirthDate(rid)}}.dump();
    p.sealed = options_.master_key->Seal(
        std::span(reinterpret_cast<const uint8_t*>(plain.data()), plain.size()),
        "identity.citizen:" + p.out.citizen.id, *options_.random);
  }
  bool already_enrolled = false;
  Status written = store_.Write([&](Tx& tx) -> Status {
    already_enrolled = false;
    std::vector<ledger::NewEvent> events;
    events.reserve(rows.size());
    QT_ASSIGN_OR_RETURN(const int64_t change, NextChange(tx));
    for (size_t i = 0; i < rows.size(); ++i) {
      Citizen& c = rows[i].out.citizen;
      c.change_seq = change;
      auto inserted = tx.Exec(
          "INSERT INTO id_citizens (id, resident_hash, sealed, name_masked, district, concession,"
          " birth_year, talent_category, talent_until, status, token_hash, enrolled_by,"
          " revoke_reason, created_at, updated_at, change_seq, authority_id) VALUES (?, ?, ?, ?, ?,"
          " ?, ?, '', '', 'active', ?, ?, '', ?, ?, ?, ?)",
          {c.id, rows[i].resident_hash, rows[i].sealed, c.name_masked, c.district, c.concession,
           c.birth_year, TokenHash(rows[i].out.token), c.enrolled_by, now, now, change,
           c.authority_id});
      if (!inserted.ok() && inserted.status().code() == StatusCode::kConflict) {
        already_enrolled = true;
        return Conflict("row " + std::to_string(i + 1) +
                        ": resident_id: this person is already enrolled");
      }
      QT_RETURN_IF_ERROR(inserted.status());
      events.push_back({caller.org_id, "identity.citizen.enrolled", c.id, json::object()});
    }
    std::map<std::string, int64_t> counts = {{"citizens", static_cast<int64_t>(rows.size())}};
    for (const Prepared& p : rows) counts["district:" + p.out.citizen.district] += 1;
    QT_RETURN_IF_ERROR(AddToCounters(tx, counts));
    return options_.journal->AppendAll(tx, events).status();
  });
  if (already_enrolled) QT_RETURN_IF_ERROR(RecordEnrolConflict(caller, now));
  QT_RETURN_IF_ERROR(written);
  std::vector<EnrolledCitizen> out;
  out.reserve(rows.size());
  for (Prepared& p : rows) out.push_back(std::move(p.out));
  return out;
}

Status Identity::CheckEnrolConflicts(const Principal& caller, int64_t now) {
  QT_ASSIGN_OR_RETURN(
      const int64_t refused, store::ReadValue(store_, [&](Tx& tx) -> Result<int64_t> {
        QT_ASSIGN_OR_RETURN(
            store::Rows rows,
            tx.Query("SELECT COUNT(*) AS n FROM id_enrol_conflicts WHERE org_id = ? AND at > ?",
                     {caller.org_id, now - 24 * 3'600'000LL}));
        return rows.empty() ? 0 : rows[0].Int("n");
      }));
  if (refused >= kMaxEnrolConflictsPerDay) {
    return ResourceExhausted(
        "enrolment paused: " + std::to_string(refused) +
        " enrolments of people already enrolled were refused to your organisation in the last 24 "
        "hours (at most " +
        std::to_string(kMaxEnrolConflictsPerDay) +
        "); check the register against your own citizens and try again after a day");
  }
  return OkStatus();
}

Status Identity::RecordEnrolConflict(const Principal& caller, int64_t now) {
  return store_.Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO id_enrol_conflicts (org_id, at) VALUES (?, ?)", {caller.org_id, now})
            .status());
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "identity.citizen.enrol_refused",
                      caller.org_id,
                      {{"reason", "already enrolled"}}})
        .status();
  });
}

Result<EnrolledCitizen> Identity::Enrol(const Principal& caller, const NewCitizen& citizen) {
  auto many = EnrolMany(caller, {citizen});
  if (!many.ok()) {
    std::string m = many.status().message();
    if (m.starts_with("row 1: ")) m = m.substr(7);
    return Status(many.status().code(), m);
  }
  return std::move((*many)[0]);
}

Result<accounts::Page<Citizen>> Identity::ListCitizens(const Principal& caller,
                                                       const CitizenFilter& filter,
                                                       const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(RequireAuthority(caller, "list citizens"));
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "cz"));
  std::string sql = std::string(kColumns) +
                    " WHERE (authority_id = ? OR authority_id IN (SELECT owner_id FROM"
                    " id_delegations WHERE delegate_id = ?))";
  store::Params params = {caller.org_id, caller.org_id};
  if (!filter.district.empty()) {
    QT_RETURN_IF_ERROR(CheckDisplayText(filter.district, 50).WithContext("district"));
    sql += " AND district = ?";
    params.emplace_back(filter.district);
  }
  if (!filter.talent_category.empty()) {
    if (filter.talent_category.size() != 1 || filter.talent_category[0] < 'A' ||
        filter.talent_category[0] > 'E') {
      return InvalidArgument("talent_category: one of A, B, C, D, E");
    }
    sql += " AND talent_category = ?";
    params.emplace_back(filter.talent_category);
  }
  if (!filter.status.empty()) {
    if (!ParseCitizenStatus(filter.status)) {
      return InvalidArgument("status: active or revoked");
    }
    sql += " AND status = ?";
    params.emplace_back(filter.status);
  }
  if (!filter.resident_id.empty()) {
    if (Status s = ValidateResidentId(filter.resident_id); !s.ok()) {
      return InvalidArgument("resident_id: " + s.message());
    }
    QT_ASSIGN_OR_RETURN(std::shared_ptr<const Secrets> secrets, LoadSecrets());
    sql += " AND resident_hash = ?";
    params.emplace_back(
        KeyedHash(secrets->service, "resident:" + NormalResidentId(filter.resident_id), 32));
  }
  sql += " AND id > ?";
  params.emplace_back(page.cursor);
  return store::ReadValue(store_, [&](Tx& tx) -> Result<accounts::Page<Citizen>> {
    return accounts::QueryPage<Citizen>(tx, sql, params, page, FromRow);
  });
}

Result<std::vector<Citizen>> Identity::CitizensChangedSince(int64_t change_seq,
                                                            const std::string& after_id,
                                                            size_t limit) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Citizen>> {
    std::vector<Citizen> out;
    QT_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query(std::string(kColumns) +
                     " WHERE (change_seq, id) > (?, ?) ORDER BY change_seq, id LIMIT ?",
                 {change_seq, after_id, static_cast<int64_t>(limit)}));
    out.reserve(rows.size());
    store::DecodeSkipping(rows, FromRow, out);  // a damaged row is logged, the others followed
    return out;
  });
}

Result<Citizen> Identity::GetCitizen(const Principal& caller, const std::string& id) {
  QT_RETURN_IF_ERROR(RequireAuthority(caller, "read citizens"));
  return store::ReadValue(
      store_, [&](Tx& tx) -> Result<Citizen> { return ReadOwnCitizen(tx, caller, id, "read it"); });
}

Result<Citizen> Identity::SetTalent(const Principal& caller, const std::string& id,
                                    const std::string& category, const std::string& valid_until) {
  QT_RETURN_IF_ERROR(RequireAuthority(caller, "set talent status"));
  if (!category.empty()) {
    if (std::find(std::begin(kTalentCategories), std::end(kTalentCategories), category) ==
        std::end(kTalentCategories)) {
      return InvalidArgument("category: must be A, B, C, D or E (or empty to clear)");
    }
    auto until = ParseRfc3339(valid_until + "T00:00:00Z");
    if (valid_until.size() != 10 || !until)
      return InvalidArgument("valid_until: must be YYYY-MM-DD");
    if (valid_until < DateOf(options_.clock->NowMillis())) {
      return InvalidArgument("valid_until: is in the past");
    }
  } else if (!valid_until.empty()) {
    return InvalidArgument("valid_until: only with a category");
  }
  const int64_t now = options_.clock->NowMillis();
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Citizen> {
    QT_ASSIGN_OR_RETURN(Citizen c, ReadOwnCitizen(tx, caller, id, "set its talent status"));
    if (c.status != CitizenStatus::kActive) {
      return FailedPrecondition("citizen " + id + " is revoked");
    }
    QT_ASSIGN_OR_RETURN(c.change_seq, NextChange(tx));
    QT_RETURN_IF_ERROR(tx.Exec("UPDATE id_citizens SET talent_category = ?, talent_until = ?,"
                               " updated_at = ?, change_seq = ? WHERE id = ?",
                               {category, valid_until, now, c.change_seq, id})
                           .status());
    std::map<std::string, int64_t> counts;
    if (!c.talent_category.empty()) {
      counts["talents"] -= 1;
      counts["talent:" + c.talent_category] -= 1;
    }
    if (!category.empty()) {
      counts["talents"] += 1;
      counts["talent:" + category] += 1;
    }
    QT_RETURN_IF_ERROR(AddToCounters(tx, counts));
    c.talent_category = category;
    c.talent_until = valid_until;
    c.updated_at = now;
    QT_RETURN_IF_ERROR(
        options_.journal
            ->Append(tx, {caller.org_id, "identity.citizen.talent_set", id, json::object()})
            .status());
    return c;
  });
}

Result<Citizen> Identity::Revoke(const Principal& caller, const std::string& id,
                                 const std::string& reason) {
  QT_RETURN_IF_ERROR(RequireAuthority(caller, "revoke citizens"));
  QT_RETURN_IF_ERROR(CheckDisplayText(reason, 200).WithContext("reason"));
  const int64_t now = options_.clock->NowMillis();
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Citizen> {
    QT_ASSIGN_OR_RETURN(Citizen c, ReadOwnCitizen(tx, caller, id, "revoke it"));
    if (c.status == CitizenStatus::kRevoked) {
      return FailedPrecondition("citizen " + id + " is already revoked");
    }
    QT_ASSIGN_OR_RETURN(c.change_seq, NextChange(tx));
    QT_RETURN_IF_ERROR(tx.Exec("UPDATE id_citizens SET status = 'revoked', revoke_reason = ?,"
                               " updated_at = ?, change_seq = ? WHERE id = ?",
                               {reason, now, c.change_seq, id})
                           .status());
    QT_RETURN_IF_ERROR(AddToCounters(tx, {{"revoked", 1}, {"district:" + c.district, -1}}));
    c.status = CitizenStatus::kRevoked;
    c.revoke_reason = reason;
    c.updated_at = now;
    // Every static card still valid joins the revocation chain.
    QT_ASSIGN_OR_RETURN(
        store::Rows serials,
        tx.Query("SELECT serial FROM id_codes WHERE citizen_id = ? AND kind = 'static'"
                 " AND expires_at > ? ORDER BY serial",
                 {id, now / 1000}));
    QT_ASSIGN_OR_RETURN(store::Rows last, tx.Query("SELECT seq, head FROM id_revocations"
                                                   " ORDER BY seq DESC LIMIT 1"));
    int64_t seq = last.empty() ? 0 : last[0].Int("seq");
    Head head{};
    if (!last.empty()) {
      QT_ASSIGN_OR_RETURN(head, StoredHead(last[0]));
    }
    std::vector<ledger::NewEvent> events;
    for (const store::Row& r : serials) {
      RevocationEntry e{++seq, r.Text("serial"), now, "citizen revoked"};
      head = ChainHead(head, e);
      QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO id_revocations (seq, serial, citizen_id, revoked_at,"
                                 " reason, head) VALUES (?, ?, ?, ?, ?, ?)",
                                 {e.seq, e.serial, id, now, e.reason, crypto::HexEncode(head)})
                             .status());
      events.push_back({caller.org_id,
                        "identity.revocation",
                        e.serial,
                        {{"seq", e.seq}, {"head", crypto::HexEncode(head)}}});
    }
    events.push_back({caller.org_id,
                      "identity.citizen.revoked",
                      id,
                      {{"static_codes", static_cast<int64_t>(serials.size())}}});
    QT_RETURN_IF_ERROR(options_.journal->AppendAll(tx, events).status());
    return c;
  });
}

Result<std::string> Identity::ResetToken(const Principal& caller, const std::string& id) {
  QT_RETURN_IF_ERROR(RequireAuthority(caller, "reset citizens' app tokens"));
  Bytes secret(32);
  options_.random->Fill(secret);
  const std::string token = std::string(kTokenPrefix) + crypto::Base64UrlEncode(secret);
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(Citizen c, ReadOwnCitizen(tx, caller, id, "reset its app token"));
    if (c.status != CitizenStatus::kActive) {
      return FailedPrecondition("citizen " + id + " is revoked");
    }
    QT_RETURN_IF_ERROR(tx.Exec("UPDATE id_citizens SET token_hash = ?, updated_at = ? WHERE id = ?",
                               {TokenHash(token), options_.clock->NowMillis(), id})
                           .status());
    return options_.journal
        ->Append(tx, {caller.org_id, "identity.citizen.token_reset", id, json::object()})
        .status();
  }));
  return token;
}

Result<Citizen> Identity::Reassign(const Principal& caller, const std::string& id,
                                   const std::string& authority_id) {
  if (!caller.IsOperator() || !caller.Has(accounts::Role::kAdmin)) {
    return PermissionDenied("only the operator's admins reassign citizens");
  }
  auto org = options_.accounts->GetOrg(authority_id);
  if (!org.ok() || org->kind != OrgKind::kAuthority) {
    return InvalidArgument("authority_id: no authority " + authority_id);
  }
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Citizen> {
    QT_ASSIGN_OR_RETURN(Citizen c, ReadCitizen(tx, id));
    if (c.authority_id == authority_id) {
      return FailedPrecondition("citizen " + id + " already belongs to " + authority_id);
    }
    c.authority_id = authority_id;
    c.updated_at = options_.clock->NowMillis();
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE id_citizens SET authority_id = ?, updated_at = ? WHERE id = ?",
                {authority_id, c.updated_at, id})
            .status());
    QT_RETURN_IF_ERROR(options_.journal
                           ->Append(tx, {caller.org_id,
                                         "identity.citizen.reassigned",
                                         id,
                                         {{"authority_id", authority_id}}})
                           .status());
    return c;
  });
}

Result<Citizen> Identity::AuthenticateCitizen(std::string_view token, const std::string& source) {
  const std::string lock_key = TokenLockKey(token, source);
  if (auto until = token_lockout_.LockedUntil(lock_key)) {
    return ResourceExhausted("too many bad citizen tokens like this one from this address;" +
                             std::string(" try again after ") + FormatRfc3339(*until));
  }
  QT_ASSIGN_OR_RETURN(const std::optional<Citizen> c,
                      store::ReadValue(store_, [&](Tx& tx) -> Result<std::optional<Citizen>> {
                        QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string(kColumns) +
                                                                           " WHERE token_hash = ?",
                                                                       {TokenHash(token)}));
                        if (rows.empty()) return std::optional<Citizen>();
                        QT_ASSIGN_OR_RETURN(Citizen found, FromRow(rows[0]));
                        return std::optional<Citizen>(std::move(found));
                      }));
  if (!c) {
    token_lockout_.Fail(lock_key);
    return Unauthenticated("not a citizen token (send 'Authorization: Bearer czt_...')");
  }
  token_lockout_.Succeed(lock_key);
  // Revocation ends the credential: the token of a revoked citizen reads
  // nothing (its record, its scan log, its notices) and does nothing.
  if (c->status != CitizenStatus::kActive) {
    return Unauthenticated("this app token's citizen was revoked: the token no longer signs in");
  }
  return *c;
}

bool Identity::IsCitizenToken(std::string_view token) {
  constexpr size_t kSecret = 43;  // 32 bytes in base64url
  return token.starts_with(kTokenPrefix) ||
         (token.starts_with("cz_") && token.size() == 3 + kSecret);
}

Result<Head> StoredHead(const store::Row& r) {
  return store::Decode<Head>("id_revocations", r, [&]() -> Result<Head> {
    QT_ASSIGN_OR_RETURN(Bytes bytes, crypto::HexDecode(r.Text("head")));
    Head head{};
    if (bytes.size() != head.size()) return Internal("head: not 32 bytes");
    std::copy(bytes.begin(), bytes.end(), head.begin());
    return head;
  });
}

}  // namespace qt::identity
