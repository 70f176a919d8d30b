// The names of the exchange's states, statuses and kinds (model.h): the
// strings stored in its tables and sent in its JSON.
#include "exchange/model.h"

#include "core/enum_names.h"

namespace qt::exchange {
namespace {

constexpr EnumNames<ApplicationState, 6> kApplicationStates{
    {"submitted", "formal_review", "substantive_review", "public_notice", "issued", "rejected"}};
constexpr EnumNames<ObjectionState, 3> kObjectionStates{{"open", "upheld", "dismissed"}};
constexpr EnumNames<CertificateChange, 5> kCertificateChanges{
    {"issued", "transferred", "changed", "renewed", "cancelled"}};
constexpr EnumNames<CertificateStatus, 4> kCertificateStatuses{
    {"valid", "cancelled", "expired", "superseded"}};
constexpr EnumNames<PledgeState, 5> kPledgeStates{
    {"requested", "active", "released", "declined", "withdrawn"}};
constexpr EnumNames<TradeState, 3> kTradeStates{{"awaiting_payment", "settled", "cancelled"}};

}  // namespace

std::string_view ApplicationStateName(ApplicationState s) { return kApplicationStates.Of(s); }
std::optional<ApplicationState> ParseApplicationState(std::string_view name) {
  return kApplicationStates.Parse(name);
}

std::string_view ObjectionStateName(ObjectionState s) { return kObjectionStates.Of(s); }
std::optional<ObjectionState> ParseObjectionState(std::string_view name) {
  return kObjectionStates.Parse(name);
}

std::string_view CertificateChangeName(CertificateChange c) { return kCertificateChanges.Of(c); }
std::optional<CertificateChange> ParseCertificateChange(std::string_view name) {
  return kCertificateChanges.Parse(name);
}

std::string_view CertificateStatusName(CertificateStatus s) { return kCertificateStatuses.Of(s); }
std::optional<CertificateStatus> ParseCertificateStatus(std::string_view name) {
  return kCertificateStatuses.Parse(name);
}

std::string_view PledgeStateName(PledgeState s) { return kPledgeStates.Of(s); }
std::optional<PledgeState> ParsePledgeState(std::string_view name) {
  return kPledgeStates.Parse(name);
}

std::string_view TradeStateName(TradeState s) { return kTradeStates.Of(s); }
std::optional<TradeState> ParseTradeState(std::string_view name) {
  return kTradeStates.Parse(name);
}

}  // namespace qt::exchange
