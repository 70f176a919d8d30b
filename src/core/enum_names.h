// EnumNames: the one string mapping of an enum whose values are 0..N-1 in
// declaration order — the text stored in a column and written in JSON. A
// module keeps one table per enum and its Name/Parse pair reads it.
//
// Thread-safety: a constant; safe for concurrent reads.
//
// Example:
//   constexpr EnumNames<PledgeState, 2> kPledgeStates{{"requested", "active"}};
//   std::string_view PledgeStateName(PledgeState s) { return kPledgeStates.Of(s); }
//   std::optional<PledgeState> ParsePledgeState(std::string_view text) {
//     return kPledgeStates.Parse(text);   // nullopt for any other text
//   }
#ifndef QIANTANG_CORE_ENUM_NAMES_H_
#define QIANTANG_CORE_ENUM_NAMES_H_

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace qt {

template <typename E, size_t N>
struct EnumNames {
  std::array<std::string_view, N> names;

  // "?" for a value outside the table (a cast from a bad integer).
  constexpr std::string_view Of(E value) const {
    const auto i = static_cast<size_t>(value);
    return i < N ? names[i] : std::string_view("?");
  }
  constexpr std::optional<E> Parse(std::string_view text) const {
    for (size_t i = 0; i < N; ++i) {
      if (names[i] == text) return static_cast<E>(i);
    }
    return std::nullopt;
  }
};

}  // namespace qt

#endif  // QIANTANG_CORE_ENUM_NAMES_H_
