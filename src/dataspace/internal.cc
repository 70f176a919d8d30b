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
    QT_ASSIGN_OR_RETURN(Schema fields, ParseSchema(json::parse(r.Text("fields"))));
    return Run{.id = r.Text("id"),
               .pipeline_id = r.Text("pipeline_id"),
               .org_id = r.Text("org_id"),
               .rows_in = r.Int("rows_in"),
               .rows_out = r.Int("rows_out"),
               .input_hash = r.Text("input_hash"),
               .output_hash = r.Text("output_hash"),
               .report = json::parse(r.Text("report")),
               .fields = std::move(fields),
               .started_at = r.Int("started_at"),
               .finished_at = r.Int("finished_at"),
               .ledger_seq = static_cast<uint64_t>(r.Int("ledger_seq"))};
  });
}

Result<Product> ProductFromRow(const store::Row& r) {
  return store::Decode<Product>("ds_products", r, [&]() -> Result<Product> {
    QT_ASSIGN_OR_RETURN(Schema fields, ParseSchema(json::parse(r.Text("fields"))));
    return Product{.id = r.Text("id"),
                   .org_id = r.Text("org_id"),
                   .provider_name = r.Text("provider_name"),
                   .run_id = r.Text("run_id"),
                   .title = r.Text("title"),
                   .description = r.Text("description"),
                   .tags = json::parse(r.Text("tags")).get<std::vector<std::string>>(),
                   .fields = std::move(fields),
                   .update_frequency = r.Text("update_frequency"),
                   .licence = r.Text("licence"),
                   .rows = r.Int("rows_out"),
                   .output_hash = r.Text("output_hash"),
                   .quality = json::parse(r.Text("report")),
                   .created_at = r.Int("created_at")};
  });
}

Result<Offer> OfferFromRow(const store::Row& r) {
  return store::Decode<Offer>("ds_offers", r, [&]() -> Result<Offer> {
    QT_ASSIGN_OR_RETURN(Schema fields, ParseSchema(json::parse(r.Text("fields"))));
    QT_ASSIGN_OR_RETURN(Policy policy, ParsePolicy(json::parse(r.Text("policy")), fields));
    return Offer{.id = r.Text("id"),
                 .product_id = r.Text("product_id"),
                 .provider_id = r.Text("provider_id"),
                 .title = r.Text("title"),
                 .policy = std::move(policy),
                 .visible_to = AudienceFromJson(json::parse(r.Text("visible_to"))),
                 .negotiable_by = AudienceFromJson(json::parse(r.Text("negotiable_by"))),
                 .active = r.Int("active") != 0,
                 .created_at = r.Int("created_at")};
  });
}

Result<Contract> ContractFromRow(const store::Row& r) {
  return store::Decode<Contract>("ds_contracts", r, [&]() -> Result<Contract> {
    QT_ASSIGN_OR_RETURN(Schema fields, ParseSchema(json::parse(r.Text("fields"))));
    auto state = ParseContractState(r.Text("state"));
    if (!state) return Internal("state: unknown '" + r.Text("state") + "'");
    QT_ASSIGN_OR_RETURN(Policy policy, ParsePolicy(json::parse(r.Text("policy")), fields));
    return Contract{.id = r.Text("id"),
                    .offer_id = r.Text("offer_id"),
                    .product_id = r.Text("product_id"),
                    .provider_id = r.Text("provider_id"),
                    .consumer_id = r.Text("consumer_id"),
                    .product_title = r.Text("product_title"),
                    .state = *state,
                    .policy = std::move(policy),
                    .agreement = r.Text("agreement"),
                    .agreement_hash = r.Text("agreement_hash"),
                    .provider_signature = r.Text("provider_signature"),
                    .consumer_signature = r.Text("consumer_signature"),
                    .reason = r.Text("reason"),
                    .created_at = r.Int("created_at"),
                    .updated_at = r.Int("updated_at"),
                    .uses = r.Int("uses"),
                    .epsilon_spent_milli = r.Int("epsilon_spent")};
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
