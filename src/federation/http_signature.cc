#include "federation/http_signature.h"

#include <algorithm>
#include <cctype>

#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace qt::federation {
namespace {

// ---- RFC 8941 structured fields: the dictionary shapes of RFC 9421 ----

struct BareItem {
  enum Kind { kInteger, kString, kToken, kBytes, kBoolean } kind = kBoolean;
  int64_t integer = 0;
  std::string text;  // string, token, or decoded bytes
  bool boolean = true;
};

using Parameters = std::vector<std::pair<std::string, BareItem>>;

struct Member {
  bool inner_list = false;
  std::vector<std::pair<BareItem, Parameters>> items;  // one unless inner_list
  Parameters params;
};

class FieldParser {
 public:
  explicit FieldParser(std::string_view s) : s_(s) {}

  Result<std::vector<std::pair<std::string, Member>>> Dictionary() {
    std::vector<std::pair<std::string, Member>> out;
    SkipSpaces();
    while (pos_ < s_.size()) {
      QT_ASSIGN_OR_RETURN(std::string key, Key());
      Member m;
      if (Peek() == '=') {
        ++pos_;
        if (Peek() == '(') {
          QT_ASSIGN_OR_RETURN(m, InnerList());
        } else {
          QT_ASSIGN_OR_RETURN(BareItem item, Bare());
          m.items.emplace_back(std::move(item), Parameters{});
          QT_ASSIGN_OR_RETURN(m.params, Params());
        }
      } else {
        m.items.emplace_back(BareItem{}, Parameters{});  // a bare key is true
        QT_ASSIGN_OR_RETURN(m.params, Params());
      }
      // A later duplicate overrides an earlier one (RFC 8941 section 4.2.2).
      auto it = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == key; });
      if (it != out.end()) out.erase(it);
      out.emplace_back(std::move(key), std::move(m));
      SkipOws();
      if (pos_ == s_.size()) break;
      if (s_[pos_] != ',') return Error("expected ',' between members");
      ++pos_;
      SkipOws();
      if (pos_ == s_.size()) return Error("a trailing ','");
    }
    return out;
  }

 private:
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void SkipSpaces() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  void SkipOws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  Status Error(const std::string& what) const {
    return InvalidArgument("structured field at byte " + std::to_string(pos_) + ": " + what);
  }

  Result<std::string> Key() {
    char c = Peek();
    if (!(std::islower(static_cast<unsigned char>(c)) || c == '*')) return Error("expected a key");
    size_t start = pos_;
    while (pos_ < s_.size()) {
      char d = s_[pos_];
      if (!(std::islower(static_cast<unsigned char>(d)) ||
            std::isdigit(static_cast<unsigned char>(d)) || d == '_' || d == '-' || d == '.' ||
            d == '*')) {
        break;
      }
      ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }

  Result<Parameters> Params() {
    Parameters out;
    while (Peek() == ';') {
      ++pos_;
      SkipSpaces();
      QT_ASSIGN_OR_RETURN(std::string key, Key());
      BareItem value;  // true unless given
      if (Peek() == '=') {
        ++pos_;
        QT_ASSIGN_OR_RETURN(value, Bare());
      }
      auto it = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == key; });
      if (it != out.end()) {
        it->second = std::move(value);
      } else {
        out.emplace_back(std::move(key), std::move(value));
      }
    }
    return out;
  }

  Result<Member> InnerList() {
    Member m;
    m.inner_list = true;
    ++pos_;  // '('
    while (true) {
      SkipSpaces();
      if (Peek() == ')') {
        ++pos_;
        break;
      }
      if (pos_ >= s_.size()) return Error("an unterminated inner list");
      QT_ASSIGN_OR_RETURN(BareItem item, Bare());
      QT_ASSIGN_OR_RETURN(Parameters params, Params());
      m.items.emplace_back(std::move(item), std::move(params));
      if (Peek() != ' ' && Peek() != ')') return Error("expected ' ' or ')' in an inner list");
    }
    QT_ASSIGN_OR_RETURN(m.params, Params());
    return m;
  }

  Result<BareItem> Bare() {
    BareItem item;
    char c = Peek();
    if (c == '"') {
      item.kind = BareItem::kString;
      ++pos_;
      while (true) {
        if (pos_ >= s_.size()) return Error("an unterminated string");
        char d = s_[pos_++];
        if (d == '\\') {
          if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\\')) {
            return Error("a bad escape in a string");
          }
          item.text += s_[pos_++];
        } else if (d == '"') {
          break;
        } else if (d < 0x20 || d > 0x7e) {
          return Error("a string may hold printable ASCII only");
        } else {
          item.text += d;
        }
      }
    } else if (c == ':') {
      item.kind = BareItem::kBytes;
      size_t end = s_.find(':', pos_ + 1);
      if (end == std::string_view::npos) return Error("an unterminated byte sequence");
      QT_ASSIGN_OR_RETURN(auto bytes, crypto::Base64Decode(s_.substr(pos_ + 1, end - pos_ - 1)));
      item.text.assign(bytes.begin(), bytes.end());
      pos_ = end + 1;
    } else if (c == '?') {
      item.kind = BareItem::kBoolean;
      if (pos_ + 1 >= s_.size() || (s_[pos_ + 1] != '0' && s_[pos_ + 1] != '1')) {
        return Error("a boolean is ?0 or ?1");
      }
      item.boolean = s_[pos_ + 1] == '1';
      pos_ += 2;
    } else if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      item.kind = BareItem::kInteger;
      bool negative = c == '-';
      if (negative) ++pos_;
      size_t start = pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      if (pos_ == start || pos_ - start > 15) return Error("an integer has 1 to 15 digits");
      if (Peek() == '.') return Error("decimals are not used here");
      for (size_t i = start; i < pos_; ++i) item.integer = item.integer * 10 + (s_[i] - '0');
      if (negative) item.integer = -item.integer;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '*') {
      item.kind = BareItem::kToken;
      size_t start = pos_;
      while (pos_ < s_.size() &&
             (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
              std::string_view("!#$%&'*+-.^_`|~:/").find(s_[pos_]) != std::string_view::npos)) {
        ++pos_;
      }
      item.text = std::string(s_.substr(start, pos_ - start));
    } else {
      return Error("expected an item");
    }
    return item;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// ---- the target URI's parts (RFC 3986 absolute-URI, as RFC 9421 derives) ----

struct UriParts {
  std::string scheme, authority, path, query;  // query without '?', `has_query` says if any
  bool has_query = false;
};

Result<UriParts> SplitUri(std::string_view uri) {
  UriParts p;
  size_t colon = uri.find("://");
  if (colon == std::string_view::npos || colon == 0) {
    return InvalidArgument("target URI '" + std::string(uri) + "' is not absolute");
  }
  p.scheme = std::string(uri.substr(0, colon));
  std::transform(p.scheme.begin(), p.scheme.end(), p.scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string_view rest = uri.substr(colon + 3);
  size_t end = rest.find_first_of("/?#");
  p.authority = std::string(rest.substr(0, end));
  if (p.authority.empty()) return InvalidArgument("target URI has no authority");
  std::transform(p.authority.begin(), p.authority.end(), p.authority.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  // Default ports are left out of @authority (section 2.2.3).
  for (const auto& [scheme, port] : {std::pair{"http", ":80"}, std::pair{"https", ":443"}}) {
    if (p.scheme == scheme && p.authority.ends_with(port)) {
      p.authority.resize(p.authority.size() - std::string_view(port).size());
    }
  }
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  rest = rest.substr(0, rest.find('#'));
  size_t q = rest.find('?');
  p.path = std::string(rest.substr(0, q));
  if (p.path.empty()) p.path = "/";
  if (q != std::string_view::npos) {
    p.has_query = true;
    p.query = std::string(rest.substr(q + 1));
  }
  return p;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

Result<std::string> ComponentValue(const HttpMessage& m, const UriParts& uri,
                                   const std::string& name) {
  if (name == "@method") return m.method;
  if (name == "@target-uri") return m.target_uri;
  if (name == "@authority") return uri.authority;
  if (name == "@scheme") return uri.scheme;
  if (name == "@path") return uri.path;
  if (name == "@query") return "?" + uri.query;
  if (name.starts_with("@")) return InvalidArgument("component " + name + " is not supported");
  std::string value;
  bool found = false;
  for (const auto& [field, v] : m.headers) {
    if (field.size() != name.size() ||
        !std::equal(field.begin(), field.end(), name.begin(),
                    [](char a, char b) { return std::tolower(a) == b; })) {
      continue;
    }
    if (found) value += ", ";
    value += Trim(v);
    found = true;
  }
  if (!found) return InvalidArgument("the covered header '" + name + "' is missing");
  return value;
}

bool ValidComponentName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
           c == '@';
  });
}

}  // namespace

std::string SerializeParameters(const SignatureParameters& params) {
  std::string out = "(";
  for (size_t i = 0; i < params.components.size(); ++i) {
    if (i > 0) out += " ";
    out += Quote(params.components[i]);
  }
  out += ")";
  std::vector<std::string> order = params.order;
  if (order.empty()) {
    if (params.created) order.emplace_back("created");
    if (params.expires) order.emplace_back("expires");
    if (!params.nonce.empty()) order.emplace_back("nonce");
    if (!params.alg.empty()) order.emplace_back("alg");
    if (!params.keyid.empty()) order.emplace_back("keyid");
    if (!params.tag.empty()) order.emplace_back("tag");
  }
  for (const std::string& name : order) {
    if (name == "created" && params.created) out += ";created=" + std::to_string(*params.created);
    if (name == "expires" && params.expires) out += ";expires=" + std::to_string(*params.expires);
    if (name == "nonce") out += ";nonce=" + Quote(params.nonce);
    if (name == "alg") out += ";alg=" + Quote(params.alg);
    if (name == "keyid") out += ";keyid=" + Quote(params.keyid);
    if (name == "tag") out += ";tag=" + Quote(params.tag);
  }
  return out;
}

Result<std::string> SignatureBase(const HttpMessage& message, const SignatureParameters& params) {
  QT_ASSIGN_OR_RETURN(UriParts uri, SplitUri(message.target_uri));
  std::string base;
  std::vector<std::string_view> seen;
  for (const std::string& name : params.components) {
    if (!ValidComponentName(name)) {
      return InvalidArgument("component '" + name + "' is not a lowercase name");
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return InvalidArgument("component " + name + " is covered twice");  // section 2.5
    }
    if (name == "@signature-params") return InvalidArgument("@signature-params cannot be covered");
    seen.push_back(name);
    QT_ASSIGN_OR_RETURN(std::string value, ComponentValue(message, uri, name));
    base += Quote(name) + ": " + value + "\n";
  }
  base += "\"@signature-params\": " + SerializeParameters(params);
  return base;
}

std::string ContentDigest(std::string_view body) {
  return "sha-256=:" + crypto::Base64Encode(crypto::Sha256(body)) + ":";
}

Status CheckContentDigest(std::string_view header, std::string_view body) {
  QT_ASSIGN_OR_RETURN(auto dict, FieldParser(header).Dictionary());
  for (const auto& [key, member] : dict) {
    if (key != "sha-256") continue;
    if (member.inner_list || member.items[0].first.kind != BareItem::kBytes) {
      return InvalidArgument("Content-Digest: sha-256 is not a byte sequence");
    }
    auto digest = crypto::Sha256(body);
    if (member.items[0].first.text !=
        std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())) {
      return InvalidArgument("Content-Digest: the body's SHA-256 differs");
    }
    return OkStatus();
  }
  return InvalidArgument("Content-Digest: no sha-256 digest");
}

Result<std::vector<std::pair<std::string, std::string>>> SignMessage(
    const HttpMessage& message, const SignatureParameters& params, const crypto::SigningKey& key) {
  QT_ASSIGN_OR_RETURN(std::string base, SignatureBase(message, params));
  const crypto::Signature sig =
      crypto::Sign(key, std::span(reinterpret_cast<const uint8_t*>(base.data()), base.size()));
  return std::vector<std::pair<std::string, std::string>>{
      {"Signature-Input", "sig1=" + SerializeParameters(params)},
      {"Signature", "sig1=:" + crypto::Base64Encode(sig) + ":"}};
}

Result<ReceivedSignature> ParseSignature(std::string_view signature_input,
                                         std::string_view signature, std::string_view label) {
  auto inputs = FieldParser(signature_input).Dictionary();
  if (!inputs.ok()) return inputs.status().WithContext("Signature-Input");
  auto sigs = FieldParser(signature).Dictionary();
  if (!sigs.ok()) return sigs.status().WithContext("Signature");
  ReceivedSignature out;
  if (label.empty()) {
    if (inputs->size() != 1) {
      return InvalidArgument("Signature-Input: expected exactly one signature, found " +
                             std::to_string(inputs->size()));
    }
    out.label = inputs->front().first;
  } else {
    out.label = std::string(label);
  }
  auto input = std::find_if(inputs->begin(), inputs->end(),
                            [&](const auto& e) { return e.first == out.label; });
  auto sig =
      std::find_if(sigs->begin(), sigs->end(), [&](const auto& e) { return e.first == out.label; });
  if (input == inputs->end()) return InvalidArgument("Signature-Input: no '" + out.label + "'");
  if (sig == sigs->end()) return InvalidArgument("Signature: no '" + out.label + "'");

  const Member& in = input->second;
  if (!in.inner_list) return InvalidArgument("Signature-Input: '" + out.label + "' is not a list");
  for (const auto& [item, item_params] : in.items) {
    if (item.kind != BareItem::kString) {
      return InvalidArgument("Signature-Input: a component is not a string");
    }
    if (!item_params.empty()) {
      return InvalidArgument("Signature-Input: component parameters (;" + item_params[0].first +
                             ") are not supported");
    }
    out.params.components.push_back(item.text);
  }
  for (const auto& [name, value] : in.params) {
    out.params.order.push_back(name);
    const bool integer = value.kind == BareItem::kInteger;
    const bool string = value.kind == BareItem::kString;
    if (name == "created" && integer) {
      out.params.created = value.integer;
    } else if (name == "expires" && integer) {
      out.params.expires = value.integer;
    } else if (name == "nonce" && string) {
      out.params.nonce = value.text;
    } else if (name == "alg" && string) {
      out.params.alg = value.text;
    } else if (name == "keyid" && string) {
      out.params.keyid = value.text;
    } else if (name == "tag" && string) {
      out.params.tag = value.text;
    } else {
      return InvalidArgument("Signature-Input: parameter '" + name +
                             "' is unknown or of the wrong type");
    }
  }
  if (!out.params.alg.empty() && out.params.alg != "ed25519") {
    return InvalidArgument("Signature-Input: alg '" + out.params.alg + "' is not ed25519");
  }
  const Member& s = sig->second;
  if (s.inner_list || s.items[0].first.kind != BareItem::kBytes) {
    return InvalidArgument("Signature: '" + out.label + "' is not a byte sequence");
  }
  const std::string& bytes = s.items[0].first.text;
  if (bytes.size() != out.signature.size()) {
    return InvalidArgument("Signature: an ed25519 signature is 64 bytes, not " +
                           std::to_string(bytes.size()));
  }
  std::copy(bytes.begin(), bytes.end(), out.signature.begin());
  return out;
}

Status VerifySignature(const HttpMessage& message, const ReceivedSignature& signature,
                       const crypto::PublicKey& key) {
  QT_ASSIGN_OR_RETURN(std::string base, SignatureBase(message, signature.params));
  if (!crypto::Verify(key, std::span(reinterpret_cast<const uint8_t*>(base.data()), base.size()),
                      signature.signature)) {
    return PermissionDenied("the request's signature does not verify under key '" +
                            signature.params.keyid + "'");
  }
  return OkStatus();
}

}  // namespace qt::federation
