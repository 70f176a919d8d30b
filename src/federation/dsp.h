// The Dataspace Protocol 2025-1 (eclipse-dataspace-protocol-base/
// DataspaceProtocol) messages a node's catalog speaks, as JSON-LD with the
// 2025-1 context, and their reading on the consumer side.
//
//   /.well-known/dspace-version   VersionJson(): version 2025-1 at path /dsp
//                                 (common.protocol.md, "Exposure of Versions")
//   POST /dsp/catalog/request     a CatalogRequestMessage; answered with a
//                                 Catalog (catalog.protocol.md) of this node's
//                                 published offers: one Dataset per product,
//                                 its offers as ODRL Offers in hasPolicy, a
//                                 Distribution naming the node's DataService.
//                                 Paged by a Link header rel="next"
//                                 (catalog.binding.https.md, "Pagination").
//   errors                        a CatalogError with code and reason.
// Each Dataset also carries, outside the DSP vocabulary, the terms a person
// reads (dct:title, dct:description, dcat:keyword) and the provider's name
// (dct:publisher).
//
// Thread-safety: pure functions.
#ifndef QIANTANG_FEDERATION_DSP_H_
#define QIANTANG_FEDERATION_DSP_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "dataspace/dataspace.h"

namespace qt::federation {

inline constexpr std::string_view kDspContext = "https://w3id.org/dspace/2025/1/context.jsonld";
inline constexpr std::string_view kDspPath = "/dsp";

nlohmann::json VersionJson();

// A policy as the DSP schemas take ODRL (contract-schema.json): a numeric
// rightOperand becomes a JSON-LD typed literal, {"@value": "10", "@type":
// "xsd:integer"} or "xsd:decimal" (the schema admits strings, objects and
// arrays only), and an empty list of rules is left out (it must have one).
nlohmann::json DspPolicy(const dataspace::Policy& policy);

// A local offer as an ODRL Offer: its policy, its id as @id, its title.
nlohmann::json OfferJson(const dataspace::Offer& offer);

// What a provider's node offers and agrees in a contract negotiation
// (dsp_negotiation.h): the contract's policy as an ODRL Offer (its offer as
// @id, its product as target), and as an ODRL Agreement of node `node`
// (assigner the provider, assignee `assignee`, timestamp when agreed).
nlohmann::json ContractOfferJson(const dataspace::Contract& c);
nlohmann::json ContractAgreementJson(const dataspace::Contract& c, std::string_view node,
                                     std::string_view assignee);

// Incremental crawls, through the CatalogRequestMessage's filter (whose
// content DSP leaves to implementations). A Qiantang node's Catalog carries
// "qiantang:catalogVersion", a text that changes whenever its published
// offers may have (dataspace::DataSpace::CatalogVersion). A crawler that read
// version V asks with the filter
//   [{"@type": "qiantang:UnchangedSince", "qiantang:catalogVersion": V}]
// and, while the version is still V, gets an empty Catalog marked
// "qiantang:unchanged": true instead of every page. It sends the filter only
// to a peer whose last Catalog carried a version (one that supports it).
inline constexpr std::string_view kCatalogVersion = "qiantang:catalogVersion";
inline constexpr std::string_view kCatalogUnchanged = "qiantang:unchanged";

// The Catalog of `offers` published by the node `participant` at `node_url`,
// at catalog version `version` ("" for none).
nlohmann::json CatalogJson(std::string_view participant, std::string_view node_url,
                           const std::vector<dataspace::PublishedOffer>& offers,
                           std::string_view version = "");
// The answer to a crawler that holds the catalog at `version` already.
nlohmann::json UnchangedCatalogJson(std::string_view participant, std::string_view version);
nlohmann::json CatalogErrorJson(std::string_view code, std::string_view reason);

// A CatalogRequestMessage; with the UnchangedSince filter if `known_version`
// is not empty.
nlohmann::json CatalogRequestJson(std::string_view known_version);
// The catalog version a CatalogRequestMessage says its sender holds ("" for
// none). kInvalidArgument unless `message` is a CatalogRequestMessage; a
// filter other than one UnchangedSince is refused too (the binding's 400:
// filters are not supported).
Result<std::string> CheckCatalogRequest(const nlohmann::json& message);

// One offer of a peer's catalog, as read.
struct RemoteOffer {
  std::string offer_id{};    // the Offer's @id
  std::string dataset_id{};  // its Dataset's @id
  std::string title{}, description{}, publisher{};
  std::vector<std::string> keywords{};
  nlohmann::json policy{};  // the ODRL Offer as received
};

// What a node accepts of a peer's catalog: JSON nested at most kMaxDepth
// deep (checked on the text, before parsing: copying or printing a deeper
// value recurses past the stack), each Offer at most kMaxPolicyBytes as JSON,
// text fields cut at a character boundary (title 500 bytes, description
// 4,000, publisher 200, 20 keywords of 100).
inline constexpr int kMaxDepth = 32;
inline constexpr size_t kMaxPolicyBytes = 16 * 1024;
// kInvalidArgument if `text` nests arrays and objects deeper than `max_depth`.
Status CheckJsonDepth(std::string_view text, int max_depth = kMaxDepth);

// The offers of a Catalog answer; kInvalidArgument (naming what) for anything
// that is not a Catalog of Datasets with Offers. At most `max_offers`.
Result<std::vector<RemoteOffer>> ReadCatalog(const nlohmann::json& catalog, size_t max_offers);

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_DSP_H_
