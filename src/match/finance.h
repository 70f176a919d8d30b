// The tech-enterprise finance station (杭创E站): enterprise profiles, the
// products of financial institutions — investment (投), loans (贷), subsidies
// (补), guarantees (担) and insurance (保) — each with an eligibility rule,
// matching with explanations, near misses and bundles, and applications that
// institutions accept or decline.
//
// Enterprises: a platform enterprise organisation keeps its own profile; an
// authority (the station's operator) imports screened profiles in bulk.
// Products: institutions publish and withdraw them; a product may require
// another kind alongside (a loan that needs a cost-overrun insurance policy or
// a guarantee) and is then offered as a bundle with the best eligible product
// of that kind.
//
// Matching runs in memory on the engine (index.h), loaded from the store on
// first use and kept current by this process's writes; a write by another
// process is seen on the next call (the store's version counter is checked).
//
// Every change is journaled (ids and kinds only; profiles are not).
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_MATCH_FINANCE_H_
#define QIANTANG_MATCH_FINANCE_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "core/clock.h"
#include "core/random.h"
#include "ledger/journal.h"
#include "match/index.h"
#include "match/rule.h"
#include "match/states.h"
#include "store/store.h"

namespace qt::match {

struct FinanceOptions {
  const Clock* clock = nullptr;        // required
  Random* random = nullptr;            // required
  ledger::Journal* journal = nullptr;  // required
};

struct Enterprise {
  std::string id;
  std::string name;
  std::string credit_code;
  std::string org_id;  // the platform organisation that keeps it, or ""
  nlohmann::json profile;
  int64_t updated_at = 0;
};

struct NewProduct {
  ProductKind kind = ProductKind::kLoan;
  std::string name;
  std::string rule;
  int64_t max_amount_fen = 0;
  std::string terms;
  std::optional<ProductKind> requires_kind;  // another kind, offered alongside
};

struct Product {
  std::string id;
  std::string institution_id;
  ProductKind kind = ProductKind::kLoan;
  std::string name;
  std::string rule;
  int64_t max_amount_fen = 0;
  std::string terms;
  std::optional<ProductKind> requires_kind;
  ProductState state = ProductState::kActive;
  int64_t created_at = 0;
};

struct ProductMatch {
  Product product;
  double score = 0;
  Explanation explanation;
  std::vector<Product> bundle;  // the products that complete it (requires_kind), best first
};

// An enterprise one clause away from a product: the clause and its gap.
struct Prospect {
  std::string enterprise_id;
  std::string name;
  ClauseResult miss;
};

struct Prospects {
  int64_t count = 0;            // all enterprises one clause away
  std::vector<Prospect> items;  // the closest first: numeric gaps ascending, then the rest
};

struct MatchResult {
  std::vector<ProductMatch> eligible;     // ranked
  std::vector<ProductMatch> near_misses;  // products one clause away, with that clause and its gap
};

struct Application {
  std::string id;
  std::string enterprise_id;
  std::string product_id;
  std::string institution_id;
  std::vector<std::string> bundle_ids;
  int64_t amount_fen = 0;
  ApplicationState state = ApplicationState::kApplied;
  std::string reason;
  int64_t served_fen = 0;
  int64_t created_at = 0;
  int64_t decided_at = 0;
  std::string enterprise_name;  // read with the application, for display
  std::string product_name;
};

class Finance {
 public:
  static constexpr size_t kMaxImport = 200'000;

  Finance(store::Store& store, FinanceOptions options);
  ~Finance();
  // "match" v1; the module's migrations in order are match::Migrations().
  static store::Migration Migration();
  const Schema& schema() const { return schema_; }

  // Enterprises.
  // The caller enterprise organisation's own profile, created or replaced.
  // profile.credit_code must be the one the organisation is registered with
  // (permission_denied otherwise: no organisation keeps another's profile);
  // a screened profile under that code becomes the organisation's own.
  Result<Enterprise> SaveOwnProfile(const accounts::Principal& caller, const std::string& name,
                                    const nlohmann::json& profile);
  // Screened profiles (authority): all or none; by credit code, replacing.
  Result<size_t> ImportProfiles(
      const accounts::Principal& caller,
      const std::vector<std::pair<std::string, nlohmann::json>>& named_profiles);
  Result<Enterprise> GetEnterprise(const std::string& id);
  // The caller's own enterprise profile (not_found before SaveOwnProfile).
  Result<Enterprise> OwnEnterprise(const accounts::Principal& caller);
  // Screened enterprises by id, those whose name contains `name_contains`
  // if it is set (at most 200 bytes); the page counts them all.
  Result<accounts::Page<Enterprise>> ListEnterprises(const std::string& name_contains,
                                                     const accounts::PageRequest& page);

  // Products (institutions).
  Result<Product> Publish(const accounts::Principal& caller, const NewProduct& p);
  Result<Product> Withdraw(const accounts::Principal& caller, const std::string& id);
  // Active products, of `kind` if it is set.
  Result<accounts::Page<Product>> ListProducts(std::optional<ProductKind> kind,
                                               const accounts::PageRequest& page);
  // How many enterprises a published product's rule selects.
  Result<int64_t> Reach(const std::string& product_id);
  // The enterprises one clause away from the caller institution's product (a
  // scan: the index answers who passes, not who nearly does).
  Result<Prospects> NearlyEligible(const accounts::Principal& caller, const std::string& product_id,
                                   size_t limit);

  // Matching.
  Result<MatchResult> Match(const std::string& enterprise_id, size_t limit);

  // Applications.
  Result<Application> Apply(const accounts::Principal& caller, const std::string& enterprise_id,
                            const std::string& product_id, int64_t amount_fen);
  // Accept (with served_fen) or decline (with reason); by the product's institution.
  Result<Application> Decide(const accounts::Principal& caller, const std::string& id,
                             Decision decision, int64_t served_fen, const std::string& reason);
  // Applications the caller may read (its own as enterprise, to its products
  // as institution, every one for the operator and authorities), oldest
  // first, with their total.
  Result<accounts::Page<Application>> Applications(const accounts::Principal& caller,
                                                   const accounts::PageRequest& page);

  struct Stats {
    int64_t enterprises = 0, products = 0, institutions = 0, applications = 0, accepted = 0;
    int64_t served_fen = 0;
    std::map<std::string, int64_t> products_by_kind;  // by ProductKindName
  };
  Result<Stats> GetStats();

 private:
  struct Memory;
  Status Refresh();  // loads the in-memory engine from the store if it is not current
  // After this process's write made `version`: applies it to the engine if
  // the engine was at version - 1 (else drops it, to be reloaded).
  void Advance(int64_t version, const std::function<void(Memory&)>& apply);

  store::Store& store_;
  FinanceOptions options_;
  Schema schema_;
  std::mutex mu_;
  std::unique_ptr<Memory> memory_;
};

}  // namespace qt::match

#endif  // QIANTANG_MATCH_FINANCE_H_
