#include "city/districts.h"

#include <array>

namespace qt::city {
namespace {

constexpr std::array<District, 13> kDistricts = {{
    {"330112", "临安区"},
    {"330110", "余杭区"},
    {"330113", "临平区"},
    {"330105", "拱墅区"},
    {"330106", "西湖区"},
    {"330102", "上城区"},
    {"330114", "钱塘区"},
    {"330122", "桐庐县"},
    {"330111", "富阳区"},
    {"330108", "滨江区"},
    {"330109", "萧山区"},
    {"330182", "建德市"},
    {"330127", "淳安县"},
}};

}  // namespace

std::span<const District> Districts() { return kDistricts; }

std::optional<District> DistrictByCode(std::string_view code) {
  for (const District& d : kDistricts) {
    if (d.code == code) return d;
  }
  return std::nullopt;
}

std::optional<District> DistrictByName(std::string_view name) {
  for (const District& d : kDistricts) {
    if (d.name == name) return d;
  }
  return std::nullopt;
}

}  // namespace qt::city
