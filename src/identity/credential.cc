#include "identity/credential.h"

#include <cbor.h>

#include "identity/base45.h"

namespace qt::identity {

Result<std::string> EncodeCredential(std::span<const uint8_t> cwt_claims, const Bytes& kid,
                                     const crypto::SigningKey& key) {
  // Protected header {1: -8 (EdDSA), 4: kid}.
  cbor_item_t* header = cbor_new_definite_map(2);
  (void)cbor_map_add(header, {cbor_move(cbor_build_uint8(1)), cbor_move(cbor_build_negint8(7))});
  (void)cbor_map_add(header, {cbor_move(cbor_build_uint8(4)),
                              cbor_move(cbor_build_bytestring(kid.data(), kid.size()))});
  unsigned char* buf = nullptr;
  size_t cap = 0;
  size_t n = cbor_serialize_alloc(header, &buf, &cap);
  cbor_decref(&header);
  CoseSign1 s{.protected_bytes = Bytes(buf, buf + n),
              .payload = Bytes(cwt_claims.begin(), cwt_claims.end())};
  free(buf);
  const Bytes tbs = SigStructure(s);
  const crypto::Signature sig = crypto::Sign(key, tbs);
  cbor_item_t* array = cbor_new_definite_array(4);
  (void)cbor_array_push(array, cbor_move(cbor_build_bytestring(s.protected_bytes.data(),
                                                                s.protected_bytes.size())));
  (void)cbor_array_push(array, cbor_move(cbor_new_definite_map(0)));
  (void)cbor_array_push(array, cbor_move(cbor_build_bytestring(s.payload.data(), s.payload.size())));
  (void)cbor_array_push(array, cbor_move(cbor_build_bytestring(sig.data(), sig.size())));
  cbor_item_t* tagged = cbor_build_tag(18, cbor_move(array));
  n = cbor_serialize_alloc(tagged, &buf, &cap);
  cbor_decref(&tagged);
  Bytes cose(buf, buf + n);
  free(buf);
  return std::string(kPrefix) + Base45Encode(Deflate(cose));
}

Result<DecodedCredential> DecodeCredential(
    std::string_view text,
    const std::function<std::optional<crypto::PublicKey>(const Bytes& kid)>& key_for) {
  if (!text.starts_with(kPrefix)) return InvalidArgument("prefix: not an HZ1: code");
  auto compressed = Base45Decode(text.substr(kPrefix.size()));
  if (!compressed.ok()) return compressed.status();
  auto cose = Inflate(*compressed);
  if (!cose.ok()) return cose.status();
  QT_ASSIGN_OR_RETURN(CoseSign1 s, ParseCoseSign1(*cose));
  if (s.alg != static_cast<int64_t>(CoseAlg::kEdDSA)) {
    return InvalidArgument("cose: HZ1 codes are signed with EdDSA");
  }
  std::optional<crypto::PublicKey> key = key_for(s.kid);
  if (!key) return InvalidArgument("kid: no trusted key has this id");
  QT_RETURN_IF_ERROR(VerifyCoseSign1(s, *key).WithContext("signature"));
  return DecodedCredential{s.kid, std::move(s.payload)};
}

}  // namespace qt::identity
