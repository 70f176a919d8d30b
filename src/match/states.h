// The match module's states and kinds, each with its one string mapping: the
// text stored in its column and written in JSON ("active", "loan", ...).
//
// XName(x) is the text of x; ParseX(text) is nullopt for any other text.
// Stored text goes through Stored(): a value this build does not know is an
// invalid_argument naming the column, which store::Decode reports as a
// damaged row (never a crash, never a silent default).
//
// Thread-safety: stateless.
#ifndef QIANTANG_MATCH_STATES_H_
#define QIANTANG_MATCH_STATES_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace qt::match {

// Finance products (finance.h).
enum class ProductKind { kInvestment, kLoan, kSubsidy, kGuarantee, kInsurance };
std::string_view ProductKindName(ProductKind kind);  // "investment", "loan", ...
std::optional<ProductKind> ParseProductKind(std::string_view text);
inline constexpr ProductKind kProductKinds[] = {ProductKind::kInvestment, ProductKind::kLoan,
                                                ProductKind::kSubsidy, ProductKind::kGuarantee,
                                                ProductKind::kInsurance};

enum class ProductState { kActive, kWithdrawn };
std::string_view ProductStateName(ProductState state);  // "active", "withdrawn"
std::optional<ProductState> ParseProductState(std::string_view text);

enum class ApplicationState { kApplied, kAccepted, kDeclined, kWithdrawn };
std::string_view ApplicationStateName(ApplicationState state);  // "applied", ...
std::optional<ApplicationState> ParseApplicationState(std::string_view text);

// An institution's answer to an application.
enum class Decision { kAccept, kDecline };
std::string_view DecisionName(Decision decision);  // "accept", "decline"
std::optional<Decision> ParseDecision(std::string_view text);

// The scenario lists (scenarios.h).
enum class ScenarioList { kDemand, kCapability };
std::string_view ScenarioListName(ScenarioList list);  // "demand", "capability"
std::optional<ScenarioList> ParseScenarioList(std::string_view text);

enum class ListingState { kOpen, kClosed };
std::string_view ListingStateName(ListingState state);  // "open", "closed"
std::optional<ListingState> ParseListingState(std::string_view text);

// In order: a pair moves one step on, or to closed from any step before deployed.
enum class PairState { kRecommended, kContacted, kPiloting, kDeployed, kClosed };
std::string_view PairStateName(PairState state);  // "recommended", ...
std::optional<PairState> ParsePairState(std::string_view text);

// Public policies (public_policies.h).
enum class PolicyAudience { kEnterprise, kPerson };
std::string_view PolicyAudienceName(PolicyAudience audience);  // "enterprise", "person"
std::optional<PolicyAudience> ParsePolicyAudience(std::string_view text);

enum class PublicPolicyState { kPublished, kWithdrawn };
std::string_view PublicPolicyStateName(PublicPolicyState state);  // "published", "withdrawn"
std::optional<PublicPolicyState> ParsePublicPolicyState(std::string_view text);

// A webhook delivery of a notice.
enum class DeliveryState { kPending, kDelivered, kFailed, kCancelled };
std::string_view DeliveryStateName(DeliveryState state);  // "pending", ...
std::optional<DeliveryState> ParseDeliveryState(std::string_view text);

// The value `parsed` from the stored `text` of `column`: invalid_argument
// "<column>: unknown value '<text>'" when the text named no value.
template <typename E>
Result<E> Stored(std::optional<E> parsed, std::string_view column, std::string_view text) {
  if (!parsed) {
    return InvalidArgument(std::string(column) + ": unknown value '" + std::string(text) + "'");
  }
  return *parsed;
}

}  // namespace qt::match

#endif  // QIANTANG_MATCH_STATES_H_
