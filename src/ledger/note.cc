#include "ledger/note.h"

#include <charconv>
#include <map>
#include <set>

#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace qt::ledger {
namespace {

constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, space
constexpr size_t kMaxSignatures = 100;

Status Malformed() { return InvalidArgument("malformed note"); }

// Valid UTF-8 with no ASCII control character other than newline.
bool CleanText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    std::optional<char32_t> cp = DecodeUtf8(s, &i);
    if (!cp || (*cp < 0x20 && *cp != '\n')) return false;
  }
  return true;
}

// Unicode White_Space, as Go's unicode.IsSpace.
bool IsSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
         c == 0x3000;
}

// A key name: non-empty UTF-8 without white space or '+'.
bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    std::optional<char32_t> cp = DecodeUtf8(name, &i);
    if (!cp || *cp == '+' || IsSpace(*cp)) return false;
  }
  return true;
}

std::string KeyLabel(std::string_view name, uint32_t id) {
  char hex[9];
  snprintf(hex, sizeof hex, "%08x", id);
  return std::string(name) + "+" + hex;
}

}  // namespace

uint32_t NoteKeyId(std::string_view name, const crypto::PublicKey& key, uint8_t type) {
  std::string data(name);
  data.push_back('\n');
  data.push_back(static_cast<char>(type));
  data.append(reinterpret_cast<const char*>(key.data()), key.size());
  crypto::Digest d = crypto::Sha256(data);
  return (uint32_t{d[0]} << 24) | (uint32_t{d[1]} << 16) | (uint32_t{d[2]} << 8) | d[3];
}

std::string FormatVerifierKey(std::string_view name, const crypto::PublicKey& key, uint8_t type) {
  Bytes k = {type};
  k.insert(k.end(), key.begin(), key.end());
  return KeyLabel(name, NoteKeyId(name, key, type)) + "+" + crypto::Base64Encode(k);
}

Result<NoteVerifier> ParseVerifierKey(std::string_view vkey, uint8_t type) {
  const Status bad = InvalidArgument("malformed verifier key");
  size_t p1 = vkey.find('+');
  if (p1 == std::string_view::npos) return bad;
  size_t p2 = vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return bad;
  std::string_view name = vkey.substr(0, p1), hex = vkey.substr(p1 + 1, p2 - p1 - 1),
                   b64 = vkey.substr(p2 + 1);
  uint32_t id = 0;
  auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), id, 16);
  auto key = crypto::Base64Decode(b64);
  if (hex.size() != 8 || ec != std::errc() || ptr != hex.data() + hex.size() || !key.ok() ||
      key->empty() || !ValidName(name)) {
    return bad;
  }
  if ((*key)[0] != type) {
    return InvalidArgument(type == kNoteEd25519 ? "verifier key is not an Ed25519 key"
                                                : "verifier key is not an Ed25519 cosigner key");
  }
  if (key->size() != 33) return InvalidArgument("malformed verifier key: wrong key length");
  NoteVerifier v{std::string(name), id, {}};
  std::copy(key->begin() + 1, key->end(), v.key.begin());
  if (NoteKeyId(name, v.key, type) != id)
    return InvalidArgument("verifier key id does not match its key");
  return v;
}

Result<SplitNoteResult> SplitNote(std::string_view note) {
  if (!CleanText(note)) return Malformed();
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Malformed();
  std::string_view text = note.substr(0, split + 1), sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') return Malformed();

  SplitNoteResult out{std::string(text), {}};
  while (!sigs.empty()) {
    size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (!line.starts_with(kSigPrefix)) return Malformed();
    std::string_view rest = line.substr(kSigPrefix.size());
    size_t sp = rest.find(' ');
    std::string_view name = rest.substr(0, sp);
    std::string_view b64 = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    auto sig = crypto::Base64Decode(b64);
    if (!sig.ok() || !ValidName(name) || b64.empty() || sig->size() < 5) return Malformed();
    if (out.signatures.size() == kMaxSignatures) return Malformed();
    const uint32_t id = (uint32_t{(*sig)[0]} << 24) | (uint32_t{(*sig)[1]} << 16) |
                        (uint32_t{(*sig)[2]} << 8) | (*sig)[3];
    out.signatures.push_back(
        {std::string(name), id, Bytes(sig->begin() + 4, sig->end()), std::string(line)});
  }
  return out;
}

Result<VerifiedNote> OpenNote(std::string_view note, const std::vector<NoteVerifier>& known) {
  QT_ASSIGN_OR_RETURN(SplitNoteResult split, SplitNote(note));
  VerifiedNote out{std::move(split.text), {}, {}};
  std::set<std::pair<std::string, uint32_t>> seen;
  std::set<std::string> seen_unverified;
  for (const NoteSignature& sig : split.signatures) {
    std::vector<const NoteVerifier*> matches;
    for (const NoteVerifier& v : known) {
      if (v.name == sig.name && v.key_id == sig.key_id) matches.push_back(&v);
    }
    if (matches.empty()) {
      if (seen_unverified.insert(sig.line).second) out.unverified.push_back(sig.name);
      continue;
    }
    const std::string label = KeyLabel(sig.name, sig.key_id);
    if (matches.size() > 1) return PermissionDenied("ambiguous key " + label);
    // Every line by a known key is verified, a second one too: a valid line
    // must not carry a forged one past the check.
    crypto::Signature s{};
    if (sig.signature.size() != s.size()) {
      return PermissionDenied("invalid signature for key " + label);
    }
    std::copy(sig.signature.begin(), sig.signature.end(), s.begin());
    auto text_bytes = std::span(reinterpret_cast<const uint8_t*>(out.text.data()), out.text.size());
    if (!crypto::Verify(matches[0]->key, text_bytes, s)) {
      return PermissionDenied("invalid signature for key " + label);
    }
    if (seen.insert({sig.name, sig.key_id}).second) out.verified_by.push_back(sig.name);
  }
  if (out.verified_by.empty()) return PermissionDenied("note has no verifiable signatures");
  return out;
}

Result<std::string> SignNote(std::string_view text, std::string_view name,
                             const crypto::PublicKey& key, const SignFn& sign) {
  if (text.empty() || text.back() != '\n' || !CleanText(text)) {
    return InvalidArgument("note text must be clean UTF-8 ending with a newline");
  }
  if (!ValidName(name)) return InvalidArgument("invalid key name");
  QT_ASSIGN_OR_RETURN(crypto::Signature sig,
                      sign(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  const uint32_t id = NoteKeyId(name, key);
  Bytes blob = {static_cast<uint8_t>(id >> 24), static_cast<uint8_t>(id >> 16),
                static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)};
  blob.insert(blob.end(), sig.begin(), sig.end());
  return std::string(text) + "\n" + std::string(kSigPrefix) + std::string(name) + " " +
         crypto::Base64Encode(blob) + "\n";
}

std::string FormatCheckpoint(const Checkpoint& c) {
  return c.origin + "\n" + std::to_string(c.size) + "\n" + crypto::Base64Encode(c.root) + "\n";
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos)
      return InvalidArgument("checkpoint: text must end with a newline");
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  if (lines.size() < 3) return InvalidArgument("checkpoint: needs origin, size and root lines");
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return InvalidArgument("checkpoint: an extension line is empty");
  }
  Checkpoint c;
  c.origin = std::string(lines[0]);
  if (c.origin.empty()) return InvalidArgument("checkpoint: empty origin");
  std::string_view size = lines[1];
  auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), c.size);
  if (size.empty() || ec != std::errc() || ptr != size.data() + size.size() ||
      (size.size() > 1 && size[0] == '0')) {
    return InvalidArgument("checkpoint: size '" + std::string(size) + "' is not a decimal number");
  }
  auto root = crypto::Base64Decode(lines[2]);
  if (!root.ok() || root->size() != 32) {
    return InvalidArgument("checkpoint: root is not a base64 SHA-256 hash");
  }
  std::copy(root->begin(), root->end(), c.root.begin());
  return c;
}

}  // namespace qt::ledger
