// Fuzzes the CBOR layers of signed codes (identity/cose.h): COSE_Sign1
// parsing, the Sig_structure, signature verification under a fixed key, and
// the CWT claims of both the input and a parsed payload. Bounded size and
// nesting depth are part of what is checked: nothing here may crash, leak or
// recurse without bound.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "identity/cose.h"

namespace {

namespace id = qt::identity;

// The Ed25519 public key of cose-wg/Examples eddsa-sig-01 (RFC 8032 test 1).
constexpr uint8_t kEd25519[32] = {0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
                                  0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
                                  0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  (void)id::ParseCwt(in, -260);
  auto cose = id::ParseCoseSign1(in);
  if (!cose.ok()) return 0;
  const id::Bytes tbs = id::SigStructure(*cose);
  if (tbs.empty()) std::abort();
  (void)id::VerifyCoseSign1(*cose, kEd25519);
  (void)id::VerifyCoseSign1(*cose, kEd25519, std::span<const uint8_t>(data, size < 8 ? size : 8));
  (void)id::ParseCwt(cose->payload, -260);
  (void)id::ParseCwt(cose->payload, -70000);
  return 0;
}
