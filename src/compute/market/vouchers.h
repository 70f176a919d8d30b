// Compute vouchers (算力券): an authority runs programmes (a budget, a
// subsidy ratio, a cap per enterprise per year, a validity period);
// enterprises registered in Hangzhou apply; the authority approves (issuing a
// voucher of an amount within budget and cap) or rejects with a reason; at
// settlement a bill is reduced by the enterprise's vouchers up to the ratio
// and their remaining amount. Vouchers never pay for a provider the
// authority recorded as the enterprise's related party; expired or exhausted
// vouchers do nothing.
//
// Redemption runs inside the bill's write transaction, and writers are
// serialised by the store, so the same voucher money can never be spent
// twice, even by concurrent settlements. Every change is journaled.
//
// Thread-safety: safe for concurrent use (no state outside the store).
//
// Errors: permission_denied for a caller of the wrong kind or role or another
// authority's application; not_found naming the programme, application,
// enterprise or provider that does not exist; invalid_argument naming a field
// out of range; failed_precondition for an application already decided, a
// programme not open now or an enterprise outside Hangzhou; conflict for a second application to a
// programme in a year, or a related party recorded twice.
#ifndef QIANTANG_COMPUTE_MARKET_VOUCHERS_H_
#define QIANTANG_COMPUTE_MARKET_VOUCHERS_H_

#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "compute/market/model.h"
#include "core/clock.h"
#include "core/ids.h"
#include "ledger/journal.h"
#include "store/store.h"

namespace qt::compute::market {

struct Programme {
  std::string id;  // "vpg_..."
  std::string authority_id;
  std::string name;
  int64_t budget_fen = 0;
  int64_t ratio_bp = 0;  // subsidy ratio in basis points: 3000 = 30 %
  int64_t cap_fen_per_enterprise_year = 0;
  int64_t valid_from = 0;
  int64_t valid_to = 0;
  int64_t issued_fen = 0;    // derived: vouchers issued
  int64_t redeemed_fen = 0;  // derived: spent on bills
  int64_t created_at = 0;
};

struct NewProgramme {
  std::string name;
  int64_t budget_fen = 0;
  int64_t ratio_bp = 0;
  int64_t cap_fen_per_enterprise_year = 0;
  int64_t valid_from = 0;
  int64_t valid_to = 0;
};

struct Application {
  std::string id;  // "vap_..."
  std::string programme_id;
  std::string enterprise_id;
  int64_t amount_fen = 0;  // requested
  std::string state;       // submitted, approved, rejected
  std::string reason;
  std::string voucher_id;  // when approved
  int64_t created_at = 0;
  int64_t decided_at = 0;
};

struct Voucher {
  std::string id;  // "vch_..."
  std::string programme_id;
  std::string enterprise_id;
  int64_t amount_fen = 0;
  int64_t redeemed_fen = 0;  // derived
  int64_t issued_at = 0;
  int64_t expires_at = 0;
};

struct ProgrammeReport {
  Programme programme;
  struct Row {
    std::string key;
    int64_t issued_fen = 0;
    int64_t redeemed_fen = 0;
  };
  std::vector<Row> by_enterprise;  // issued and redeemed
  std::vector<Row> by_provider;    // redeemed on its bills
};

// Every programme's vouchers together, for the city dashboard.
struct VoucherTotals {
  int64_t programmes = 0;
  int64_t vouchers = 0;  // granted
  int64_t granted_fen = 0;
  int64_t redeemed_fen = 0;
  int64_t enterprises = 0;  // holding at least one
};

class Vouchers {
 public:
  Vouchers(store::Store& store, const Clock& clock, Random& random, ledger::Journal& journal);
  static std::vector<store::Migration> Migrations();

  // Authorities (member or above).
  Result<Programme> CreateProgramme(const accounts::Principal& caller, const NewProgramme& p);
  Status AddRelatedParty(const accounts::Principal& caller, const std::string& enterprise_id,
                         const std::string& provider_id);
  Result<Application> Decide(const accounts::Principal& caller, const std::string& application_id,
                             bool approve, int64_t amount_fen, const std::string& reason);
  Result<ProgrammeReport> Report(const accounts::Principal& caller,
                                 const std::string& programme_id);

  Result<std::vector<Programme>> ListProgrammes();
  Result<VoucherTotals> Totals();
  // Enterprises (member or above) registered in Hangzhou (credit code 3301...).
  Result<Application> Apply(const accounts::Principal& caller, const std::string& programme_id,
                            int64_t amount_fen);
  // An enterprise sees its own; an authority those of its programmes; oldest
  // first, with their total.
  Result<accounts::Page<Application>> ListApplications(const accounts::Principal& caller,
                                                       const accounts::PageRequest& page);
  Result<std::vector<Voucher>> ListVouchers(const accounts::Principal& caller);

  // For the market's settlement: spends the enterprise's vouchers on bill `b`
  // (gross_fen, enterprise_id, provider_id, id set) inside `tx`; returns the
  // deduction lines (negative amounts).
  Result<std::vector<BillLine>> Redeem(store::Tx& tx, const Bill& b);

 private:
  store::Store& store_;
  const Clock& clock_;
  ledger::Journal& journal_;
  IdGenerator ids_;
};

}  // namespace qt::compute::market

#endif  // QIANTANG_COMPUTE_MARKET_VOUCHERS_H_
