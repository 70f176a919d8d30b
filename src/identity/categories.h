// The 18 categories of service that read the citizen code, and the claims
// each may read (selective disclosure). A code carries, per category, only
// that category's claims, encrypted under that category's key: a bus gate
// learns "valid, concession type" and nothing a hospital learns.
//
// Claims (short keys inside the encrypted CBOR):
//   concession  "c"  none | elderly | student | disabled | veteran
//   name        "n"  the citizen's name
//   pseudonym   "p"  8 bytes, stable per citizen and category, unlinkable across categories
//   adult       "a"  age >= 18 at issue
//   senior      "s"  age >= 60 at issue
//   district    "d"  district of residence
//   talent      "t"  talent category A..E, present only while valid
//   talent_until "u" the talent status's last day (YYYY-MM-DD)
//
// Thread-safety: immutable data.
#ifndef QIANTANG_IDENTITY_CATEGORIES_H_
#define QIANTANG_IDENTITY_CATEGORIES_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qt::identity {

struct ClaimInfo {
  std::string_view name;  // "concession"
  std::string_view key;   // "c" in the encrypted CBOR
};
std::span<const ClaimInfo> AllClaims();
std::optional<std::string_view> ClaimKey(std::string_view name);
std::optional<std::string_view> ClaimName(std::string_view key);

struct Category {
  int number = 0;                        // 1..18, the label in the code
  std::string_view code;                 // "bus"
  std::string_view name_zh;              // "公交"
  std::vector<std::string_view> claims;  // claim names it may read
  bool May(std::string_view claim) const;
};

std::span<const Category> AllCategories();
const Category* FindCategory(std::string_view code);
const Category* FindCategory(int number);

inline constexpr std::string_view kConcessions[] = {"none", "elderly", "student", "disabled",
                                                    "veteran"};
inline constexpr std::string_view kTalentCategories[] = {"A", "B", "C", "D", "E"};

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_CATEGORIES_H_
