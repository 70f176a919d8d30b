// Row mappings and checks shared by the DataSpace's source files. Not part of
// the module's interface.
#ifndef QIANTANG_DATASPACE_INTERNAL_H_
#define QIANTANG_DATASPACE_INTERNAL_H_

#include <nlohmann/json.hpp>
#include <string>

#include "dataspace/model.h"
#include "store/store.h"

namespace qt::dataspace::internal {

// Each query is a derived table with an `id` column, so keyset paging
// (accounts/paging.h) can append "WHERE ... id > ?" and "ORDER BY id".
inline constexpr const char* kRunColumns =
    "SELECT id, pipeline_id, org_id, rows_in, rows_out, input_hash, output_hash, report, fields,"
    " started_at, finished_at, ledger_seq FROM ds_runs";
Result<Run> RunFromRow(const store::Row& r);

inline constexpr const char* kProductColumns =
    "SELECT * FROM (SELECT p.id AS id, p.org_id AS org_id, p.run_id AS run_id, p.title AS title,"
    " p.description AS description, p.tags AS tags, p.update_frequency AS update_frequency,"
    " p.licence AS licence, p.created_at AS created_at, r.fields AS fields,"
    " r.rows_out AS rows_out, r.output_hash AS output_hash, r.report AS report,"
    " p.search_text AS search_text, o.name AS provider_name FROM ds_products p"
    " JOIN ds_runs r ON r.id = p.run_id JOIN orgs o ON o.id = p.org_id) AS x";
Result<Product> ProductFromRow(const store::Row& r);

inline constexpr const char* kOfferColumns =
    "SELECT o.id, o.product_id, o.provider_id, o.title, o.policy, o.visible_to, o.negotiable_by,"
    " o.active, o.created_at, r.fields FROM ds_offers o JOIN ds_products p ON p.id = o.product_id"
    " JOIN ds_runs r ON r.id = p.run_id";
Result<Offer> OfferFromRow(const store::Row& r);

inline constexpr const char* kContractColumns =
    "SELECT * FROM (SELECT c.id AS id, c.offer_id AS offer_id, c.product_id AS product_id,"
    " c.provider_id AS provider_id, c.consumer_id AS consumer_id, c.state AS state,"
    " c.policy AS policy, c.agreement AS agreement, c.agreement_hash AS agreement_hash,"
    " c.provider_signature AS provider_signature, c.consumer_signature AS consumer_signature,"
    " c.reason AS reason, c.created_at AS created_at, c.updated_at AS updated_at,"
    " (SELECT COUNT(*) FROM ds_usage u WHERE u.contract_id = c.id) AS uses,"
    // The privacy budget belongs to the data: epsilon spent by the consumer
    // on the product, through any of its contracts (usage.cc).
    " (SELECT CAST(COALESCE(SUM(u.epsilon_milli), 0) AS BIGINT) FROM ds_usage u"
    "   JOIN ds_contracts d ON d.id = u.contract_id"
    "   WHERE d.product_id = c.product_id AND d.consumer_id = c.consumer_id) AS epsilon_spent,"
    " r.fields AS fields, p.title AS product_title"
    " FROM ds_contracts c JOIN ds_products p ON p.id = c.product_id"
    " JOIN ds_runs r ON r.id = p.run_id) AS x";
Result<Contract> ContractFromRow(const store::Row& r);

nlohmann::json AudienceJson(const Audience& a);
Audience AudienceFromJson(const nlohmann::json& j);

}  // namespace qt::dataspace::internal

#endif  // QIANTANG_DATASPACE_INTERNAL_H_
