#include "federation/dsp.h"

#include <map>

#include "dataspace/policy.h"

namespace qt::federation {
namespace {

using nlohmann::json;

// `s` cut to at most `max` bytes without splitting a UTF-8 character.
std::string Truncate(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  s.resize(end);
  return s;
}

// A string member of at most `max` bytes, or "" if absent.
Result<std::string> Text(const json& j, const char* key, size_t max) {
  if (!j.contains(key)) return std::string();
  const json& v = j[key];
  // dct:title may come as a language-tagged value {"@value": ..., "@language": ...}.
  const json& s = v.is_object() && v.contains("@value") ? v["@value"] : v;
  if (!s.is_string()) return InvalidArgument(std::string(key) + " is not a string");
  return Truncate(s.get<std::string>(), max);
}

}  // namespace

json VersionJson() {
  return {{"protocolVersions",
           json::array({{{"version", "2025-1"}, {"path", kDspPath}, {"binding", "HTTPS"}}})}};
}

namespace {

// Every numeric rightOperand under `j`, as a typed literal.
void TypeNumbers(json& j) {
  if (j.is_array()) {
    for (json& item : j) TypeNumbers(item);
    return;
  }
  if (!j.is_object()) return;
  for (auto& [key, value] : j.items()) {
    if (key == "rightOperand" && value.is_number()) {
      value = value.is_number_float() ? json{{"@value", value.dump()}, {"@type", "xsd:decimal"}}
                                      : json{{"@value", value.dump()}, {"@type", "xsd:integer"}};
    } else {
      TypeNumbers(value);
    }
  }
}

}  // namespace

json DspPolicy(const dataspace::Policy& policy) {
  json j = dataspace::PolicyJson(policy);
  TypeNumbers(j);
  // The schema wants each list of rules non-empty when present.
  for (const char* rules : {"permission", "prohibition", "obligation"}) {
    if (j.contains(rules) && j[rules].empty()) j.erase(rules);
  }
  return j;
}

json OfferJson(const dataspace::Offer& offer) {
  json policy = DspPolicy(offer.policy);
  policy["@id"] = offer.id;
  policy["@type"] = "Offer";
  if (!offer.title.empty()) policy["dct:title"] = offer.title;
  return policy;
}

json ContractOfferJson(const dataspace::Contract& c) {
  json offer = DspPolicy(c.policy);
  offer["@type"] = "Offer";
  offer["@id"] = c.offer_id;
  offer["target"] = c.product_id;
  return offer;
}

json ContractAgreementJson(const dataspace::Contract& c, std::string_view node,
                           std::string_view assignee) {
  json agreement = DspPolicy(c.policy);
  agreement["@type"] = "Agreement";
  agreement["@id"] = "urn:qiantang:" + std::string(node) + ":agreement:" + c.id;
  agreement["target"] = c.product_id;
  agreement["assigner"] = c.provider_id;
  agreement["assignee"] = assignee;
  // When it was agreed: the signed agreement says (dataspace/contracts.cc).
  json signed_text = json::parse(c.agreement, nullptr, /*allow_exceptions=*/false);
  if (signed_text.is_object() && signed_text.contains("agreed_at")) {
    agreement["timestamp"] = signed_text["agreed_at"];
  }
  return agreement;
}

json UnchangedCatalogJson(std::string_view participant, std::string_view version) {
  return {{"@context", json::array({kDspContext})},
          {"@id", "urn:qiantang:" + std::string(participant) + ":catalog"},
          {"@type", "Catalog"},
          {"participantId", participant},
          {kCatalogVersion, version},
          {kCatalogUnchanged, true}};
}

json CatalogRequestJson(std::string_view known_version) {
  json request = {{"@context", json::array({kDspContext})}, {"@type", "CatalogRequestMessage"}};
  if (!known_version.empty()) {
    request["filter"] =
        json::array({{{"@type", "qiantang:UnchangedSince"}, {kCatalogVersion, known_version}}});
  }
  return request;
}

json CatalogJson(std::string_view participant, std::string_view node_url,
                 const std::vector<dataspace::PublishedOffer>& offers, std::string_view version) {
  const std::string service_id = "urn:qiantang:" + std::string(participant) + ":dsp";
  json catalog = {
      {"@context", json::array({kDspContext})},
      {"@id", "urn:qiantang:" + std::string(participant) + ":catalog"},
      {"@type", "Catalog"},
      {"participantId", participant},
      {"service", json::array({{{"@id", service_id},
                                {"@type", "DataService"},
                                {"endpointURL", std::string(node_url) + std::string(kDspPath)}}})}};
  // One Dataset per product, in the order its first offer came.
  std::vector<std::string> order;
  std::map<std::string, json> datasets;
  for (const auto& [offer, product] : offers) {
    auto [it, fresh] = datasets.try_emplace(product.id);
    if (fresh) {
      order.push_back(product.id);
      it->second = {{"@id", product.id},
                    {"@type", "Dataset"},
                    {"dct:title", product.title},
                    {"dct:description", product.description},
                    {"dct:publisher", product.provider_name},
                    {"dcat:keyword", product.tags},
                    {"hasPolicy", json::array()},
                    {"distribution", json::array({{{"@type", "Distribution"},
                                                   {"format", "qiantang-channel"},
                                                   {"accessService", service_id}}})}};
    }
    it->second["hasPolicy"].push_back(OfferJson(offer));
  }
  if (!order.empty()) {
    json list = json::array();
    for (const std::string& id : order) list.push_back(std::move(datasets[id]));
    catalog["dataset"] = std::move(list);  // minItems 1: absent when empty
  }
  if (!version.empty()) catalog[kCatalogVersion] = version;
  return catalog;
}

json CatalogErrorJson(std::string_view code, std::string_view reason) {
  return {{"@context", json::array({kDspContext})},
          {"@type", "CatalogError"},
          {"code", code},
          {"reason", json::array({reason})}};
}

Result<std::string> CheckCatalogRequest(const json& message) {
  if (!message.is_object() || !message.contains("@type") ||
      message["@type"] != "CatalogRequestMessage") {
    return InvalidArgument("expected a CatalogRequestMessage");
  }
  if (!message.contains("filter")) return std::string();
  const json& filter = message["filter"];
  if (filter.is_array() && filter.empty()) return std::string();
  if (filter.is_array() && filter.size() == 1 && filter[0].is_object() &&
      filter[0].value("@type", json()) == "qiantang:UnchangedSince" &&
      filter[0].contains(kCatalogVersion) && filter[0][kCatalogVersion].is_string() &&
      filter[0][kCatalogVersion].get<std::string>().size() <= 200) {
    return filter[0][kCatalogVersion].get<std::string>();
  }
  return InvalidArgument("filters are not supported (but one qiantang:UnchangedSince)");
}

Status CheckJsonDepth(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return InvalidArgument("JSON nested more than " + std::to_string(max_depth) + " deep");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return OkStatus();
}

Result<std::vector<RemoteOffer>> ReadCatalog(const json& catalog, size_t max_offers) {
  if (!catalog.is_object() || catalog.value("@type", json()) != "Catalog") {
    return InvalidArgument("the answer is not a DSP Catalog");
  }
  std::vector<RemoteOffer> out;
  if (!catalog.contains("dataset")) return out;
  if (!catalog["dataset"].is_array()) return InvalidArgument("Catalog.dataset is not an array");
  for (const json& d : catalog["dataset"]) {
    if (!d.is_object() || !d.contains("@id") || !d["@id"].is_string()) {
      return InvalidArgument("a Dataset has no @id");
    }
    if (!d.contains("hasPolicy") || !d["hasPolicy"].is_array()) {
      return InvalidArgument("Dataset " + d["@id"].get<std::string>() + " has no hasPolicy");
    }
    RemoteOffer base;
    base.dataset_id = Truncate(d["@id"].get<std::string>(), 200);
    QT_ASSIGN_OR_RETURN(base.title, Text(d, "dct:title", 500));
    QT_ASSIGN_OR_RETURN(base.description, Text(d, "dct:description", 4000));
    QT_ASSIGN_OR_RETURN(base.publisher, Text(d, "dct:publisher", 200));
    if (d.contains("dcat:keyword") && d["dcat:keyword"].is_array()) {
      for (const json& k : d["dcat:keyword"]) {
        if (k.is_string() && base.keywords.size() < 20) {
          base.keywords.push_back(Truncate(k.get<std::string>(), 100));
        }
      }
    }
    for (const json& p : d["hasPolicy"]) {
      if (!p.is_object() || p.value("@type", json()) != "Offer" || !p.contains("@id") ||
          !p["@id"].is_string()) {
        return InvalidArgument("Dataset " + base.dataset_id +
                               ": a policy is not an Offer with an @id");
      }
      if (out.size() == max_offers) {
        return InvalidArgument("the catalog has more than " + std::to_string(max_offers) +
                               " offers");
      }
      if (p.dump(-1, ' ', false, json::error_handler_t::replace).size() > kMaxPolicyBytes) {
        return InvalidArgument("Dataset " + base.dataset_id + ": an Offer is larger than " +
                               std::to_string(kMaxPolicyBytes) + " bytes");
      }
      RemoteOffer o = base;
      o.offer_id = Truncate(p["@id"].get<std::string>(), 200);
      o.policy = p;
      out.push_back(std::move(o));
    }
  }
  return out;
}

}  // namespace qt::federation
