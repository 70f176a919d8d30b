// Accounts: organisations, their users and API tokens, and authentication.
//
// Every organisation has an Ed25519 key pair. By default the secret half is
// stored sealed under the server master key (crypto/sealed_box.h) and used
// only through SignAs; an organisation may instead hold its key itself
// (RegisterOwnKey), and then this node cannot sign in its name. Tokens are 32 random bytes,
// returned once and stored as SHA-256 digests; they expire and can be revoked.
//
// Every change (organisation created, user created, token issued or revoked)
// appends an event to the ledger in the same transaction. Ledger entries are
// readable by every signed-in organisation, so events carry only what the
// public directory shows and ids: never secrets, user names or token labels.
//
// Authorisation here is about objects: an organisation's users and tokens are
// private to it. Nobody else, the operator included, reads or changes them.
// Which kinds of organisation may call a route at all is declared by the route
// (api/), which calls these methods with the caller's Principal.
//
// Thread-safety: safe for concurrent use.
//
// Example:
//   Accounts accounts(store, {.clock = &clock, .random = &random, .master_key = &key});
//   auto created = accounts.CreateOrg(op, {.name = "杭州某科技有限公司",
//                                          .kind = OrgKind::kEnterprise,
//                                          .credit_code = "91330106MA2H00000B"});
//   // created->admin_token.secret goes to the new organisation's administrator.
#ifndef QIANTANG_ACCOUNTS_ACCOUNTS_H_
#define QIANTANG_ACCOUNTS_ACCOUNTS_H_

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "accounts/model.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/random.h"
#include "core/status.h"
#include "crypto/sealed_box.h"
#include "ledger/journal.h"
#include "store/store.h"

namespace qt::accounts {

struct AccountsOptions {
  const Clock* clock = nullptr;                           // required
  Random* random = nullptr;                               // required; a CSPRNG in production
  const crypto::MasterKey* master_key = nullptr;          // required
  ledger::Journal* journal = nullptr;                     // required: every change is journaled
  int64_t token_ttl_ms = int64_t{90} * 24 * 3600 * 1000;  // default lifetime of a token
};

struct NewOrg {
  std::string name;  // 1..200 bytes of UTF-8
  OrgKind kind;
  std::string credit_code;           // GB 32100-2015; unique
  std::string admin_name = "admin";  // the first user, an admin
};

// An organisation of a peer node, as that node describes it.
struct RemoteOrg {
  std::string id{};  // its id on its home node
  std::string name{};
  OrgKind kind = OrgKind::kEnterprise;  // any kind but kOperator and kAuthority
  std::string credit_code{};
  crypto::PublicKey public_key{};
};

// A key an organisation holds itself, to register in place of the key this
// node holds for it (Accounts::RegisterOwnKey).
struct OwnKey {
  crypto::PublicKey public_key{};
  // By public_key, over OwnKeyProofMessage(org id, Org::key_version + 1, public_key).
  crypto::Signature proof{};
  // By the organisation's current key over the same message; required when
  // that key is one the organisation already holds itself.
  std::optional<crypto::Signature> previous_key_proof{};
};

struct CreatedOrg {
  Org org;
  User admin;
  IssuedToken admin_token;
};

class Accounts {
 public:
  static constexpr size_t kMaxNameBytes = 200;

  Accounts(store::Store& store, AccountsOptions options);

  // The schema of this module, for store::Migrate.
  static std::vector<store::Migration> Migrations();

  // On an empty database: creates the operator organisation with an admin user
  // and returns that admin's token. On a database that has organisations:
  // returns std::nullopt and changes nothing.
  Result<std::optional<CreatedOrg>> Bootstrap(const NewOrg& operator_org);

  // Checks that the master key opens the operator's signing key (a wrong
  // master key file is caught at start-up, not at the first signature).
  Status CheckMasterKey();

  // The operator organisation. kNotFound before Bootstrap.
  Result<Org> Operator();

  // kUnauthenticated for an unknown, expired or revoked token, or one of a
  // deactivated user.
  Result<Principal> Authenticate(std::string_view token_secret);

  // Operator admins only.
  Result<CreatedOrg> CreateOrg(const Principal& caller, const NewOrg& org);
  // The directory of organisations is public to every signed-in caller.
  Result<Org> GetOrg(const std::string& id);
  Result<Page<Org>> ListOrgs(const PageRequest& page);
  // Those that match `filter`, a page at a time, and how many match in all.
  // kInvalidArgument for a filter beyond its limits.
  Result<Page<Org>> ListOrgs(const PageRequest& page, const OrgFilter& filter);
  Result<int64_t> CountOrgs(const OrgFilter& filter);
  // This node's own organisations (peers' are left out) counted by kind and
  // by the administrative division their credit code names (its characters
  // 3-8, e.g. "330106"), one entry per pair that has any.
  Result<std::vector<OrgTally>> TallyOrgs();

  // The local record of `org`, an organisation of the peer node `node`
  // (federation/ calls this for a peer's authenticated request): created on
  // first sight with a new id, credit code "<node>/<code>", and no users,
  // tokens or signing key; afterwards the same record (found by node and id). kInvalidArgument for
  // a bad name, credit code or kind (an operator is never admitted from elsewhere); kConflict if
  // the record exists with another key. Journaled ("org.registered_remote").
  Result<Org> RegisterRemoteOrg(const std::string& node, const RemoteOrg& org);

  // An organisation's own admins only.
  Result<User> CreateUser(const Principal& caller, const std::string& org_id,
                          const std::string& name, Role role);
  // An organisation's own members only.
  Result<Page<User>> ListUsers(const Principal& caller, const std::string& org_id,
                               const PageRequest& page);

  // An organisation's own admins, for another of its users: from now on every
  // token of that user is refused (kUnauthenticated) and none is issued for
  // it. Idempotent; journaled ("user.deactivated").
  Result<User> DeactivateUser(const Principal& caller, const std::string& org_id,
                              const std::string& user_id);

  // Issues a token for `user_id` (default: the caller) of the caller's
  // organisation; an admin may issue for any of its users, others only for
  // themselves. ttl_ms 0 means the default lifetime. A token never outlives
  // the caller's token: the default is cut to what the caller's has left, a
  // longer explicit ttl_ms is kInvalidArgument. kFailedPrecondition for a
  // deactivated user.
  Result<IssuedToken> IssueToken(const Principal& caller, const std::string& user_id,
                                 const std::string& label, int64_t ttl_ms);
  Result<Page<TokenInfo>> ListTokens(const Principal& caller, const PageRequest& page);
  // An admin may revoke any token of its organisation, others only their own.
  Status RevokeToken(const Principal& caller, const std::string& token_id);

  // An organisation's own admins: from now on the organisation holds its
  // signing key itself (KeyCustody::kSelf). The key this node held is erased,
  // so this node can no longer sign agreements or receipts in its name; every
  // signature it needs comes from the organisation (dataspace/ and
  // federation/ take them with the request). Errors: kPermissionDenied for
  // another organisation, a non-admin, or replacing a self-held key without
  // previous_key_proof; kFailedPrecondition for operators and authorities,
  // whose signatures the platform makes as it runs; kInvalidArgument for a
  // proof that does not verify. Journaled ("org.key_registered", with both
  // keys).
  Result<Org> RegisterOwnKey(const Principal& caller, const std::string& org_id, const OwnKey& key);

  // Who signs attestations made about `org_id`'s data as the platform runs
  // (channel receipts): the organisation itself while this node holds its
  // key, else the operator, which then attests in its own name.
  Result<Org> Attester(const std::string& org_id);

  // Signs `message` with the organisation's Ed25519 key; kFailedPrecondition
  // for an organisation whose key is held elsewhere (Org::home_node) or by
  // itself (KeyCustody::kSelf).
  Result<crypto::Signature> SignAs(const std::string& org_id, std::span<const uint8_t> message);
  // Opens a sealed box (crypto/recipient_box.h) addressed to the organisation.
  Result<std::vector<uint8_t>> OpenSealedFor(const std::string& org_id,
                                             std::span<const uint8_t> sealed);

 private:
  // The organisation's key pair, opened from its sealed seed.
  Result<crypto::SigningKey> OrgKey(const std::string& org_id);
  Result<CreatedOrg> InsertOrg(store::Tx& tx, const std::string& actor, const NewOrg& org);
  Result<IssuedToken> InsertToken(store::Tx& tx, const std::string& actor, const User& user,
                                  const std::string& label, int64_t ttl_ms);
  Status JournalUser(store::Tx& tx, const std::string& actor, const User& user);

  store::Store& store_;
  AccountsOptions options_;
  IdGenerator ids_;
};

}  // namespace qt::accounts

#endif  // QIANTANG_ACCOUNTS_ACCOUNTS_H_
