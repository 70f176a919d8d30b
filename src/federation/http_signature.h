// HTTP Message Signatures (RFC 9421) and Content-Digest (RFC 9530): how one
// node signs a request to another and how the other checks it.
//
// The subset implemented is what node-to-node calls need, as the RFC writes it:
//   - components: the derived @method, @target-uri, @authority, @scheme,
//     @path and @query (section 2.2) and header fields by lowercase name
//     (section 2.1; repeated lines joined with ", "); component parameters
//     (;sf, ;key, ;bs, ;req, ;name) are refused;
//   - signature parameters created, expires, nonce, alg, keyid and tag
//     (section 2.3), kept in the order received;
//   - the algorithm "ed25519" (section 3.3.6);
//   - Signature-Input and Signature as RFC 8941 dictionaries (section 4).
// The signature base (section 2.5) is one line per covered component,
// `"<name>": <value>`, then `"@signature-params": <serialized parameters>`,
// joined by "\n" without a trailing newline.
//
// What a node requires of a request beyond a valid signature (the components
// covered, the clock window, the nonce) is federation/peers.h's business.
//
// Thread-safety: pure functions.
//
// Example (RFC 9421 appendix B.2.6):
//   HttpMessage m{"POST", "http://example.com/foo?param=Value&Pet=dog", headers};
//   QT_ASSIGN_OR_RETURN(auto sig, ParseSignature(input_header, signature_header, "sig-b26"));
//   QT_RETURN_IF_ERROR(VerifySignature(m, sig, public_key));
#ifndef QIANTANG_FEDERATION_HTTP_SIGNATURE_H_
#define QIANTANG_FEDERATION_HTTP_SIGNATURE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "crypto/ed25519.h"

namespace qt::federation {

// A request as the signature sees it.
struct HttpMessage {
  std::string method{};      // "POST"
  std::string target_uri{};  // absolute: "https://node.example/dsp/catalog/request?x=1"
  std::vector<std::pair<std::string, std::string>> headers{};  // names in any case
};

struct SignatureParameters {
  std::vector<std::string> components{};  // covered, in order: "@method", "content-digest"
  std::optional<int64_t> created{}, expires{};
  std::string nonce{}, alg{}, keyid{}, tag{};  // "" when absent
  // The parameter names in serialization order; empty: created, expires,
  // nonce, alg, keyid, tag (those present).
  std::vector<std::string> order{};
};

// The @signature-params value: the inner list of components with its
// parameters, e.g. ("@method" "content-digest");created=1;keyid="k".
std::string SerializeParameters(const SignatureParameters& params);

// The signature base of section 2.5. kInvalidArgument for a component the
// message does not have (a missing header), an unsupported one, or a target
// URI that is not absolute.
Result<std::string> SignatureBase(const HttpMessage& message, const SignatureParameters& params);

// RFC 9530: "sha-256=:<base64 SHA-256 of body>:".
std::string ContentDigest(std::string_view body);
// kInvalidArgument unless `header` (a Content-Digest dictionary) has a
// sha-256 member equal to the body's digest (other algorithms are ignored;
// sha-256 is required).
Status CheckContentDigest(std::string_view header, std::string_view body);

// The headers to add to `message` to sign it with `key` under the label
// "sig1": Signature-Input and Signature. (Content-Digest, if covered, must
// already be among the message's headers.)
Result<std::vector<std::pair<std::string, std::string>>> SignMessage(
    const HttpMessage& message, const SignatureParameters& params, const crypto::SigningKey& key);

struct ReceivedSignature {
  std::string label{};
  SignatureParameters params{};
  crypto::Signature signature{};
};

// Reads one signature from the Signature-Input and Signature headers:
// the member named `label`, or, with `label` empty, the only member (several
// is kInvalidArgument: the verifier must say which). kInvalidArgument for
// anything that is not a well-formed RFC 8941 dictionary of the shapes above,
// a signature that is not 64 bytes, or an alg other than "ed25519".
Result<ReceivedSignature> ParseSignature(std::string_view signature_input,
                                         std::string_view signature, std::string_view label = "");

// kPermissionDenied unless `signature` verifies over `message` under `key`;
// kInvalidArgument if the base cannot be built.
Status VerifySignature(const HttpMessage& message, const ReceivedSignature& signature,
                       const crypto::PublicKey& key);

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_HTTP_SIGNATURE_H_
