// The data exchange (数据交易所): data property registration with public
// notice and numbered, signed certificates; changes as new certificate
// versions; pledges of registered rights to banks; listings and trades.
//
// Registration: a holder (data_holder or enterprise) applies for one or more
// of the three rights over a product of the data space, whose output hash is
// the registered snapshot. Reviewers (authority organisations) move the
// application through formal and substantive review to public notice
// (`notice_days` on the injected clock); during notice anyone signed in may
// object; objections must be resolved before issue. The certificate number is
// drawn from the registry's sequence inside the issuing transaction (writers
// are serialised, also across processes): first 00001, never reused, no gaps.
//
// A listing needs the product operation right on a valid certificate that is
// not pledged, and a data space offer on the registered product; an order
// creates a data space contract negotiated up to verified (both parties sign)
// and a trade awaiting payment; the trade settles, and the contract is
// finalized, when the seller confirms the payment. An order buys at most the
// listing's max_quantity. The privacy budget of what is bought belongs to the
// product and the buyer, not to the order (dataspace/channel.md).
//
// Every change is journaled; certificates, their history, pledge status, the
// notice board and statistics are public.
//
// Errors. Every method may return internal (a damaged stored row, named in
// the log: store/decode.h) and the store's own errors; invalid_argument names
// the field; not_found is also what a caller gets for what it may not see
// (another's application before notice, a pledge or trade it is no party to).
// Other cases are listed per method.
//
// Thread-safety: safe for concurrent use; all state is in the store, and each
// change is one transaction (certificate numbers are drawn inside it).
#ifndef QIANTANG_EXCHANGE_EXCHANGE_H_
#define QIANTANG_EXCHANGE_EXCHANGE_H_

#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "core/clock.h"
#include "core/random.h"
#include "dataspace/dataspace.h"
#include "exchange/model.h"
#include "ledger/journal.h"
#include "store/store.h"

namespace qt::exchange {

struct ExchangeOptions {
  const Clock* clock = nullptr;               // required
  Random* random = nullptr;                   // required (ids)
  ledger::Journal* journal = nullptr;         // required
  accounts::Accounts* accounts = nullptr;     // required: signs certificates
  dataspace::DataSpace* dataspace = nullptr;  // required: snapshots, offers, contracts
  std::string number_format = "HZ-DR-{year}-{seq:05}";
  int64_t notice_days = 10;
  int64_t validity_days = 3 * 365;
  // Where certificates are verified: the QR code and documents point to
  // <public_url>/verify.html#<number>.
  std::string public_url = "http://127.0.0.1:8080";
};

struct CertificateView {
  Certificate current;
  std::vector<Certificate> history;  // oldest first, `current` last
  std::vector<Pledge> pledges;       // newest first
};

class Exchange {
 public:
  static constexpr size_t kMaxEvidenceFiles = 10;
  static constexpr size_t kMaxEvidenceBytes = 2 << 20;

  // REQUIRES: the options marked required are set.
  Exchange(store::Store& store, ExchangeOptions options);
  // The schema (migrations.cc).
  static std::vector<store::Migration> Migrations();

  // Registration.
  // Members of data holders and enterprises (permission_denied otherwise).
  // not_found for a product_id not of the caller's organisation; conflict if
  // the snapshot is in an application not rejected, of the caller's or of
  // another holder's (which also records a dispute with the registry).
  Result<Application> Apply(const accounts::Principal& caller, const NewApplication& app);
  // The applicant's, any for authorities, and those in public notice for all
  // (not_found otherwise).
  Result<Application> GetApplication(const accounts::Principal& caller, const std::string& id);
  // The caller's own applications, or (for authorities) all, optionally in one
  // state, or "open": any state before issued or rejected.
  Result<accounts::Page<Application>> ListApplications(const accounts::Principal& caller,
                                                       const std::string& state,
                                                       const accounts::PageRequest& page);
  // action: accept, formal_pass, substantive_pass, reject (with grounds), issue.
  // permission_denied unless the caller is one of the registry's reviewers
  // and, once review has started, the one that started it; not_found;
  // failed_precondition for an action the application's state does not
  // allow, an issue before the notice ends or with objections open.
  Result<Application> Review(const accounts::Principal& caller, const std::string& id,
                             const std::string& action, const std::string& grounds);
  // Applications in public notice (public).
  Result<std::vector<Application>> NoticeBoard();
  // Any signed-in member. not_found; failed_precondition unless the
  // application is in public notice and the notice has not ended.
  Result<Objection> Object(const accounts::Principal& caller, const std::string& application_id,
                           const std::string& reason);
  Result<std::vector<Objection>> Objections(const std::string& application_id);
  // decision: upheld (the application is rejected with the objection as grounds) or dismissed.
  // By the application's reviewer (permission_denied otherwise); not_found;
  // failed_precondition if already resolved.
  Result<Objection> ResolveObjection(const accounts::Principal& caller, const std::string& id,
                                     const std::string& decision, const std::string& resolution);

  // The registry's reviewers (appointed and removed by the operator's admins;
  // public list). Removing one leaves its open reviews with it until the
  // operator appoints it again. permission_denied for others than the
  // operator's admins; AppointReviewer: invalid_argument for an organisation
  // that is not an authority, conflict if already appointed; RemoveReviewer:
  // not_found if not appointed.
  Result<Reviewer> AppointReviewer(const accounts::Principal& caller, const std::string& org_id);
  Status RemoveReviewer(const accounts::Principal& caller, const std::string& org_id);
  Result<std::vector<Reviewer>> Reviewers();

  // Certificates (public reads). not_found for no such number.
  Result<CertificateView> GetCertificate(const std::string& number);
  // The latest version of each certificate, by number, of one holder if
  // `holder_id` is set, and if `text` is set those whose number is `text` or
  // whose holder's or data's name contains it; the page counts them all.
  Result<accounts::Page<Certificate>> ListCertificates(const std::string& holder_id,
                                                       const std::string& text,
                                                       const accounts::PageRequest& page);
  // Holder's changes, each a new signed version: transfer (to_org), change
  // (details: description, scale, update_cycle), renew, cancel.
  // permission_denied unless the caller's organisation holds it; not_found;
  // failed_precondition for a cancelled certificate, an expired one (except
  // to renew it), and a pledged one (to transfer or cancel it).
  Result<Certificate> Transfer(const accounts::Principal& caller, const std::string& number,
                               const std::string& to_org);
  Result<Certificate> ChangeDetails(const accounts::Principal& caller, const std::string& number,
                                    const std::string& description, const std::string& scale,
                                    const std::string& update_cycle);
  Result<Certificate> Renew(const accounts::Principal& caller, const std::string& number);
  Result<Certificate> Cancel(const accounts::Principal& caller, const std::string& number,
                             const std::string& reason);

  // Pledges (质押).
  // By the holder (permission_denied otherwise) to a financial institution
  // (invalid_argument otherwise). not_found; failed_precondition unless the
  // certificate is valid and not pledged already.
  Result<Pledge> RequestPledge(const accounts::Principal& caller, const std::string& number,
                               const std::string& institution_id, int64_t amount_fen,
                               int64_t term_days);
  // action: confirm, decline, release (by the institution); withdraw (by the holder, before
  // confirmation). not_found for a pledge the caller is no party to;
  // permission_denied for the other party's action; failed_precondition for
  // an action the pledge's state does not allow.
  Result<Pledge> ActOnPledge(const accounts::Principal& caller, const std::string& id,
                             const std::string& action);
  // Pledges the caller's organisation holds or was asked to accept, oldest
  // first, with their total.
  Result<accounts::Page<Pledge>> ListPledges(const accounts::Principal& caller,
                                             const accounts::PageRequest& page);

  // The market.
  // By the holder of a certificate granting the product operation right
  // (permission_denied otherwise). not_found for an offer not of the
  // caller's; failed_precondition for a withdrawn offer, a certificate not
  // valid or pledged, or an offer whose product is not the registered data.
  Result<Listing> List(const accounts::Principal& caller, const NewListing& listing);
  Result<accounts::Page<Listing>> Listings(const accounts::PageRequest& page);
  // not_found for no active listing of the caller's.
  Status Delist(const accounts::Principal& caller, const std::string& listing_id);
  // quantity: queries (per_query) or months (subscription), at most the
  // listing's max_quantity (invalid_argument naming it); 1 for one_off. The
  // trade awaits payment: its contract is verified, not finalized, until the
  // seller confirms payment (ActOnTrade). A party that holds its own key
  // (accounts::KeyCustody::kSelf) signs the contract itself: it stays
  // accepted until such a seller agrees, agreed until such a buyer verifies,
  // and payment is confirmed only once it is verified. not_found for no such
  // listing; failed_precondition for a withdrawn listing or a certificate no
  // longer valid; invalid_argument for the seller's own listing; the data
  // space's errors for the contract (which is then terminated).
  Result<Trade> Order(const accounts::Principal& caller, const std::string& listing_id,
                      int64_t quantity);
  // Trades the caller's organisation bought or sold, oldest first, with their total.
  Result<accounts::Page<Trade>> Trades(const accounts::Principal& caller,
                                       const accounts::PageRequest& page);
  // action: confirm_payment (the seller: the trade settles and its contract is
  // finalized) or cancel (either party, before payment: the contract is
  // terminated). not_found for a trade the caller is no party to;
  // failed_precondition unless the trade awaits payment.
  Result<Trade> ActOnTrade(const accounts::Principal& caller, const std::string& trade_id,
                           const std::string& action);

  Result<Statistics> Stats();
  Result<ExchangeDaily> Daily(UnixMillis since);

  // A certificate's verification URL and its QR code as SVG.
  std::string VerifyUrl(const std::string& number) const;

 private:
  Result<Certificate> NewVersion(const accounts::Principal& caller, const std::string& number,
                                 CertificateChange change,
                                 const std::function<Status(nlohmann::json&)>& edit);

  store::Store& store_;
  ExchangeOptions options_;
};

}  // namespace qt::exchange

#endif  // QIANTANG_EXCHANGE_EXCHANGE_H_
