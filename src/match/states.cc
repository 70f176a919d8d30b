#include "match/states.h"

#include "core/enum_names.h"

namespace qt::match {
namespace {

constexpr EnumNames<ProductKind, 5> kProductKindNames{
    {"investment", "loan", "subsidy", "guarantee", "insurance"}};
constexpr EnumNames<ProductState, 2> kProductStateNames{{"active", "withdrawn"}};
constexpr EnumNames<ApplicationState, 4> kApplicationStateNames{
    {"applied", "accepted", "declined", "withdrawn"}};
constexpr EnumNames<Decision, 2> kDecisionNames{{"accept", "decline"}};
constexpr EnumNames<ScenarioList, 2> kScenarioListNames{{"demand", "capability"}};
constexpr EnumNames<ListingState, 2> kListingStateNames{{"open", "closed"}};
constexpr EnumNames<PairState, 5> kPairStateNames{
    {"recommended", "contacted", "piloting", "deployed", "closed"}};
constexpr EnumNames<PolicyAudience, 2> kPolicyAudienceNames{{"enterprise", "person"}};
constexpr EnumNames<PublicPolicyState, 2> kPublicPolicyStateNames{{"published", "withdrawn"}};
constexpr EnumNames<DeliveryState, 4> kDeliveryStateNames{
    {"pending", "delivered", "failed", "cancelled"}};

}  // namespace

std::string_view ProductKindName(ProductKind kind) { return kProductKindNames.Of(kind); }
std::optional<ProductKind> ParseProductKind(std::string_view text) {
  return kProductKindNames.Parse(text);
}

std::string_view ProductStateName(ProductState state) { return kProductStateNames.Of(state); }
std::optional<ProductState> ParseProductState(std::string_view text) {
  return kProductStateNames.Parse(text);
}

std::string_view ApplicationStateName(ApplicationState state) {
  return kApplicationStateNames.Of(state);
}
std::optional<ApplicationState> ParseApplicationState(std::string_view text) {
  return kApplicationStateNames.Parse(text);
}

std::string_view DecisionName(Decision decision) { return kDecisionNames.Of(decision); }
std::optional<Decision> ParseDecision(std::string_view text) { return kDecisionNames.Parse(text); }

std::string_view ScenarioListName(ScenarioList list) { return kScenarioListNames.Of(list); }
std::optional<ScenarioList> ParseScenarioList(std::string_view text) {
  return kScenarioListNames.Parse(text);
}

std::string_view ListingStateName(ListingState state) { return kListingStateNames.Of(state); }
std::optional<ListingState> ParseListingState(std::string_view text) {
  return kListingStateNames.Parse(text);
}

std::string_view PairStateName(PairState state) { return kPairStateNames.Of(state); }
std::optional<PairState> ParsePairState(std::string_view text) {
  return kPairStateNames.Parse(text);
}

std::string_view PolicyAudienceName(PolicyAudience audience) {
  return kPolicyAudienceNames.Of(audience);
}
std::optional<PolicyAudience> ParsePolicyAudience(std::string_view text) {
  return kPolicyAudienceNames.Parse(text);
}

std::string_view PublicPolicyStateName(PublicPolicyState state) {
  return kPublicPolicyStateNames.Of(state);
}
std::optional<PublicPolicyState> ParsePublicPolicyState(std::string_view text) {
  return kPublicPolicyStateNames.Parse(text);
}

std::string_view DeliveryStateName(DeliveryState state) { return kDeliveryStateNames.Of(state); }
std::optional<DeliveryState> ParseDeliveryState(std::string_view text) {
  return kDeliveryStateNames.Parse(text);
}

}  // namespace qt::match
