// Row mappings and checks shared by the Exchange's source files. Not part of
// the module's interface.
#ifndef QIANTANG_EXCHANGE_INTERNAL_H_
#define QIANTANG_EXCHANGE_INTERNAL_H_

#include <string>

#include "accounts/model.h"
#include "exchange/model.h"
#include "store/decode.h"
#include "store/store.h"

namespace qt::exchange::internal {

inline constexpr const char* kApplicationColumns =
    "SELECT * FROM (SELECT a.id AS id, a.applicant_id AS applicant_id, a.holder_name AS "
    "holder_name,"
    " a.credit_code AS credit_code, a.rights AS rights, a.data_name AS data_name,"
    " a.description AS description, a.data_type AS data_type, a.source_kind AS source_kind,"
    " a.source_ref AS source_ref, a.format AS format, a.scale AS scale,"
    " a.update_cycle AS update_cycle, a.product_id AS product_id,"
    " a.snapshot_sha256 AS snapshot_sha256, a.state AS state, a.grounds AS grounds,"
    " a.notice_until AS notice_until, a.reviewer_id AS reviewer_id,"
    " a.certificate_number AS certificate_number, a.created_at AS created_at,"
    " a.updated_at AS updated_at, (SELECT COUNT(*) FROM ex_objections o"
    "   WHERE o.application_id = a.id AND o.state = 'open') AS open_objections"
    " FROM ex_applications a) AS x";
Result<Application> ApplicationFromRow(const store::Row& r);

inline constexpr const char* kCertificateColumns =
    "SELECT number, version, change, status, holder_id, issuer_id, document, sha256, signature,"
    " valid_until, created_at FROM ex_certificates";
// Status "expired" when valid past `now`; "superseded" unless `latest`.
Result<Certificate> CertificateFromRow(const store::Row& r, UnixMillis now, bool latest);

inline constexpr const char* kObjectionColumns =
    "SELECT id, application_id, objector_id, reason, state, resolution, created_at, resolved_at"
    " FROM ex_objections";
Result<Objection> ObjectionFromRow(const store::Row& r);

inline constexpr const char* kPledgeColumns =
    "SELECT id, number, holder_id, institution_id, amount_fen, term_days, state, created_at,"
    " confirmed_at, released_at FROM ex_pledges";
Result<Pledge> PledgeFromRow(const store::Row& r);

inline constexpr const char* kListingColumns =
    "SELECT id, number, seller_id, offer_id, product_id, title, price_fen, terms, active,"
    " created_at, max_quantity FROM ex_listings";
Result<Listing> ListingFromRow(const store::Row& r);

inline constexpr const char* kTradeColumns =
    "SELECT id, listing_id, buyer_id, seller_id, contract_id, quantity, amount_fen, created_at,"
    " state FROM ex_trades";
Result<Trade> TradeFromRow(const store::Row& r);

// The latest version of a certificate, or not_found.
Result<Certificate> LatestCertificate(store::Tx& tx, const std::string& number, UnixMillis now);
// failed_precondition if the certificate has an active (or requested) pledge.
Status CheckNotPledged(store::Tx& tx, const std::string& number, const std::string& what);
// Acting for an organisation, as the exchange does on its members' instructions.
accounts::Principal ActFor(const accounts::Org& org);

}  // namespace qt::exchange::internal

#endif  // QIANTANG_EXCHANGE_INTERNAL_H_
