// Policies that find people (春雨计划): authorities publish policies — a
// subsidy, an award, a housing benefit — with an eligibility rule over
// enterprise attributes (enterprise.h, the finance station's profiles) or
// person attributes (person.h, the identity service's citizens) and a period
// of validity. Instead of people looking for policies, every entity that is
// eligible gets a notice in its inbox, with the rule explained clause by
// clause:
//
// - when a policy (or a new version of it) comes into force, every eligible
//   entity is found (MatchIndex::EntitiesFor);
// - when a profile changes, the policies in force it now satisfies are found
//   (MatchIndex::RulesFor) — profile changes are followed by their change
//   numbers (fm_enterprises.change_seq, Identity::CitizensChangedSince), so a
//   change made by any process is seen, and the last number handled is kept
//   in the store, so none is missed across restarts.
//
// No entity is noticed twice for one version of a policy (a unique key); a
// revision is a new version and notices again. Sync() does this work; the
// server runs it every second, and tests call it.
//
// Enterprises read their notices as their platform organisation (a profile
// imported by the station's authority has no inbox until an organisation takes
// it over); citizens with their app token. An organisation may register a
// webhook: each new notice is POSTed to it, signed with HMAC-SHA256 under a
// secret shown once (docs/match/README.md), retried with backoff.
//
// Every change is journaled (policies, versions, webhooks, and per sync the
// number of notices per policy version; not who was noticed).
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_MATCH_PUBLIC_POLICIES_H_
#define QIANTANG_MATCH_PUBLIC_POLICIES_H_

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "accounts/accounts.h"
#include "core/clock.h"
#include "core/date.h"
#include "core/ids.h"
#include "core/outbound.h"
#include "core/random.h"
#include "crypto/sealed_box.h"
#include "identity/identity.h"
#include "ledger/journal.h"
#include "match/schema.h"
#include "match/states.h"
#include "store/store.h"

namespace qt::match {

struct PublicPoliciesOptions {
  const Clock* clock = nullptr;                   // required
  Random* random = nullptr;                       // required
  ledger::Journal* journal = nullptr;             // required
  identity::Identity* identity = nullptr;         // required: the people
  const crypto::MasterKey* master_key = nullptr;  // required: seals webhook secrets
  // Webhook URLs: https to public addresses only, but for the hosts allowed
  // here (core/outbound.h). Checked when set and again at every delivery.
  OutboundRules outbound{};
  Resolver resolve = SystemResolver();  // tests inject a fixed table
};

struct NewPublicPolicy {
  PolicyAudience audience = PolicyAudience::kEnterprise;
  std::string title{};
  std::string summary{};
  std::string benefit{};  // what it gives, e.g. "最高 50 万元"
  std::string rule{};     // over the audience's attributes
  Date valid_from{};
  Date valid_until{};  // inclusive
};

struct PublicPolicy {
  std::string id{};
  std::string issuer_id{};
  PolicyAudience audience = PolicyAudience::kEnterprise;
  std::string title{};
  std::string summary{};
  std::string benefit{};
  std::string rule{};
  Date valid_from{};
  Date valid_until{};
  int64_t version = 1;
  PublicPolicyState state = PublicPolicyState::kPublished;
  int64_t notified = 0;  // notices sent for this version
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct Notice {
  std::string id{};
  std::string policy_id{};
  int64_t version = 0;
  std::string title{};  // the policy's, at this version
  std::string benefit{};
  std::string entity_id{};       // enterprise or citizen id
  nlohmann::json explanation{};  // [{"clause", "passed", "actual", "gap"}]
  int64_t created_at = 0;
  int64_t read_at = 0;  // 0: unread
  Date valid_until{};   // the last day of the policy at this version
  bool closed = false;  // withdrawn, or its last day has passed
};

struct Webhook {
  std::string org_id{};
  std::string url{};
  std::string secret{};  // only when set ("whsec_..."); never stored in the clear
  int64_t created_at = 0;
  int64_t pending = 0, delivered = 0, failed = 0;
  std::string last_error{};
};

struct SyncReport {
  int64_t enterprises_changed = 0, persons_changed = 0, policies_screened = 0, notices = 0;
  // Stored profiles that could not be read (logged and passed over).
  int64_t damaged = 0;
};

class PublicPolicies {
 public:
  static constexpr size_t kMaxText = 4000;
  static constexpr int kMaxAttempts = 10;
  static constexpr size_t kMaxAnswerBytes = 4096;

  PublicPolicies(store::Store& store, PublicPoliciesOptions options);
  ~PublicPolicies();
  // "match" v3; the module's migrations in order are match::Migrations().
  static store::Migration Migration();
  const Schema& schema(PolicyAudience audience) const;

  // Authorities.
  Result<PublicPolicy> Publish(const accounts::Principal& caller, const NewPublicPolicy& p);
  // A new version (its issuer): everyone eligible under it is noticed again.
  Result<PublicPolicy> Revise(const accounts::Principal& caller, const std::string& id,
                              const NewPublicPolicy& p);
  Result<PublicPolicy> Withdraw(const accounts::Principal& caller, const std::string& id);

  // Public. List: of `audience` if it is set; in_force: only those valid today.
  Result<PublicPolicy> Get(const std::string& id);
  Result<accounts::Page<PublicPolicy>> List(std::optional<PolicyAudience> audience, bool in_force,
                                            const accounts::PageRequest& page);

  // Inboxes: the caller's enterprise's, a citizen's. Oldest first (pages by id).
  Result<accounts::Page<Notice>> EnterpriseInbox(const accounts::Principal& caller,
                                                 bool unread_only,
                                                 const accounts::PageRequest& page);
  Result<accounts::Page<Notice>> PersonInbox(const identity::Citizen& citizen, bool unread_only,
                                             const accounts::PageRequest& page);
  Result<Notice> MarkRead(const accounts::Principal& caller, const std::string& notice_id);
  Result<Notice> MarkRead(const identity::Citizen& citizen, const std::string& notice_id);

  // Webhooks (an organisation's admins): a URL that passes CheckOutboundUrl
  // (kInvalidArgument otherwise); a new secret each time. A delivery
  // connects to the address just checked, follows no redirect, reads at most
  // kMaxAnswerBytes of the answer and keeps only its status.
  Result<Webhook> SetWebhook(const accounts::Principal& caller, const std::string& url);
  Result<Webhook> GetWebhook(const accounts::Principal& caller);
  Status DeleteWebhook(const accounts::Principal& caller);

  // Notices for what changed since the last call (see above).
  Result<SyncReport> Sync();

  // For the city dashboard.
  struct Totals {
    int64_t published = 0;  // policies not withdrawn
    int64_t notices = 0;
    int64_t notices_read = 0;
  };
  Result<Totals> GetTotals();
  // POSTs up to `max` due webhook deliveries; returns how many succeeded.
  Result<int> Deliver(size_t max);

 private:
  struct Memory;
  struct Audience;
  struct Candidate;
  Status Load(Memory& m);
  Status FollowChanges(Memory& m, SyncReport& report, std::vector<Candidate>& out);
  // Sync's phases: the policy versions in force not screened yet (everyone
  // they find joins `candidates`), the notices for the candidates still
  // eligible today, and their writing with the follow cursors.
  using Screens = std::vector<std::pair<std::string, int64_t>>;
  struct NoticeRow;
  Screens ScreenNewVersions(Memory& m, double today, std::vector<Candidate>& candidates);
  std::vector<NoticeRow> ExplainNotices(Memory& m, const std::vector<Candidate>& candidates,
                                        double today, IdGenerator& ids);
  // Notices made per (policy id, version).
  using NoticeCounts = std::map<std::pair<std::string, int64_t>, int64_t>;
  Result<NoticeCounts> WriteNotices(store::Tx& tx, const Memory& m,
                                    const std::vector<NoticeRow>& rows, const Screens& screens,
                                    const std::string& batch, int64_t now);
  Result<PublicPolicy> Save(const accounts::Principal& caller, const std::string& id,
                            const NewPublicPolicy& p);

  store::Store& store_;
  PublicPoliciesOptions options_;
  std::mutex mu_;  // guards the schemas (interning) and the engine
  Schema enterprise_schema_, person_schema_;
  std::unique_ptr<Memory> memory_;
};

}  // namespace qt::match

#endif  // QIANTANG_MATCH_PUBLIC_POLICIES_H_
