// The contents of a citizen code: the CWT inside an HZ1: credential.
//
//   { 1 iss: "HZ-CITIZEN", 4 exp, 6 iat (seconds), 7 cti: 16 random bytes,
//     -75000: { 1 kind: "d" (dynamic) | "s" (static), 2 serial (static codes),
//               3 nonce: 24 bytes, 4 epoch of the category keys,
//               5 sealed claims: a byte string of entries, in category order,
//                 category (1 byte) || length (2 bytes, big-endian) ||
//                 XChaCha20-Poly1305( pad( CBOR of that category's claims ) ),
//               6 padding: 1 (ISO/IEC 7816-4, below; absent in codes issued
//                 before padding, whose claims are not padded) } }
//
// Padding hides what the length of a ciphertext would say (a concession
// type, the length of a name, whether a talent status is set): each
// category's CBOR is padded with libsodium's sodium_pad (0x80 then zeros,
// unambiguous to remove) to that category's standard size,
// StandardClaimsSize(), which holds every value of its claims when names and
// districts are at most kStandardTextBytes bytes (8 Chinese characters).
// Claims that do not fit (a longer name or district) are padded to a
// multiple of kLongBlockBytes instead: such a code reveals only that, and
// the length in 32-byte steps.
//
// (The sealed claims are one byte string, not a CBOR map of 18 byte strings,
// because a verifier at a gate parses every code: a map of items cost half of
// the non-signature time of a verification.)
//
// Each category's claims (categories.h) are encrypted under that category's
// key with the code's nonce and the associated data "HZ1" || cti || category,
// so a verifier opens only its own and cannot move a ciphertext to another
// code or category. Without the key the rest of the CWT says nothing about
// the citizen.
//
// Thread-safety: pure functions.
#ifndef QIANTANG_IDENTITY_CODE_H_
#define QIANTANG_IDENTITY_CODE_H_

#include <array>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/random.h"
#include "identity/cose.h"

namespace qt::identity {

inline constexpr std::string_view kIssuer = "HZ-CITIZEN";
inline constexpr int64_t kCodeClaimLabel = -75000;

using CategoryKey = std::array<uint8_t, 32>;

inline constexpr size_t kStandardTextBytes = 24;
inline constexpr size_t kLongBlockBytes = 32;
// The padded plaintext size of a category's claims in the standard case.
size_t StandardClaimsSize(int category);

struct CodeContent {
  char kind = 'd';         // 'd' dynamic, 's' static
  Bytes code_id{};         // 16 bytes
  std::string serial{};    // static codes only
  int64_t issued_at = 0;   // seconds since the epoch
  int64_t expires_at = 0;  // seconds since the epoch
  uint32_t epoch = 1;      // of the category keys
  // Per category number, claims by full name ({"concession": "elderly"}).
  std::map<int, nlohmann::json> claims{};
};

// The CWT of `content`, claims encrypted under key_for(category); a category
// without a key is left out.
Result<Bytes> SealCode(const CodeContent& content,
                       const std::function<const CategoryKey*(int category)>& key_for,
                       Random& random);

struct OpenedCode {
  char kind = 'd';
  Bytes code_id{};
  std::string serial{};
  int64_t issued_at = 0, expires_at = 0;
  uint32_t epoch = 0;
  std::vector<int> categories{};  // those the code carries claims for
  nlohmann::json claims{};        // `category`'s, by full name; null if absent
};

// Reads a verified CWT and opens `category`'s claims with `key` (for the
// code's epoch). invalid_argument naming what is malformed, or
// "claims: ..." if the ciphertext does not open.
Result<OpenedCode> OpenCode(std::span<const uint8_t> cwt, int category,
                            const std::function<const CategoryKey*(uint32_t epoch)>& key_for);

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_CODE_H_
