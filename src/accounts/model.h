// The objects of the accounts module: organisations, users, tokens, and the
// Principal a request acts as.
#ifndef QIANTANG_ACCOUNTS_MODEL_H_
#define QIANTANG_ACCOUNTS_MODEL_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "crypto/ed25519.h"

namespace qt::accounts {

// What an organisation is to the city data group. Each module admits some kinds.
enum class OrgKind {
  kOperator,         // the data group itself: runs the platform
  kComputeProvider,  // owns accelerator clusters offered on the compute platform
  kEnterprise,       // buys compute and data, applies for finance and vouchers
  kDataHolder,       // holds raw data, renovates it into data products
  kInstitution,      // bank, investor, guarantor, insurer
  kService,          // verifies citizen and talent codes (hospital, metro, library...)
  kAuthority,        // government: data bureau, voucher issuer, registration reviewer
};
inline constexpr OrgKind kAllOrgKinds[] = {
    OrgKind::kOperator,    OrgKind::kComputeProvider, OrgKind::kEnterprise, OrgKind::kDataHolder,
    OrgKind::kInstitution, OrgKind::kService,         OrgKind::kAuthority};
std::string_view OrgKindName(OrgKind kind);  // "compute_provider"
std::optional<OrgKind> ParseOrgKind(std::string_view name);

// A user's role within their organisation; each includes the ones before it.
enum class Role {
  kViewer,  // reads the organisation's objects
  kMember,  // also acts for the organisation (creates and changes its objects)
  kAdmin,   // also manages its users and tokens
};
std::string_view RoleName(Role role);  // "admin"
std::optional<Role> ParseRole(std::string_view name);

// Who holds an organisation's Ed25519 signing key.
enum class KeyCustody {
  kNode,      // this node, sealed under its master key; it signs in the organisation's name
  kSelf,      // the organisation itself (a key file, a browser): nobody else can sign for it
  kHomeNode,  // an organisation of a peer node: that node holds it (or the organisation does)
};
std::string_view KeyCustodyName(KeyCustody custody);  // "node", "self", "home_node"

// The message an organisation signs with a key of its own to register it
// (Accounts::RegisterOwnKey) as its `version`th key (Org::key_version + 1),
// so a key nobody holds can never be registered, and a registration's proofs
// are never valid again once another key was registered after them:
// "qiantang.org-key/v1\norg <org_id>\nversion <n>\nkey <hex public key>\n".
std::string OwnKeyProofMessage(std::string_view org_id, int64_t version,
                               const crypto::PublicKey& key);

struct OrgTally {
  OrgKind kind = OrgKind::kEnterprise;
  std::string division;  // GB/T 2260 code, "330106"
  int64_t orgs = 0;
};

struct Org {
  std::string id;
  std::string name;
  OrgKind kind;
  std::string credit_code;
  crypto::PublicKey public_key;
  UnixMillis created_at;
  // "" for this node's own organisations. Otherwise the peer node (federation/)
  // the organisation belongs to: that node vouches for it and holds its key,
  // so this node can verify its signatures but never sign in its name.
  std::string home_node{};
  KeyCustody key_custody = KeyCustody::kNode;
  // When the organisation registered the key it holds (0 while the node
  // holds it): nothing it signed with this key is dated earlier.
  UnixMillis key_registered_at = 0;
  // How many keys the organisation has registered itself (0: the node's).
  int64_t key_version = 0;
};

struct User {
  std::string id;
  std::string org_id;
  std::string name;
  Role role;
  UnixMillis created_at;
  std::optional<UnixMillis> deactivated_at;  // set: none of its tokens works
};

struct TokenInfo {
  std::string id;
  std::string org_id;
  std::string user_id;
  std::string label;
  UnixMillis created_at;
  UnixMillis expires_at;
  std::optional<UnixMillis> revoked_at;
};

// A token as issued: the secret is shown once and never stored.
struct IssuedToken {
  TokenInfo info;
  std::string secret;  // "qt_" + 43 characters of base64url
};

// Who is calling: resolved from a token on every request.
struct Principal {
  std::string token_id;
  std::string user_id;
  std::string org_id;
  OrgKind org_kind;
  Role role;

  bool Has(Role r) const { return role >= r; }
  bool IsOperator() const { return org_kind == OrgKind::kOperator; }
  // permission_denied unless the caller's organisation is of `kind` and the
  // caller at least a member: "only enterprise organisations <what>".
  Status RequireMemberOf(OrgKind kind, std::string_view what) const;
  // permission_denied unless the caller is at least a member of its organisation.
  Status RequireMember() const;
};

// Cursor pagination: items after `cursor` (an id; empty for the first page), at
// most `limit` of them.
struct PageRequest {
  std::string cursor;
  int limit = 50;
  static constexpr int kMaxLimit = 500;
};

// Which organisations a listing returns; every set field must hold.
struct OrgFilter {
  std::optional<OrgKind> kind;
  std::string name_contains;     // case-insensitive for ASCII; at most kMaxNameContains bytes
  std::vector<std::string> ids;  // these organisations only; at most kMaxIds
  static constexpr size_t kMaxNameContains = 100;
  static constexpr size_t kMaxIds = 100;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;       // empty on the last page
  std::optional<int64_t> total;  // items on all pages, where the list counts them
};

}  // namespace qt::accounts

#endif  // QIANTANG_ACCOUNTS_MODEL_H_
