// Exchange: construction and row mappings. The schema is in migrations.cc,
// registration in registration.cc, certificates and their changes in
// certificates.cc, pledges in pledges.cc, listings and trades in listings.cc,
// statistics in statistics.cc.
#include "exchange/exchange.h"

#include <nlohmann/json.hpp>

#include "exchange/internal.h"
#include "store/decode.h"

namespace qt::exchange {

using nlohmann::json;

Exchange::Exchange(store::Store& store, ExchangeOptions options)
    : store_(store), options_(std::move(options)) {}

std::string Exchange::VerifyUrl(const std::string& number) const {
  return options_.public_url + "/verify.html#" + number;
}

namespace internal {
namespace {

// The value of a stored name, or internal naming the column and the name.
template <typename E>
Result<E> Known(std::optional<E> parsed, std::string_view column, const store::Row& r) {
  if (!parsed) {
    return Internal(std::string(column) + ": unknown value '" + r.Text(column) + "'");
  }
  return *parsed;
}

}  // namespace

Result<Application> ApplicationFromRow(const store::Row& r) {
  return store::Decode<Application>("ex_applications", r, [&]() -> Result<Application> {
    Application a;
    a.id = r.Text("id");
    a.applicant_id = r.Text("applicant_id");
    a.holder_name = r.Text("holder_name");
    a.credit_code = r.Text("credit_code");
    a.data.rights = json::parse(r.Text("rights")).get<std::vector<std::string>>();
    a.data.data_name = r.Text("data_name");
    a.data.description = r.Text("description");
    a.data.data_type = r.Text("data_type");
    a.data.source_kind = r.Text("source_kind");
    a.data.source_ref = r.Text("source_ref");
    a.data.format = r.Text("format");
    a.data.scale = r.Text("scale");
    a.data.update_cycle = r.Text("update_cycle");
    a.data.product_id = r.Text("product_id");
    a.snapshot_sha256 = r.Text("snapshot_sha256");
    QT_ASSIGN_OR_RETURN(a.state, Known(ParseApplicationState(r.Text("state")), "state", r));
    a.grounds = r.Text("grounds");
    a.notice_until = r.Int("notice_until");
    a.reviewer_id = r.Text("reviewer_id");
    a.certificate_number = r.Text("certificate_number");
    a.created_at = r.Int("created_at");
    a.updated_at = r.Int("updated_at");
    a.open_objections = r.Int("open_objections");
    return a;
  });
}

Result<Certificate> CertificateFromRow(const store::Row& r, UnixMillis now, bool latest) {
  return store::Decode<Certificate>("ex_certificates", r, [&]() -> Result<Certificate> {
    // Readers parse the document again (rights, holder, data, valid_until):
    // its shape is checked here, once, so that they can.
    const json doc = json::parse(r.Text("document"));
    if (!doc.is_object() || !doc.value("rights", json()).is_array() ||
        !doc.value("holder", json()).is_object() || !doc.value("data", json()).is_object() ||
        !ParseRfc3339(doc.value("valid_until", std::string()))) {
      return Internal("document: not a certificate document");
    }
    QT_ASSIGN_OR_RETURN(CertificateChange change,
                        Known(ParseCertificateChange(r.Text("change")), "change", r));
    QT_ASSIGN_OR_RETURN(CertificateStatus status,
                        Known(ParseCertificateStatus(r.Text("status")), "status", r));
    Certificate c{.number = r.Text("number"),
                  .version = r.Int("version"),
                  .change = change,
                  .status = status,
                  .holder_id = r.Text("holder_id"),
                  .issuer_id = r.Text("issuer_id"),
                  .document = r.Text("document"),
                  .sha256 = r.Text("sha256"),
                  .signature = r.Text("signature"),
                  .valid_until = r.Int("valid_until"),
                  .created_at = r.Int("created_at")};
    if (!latest) {
      c.status = CertificateStatus::kSuperseded;
    } else if (c.status == CertificateStatus::kValid && c.valid_until <= now) {
      c.status = CertificateStatus::kExpired;
    }
    return c;
  });
}

Result<Pledge> PledgeFromRow(const store::Row& r) {
  return store::Decode<Pledge>("ex_pledges", r, [&]() -> Result<Pledge> {
    QT_ASSIGN_OR_RETURN(PledgeState state, Known(ParsePledgeState(r.Text("state")), "state", r));
    return Pledge{.id = r.Text("id"),
                  .number = r.Text("number"),
                  .holder_id = r.Text("holder_id"),
                  .institution_id = r.Text("institution_id"),
                  .amount_fen = r.Int("amount_fen"),
                  .term_days = r.Int("term_days"),
                  .state = state,
                  .created_at = r.Int("created_at"),
                  .confirmed_at = r.Int("confirmed_at"),
                  .released_at = r.Int("released_at")};
  });
}

Result<Listing> ListingFromRow(const store::Row& r) {
  return store::Decode<Listing>("ex_listings", r, [&]() -> Listing {
    return Listing{.id = r.Text("id"),
                   .number = r.Text("number"),
                   .seller_id = r.Text("seller_id"),
                   .offer_id = r.Text("offer_id"),
                   .product_id = r.Text("product_id"),
                   .title = r.Text("title"),
                   .price_fen = r.Int("price_fen"),
                   .terms = r.Text("terms"),
                   .max_quantity = r.Int("max_quantity"),
                   .active = r.Int("active") != 0,
                   .created_at = r.Int("created_at")};
  });
}

Result<Objection> ObjectionFromRow(const store::Row& r) {
  return store::Decode<Objection>("ex_objections", r, [&]() -> Result<Objection> {
    QT_ASSIGN_OR_RETURN(ObjectionState state,
                        Known(ParseObjectionState(r.Text("state")), "state", r));
    return Objection{.id = r.Text("id"),
                     .application_id = r.Text("application_id"),
                     .objector_id = r.Text("objector_id"),
                     .reason = r.Text("reason"),
                     .state = state,
                     .resolution = r.Text("resolution"),
                     .created_at = r.Int("created_at"),
                     .resolved_at = r.Int("resolved_at")};
  });
}

Result<Trade> TradeFromRow(const store::Row& r) {
  return store::Decode<Trade>("ex_trades", r, [&]() -> Result<Trade> {
    QT_ASSIGN_OR_RETURN(TradeState state, Known(ParseTradeState(r.Text("state")), "state", r));
    return Trade{.id = r.Text("id"),
                 .listing_id = r.Text("listing_id"),
                 .buyer_id = r.Text("buyer_id"),
                 .seller_id = r.Text("seller_id"),
                 .contract_id = r.Text("contract_id"),
                 .quantity = r.Int("quantity"),
                 .amount_fen = r.Int("amount_fen"),
                 .state = state,
                 .created_at = r.Int("created_at")};
  });
}

Result<Certificate> LatestCertificate(store::Tx& tx, const std::string& number, UnixMillis now) {
  QT_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string(kCertificateColumns) +
                                              " WHERE number = ? ORDER BY version DESC LIMIT 1",
                                          {number}));
  if (rows.empty()) return NotFound("no certificate " + number);
  return CertificateFromRow(rows[0], now, true);
}

Status CheckNotPledged(store::Tx& tx, const std::string& number, const std::string& what) {
  QT_ASSIGN_OR_RETURN(auto rows,
                      tx.Query("SELECT id, state FROM ex_pledges WHERE number = ? AND state IN"
                               " ('requested', 'active')",
                               {number}));
  if (!rows.empty()) {
    return FailedPrecondition("certificate " + number + " is pledged (" + rows[0].Text("state") +
                              " " + rows[0].Text("id") + "): it cannot be " + what +
                              " until released");
  }
  return OkStatus();
}

accounts::Principal ActFor(const accounts::Org& org) {
  return {"", "", org.id, org.kind, accounts::Role::kAdmin};
}

}  // namespace internal
}  // namespace qt::exchange
