// The province table of GB/T 2260 (中华人民共和国行政区划代码).
#include "wangban/identity/internal/region_code.hpp"

#include <algorithm>
#include <array>

namespace wangban::identity::internal {
namespace {

constexpr std::array<std::string_view, 34> kProvinceCodes = {
    "11", "12", "13", "14", "15",              // 华北: 北京 天津 河北 山西 内蒙古
    "21", "22", "23",                          // 东北: 辽宁 吉林 黑龙江
    "31", "32", "33", "34", "35", "36", "37",  // 华东: 上海 江苏 浙江 安徽 福建 江西 山东
    "41", "42", "43", "44", "45", "46",        // 中南: 河南 湖北 湖南 广东 广西 海南
    "50", "51", "52", "53", "54",              // 西南: 重庆 四川 贵州 云南 西藏
    "61", "62", "63", "64", "65",              // 西北: 陕西 甘肃 青海 宁夏 新疆
    "71", "81", "82",                          // 台湾 香港 澳门
};

}  // namespace

bool IsProvinceCode(std::string_view two_digits) {
  return std::ranges::find(kProvinceCodes, two_digits) != kProvinceCodes.end();
}

}  // namespace wangban::identity::internal
