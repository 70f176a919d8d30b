// The citizen code (杭州市民码) and talent code (人才码) service.
//
// Authorities enrol citizens: the name and resident ID (GB 11643, checked)
// are stored sealed under the server master key; a keyed hash of the resident
// ID (BLAKE2b under a service secret) keeps one enrolment per person without
// storing the number in the clear. The talent authority sets a talent status
// (A..E with a last day). Each citizen gets an app token ("czt_...", not to
// be mistaken for a citizen's id "cz_..."; shown once, stored as SHA-256)
// with which the citizen asks for dynamic codes (valid
// `dynamic_ttl_s`, one scan per category) and reads the log of who scanned
// them; authorities print static codes (cards with a serial) for those
// without phones, and revoke citizens (their static serials join the signed
// revocation chain; no dynamic code is issued any more).
//
// Codes are signed by the active issuer key (EdDSA by default, or ES256);
// `RotateKey` retires it — retired keys keep verifying what they signed until
// their not_after. The trust list and revocations are signed by the operator
// organisation, whose public key terminals pin (lists.h).
//
// Scopes: organisations of the same kind are strangers. A citizen belongs to
// the authority that enrolled them (Citizen::authority_id); other authorities
// get permission_denied on every action (read, talent, token, card, revoke)
// unless the operator delegates that authority's citizens to them or
// reassigns the citizen. A service organisation registers terminals only for
// categories granted to it by the operator, or by an authority the operator
// granted the category to; grants and their revocations are journaled, and
// revoking one disables the organisation's terminals of that category.
//
// Service organisations register terminals (an Ed25519 key generated on the
// terminal) for one granted category; a terminal downloads its category's keys sealed
// to its own key, so only it can open them, and uploads signed scan receipts.
// The service checks each receipt: the signature, the claims read against the
// category's (categories.h), a second scan of a dynamic code in the same
// category (replay), and files it in the citizen's log.
//
// Limits (limits.h): dynamic codes per citizen per minute, receipts per
// terminal per minute. Failures count against what was proven: a bad citizen
// token backs off its sender's address for that token's prefix only (other
// citizens at the address are not affected), and an upload with a bad
// receipt signature backs off the sender's address, never the terminal it
// names.
//
// Every change is journaled with ids only (never names, resident IDs or which
// citizen a scan was of); scans and dynamic codes are records, not events.
//
// Errors. Every method may return internal (a damaged stored row, named in
// the log: store/decode.h) and the store's own errors. Methods with a
// caller return permission_denied when its organisation's kind or role may
// not act (each method says who may); invalid_argument names the field;
// not_found is also what a caller gets for another organisation's terminal.
// Other cases are listed per method.
//
// Thread-safety: safe for concurrent use; state is in the store (writes are
// transactions), the rate limits and lockouts in memory behind their own
// locks, the opened secrets behind a mutex.
//
// Example:
//   Identity identity(store, {.clock = &clock, .random = &random, .journal = &journal,
//                             .accounts = &accounts, .master_key = &key});
//   QT_RETURN_IF_ERROR(identity.Init());
//   QT_ASSIGN_OR_RETURN(EnrolledCitizen e, identity.Enrol(authority, {"张三", rid, "西湖区"}));
//   QT_ASSIGN_OR_RETURN(Citizen me, identity.AuthenticateCitizen(e.token, client_address));
//   QT_ASSIGN_OR_RETURN(IssuedCode code, identity.IssueDynamic(me));
#ifndef QIANTANG_IDENTITY_IDENTITY_H_
#define QIANTANG_IDENTITY_IDENTITY_H_

#include <array>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "core/clock.h"
#include "core/random.h"
#include "crypto/sealed_box.h"
#include "identity/categories.h"
#include "identity/limits.h"
#include "identity/lists.h"
#include "identity/model.h"
#include "ledger/journal.h"
#include "store/store.h"

namespace qt::identity {

struct IdentityOptions {
  const Clock* clock = nullptr;                   // required
  Random* random = nullptr;                       // required
  ledger::Journal* journal = nullptr;             // required
  accounts::Accounts* accounts = nullptr;         // required: the operator signs the lists
  const crypto::MasterKey* master_key = nullptr;  // required: seals identities and keys
  int64_t dynamic_ttl_s = 60;
  int64_t static_validity_days = 365;
  int64_t key_lifetime_days = 3 * 365;
  int codes_per_minute = 30;      // per citizen
  int receipts_per_minute = 600;  // per terminal
};

class Identity {
 public:
  static constexpr size_t kMaxReceiptsPerUpload = 1000;

  // REQUIRES: the options marked required are set.
  Identity(store::Store& store, IdentityOptions options);
  ~Identity();
  // The schema (migrations.cc).
  static std::vector<store::Migration> Migrations();

  // On first start: the issuer key, the category keys and the service secret;
  // at later starts nothing (idempotent).
  Status Init();

  // Authorities (members of an authority organisation; permission_denied for
  // others, and for a citizen of another authority that did not delegate it).

  // One citizen: EnrolMany's errors, without the "row 1: " prefix.
  Result<EnrolledCitizen> Enrol(const accounts::Principal& caller, const NewCitizen& citizen);
  // All or none, in one transaction (a register imported at once). An error
  // names the row: "row 17: resident_id: ...".
  static constexpr size_t kMaxBatch = 100'000;
  // Enrolling a person already enrolled (by any authority) is refused, which
  // tells the caller that the person is enrolled somewhere. So that this
  // cannot be used to test resident IDs in bulk, each refusal is counted and
  // journaled (identity.citizen.enrol_refused), and an authority with this
  // many in the last 24 hours may enrol nobody until the day has passed
  // (resource_exhausted). Two rows of one batch with the same resident ID are
  // refused before the database is asked, and not counted.
  // Errors: invalid_argument (none given, a bad field, the same person
  // twice); payload_too_large over kMaxBatch; conflict for a person already
  // enrolled; resource_exhausted as above.
  static constexpr int kMaxEnrolConflictsPerDay = 20;
  Result<std::vector<EnrolledCitizen>> EnrolMany(const accounts::Principal& caller,
                                                 const std::vector<NewCitizen>& citizens);
  // The caller's citizens (its own and those delegated to it), by id, that
  // match every set field of `filter`. A resident ID finds its citizen
  // through the keyed hash the store keeps (the ID itself is sealed).
  // invalid_argument for a bad filter field or page.
  Result<accounts::Page<Citizen>> ListCitizens(const accounts::Principal& caller,
                                               const CitizenFilter& filter,
                                               const accounts::PageRequest& page);
  // not_found for no such citizen.
  Result<Citizen> GetCitizen(const accounts::Principal& caller, const std::string& id);
  // For other services that follow citizens (policies that find people): up
  // to `limit` citizens whose last enrolment, talent or revocation change
  // comes after (change_seq, after_id), ordered by (change_seq, id). Every
  // such write takes the next number of one counter locked until it commits,
  // so a reader that remembers the last pair it saw misses nothing. A damaged
  // row (store/decode.h) is logged and left out.
  Result<std::vector<Citizen>> CitizensChangedSince(int64_t change_seq, const std::string& after_id,
                                                    size_t limit);
  // category "" clears the status. invalid_argument for a category other
  // than A..E or a valid_until not YYYY-MM-DD or in the past; not_found;
  // failed_precondition for a revoked citizen.
  Result<Citizen> SetTalent(const accounts::Principal& caller, const std::string& id,
                            const std::string& category, const std::string& valid_until);
  // The citizen's static cards join the revocation chain, its app token stops
  // signing in, and it gets no new code. invalid_argument for a bad reason;
  // not_found; failed_precondition if already revoked.
  Result<Citizen> Revoke(const accounts::Principal& caller, const std::string& id,
                         const std::string& reason);
  // A printed card (a static code with a serial). not_found;
  // failed_precondition for a revoked citizen.
  Result<IssuedCode> IssueStatic(const accounts::Principal& caller, const std::string& id);
  // A new app token (the old one stops working): a lost phone. not_found;
  // failed_precondition for a revoked citizen.
  Result<std::string> ResetToken(const accounts::Principal& caller, const std::string& id);

  // The operator's admins: `authority_id` (an authority) takes over the
  // citizen. invalid_argument for no such authority; not_found;
  // failed_precondition if it already belongs to it.
  Result<Citizen> Reassign(const accounts::Principal& caller, const std::string& id,
                           const std::string& authority_id);
  // The operator's admins let `delegate_id` act on `owner_id`'s citizens
  // (both authorities), or stop it. invalid_argument for an organisation
  // that is not an authority, or the owner itself; conflict if it already
  // does; Undelegate: not_found for no such delegation.
  Result<Delegation> Delegate(const accounts::Principal& caller, const std::string& owner_id,
                              const std::string& delegate_id);
  Status Undelegate(const accounts::Principal& caller, const std::string& owner_id,
                    const std::string& delegate_id);
  // The operator sees every delegation, an authority those it is part of.
  Result<std::vector<Delegation>> ListDelegations(const accounts::Principal& caller);

  // Category grants: by the operator (to service organisations and
  // authorities), or by an authority holding the category (to service
  // organisations). Revoking disables the organisation's terminals of that
  // category and returns how many. invalid_argument for an unknown category;
  // permission_denied for a category the granting authority does not hold,
  // or a grant by an authority to another authority. Grant: invalid_argument
  // for an organisation that is neither a service nor an authority, conflict
  // if already granted. RevokeGrant: not_found if the organisation does not
  // hold the category.
  Result<CategoryGrant> Grant(const accounts::Principal& caller, const std::string& org_id,
                              const std::string& category);
  Result<int64_t> RevokeGrant(const accounts::Principal& caller, const std::string& org_id,
                              const std::string& category);
  // Every grant, or one organisation's ("" for all); any signed-in caller.
  Result<std::vector<CategoryGrant>> ListGrants(const std::string& org_id);

  // Citizens (no sign-in: the app token). After repeated bad tokens from `source` (the
  // client address) with the same prefix, that (source, prefix) backs off
  // (resource_exhausted). unauthenticated for a token that is no citizen's
  // and for the token of a revoked citizen: revocation ends the token.
  Result<Citizen> AuthenticateCitizen(std::string_view token, const std::string& source);
  // Whether `token` has the form of a citizen's app token: "czt_...", or
  // "cz_" and 43 characters as tokens were issued before they had their own
  // prefix (those keep working).
  static bool IsCitizenToken(std::string_view token);
  // resource_exhausted past codes_per_minute; failed_precondition for a
  // citizen revoked since it signed in.
  Result<IssuedCode> IssueDynamic(const Citizen& citizen);
  // Who scanned the citizen's codes, oldest first. invalid_argument for a bad page.
  Result<accounts::Page<Scan>> ScanLog(const Citizen& citizen, const accounts::PageRequest& page);

  // Service organisations (members; permission_denied for others).
  // invalid_argument for an unknown category, a bad name or a public key that
  // is not Ed25519; permission_denied for a category not granted to the
  // caller; conflict for a key already registered.
  Result<Terminal> RegisterTerminal(const accounts::Principal& caller, const std::string& category,
                                    const std::string& name, const std::string& public_key_hex);
  Result<std::vector<Terminal>> ListTerminals(const accounts::Principal& caller);
  // not_found for no terminal of the caller's; failed_precondition if
  // already disabled.
  Result<Terminal> DisableTerminal(const accounts::Principal& caller, const std::string& id);
  // The terminal's category keys, each sealed to the terminal's key.
  // not_found for no terminal of the caller's; failed_precondition if disabled.
  Result<TerminalKeySet> TerminalKeys(const accounts::Principal& caller, const std::string& id);
  // Checks and files receipts (no sign-in: each is signed by its terminal).
  // A bad signature backs off `source` (the client address), not the terminal.
  // invalid_argument (none, a bad field, several terminals, another
  // category than the terminal's); payload_too_large over
  // kMaxReceiptsPerUpload; not_found for no such terminal;
  // failed_precondition for a disabled one; unauthenticated for a bad
  // signature; resource_exhausted while `source` backs off, or past
  // receipts_per_minute. A receipt uploaded again is returned, not filed twice.
  Result<std::vector<Scan>> RecordScans(const std::vector<ScanReceipt>& receipts,
                                        const std::string& source);
  Result<accounts::Page<Scan>> ServiceScans(const accounts::Principal& caller,
                                            const accounts::PageRequest& page);

  // Public.
  // Signed by the operator organisation (lists.h; ExportTrustList and
  // ExportRevocations give the JSON terminals read).
  Result<SignedTrustList> TrustList();
  // invalid_argument unless 0 <= since <= the chain's length.
  Result<SignedRevocations> Revocations(int64_t since);
  // The operator organisation's public key (hex): what terminals pin.
  Result<std::string> IssuerPublicKey();

  // The operator's admins: a new active code signing key (alg "EdDSA" or
  // "ES256", invalid_argument otherwise); the old one is retired.
  Result<SigningKeyInfo> RotateKey(const accounts::Principal& caller, const std::string& alg);
  Result<std::vector<SigningKeyInfo>> Keys();

  struct Stats {
    int64_t citizens = 0, revoked = 0, talents = 0, terminals = 0, scans = 0, codes = 0;
  };
  Result<Stats> GetStats();
  // For the city dashboard: citizens by district of residence, talent
  // statuses by category, and scans by service category and by hour of the
  // day in Beijing time (UTC+8, index 0-23).
  struct Tallies {
    std::map<std::string, int64_t> citizens_by_district, talents_by_category, scans_by_category;
    std::array<int64_t, 24> scans_by_hour{};
  };
  Result<Tallies> GetTallies();

 private:
  struct Secrets;
  Result<std::shared_ptr<const Secrets>> LoadSecrets();
  // resource_exhausted once the caller has kMaxEnrolConflictsPerDay refusals
  // in the 24 hours before `now`; RecordEnrolConflict counts and journals one.
  Status CheckEnrolConflicts(const accounts::Principal& caller, int64_t now);
  Status RecordEnrolConflict(const accounts::Principal& caller, int64_t now);
  Result<ListIssuer> OperatorIssuer();
  Result<IssuedCode> Issue(const std::string& citizen_id, CodeKind kind);

  store::Store& store_;
  IdentityOptions options_;
  RateLimiter code_limiter_, receipt_limiter_;
  Lockout token_lockout_, receipt_lockout_;
  std::mutex secrets_mu_;
  std::shared_ptr<const Secrets> secrets_;
};

// The bytes a terminal signs for a receipt.
Result<std::string> ReceiptBytes(const ScanReceipt& r);

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_IDENTITY_H_
