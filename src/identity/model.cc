// The names of the identity service's states and kinds (model.h): the strings
// stored in its tables and sent in its JSON.
#include "identity/model.h"

#include "core/enum_names.h"

namespace qt::identity {
namespace {

constexpr EnumNames<CitizenStatus, 2> kCitizenStatuses{{"active", "revoked"}};
constexpr EnumNames<CodeKind, 2> kCodeKinds{{"dynamic", "static"}};
constexpr EnumNames<TerminalStatus, 2> kTerminalStatuses{{"active", "disabled"}};
constexpr EnumNames<ScanCheck, 4> kScanChecks{{"ok", "replayed", "overreach", "unknown_code"}};

}  // namespace

std::string_view CitizenStatusName(CitizenStatus s) { return kCitizenStatuses.Of(s); }
std::optional<CitizenStatus> ParseCitizenStatus(std::string_view name) {
  return kCitizenStatuses.Parse(name);
}

std::string_view CodeKindName(CodeKind k) { return kCodeKinds.Of(k); }
std::optional<CodeKind> ParseCodeKind(std::string_view name) { return kCodeKinds.Parse(name); }

std::string_view TerminalStatusName(TerminalStatus s) { return kTerminalStatuses.Of(s); }
std::optional<TerminalStatus> ParseTerminalStatus(std::string_view name) {
  return kTerminalStatuses.Parse(name);
}

std::string_view ScanCheckName(ScanCheck c) { return kScanChecks.Of(c); }
std::optional<ScanCheck> ParseScanCheck(std::string_view name) { return kScanChecks.Parse(name); }

}  // namespace qt::identity
