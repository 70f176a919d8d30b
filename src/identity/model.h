// The records of the identity service (identity.h).
#ifndef QIANTANG_IDENTITY_MODEL_H_
#define QIANTANG_IDENTITY_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qt::identity {

// Each state and kind below is stored and sent as its name (XName), and read
// back with ParseX (nullopt for a name it does not know).

// A revoked citizen gets no code, and its app token no longer signs in.
enum class CitizenStatus { kActive, kRevoked };
std::string_view CitizenStatusName(CitizenStatus s);  // "active", "revoked"
std::optional<CitizenStatus> ParseCitizenStatus(std::string_view name);

// Dynamic codes come to the citizen's app and live `dynamic_ttl_s`; static
// codes are printed cards with a serial, revoked through the revocation chain.
enum class CodeKind { kDynamic, kStatic };
std::string_view CodeKindName(CodeKind k);  // "dynamic", "static"
std::optional<CodeKind> ParseCodeKind(std::string_view name);

// A disabled terminal gets no keys and uploads no receipts. (TerminalState,
// terminal_state.h, is what a terminal keeps on its device.)
enum class TerminalStatus { kActive, kDisabled };
std::string_view TerminalStatusName(TerminalStatus s);  // "active", "disabled"
std::optional<TerminalStatus> ParseTerminalStatus(std::string_view name);

// What the service found of a scan receipt: "ok", "replayed" (the same
// dynamic code already scanned in this category), "overreach" (claims the
// category may not read), "unknown_code".
enum class ScanCheck { kOk, kReplayed, kOverreach, kUnknownCode };
std::string_view ScanCheckName(ScanCheck c);
std::optional<ScanCheck> ParseScanCheck(std::string_view name);

struct NewCitizen {
  std::string name;                 // 1..50 bytes of display text
  std::string resident_id;          // GB 11643, checked
  std::string district;             // e.g. "西湖区"
  std::string concession = "none";  // categories.h kConcessions
};

// What the service shows of a citizen: never the resident ID or the full name.
struct Citizen {
  std::string id;
  std::string name_masked;  // "张*"
  std::string district;
  std::string concession;
  std::string birth_year;       // "1990": enough for the age claims an authority reviews
  std::string talent_category;  // "" or A..E
  std::string talent_until;     // "" or YYYY-MM-DD
  CitizenStatus status = CitizenStatus::kActive;
  std::string enrolled_by;  // authority organisation
  std::string revoke_reason;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t change_seq = 0;  // orders changes to citizens (Identity::CitizensChangedSince)
  // The authority the citizen belongs to: the one that enrolled them unless
  // the operator reassigned them. Only it, and authorities the operator
  // delegates its citizens to, act on the citizen.
  std::string authority_id;
};

// Which citizens ListCitizens returns.
struct CitizenFilter {
  std::string district;
  std::string talent_category;  // A..E
  std::string status;           // "active" or "revoked" (CitizenStatusName)
  std::string resident_id;      // 18 characters, checked like an enrolment's
};

struct EnrolledCitizen {
  Citizen citizen;
  std::string token;  // the citizen's app token; shown once
};

struct IssuedCode {
  std::string text;     // "HZ1:..."
  std::string code_id;  // hex
  CodeKind kind = CodeKind::kDynamic;
  std::string serial;  // static codes
  std::string kid;     // the signing key
  int64_t issued_at = 0;
  int64_t expires_at = 0;
};

struct Terminal {
  std::string id;
  std::string org_id;
  std::string category;  // categories.h code
  std::string name;
  std::string public_key;  // hex Ed25519: signs scan receipts, receives the category keys
  TerminalStatus state = TerminalStatus::kActive;
  int64_t created_at = 0;
};

// What a terminal downloads: its category's keys, each sealed to the
// terminal's own key, so that only it can open them.
struct SealedCategoryKey {
  uint32_t epoch = 0;
  std::vector<uint8_t> sealed;  // crypto/recipient_box.h
};
struct TerminalKeySet {
  std::string terminal_id;
  std::string category;  // categories.h code
  int category_number = 0;
  std::vector<std::string> claims;  // what the category may read
  std::vector<SealedCategoryKey> keys;
};

// A scan receipt as a terminal signs it: the canonical JSON of
//   {"type": "qiantang.identity.scan/v1", "terminal_id", "code_id", "category",
//    "claims_read": [...], "result", "scanned_at"}
// Ed25519 with the terminal's key.
struct ScanReceipt {
  std::string terminal_id;
  std::string code_id;  // hex
  std::string category;
  std::vector<std::string> claims_read;
  std::string result;  // "accepted" or the refusal reason
  int64_t scanned_at = 0;
  std::string signature;  // base64
};

struct Scan {
  std::string id;
  std::string terminal_id;
  std::string terminal_name;
  std::string org_id;
  std::string category;
  std::string code_id;
  std::vector<std::string> claims_read;
  std::string result;
  ScanCheck check = ScanCheck::kOk;
  int64_t scanned_at = 0;
  int64_t received_at = 0;
};

// A service category granted to an organisation: a service organisation
// registers terminals only for categories granted to it; an authority
// holding a category may grant it to service organisations.
struct CategoryGrant {
  std::string org_id;
  std::string category;
  std::string granted_by;  // the operator or an authority holding the category
  int64_t granted_at = 0;
};

// The operator lets `delegate_id` act on the citizens of `owner_id` (both
// authorities): read, talent status, app tokens, cards, revocation.
struct Delegation {
  std::string owner_id;
  std::string delegate_id;
  std::string granted_by;
  int64_t granted_at = 0;
};

struct SigningKeyInfo {
  std::string kid;  // hex
  std::string alg;
  std::string public_key;  // base64
  int64_t created_at = 0;
  int64_t retired_at = 0;  // 0 while active
  int64_t not_after = 0;
};

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_MODEL_H_
