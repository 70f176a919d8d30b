// The 13 county-level divisions of Hangzhou (GB/T 2260 codes, as the
// characters 3-8 of a unified social credit code name them) and the city
// itself, for the dashboard's district map.
#ifndef QIANTANG_CITY_DISTRICTS_H_
#define QIANTANG_CITY_DISTRICTS_H_

#include <optional>
#include <span>
#include <string_view>

namespace qt::city {

struct District {
  std::string_view code;  // "330106"
  std::string_view name;  // "西湖区"
};

// The city level (330100): organisations registered with the city, not a district.
inline constexpr std::string_view kCityCode = "330100";

// Every district, in the order the map lays them out (north-west to south-east).
std::span<const District> Districts();
// The district of a code or of a name; nullopt for anything else.
std::optional<District> DistrictByCode(std::string_view code);
std::optional<District> DistrictByName(std::string_view name);

}  // namespace qt::city

#endif  // QIANTANG_CITY_DISTRICTS_H_
