#include "federation/node.h"

#include <algorithm>

#include "crypto/encoding.h"
#include "crypto/recipient_box.h"
#include "federation/http_signature.h"
#include "federation/sealed_key.h"
#include "ledger/note.h"

namespace qt::federation {
namespace {

constexpr std::string_view kKeyAssociated = "federation.node";
constexpr std::string_view kHeader = "qiantang-node/v1";

Status ValidateCity(std::string_view city) {
  if (city.empty() || city.size() > 40 || city.find('\n') != std::string_view::npos) {
    return InvalidArgument("city: 1 to 40 bytes on one line");
  }
  return OkStatus();
}

// "key value" lines in a fixed order.
Result<std::string> Field(std::string_view& text, std::string_view key) {
  size_t end = text.find('\n');
  if (end == std::string_view::npos)
    return InvalidArgument("descriptor: no line '" + std::string(key) + "'");
  std::string_view line = text.substr(0, end);
  text.remove_prefix(end + 1);
  if (!line.starts_with(key) || line.size() <= key.size() + 1 || line[key.size()] != ' ') {
    return InvalidArgument("descriptor: expected the line '" + std::string(key) + " ...', got '" +
                           std::string(line.substr(0, 80)) + "'");
  }
  return std::string(line.substr(key.size() + 1));
}

}  // namespace

Status ValidateNodeName(std::string_view name) {
  if (name.empty() || name.size() > 63 || !std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
      })) {
    return InvalidArgument("node name '" + std::string(name.substr(0, 80)) +
                           "': 1 to 63 of a-z, 0-9, '.' and '-'");
  }
  return OkStatus();
}

Status ValidateNodeUrl(std::string_view url) {
  const bool scheme = url.starts_with("http://") || url.starts_with("https://");
  const size_t host = url.find("://") + 3;
  const bool printable = std::all_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!scheme || !printable || url.size() > 200 || url.size() <= host || url.ends_with("/") ||
      url.find_first_of("?#\"<>\\") != std::string_view::npos ||
      url.substr(host).starts_with("/")) {
    return InvalidArgument("node url '" + std::string(url.substr(0, 200)) +
                           "': an http(s) URL with a host, no query and no trailing '/'");
  }
  return OkStatus();
}

Result<NodeDescriptor> ParseDescriptor(std::string_view text_in) {
  if (text_in.size() > 8192) return InvalidArgument("descriptor: more than 8 KiB");
  // A note ends with a newline; shells and JSON editors often drop the last
  // one, which no signature covers, so it is put back.
  std::string owned(text_in);
  if (!owned.empty() && owned.back() != '\n') owned += '\n';
  std::string_view note = owned;
  auto split = ledger::SplitNote(note);
  if (!split.ok()) {
    return split.status().WithContext(
        "descriptor (a signed note: its lines, a blank line, the node key's signature line)");
  }
  std::string_view text = split->text;
  if (!text.starts_with(std::string(kHeader) + "\n")) {
    return InvalidArgument("descriptor: the first line is not '" + std::string(kHeader) + "'");
  }
  text.remove_prefix(kHeader.size() + 1);
  NodeDescriptor d;
  QT_ASSIGN_OR_RETURN(d.name, Field(text, "name"));
  QT_ASSIGN_OR_RETURN(d.city, Field(text, "city"));
  QT_ASSIGN_OR_RETURN(d.url, Field(text, "url"));
  QT_ASSIGN_OR_RETURN(d.node_vkey, Field(text, "key"));
  QT_ASSIGN_OR_RETURN(d.ledger_vkey, Field(text, "ledger"));
  QT_ASSIGN_OR_RETURN(d.witness_vkey, Field(text, "witness"));
  if (text.starts_with("tls ")) {
    QT_ASSIGN_OR_RETURN(d.tls_pin, Field(text, "tls"));
    QT_RETURN_IF_ERROR(crypto::ValidateTlsPin(d.tls_pin).WithContext("descriptor: tls"));
  }
  QT_ASSIGN_OR_RETURN(std::string issued, Field(text, "issued"));
  if (!text.empty()) return InvalidArgument("descriptor: unexpected lines after 'issued'");
  QT_RETURN_IF_ERROR(ValidateNodeName(d.name).WithContext("descriptor"));
  QT_RETURN_IF_ERROR(ValidateCity(d.city).WithContext("descriptor"));
  QT_RETURN_IF_ERROR(ValidateNodeUrl(d.url).WithContext("descriptor"));
  if (d.url.starts_with("https://") == d.tls_pin.empty()) {
    return InvalidArgument(d.tls_pin.empty()
                               ? "descriptor: an https node names its TLS key (a 'tls' line)"
                               : "descriptor: a 'tls' line with a plain http URL");
  }
  if (issued.empty() || issued.size() > 18 ||
      !std::all_of(issued.begin(), issued.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidArgument("descriptor: issued is not a number of seconds");
  }
  d.issued = std::stoull(issued);
  auto key = ledger::ParseVerifierKey(d.node_vkey);
  if (!key.ok()) return key.status().WithContext("descriptor: key");
  if (key->name != d.name) {
    return InvalidArgument("descriptor: the key's name '" + key->name + "' is not the node's name");
  }
  QT_RETURN_IF_ERROR(
      ledger::ParseVerifierKey(d.ledger_vkey).status().WithContext("descriptor: ledger"));
  QT_RETURN_IF_ERROR(ledger::ParseVerifierKey(d.witness_vkey, ledger::kCosignatureEd25519)
                         .status()
                         .WithContext("descriptor: witness"));
  QT_RETURN_IF_ERROR(ledger::OpenNote(note, {*key}).status().WithContext("descriptor"));
  d.key = key->key;
  d.note = std::string(note);
  return d;
}

Result<std::unique_ptr<Node>> Node::Open(store::Store& store, NodeOptions options) {
  if (options.clock == nullptr || options.random == nullptr || options.master_key == nullptr) {
    return InvalidArgument("node: clock, random and master key are required");
  }
  QT_RETURN_IF_ERROR(ValidateNodeName(options.name));
  QT_RETURN_IF_ERROR(ValidateCity(options.city));
  if (!options.url.empty()) QT_RETURN_IF_ERROR(ValidateNodeUrl(options.url));
  QT_ASSIGN_OR_RETURN(crypto::SigningKey key,
                      LoadOrMakeKey(store, "node", kKeyAssociated, *options.master_key,
                                    *options.random, *options.clock));
  return std::unique_ptr<Node>(new Node(std::move(options), key));
}

Node::Node(NodeOptions options, crypto::SigningKey key) : options_(std::move(options)), key_(key) {}

std::string Node::url() const {
  std::lock_guard lock(mu_);
  return options_.url;
}

Status Node::set_url(std::string url) {
  QT_RETURN_IF_ERROR(ValidateNodeUrl(url));
  std::lock_guard lock(mu_);
  options_.url = std::move(url);
  return OkStatus();
}

std::string Node::VerifierKey() const {
  return ledger::FormatVerifierKey(options_.name, key_.public_key);
}

Result<std::string> Node::Descriptor() const {
  const std::string text =
      std::string(kHeader) + "\nname " + options_.name + "\ncity " + options_.city + "\nurl " +
      url() + "\nkey " + VerifierKey() + "\nledger " + options_.ledger_vkey + "\nwitness " +
      options_.witness_vkey + (options_.tls == nullptr ? "" : "\ntls " + tls_pin()) + "\nissued " +
      std::to_string(options_.clock->NowMillis() / 1000) + "\n";
  return ledger::SignNote(text, options_.name, key_.public_key,
                          [this](std::span<const uint8_t> m) -> Result<crypto::Signature> {
                            return crypto::Sign(key_, m);
                          });
}

Result<std::vector<uint8_t>> Node::OpenSealed(std::span<const uint8_t> sealed) const {
  return crypto::OpenSealed(key_, sealed);
}

Result<Headers> Node::SignRequest(std::string_view method, std::string_view target_uri,
                                  std::string_view body) const {
  uint8_t nonce[18];
  options_.random->Fill(nonce);
  HttpMessage m{
      std::string(method), std::string(target_uri), {{"Content-Digest", ContentDigest(body)}}};
  SignatureParameters params{.components = {"@method", "@target-uri", "content-digest"},
                             .created = options_.clock->NowMillis() / 1000,
                             .nonce = crypto::Base64UrlEncode(nonce),
                             .alg = "ed25519",
                             .keyid = options_.name};
  QT_ASSIGN_OR_RETURN(Headers signature, SignMessage(m, params, key_));
  Headers out = std::move(m.headers);
  out.insert(out.end(), signature.begin(), signature.end());
  return out;
}

}  // namespace qt::federation
