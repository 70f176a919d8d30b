#include "identity/cose.h"

#include <cbor.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <zlib.h>

#include <memory>

#include "identity/cbor_util.h"

namespace qt::identity {
namespace {

// One inflate state per thread, reset between codes (a gate verifies codes
// one after another; allocating zlib's state each time was a tenth of a scan).
class Inflater {
 public:
  Inflater() { ok_ = inflateInit(&zs_) == Z_OK; }
  ~Inflater() {
    if (ok_) inflateEnd(&zs_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  z_stream* Reset() { return ok_ && inflateReset(&zs_) == Z_OK ? &zs_ : nullptr; }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

}  // namespace

Result<Bytes> Inflate(std::span<const uint8_t> compressed, size_t max_out) {
  thread_local Inflater inflater;
  z_stream* zs = inflater.Reset();
  if (zs == nullptr) return Internal("zlib: cannot initialise");
  zs->next_in = const_cast<Bytef*>(compressed.data());
  zs->avail_in = static_cast<uInt>(compressed.size());
  // The output grows as needed (most codes inflate to a few times their
  // size), up to one byte past the bound, which tells a bomb.
  Bytes out(std::min(max_out + 1, compressed.size() * 4 + 256));
  int rc = Z_OK;
  while (true) {
    zs->next_out = out.data() + zs->total_out;
    zs->avail_out = static_cast<uInt>(out.size() - zs->total_out);
    rc = inflate(zs, Z_FINISH);
    if (rc == Z_STREAM_END || zs->total_out > max_out || out.size() > max_out) break;
    if (rc != Z_BUF_ERROR && rc != Z_OK) break;
    if (zs->avail_out != 0) break;  // stuck, not for want of output space
    out.resize(std::min(max_out + 1, out.size() * 2));
  }
  const size_t produced = zs->total_out;
  if (produced > max_out)
    return InvalidArgument("zlib: inflates past " + std::to_string(max_out) + " bytes");
  if (rc != Z_STREAM_END) return InvalidArgument("zlib: not a complete zlib stream");
  out.resize(produced);
  return out;
}

namespace {

// A deflate state per thread and level, reset between codes (initialising
// zlib's state cost more than compressing a code). A code is at most a few
// KiB, so a 4 KiB window (windowBits 12) loses nothing.
class Deflater {
 public:
  explicit Deflater(int level) {
    ok_ = deflateInit2(&zs_, level, Z_DEFLATED, 12, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~Deflater() {
    if (ok_) deflateEnd(&zs_);
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  Bytes Run(std::span<const uint8_t> data) {
    if (!ok_ || deflateReset(&zs_) != Z_OK) return {};
    // deflateBound is not always enough (zlib 1.2.13 with stored blocks and a
    // small window: 10 bytes for the 11 of an empty stream): grow until done.
    Bytes out(deflateBound(&zs_, data.size()) + 16);
    zs_.next_in = const_cast<Bytef*>(data.data());
    zs_.avail_in = static_cast<uInt>(data.size());
    while (true) {
      zs_.next_out = out.data() + zs_.total_out;
      zs_.avail_out = static_cast<uInt>(out.size() - zs_.total_out);
      const int rc = deflate(&zs_, Z_FINISH);
      if (rc == Z_STREAM_END) break;
      if (rc != Z_OK && rc != Z_BUF_ERROR) return {};
      out.resize(out.size() * 2);
    }
    out.resize(zs_.total_out);
    return out;
  }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

}  // namespace

Bytes Deflate(std::span<const uint8_t> data) {
  thread_local Deflater fast(Z_BEST_SPEED), best(Z_BEST_COMPRESSION), stored(Z_NO_COMPRESSION);
  // Mostly ciphertext (our codes) hardly compresses: when a fast pass saves
  // less than a tenth, stored blocks are barely larger and inflate twenty
  // times faster at every scan.
  if (fast.Run(data).size() * 10 > data.size() * 9) return stored.Run(data);
  return best.Run(data);
}

Result<CoseSign1> ParseCoseSign1(std::span<const uint8_t> cbor) {
  CoseSign1 s;
  // Leading tags are read here: CWT (61) may wrap COSE_Sign1 (18). (Debian's
  // libcbor 0.8 also fails to load a tag around an array.)
  while (!cbor.empty() && (cbor[0] >> 5) == 6) {
    uint64_t tag = cbor[0] & 0x1f;
    size_t head = 1;
    if (tag == 24 && cbor.size() > 1) {
      tag = cbor[1];
      head = 2;
    } else if (tag > 23) {
      return InvalidArgument("cose: unexpected tag");
    }
    if (tag == 18) {
      s.tagged = true;
    } else if (tag != 61) {
      return InvalidArgument("cose: tag " + std::to_string(tag) + " is not COSE_Sign1 (18)");
    }
    cbor = cbor.subspan(head);
  }
  QT_ASSIGN_OR_RETURN(Item array, Load(cbor));
  QT_RETURN_IF_ERROR(CheckDepth(array.get(), 0));
  if (!cbor_isa_array(array.get()) || cbor_array_size(array.get()) != 4) {
    return InvalidArgument("cose: COSE_Sign1 is an array of 4");
  }
  cbor_item_t** parts = cbor_array_handle(array.get());
  QT_ASSIGN_OR_RETURN(s.protected_bytes, ByteString(parts[0], "the protected header"));
  if (!cbor_isa_map(parts[1])) return InvalidArgument("cose: the unprotected header is not a map");
  if (cbor_isa_bytestring(parts[2])) {
    QT_ASSIGN_OR_RETURN(s.payload, ByteString(parts[2], "the payload"));
  } else {
    return InvalidArgument("cose: the payload is detached or not a byte string");
  }
  QT_ASSIGN_OR_RETURN(s.signature, ByteString(parts[3], "the signature"));
  if (!s.protected_bytes.empty()) {
    QT_ASSIGN_OR_RETURN(Item prot, Load(s.protected_bytes));
    if (!cbor_isa_map(prot.get()))
      return InvalidArgument("cose: the protected header is not a map");
    if (cbor_item_t* alg = MapGet(prot.get(), 1)) s.alg = IntOf(alg);
    if (cbor_item_t* kid = MapGet(prot.get(), 4)) {
      QT_ASSIGN_OR_RETURN(s.kid, ByteString(kid, "kid"));
    }
  }
  if (!s.alg) {
    if (cbor_item_t* alg = MapGet(parts[1], 1)) s.alg = IntOf(alg);
  }
  if (s.kid.empty()) {
    if (cbor_item_t* kid = MapGet(parts[1], 4)) {
      QT_ASSIGN_OR_RETURN(s.kid, ByteString(kid, "kid"));
    }
  }
  return s;
}

namespace {

// The CBOR head of a major type with argument n (RFC 8949 section 3).
void AppendHead(Bytes& out, uint8_t major, uint64_t n) {
  const uint8_t m = static_cast<uint8_t>(major << 5);
  if (n < 24) {
    out.push_back(m | static_cast<uint8_t>(n));
    return;
  }
  int bytes = n <= 0xff ? 1 : n <= 0xffff ? 2 : n <= 0xffffffff ? 4 : 8;
  out.push_back(m | static_cast<uint8_t>(bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27));
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
}

void AppendBytes(Bytes& out, std::span<const uint8_t> b) {
  AppendHead(out, 2, b.size());
  out.insert(out.end(), b.begin(), b.end());
}

}  // namespace

Bytes SigStructure(const CoseSign1& s, std::span<const uint8_t> external_aad) {
  // Written directly (it is signed and verified on every scan):
  // array(4) ["Signature1", protected, external_aad, payload].
  Bytes out;
  out.reserve(s.payload.size() + s.protected_bytes.size() + external_aad.size() + 32);
  AppendHead(out, 4, 4);
  constexpr std::string_view kContext = "Signature1";
  AppendHead(out, 3, kContext.size());
  out.insert(out.end(), kContext.begin(), kContext.end());
  AppendBytes(out, s.protected_bytes);
  AppendBytes(out, external_aad);
  AppendBytes(out, s.payload);
  return out;
}

Status VerifyCoseSign1(const CoseSign1& s, std::span<const uint8_t> public_key,
                       std::span<const uint8_t> external_aad) {
  if (!s.alg) return InvalidArgument("cose: no algorithm in the protected header");
  const Bytes tbs = SigStructure(s, external_aad);
  if (*s.alg == static_cast<int64_t>(CoseAlg::kEdDSA)) {
    if (public_key.size() != 32 || s.signature.size() != 64) {
      return InvalidArgument("cose: EdDSA needs a 32-byte key and a 64-byte signature");
    }
    if (crypto_sign_verify_detached(s.signature.data(), tbs.data(), tbs.size(),
                                    public_key.data()) != 0) {
      return InvalidArgument("cose: the signature does not verify");
    }
    return OkStatus();
  }
  const uint8_t* p = public_key.data();
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      d2i_PUBKEY(nullptr, &p, static_cast<long>(public_key.size())), EVP_PKEY_free);
  if (!key) return InvalidArgument("cose: the public key is not a DER SubjectPublicKeyInfo");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1) {
    return InvalidArgument("cose: the key does not suit the algorithm");
  }
  Bytes sig = s.signature;
  if (*s.alg == static_cast<int64_t>(CoseAlg::kES256)) {
    if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_EC || sig.size() != 64) {
      return InvalidArgument("cose: ES256 needs an EC key and a 64-byte r||s signature");
    }
    ECDSA_SIG* es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(sig.data(), 32, nullptr), BN_bin2bn(sig.data() + 32, 32, nullptr));
    unsigned char* der = nullptr;
    int n = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    sig.assign(der, der + n);
    OPENSSL_free(der);
  } else if (*s.alg == static_cast<int64_t>(CoseAlg::kPS256)) {
    if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1) {
      return InvalidArgument("cose: PS256 needs an RSA key");
    }
  } else {
    return InvalidArgument("cose: algorithm " + std::to_string(*s.alg) + " is not supported");
  }
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), tbs.data(), tbs.size()) != 1) {
    return InvalidArgument("cose: the signature does not verify");
  }
  return OkStatus();
}

Result<CwtClaims> ParseCwt(std::span<const uint8_t> payload, int64_t private_label) {
  QT_ASSIGN_OR_RETURN(Item map, Load(payload));
  QT_RETURN_IF_ERROR(CheckDepth(map.get(), 0));
  if (!cbor_isa_map(map.get())) return InvalidArgument("cwt: the claims are not a map");
  CwtClaims c;
  if (cbor_item_t* iss = MapGet(map.get(), 1);
      iss && cbor_isa_string(iss) && cbor_string_is_definite(iss)) {
    c.iss.assign(reinterpret_cast<const char*>(cbor_string_handle(iss)), cbor_string_length(iss));
  }
  if (cbor_item_t* exp = MapGet(map.get(), 4)) c.exp = IntOf(exp);
  if (cbor_item_t* iat = MapGet(map.get(), 6)) c.iat = IntOf(iat);
  if (cbor_item_t* claim = MapGet(map.get(), private_label)) c.claim = Serialize(claim);
  return c;
}

}  // namespace qt::identity
