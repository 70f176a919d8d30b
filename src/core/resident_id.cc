#include "core/resident_id.h"

#include <cctype>

#include "core/clock.h"
#include "core/text.h"

namespace qt {

char ResidentIdCheckCharacter(std::string_view first17) {
  int sum = 0, weight = 1;  // w_i = 2^(18-i) mod 11, from the last digit backwards
  for (int i = 16; i >= 0; --i) {
    weight = weight * 2 % 11;
    sum += (first17[i] - '0') * weight;
  }
  int check = (12 - sum % 11) % 11;
  return check == 10 ? 'X' : static_cast<char>('0' + check);
}

Status ValidateResidentId(std::string_view id) {
  if (id.size() != 18) {
    return InvalidArgument("a resident identity number has 18 characters, not " +
                           std::to_string(id.size()));
  }
  std::string_view first17 = id.substr(0, 17);
  if (!AllDigits(first17)) return InvalidArgument("the first 17 characters must be digits");
  int y = std::stoi(std::string(id.substr(6, 4)));
  int m = std::stoi(std::string(id.substr(10, 2)));
  int d = std::stoi(std::string(id.substr(12, 2)));
  if (!ValidCivilDate(y, m, d)) return InvalidArgument("characters 7-14 are not a birth date");
  char want = ResidentIdCheckCharacter(first17);
  char got = static_cast<char>(std::toupper(static_cast<unsigned char>(id[17])));
  if (got != want) {
    return InvalidArgument(std::string("wrong check character: ") + got + ", expected " + want);
  }
  return OkStatus();
}

std::string ResidentBirthDate(std::string_view id) {
  return std::string(id.substr(6, 4)) + "-" + std::string(id.substr(10, 2)) + "-" +
         std::string(id.substr(12, 2));
}

}  // namespace qt
