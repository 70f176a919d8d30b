#include "identity/categories.h"

#include <algorithm>

namespace qt::identity {
namespace {

constexpr ClaimInfo kClaims[] = {
    {"concession", "c"}, {"name", "n"},     {"pseudonym", "p"}, {"adult", "a"},
    {"senior", "s"},     {"district", "d"}, {"talent", "t"},    {"talent_until", "u"},
};

const std::vector<Category>& Table() {
  static const std::vector<Category> kTable = {
      {1, "bus", "公交", {"concession"}},
      {2, "metro", "地铁", {"concession"}},
      {3, "public_bike", "公共自行车", {"pseudonym", "adult"}},
      {4, "scenic_area", "景区", {"senior", "district"}},
      {5, "museum", "博物馆", {"senior"}},
      {6, "library", "图书馆", {"name", "pseudonym"}},
      {7, "sports_venue", "体育场馆", {"pseudonym", "adult"}},
      {8, "hospital", "医院", {"name", "pseudonym"}},
      {9, "pharmacy", "药店", {"pseudonym", "senior"}},
      {10, "government_service", "政务服务", {"name", "pseudonym", "district"}},
      {11, "parking", "停车", {"pseudonym"}},
      {12, "park", "公园", {"senior"}},
      {13, "theatre", "剧院", {"adult"}},
      {14, "elderly_care", "养老服务", {"name", "senior", "district"}},
      {15, "school", "教育", {"name", "pseudonym"}},
      {16, "talent_housing", "人才安居", {"name", "pseudonym", "talent", "talent_until"}},
      {17, "talent_service", "人才服务", {"name", "talent", "talent_until"}},
      {18, "startup_service", "创业服务", {"name", "district", "talent"}},
  };
  return kTable;
}

}  // namespace

std::span<const ClaimInfo> AllClaims() { return kClaims; }

std::optional<std::string_view> ClaimKey(std::string_view name) {
  for (const ClaimInfo& c : kClaims) {
    if (c.name == name) return c.key;
  }
  return std::nullopt;
}

std::optional<std::string_view> ClaimName(std::string_view key) {
  for (const ClaimInfo& c : kClaims) {
    if (c.key == key) return c.name;
  }
  return std::nullopt;
}

bool Category::May(std::string_view claim) const {
  return std::find(claims.begin(), claims.end(), claim) != claims.end();
}

std::span<const Category> AllCategories() { return Table(); }

const Category* FindCategory(std::string_view code) {
  for (const Category& c : Table()) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

const Category* FindCategory(int number) {
  if (number < 1 || number > static_cast<int>(Table().size())) return nullptr;
  return &Table()[number - 1];
}

}  // namespace qt::identity
