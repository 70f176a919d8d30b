// The names of the identity service's states and kinds (model.h): the strings
// stored in its tables and sent in its JSON.
#include "identity/model.h"

#include <array>

namespace qt::identity {
namespace {

// The names of an enum's values, in the order the enum declares them.
template <typename E, size_t N>
struct Names {
  std::array<std::string_view, N> names;

  std::string_view Of(E e) const { return names.at(static_cast<size_t>(e)); }
  std::optional<E> Parse(std::string_view name) const {
    for (size_t i = 0; i < N; ++i) {
      if (names[i] == name) return static_cast<E>(i);
    }
    return std::nullopt;
  }
};

constexpr Names<CitizenStatus, 2> kCitizenStatuses{{"active", "revoked"}};
constexpr Names<CodeKind, 2> kCodeKinds{{"dynamic", "static"}};
constexpr Names<TerminalStatus, 2> kTerminalStatuss{{"active", "disabled"}};
constexpr Names<ScanCheck, 4> kScanChecks{{"ok", "replayed", "overreach", "unknown_code"}};

}  // namespace

std::string_view CitizenStatusName(CitizenStatus s) { return kCitizenStatuses.Of(s); }
std::optional<CitizenStatus> ParseCitizenStatus(std::string_view name) {
  return kCitizenStatuses.Parse(name);
}

std::string_view CodeKindName(CodeKind k) { return kCodeKinds.Of(k); }
std::optional<CodeKind> ParseCodeKind(std::string_view name) { return kCodeKinds.Parse(name); }

std::string_view TerminalStatusName(TerminalStatus s) { return kTerminalStatuss.Of(s); }
std::optional<TerminalStatus> ParseTerminalStatus(std::string_view name) {
  return kTerminalStatuss.Parse(name);
}

std::string_view ScanCheckName(ScanCheck c) { return kScanChecks.Of(c); }
std::optional<ScanCheck> ParseScanCheck(std::string_view name) { return kScanChecks.Parse(name); }

}  // namespace qt::identity
