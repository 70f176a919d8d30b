#include "identity/credential.h"

#include <cbor.h>

#include "identity/base45.h"
#include "identity/cbor_util.h"

namespace qt::identity {
Result<std::string> EncodeCredential(std::span<const uint8_t> cwt_claims, const IssuerKey& key) {
  cbor_item_t* header = cbor_new_definite_map(2);
  (void)cbor_map_add(header, {cbor_move(cbor_build_uint8(1)),
                              cbor_move(cbor_build_negint8(-1 - static_cast<int>(key.alg)))});
  (void)cbor_map_add(header, {cbor_move(cbor_build_uint8(4)), cbor_move(Bstr(key.kid))});
  CoseSign1 s{.protected_bytes = Serialize(Item(header).get()),
              .payload = Bytes(cwt_claims.begin(), cwt_claims.end())};
  QT_ASSIGN_OR_RETURN(s.signature, SignWith(key, SigStructure(s)));
  cbor_item_t* array = cbor_new_definite_array(4);
  (void)cbor_array_push(array, cbor_move(Bstr(s.protected_bytes)));
  (void)cbor_array_push(array, cbor_move(cbor_new_definite_map(0)));
  (void)cbor_array_push(array, cbor_move(Bstr(s.payload)));
  (void)cbor_array_push(array, cbor_move(Bstr(s.signature)));
  const Bytes cose = Serialize(Item(cbor_build_tag(18, cbor_move(array))).get());
  return std::string(kPrefix) + Base45Encode(Deflate(cose));
}

Result<DecodedCredential> DecodeCredential(
    std::string_view text, const std::function<const TrustedKey*(const Bytes& kid)>& key_for) {
  if (!text.starts_with(kPrefix)) return InvalidArgument("prefix: not an HZ1: code");
  auto compressed = Base45Decode(text.substr(kPrefix.size()));
  if (!compressed.ok()) return compressed.status();
  auto cose = Inflate(*compressed);
  if (!cose.ok()) return cose.status();
  QT_ASSIGN_OR_RETURN(CoseSign1 s, ParseCoseSign1(*cose));
  const TrustedKey* key = key_for(s.kid);
  if (key == nullptr) return InvalidArgument("kid: no trusted key has this id");
  if (s.alg != static_cast<int64_t>(key->alg)) {
    return InvalidArgument("cose: the code's algorithm is not its key's (" +
                           std::string(AlgName(key->alg)) + ")");
  }
  QT_RETURN_IF_ERROR(VerifyCoseSign1(s, key->public_key).WithContext("signature"));
  return DecodedCredential{s.kid, std::move(s.payload)};
}

}  // namespace qt::identity
