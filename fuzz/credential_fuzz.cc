// Fuzzes a whole signed code as a terminal reads it from a QR image
// (identity/credential.h): the prefix, Base45, bounded zlib, COSE_Sign1, the
// key looked up by kid (an EdDSA and an ES256 key are trusted) and the
// signature, then the CWT claims of what verified.
//
// With QIANTANG_FUZZ_WRITE_SEEDS=DIR set, writes two valid codes signed with
// the fuzzer's EdDSA key (fixed: it comes from a deterministic seed) to DIR
// and exits: that is how testdata/fuzz/credential/ got its signed seeds.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "crypto/random.h"
#include "identity/cose.h"
#include "identity/credential.h"

namespace {

namespace id = qt::identity;

struct Keys {
  id::IssuerKey ed, es;
  id::TrustedKey ed_trusted, es_trusted;
};

const Keys& TheKeys() {
  static const Keys* keys = [] {
    qt::crypto::DeterministicRandom random("credential-fuzz");
    auto ed = id::GenerateIssuerKey(id::CoseAlg::kEdDSA, random);
    auto es = id::GenerateIssuerKey(id::CoseAlg::kES256, random);
    if (!ed.ok() || !es.ok()) std::abort();
    return new Keys{*ed, *es, {ed->alg, ed->public_key}, {es->alg, es->public_key}};
  }();
  return *keys;
}

void WriteSeeds(const std::string& dir) {
  // {1: "HZ", 4: exp} and {1: "HZ", 6: iat, -260: {1: "x"}}
  const id::Bytes claims[] = {{0xa2, 0x01, 0x62, 'H', 'Z', 0x04, 0x1a, 0x6a, 0x00, 0x00, 0x00},
                              {0xa3, 0x01, 0x62, 'H', 'Z', 0x06, 0x1a, 0x60, 0x00, 0x00, 0x00, 0x39,
                               0x01, 0x03, 0xa1, 0x01, 0x61, 'x'}};
  int n = 0;
  for (const auto& c : claims) {
    auto code = id::EncodeCredential(c, TheKeys().ed);
    if (!code.ok()) std::abort();
    std::ofstream(dir + "/signed-" + std::to_string(++n)) << *code;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("QIANTANG_FUZZ_WRITE_SEEDS")) {
    WriteSeeds(dir);
    std::exit(0);
  }
  TheKeys();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Keys& keys = TheKeys();
  auto key_for = [&](const id::Bytes& kid) -> const id::TrustedKey* {
    if (kid == keys.ed.kid) return &keys.ed_trusted;
    if (kid == keys.es.kid) return &keys.es_trusted;
    // An unknown kid of odd length is given a key anyway, so that
    // verification of foreign signatures is exercised too.
    if (kid.size() % 2 == 1) return kid[0] % 2 ? &keys.es_trusted : &keys.ed_trusted;
    return nullptr;
  };
  auto decoded = id::DecodeCredential(text, key_for);
  if (!decoded.ok()) return 0;
  (void)id::ParseCwt(decoded->claims, -260);
  return 0;
}
