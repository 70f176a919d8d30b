#include "match/states.h"

#include <array>
#include <cstddef>

namespace qt::match {
namespace {

// The names of an enum's values, in declaration order.
template <typename E, size_t N>
std::string_view NameIn(const std::array<std::string_view, N>& names, E value) {
  const auto i = static_cast<size_t>(value);
  return i < N ? names[i] : std::string_view("?");
}

template <typename E, size_t N>
std::optional<E> ParseIn(const std::array<std::string_view, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 5> kProductKindNames = {"investment", "loan", "subsidy",
                                                               "guarantee", "insurance"};
constexpr std::array<std::string_view, 2> kProductStateNames = {"active", "withdrawn"};
constexpr std::array<std::string_view, 4> kApplicationStateNames = {"applied", "accepted",
                                                                    "declined", "withdrawn"};
constexpr std::array<std::string_view, 2> kDecisionNames = {"accept", "decline"};
constexpr std::array<std::string_view, 2> kScenarioListNames = {"demand", "capability"};
constexpr std::array<std::string_view, 2> kListingStateNames = {"open", "closed"};
constexpr std::array<std::string_view, 5> kPairStateNames = {"recommended", "contacted", "piloting",
                                                             "deployed", "closed"};
constexpr std::array<std::string_view, 2> kPolicyAudienceNames = {"enterprise", "person"};
constexpr std::array<std::string_view, 2> kPublicPolicyStateNames = {"published", "withdrawn"};
constexpr std::array<std::string_view, 4> kDeliveryStateNames = {"pending", "delivered", "failed",
                                                                 "cancelled"};

}  // namespace

std::string_view ProductKindName(ProductKind kind) { return NameIn(kProductKindNames, kind); }
std::optional<ProductKind> ParseProductKind(std::string_view text) {
  return ParseIn<ProductKind>(kProductKindNames, text);
}

std::string_view ProductStateName(ProductState state) { return NameIn(kProductStateNames, state); }
std::optional<ProductState> ParseProductState(std::string_view text) {
  return ParseIn<ProductState>(kProductStateNames, text);
}

std::string_view ApplicationStateName(ApplicationState state) {
  return NameIn(kApplicationStateNames, state);
}
std::optional<ApplicationState> ParseApplicationState(std::string_view text) {
  return ParseIn<ApplicationState>(kApplicationStateNames, text);
}

std::string_view DecisionName(Decision decision) { return NameIn(kDecisionNames, decision); }
std::optional<Decision> ParseDecision(std::string_view text) {
  return ParseIn<Decision>(kDecisionNames, text);
}

std::string_view ScenarioListName(ScenarioList list) { return NameIn(kScenarioListNames, list); }
std::optional<ScenarioList> ParseScenarioList(std::string_view text) {
  return ParseIn<ScenarioList>(kScenarioListNames, text);
}

std::string_view ListingStateName(ListingState state) { return NameIn(kListingStateNames, state); }
std::optional<ListingState> ParseListingState(std::string_view text) {
  return ParseIn<ListingState>(kListingStateNames, text);
}

std::string_view PairStateName(PairState state) { return NameIn(kPairStateNames, state); }
std::optional<PairState> ParsePairState(std::string_view text) {
  return ParseIn<PairState>(kPairStateNames, text);
}

std::string_view PolicyAudienceName(PolicyAudience audience) {
  return NameIn(kPolicyAudienceNames, audience);
}
std::optional<PolicyAudience> ParsePolicyAudience(std::string_view text) {
  return ParseIn<PolicyAudience>(kPolicyAudienceNames, text);
}

std::string_view PublicPolicyStateName(PublicPolicyState state) {
  return NameIn(kPublicPolicyStateNames, state);
}
std::optional<PublicPolicyState> ParsePublicPolicyState(std::string_view text) {
  return ParseIn<PublicPolicyState>(kPublicPolicyStateNames, text);
}

std::string_view DeliveryStateName(DeliveryState state) {
  return NameIn(kDeliveryStateNames, state);
}
std::optional<DeliveryState> ParseDeliveryState(std::string_view text) {
  return ParseIn<DeliveryState>(kDeliveryStateNames, text);
}

}  // namespace qt::match
