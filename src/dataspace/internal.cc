#include "dataspace/internal.h"

#include "store/decode.h"

namespace qt::dataspace {

using nlohmann::json;

bool Audience::Admits(const std::string& org_id, accounts::OrgKind kind) const {
  if (kinds.empty() && orgs.empty()) return true;
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end() ||
         std::find(orgs.begin(), orgs.end(), org_id) != orgs.end();
}

std::string_view ContractStateName(ContractState s) {
  switch (s) {
    case ContractState::kRequested:
      return "requested";
    case ContractState::kOffered:
      return "offered";
    case ContractState::kAccepted:
      return "accepted";
    case ContractState::kAgreed:
      return "agreed";
    case ContractState::kVerified:
      return "verified";
    case ContractState::kFinalized:
      return "finalized";
    case ContractState::kTerminated:
      return "terminated";
  }
  return "terminated";
}

std::optional<ContractState> ParseContractState(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(ContractState::kTerminated); ++i) {
    auto s = static_cast<ContractState>(i);
    if (ContractStateName(s) == name) return s;
  }
  return std::nullopt;
}

namespace internal {

Result<Run> RunFromRow(const store::Row& r) {
  return store::Decode<Run>("ds_runs", r, [&]() -> Result<Run> {
    QT_ASSIGN_OR_RETURN(Schema fields, ParseSchema(json::parse(r.Text(8))));
    return Run{.id = r.Text(0),
               .pipeline_id = r.Text(1),
               .org_id = r.Text(2),
               .rows_in = r.Int(3),
               .rows_out = r.Int(4),
               .input_hash = r.Text(5),
               .output_hash = r.Text(6),
               .report = json::parse(r.Text(7)),
               .fields = std::move(fields),
               .started_at = r.Int(9),
               .finished_at = r.Int(10),
               .ledger_seq = static_cast<uint64_t>(r.Int(11))};
  });
}

Result<Product> ProductFromRow(const store::Row& r) {
  return store::Decode<Product>("ds_products", r, [&]() -> Result<Product> {
    QT_ASSIGN_OR_RETURN(Schema fields, ParseSchema(json::parse(r.Text(9))));
    return Product{.id = r.Text(0),
                   .org_id = r.Text(1),
                   .provider_name = r.Text(14),
                   .run_id = r.Text(2),
                   .title = r.Text(3),
                   .description = r.Text(4),
                   .tags = json::parse(r.Text(5)).get<std::vector<std::string>>(),
                   .fields = std::move(fields),
                   .update_frequency = r.Text(6),
                   .licence = r.Text(7),
                   .rows = r.Int(10),
                   .output_hash = r.Text(11),
                   .quality = json::parse(r.Text(12)),
                   .created_at = r.Int(8)};
  });
}

Result<Offer> OfferFromRow(const store::Row& r) {
  return store::Decode<Offer>("ds_offers", r, [&]() -> Result<Offer> {
    QT_ASSIGN_OR_RETURN(Schema fields, ParseSchema(json::parse(r.Text(9))));
    QT_ASSIGN_OR_RETURN(Policy policy, ParsePolicy(json::parse(r.Text(4)), fields));
    return Offer{.id = r.Text(0),
                 .product_id = r.Text(1),
                 .provider_id = r.Text(2),
                 .title = r.Text(3),
                 .policy = std::move(policy),
                 .visible_to = AudienceFromJson(json::parse(r.Text(5))),
                 .negotiable_by = AudienceFromJson(json::parse(r.Text(6))),
                 .active = r.Int(7) != 0,
                 .created_at = r.Int(8)};
  });
}

Result<Contract> ContractFromRow(const store::Row& r) {
  return store::Decode<Contract>("ds_contracts", r, [&]() -> Result<Contract> {
    QT_ASSIGN_OR_RETURN(Schema fields, ParseSchema(json::parse(r.Text(16))));
    auto state = ParseContractState(r.Text(5));
    if (!state) return Internal("state: unknown '" + r.Text(5) + "'");
    QT_ASSIGN_OR_RETURN(Policy policy, ParsePolicy(json::parse(r.Text(6)), fields));
    return Contract{.id = r.Text(0),
                    .offer_id = r.Text(1),
                    .product_id = r.Text(2),
                    .provider_id = r.Text(3),
                    .consumer_id = r.Text(4),
                    .product_title = r.Text(17),
                    .state = *state,
                    .policy = std::move(policy),
                    .agreement = r.Text(7),
                    .agreement_hash = r.Text(8),
                    .provider_signature = r.Text(9),
                    .consumer_signature = r.Text(10),
                    .reason = r.Text(11),
                    .created_at = r.Int(12),
                    .updated_at = r.Int(13),
                    .uses = r.Int(14),
                    .epsilon_spent_milli = r.Int(15)};
  });
}

json AudienceJson(const Audience& a) {
  json kinds = json::array();
  for (auto k : a.kinds) kinds.push_back(accounts::OrgKindName(k));
  return {{"kinds", kinds}, {"orgs", a.orgs}};
}

Audience AudienceFromJson(const json& j) {
  Audience a;
  for (const auto& k : j.value("kinds", json::array())) {
    if (auto kind = accounts::ParseOrgKind(k.get<std::string>())) a.kinds.push_back(*kind);
  }
  a.orgs = j.value("orgs", std::vector<std::string>{});
  return a;
}

}  // namespace internal
}  // namespace qt::dataspace
