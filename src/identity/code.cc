#include "identity/code.h"

#include <sodium.h>

#include "identity/categories.h"
#include "identity/cbor_util.h"

namespace qt::identity {
namespace {

constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;

Bytes Aad(const Bytes& code_id, int category) {
  Bytes aad = {'H', 'Z', '1'};
  aad.insert(aad.end(), code_id.begin(), code_id.end());
  aad.push_back(static_cast<uint8_t>(category));
  return aad;
}

// {"concession": "elderly"} → CBOR {"c": "elderly"}.
Result<Bytes> ShortClaims(const nlohmann::json& claims) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : claims.items()) {
    auto key = ClaimKey(name);
    if (!key) return InvalidArgument("claims: unknown claim '" + name + "'");
    out[std::string(*key)] = value;
  }
  return nlohmann::json::to_cbor(out);
}

Result<nlohmann::json> LongClaims(const Bytes& cbor) {
  nlohmann::json in = nlohmann::json::from_cbor(cbor, true, false);
  if (!in.is_object()) return InvalidArgument("claims: not a map");
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : in.items()) {
    auto name = ClaimName(key);
    if (!name) return InvalidArgument("claims: unknown claim key '" + key + "'");
    out[std::string(*name)] = value;
  }
  return out;
}

// The largest CBOR encoding of one claim (key and value) when text values are
// at most kStandardTextBytes bytes.
size_t ClaimBound(std::string_view claim) {
  auto text = [](size_t n) { return (n < 24 ? 1 : 2) + n; };  // CBOR text header + bytes
  constexpr size_t kKey = 2;                                  // a one-letter text key
  if (claim == "concession") return kKey + text(8);           // "disabled"
  if (claim == "name" || claim == "district") return kKey + text(kStandardTextBytes);
  if (claim == "pseudonym") return kKey + text(16);
  if (claim == "adult" || claim == "senior") return kKey + 1;  // true / false
  if (claim == "talent") return kKey + text(1);
  if (claim == "talent_until") return kKey + text(10);  // YYYY-MM-DD
  return kKey + text(kStandardTextBytes);
}

// sodium_pad of `plain` to the category's standard size or, if it does not
// fit, to a multiple of kLongBlockBytes.
Result<Bytes> Pad(Bytes plain, int category) {
  const size_t standard = StandardClaimsSize(category);
  const size_t block = plain.size() < standard ? standard : kLongBlockBytes;
  const size_t unpadded = plain.size();
  plain.resize((unpadded / block + 1) * block);
  size_t padded = 0;
  if (sodium_pad(&padded, plain.data(), unpadded, block, plain.size()) != 0) {
    return Internal("code: padding failed");
  }
  plain.resize(padded);
  return plain;
}

std::string Text(cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_string(item) || !cbor_string_is_definite(item)) return "";
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)),
                     cbor_string_length(item));
}

}  // namespace

size_t StandardClaimsSize(int number) {
  const Category* category = FindCategory(number);
  size_t n = 1 + 1;  // the map's header and the padding's 0x80
  if (category != nullptr) {
    for (std::string_view claim : category->claims) n += ClaimBound(claim);
  }
  return n;
}

Result<Bytes> SealCode(const CodeContent& content,
                       const std::function<const CategoryKey*(int category)>& key_for,
                       Random& random) {
  if (content.code_id.size() != 16) return InvalidArgument("code: the id is 16 bytes");
  Bytes nonce(kNonceBytes);
  random.Fill(nonce);
  Bytes sealed;
  for (const auto& [category, claims] : content.claims) {
    if (category < 1 || category > 255) return InvalidArgument("code: category out of range");
    const CategoryKey* key = key_for(category);
    if (key == nullptr) continue;
    QT_ASSIGN_OR_RETURN(Bytes cbor, ShortClaims(claims));
    QT_ASSIGN_OR_RETURN(Bytes plain, Pad(std::move(cbor), category));
    Bytes cipher(plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    unsigned long long n = 0;
    const Bytes aad = Aad(content.code_id, category);
    crypto_aead_xchacha20poly1305_ietf_encrypt(cipher.data(), &n, plain.data(), plain.size(),
                                               aad.data(), aad.size(), nullptr, nonce.data(),
                                               key->data());
    if (cipher.size() > 0xffff) return InvalidArgument("code: claims too large");
    sealed.push_back(static_cast<uint8_t>(category));
    sealed.push_back(static_cast<uint8_t>(cipher.size() >> 8));
    sealed.push_back(static_cast<uint8_t>(cipher.size() & 0xff));
    sealed.insert(sealed.end(), cipher.begin(), cipher.end());
  }
  Item ours(cbor_new_definite_map(content.serial.empty() ? 5 : 6));
  MapPut(ours.get(), 1, cbor_build_string(std::string(1, content.kind).c_str()));
  if (!content.serial.empty()) MapPut(ours.get(), 2, cbor_build_string(content.serial.c_str()));
  MapPut(ours.get(), 3, Bstr(nonce));
  MapPut(ours.get(), 4, Int(content.epoch));
  MapPut(ours.get(), 5, Bstr(sealed));
  MapPut(ours.get(), 6, Int(1));
  Item cwt(cbor_new_definite_map(5));
  MapPut(cwt.get(), 1, cbor_build_string(std::string(kIssuer).c_str()));
  MapPut(cwt.get(), 4, Int(content.expires_at));
  MapPut(cwt.get(), 6, Int(content.issued_at));
  MapPut(cwt.get(), 7, Bstr(content.code_id));
  MapPut(cwt.get(), kCodeClaimLabel, cbor_incref(ours.get()));
  return Serialize(cwt.get());
}

Result<OpenedCode> OpenCode(std::span<const uint8_t> cwt, int category,
                            const std::function<const CategoryKey*(uint32_t epoch)>& key_for) {
  QT_ASSIGN_OR_RETURN(Item map, Load(cwt));
  QT_RETURN_IF_ERROR(CheckDepth(map.get(), 0));
  if (!cbor_isa_map(map.get())) return InvalidArgument("cwt: the claims are not a map");
  if (Text(MapGet(map.get(), 1)) != kIssuer)
    return InvalidArgument("cwt: not a citizen code (iss)");
  OpenedCode out;
  auto exp = IntOf(MapGet(map.get(), 4)), iat = IntOf(MapGet(map.get(), 6));
  if (!exp || !iat) return InvalidArgument("cwt: exp and iat are required");
  out.expires_at = *exp;
  out.issued_at = *iat;
  cbor_item_t* cti = MapGet(map.get(), 7);
  if (cti == nullptr) return InvalidArgument("cwt: no code id (cti)");
  QT_ASSIGN_OR_RETURN(out.code_id, ByteString(cti, "cti"));
  if (out.code_id.size() != 16) return InvalidArgument("cwt: the code id is not 16 bytes");
  cbor_item_t* ours = MapGet(map.get(), kCodeClaimLabel);
  if (ours == nullptr || !cbor_isa_map(ours)) return InvalidArgument("cwt: no citizen claims");
  const std::string kind = Text(MapGet(ours, 1));
  if (kind != "d" && kind != "s") return InvalidArgument("cwt: kind is neither dynamic nor static");
  out.kind = kind[0];
  out.serial = Text(MapGet(ours, 2));
  cbor_item_t* nonce_item = MapGet(ours, 3);
  if (nonce_item == nullptr) return InvalidArgument("cwt: no nonce");
  QT_ASSIGN_OR_RETURN(Bytes nonce, ByteString(nonce_item, "nonce"));
  if (nonce.size() != kNonceBytes) return InvalidArgument("cwt: the nonce is not 24 bytes");
  auto epoch = IntOf(MapGet(ours, 4));
  if (!epoch || *epoch < 0 || *epoch > UINT32_MAX) return InvalidArgument("cwt: bad key epoch");
  out.epoch = static_cast<uint32_t>(*epoch);
  bool padded = false;
  if (cbor_item_t* padding = MapGet(ours, 6)) {
    if (IntOf(padding) != 1) return InvalidArgument("cwt: unknown claims padding");
    padded = true;
  }
  cbor_item_t* sealed_item = MapGet(ours, 5);
  if (sealed_item == nullptr) return InvalidArgument("cwt: no sealed claims");
  if (!cbor_isa_bytestring(sealed_item) || !cbor_bytestring_is_definite(sealed_item)) {
    return InvalidArgument("cwt: the sealed claims are not a byte string");
  }
  // A view into `map`, which outlives its use here.
  const std::span<const uint8_t> sealed(cbor_bytestring_handle(sealed_item),
                                        cbor_bytestring_length(sealed_item));
  std::span<const uint8_t> mine;
  bool found = false;
  for (size_t i = 0; i < sealed.size();) {
    if (sealed.size() - i < 3) return InvalidArgument("cwt: sealed claims are truncated");
    const int label = sealed[i];
    const size_t n = size_t{sealed[i + 1]} << 8 | sealed[i + 2];
    if (sealed.size() - i - 3 < n) return InvalidArgument("cwt: sealed claims are truncated");
    if (!out.categories.empty() && label <= out.categories.back()) {
      return InvalidArgument("cwt: sealed claims are not in category order");
    }
    out.categories.push_back(label);
    if (label == category) {
      mine = sealed.subspan(i + 3, n);
      found = true;
    }
    i += 3 + n;
  }
  if (!found) return out;
  const CategoryKey* key = key_for(out.epoch);
  if (key == nullptr) {
    return InvalidArgument("claims: no key for epoch " + std::to_string(out.epoch) +
                           " of this category (sync the terminal)");
  }
  const std::span<const uint8_t> cipher = mine;
  if (cipher.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return InvalidArgument("claims: too short");
  }
  Bytes plain(cipher.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long n = 0;
  const Bytes aad = Aad(out.code_id, category);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &n, nullptr, cipher.data(),
                                                 cipher.size(), aad.data(), aad.size(),
                                                 nonce.data(), key->data()) != 0) {
    return InvalidArgument("claims: this category's key does not open them");
  }
  if (padded) {
    size_t unpadded = 0;
    if (plain.empty() || sodium_unpad(&unpadded, plain.data(), plain.size(), plain.size()) != 0) {
      return InvalidArgument("claims: bad padding");
    }
    plain.resize(unpadded);
  }
  try {
    QT_ASSIGN_OR_RETURN(out.claims, LongClaims(plain));
  } catch (const nlohmann::json::exception&) {
    return InvalidArgument("claims: not CBOR");
  }
  return out;
}

}  // namespace qt::identity
