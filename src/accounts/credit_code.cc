#include "accounts/credit_code.h"

#include <cassert>

namespace qt::accounts {
namespace {

constexpr std::string_view kCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr int kWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

int ValueOf(char c) {
  size_t pos = kCharset.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

}  // namespace

char CreditCodeCheckCharacter(std::string_view first17) {
  assert(first17.size() == 17);
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += ValueOf(first17[i]) * kWeights[i];
  return kCharset[(31 - sum % 31) % 31];
}

Status ValidateCreditCode(std::string_view code) {
  if (code.size() != 18) {
    return InvalidArgument("must be 18 characters, got " + std::to_string(code.size()));
  }
  for (size_t i = 0; i < code.size(); ++i) {
    if (ValueOf(code[i]) < 0) {
      return InvalidArgument("character " + std::to_string(i + 1) + " '" + std::string(1, code[i]) +
                             "' is not allowed (digits and upper-case letters except I, O, S, "
                             "V, Z)");
    }
  }
  for (size_t i = 2; i < 8; ++i) {
    if (code[i] < '0' || code[i] > '9') {
      return InvalidArgument("characters 3-8 must be a numeric administrative division code");
    }
  }
  char expected = CreditCodeCheckCharacter(code.substr(0, 17));
  if (code[17] != expected) {
    return InvalidArgument("check character is '" + std::string(1, code[17]) + "', expected '" +
                           std::string(1, expected) + "'");
  }
  return OkStatus();
}

}  // namespace qt::accounts
