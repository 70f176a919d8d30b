#include "city/districts.h"

#include <array>

namespace qt::city {
namespace {

constexpr std::array<District, 13> kDistricts = {{
    {"330112", "临安区", "Lin'an"},
    {"330110", "余杭区", "Yuhang"},
    {"330113", "临平区", "Linping"},
    {"330105", "拱墅区", "Gongshu"},
    {"330106", "西湖区", "Xihu"},
    {"330102", "上城区", "Shangcheng"},
    {"330114", "钱塘区", "Qiantang"},
    {"330122", "桐庐县", "Tonglu"},
    {"330111", "富阳区", "Fuyang"},
    {"330108", "滨江区", "Binjiang"},
    {"330109", "萧山区", "Xiaoshan"},
    {"330182", "建德市", "Jiande"},
    {"330127", "淳安县", "Chun'an"},
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
