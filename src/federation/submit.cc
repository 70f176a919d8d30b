#include "federation/submit.h"

#include <httplib.h>

#include <charconv>

#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/tls.h"
#include "ledger/note.h"

namespace qt::federation {

Result<std::string> SubmitCheckpoint(const std::string& prefix_url, const std::string& note,
                                     const ProofFn& proof, int timeout_seconds,
                                     const RequestSigner& sign, const std::string& tls_pin) {
  QT_ASSIGN_OR_RETURN(ledger::SplitNoteResult split, ledger::SplitNote(note));
  QT_ASSIGN_OR_RETURN(ledger::Checkpoint cp, ledger::ParseCheckpoint(split.text));

  const size_t scheme = prefix_url.find("://");
  const size_t slash = prefix_url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const std::string base = prefix_url.substr(0, slash);
  std::string prefix = slash == std::string::npos ? "" : prefix_url.substr(slash);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  httplib::Client witness(base);
  if (scheme == std::string::npos || !witness.is_valid()) {
    return InvalidArgument("witness URL '" + prefix_url + "' is not a URL");
  }
  crypto::PinCheck pin{.pin = tls_pin, .mismatch = false, .seen = ""};
  if (base.starts_with("https://") && !tls_pin.empty()) {
    witness.enable_server_certificate_verification(false);  // the pin replaces the chain
    crypto::RequirePinnedKey(witness.ssl_context(), &pin);
  }
  witness.set_tcp_nodelay(true);  // see peer_client.cc: no 40 ms wait per TLS call
  witness.set_connection_timeout(5);
  witness.set_read_timeout(timeout_seconds);

  uint64_t old = 0;
  std::string proof_lines;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::string request = "old " + std::to_string(old) + "\n" + proof_lines + "\n" + note;
    httplib::Headers headers;
    if (sign) {
      QT_ASSIGN_OR_RETURN(auto signed_headers,
                          sign("POST", base + prefix + "/add-checkpoint", request));
      for (auto& [k, v] : signed_headers) headers.emplace(k, v);
    }
    // A witness answers a line or a size: anything above 64 KiB is cut off.
    httplib::Request req;
    req.method = "POST";
    req.path = prefix + "/add-checkpoint";
    req.headers = std::move(headers);
    req.body = request;
    req.set_header("Content-Type", "text/plain");
    std::string answer;
    bool too_large = false;
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (answer.size() + n > 64 * 1024) {
        too_large = true;
        return false;
      }
      answer.append(data, n);
      return true;
    };
    auto res = witness.send(req);
    if (too_large) return Unavailable("the witness at " + base + " answered more than 64 KiB");
    if (res) res->body = std::move(answer);
    if (!res && pin.mismatch) {
      return Unavailable("the witness at " + base + " presented TLS key " + pin.seen +
                         ", not the pinned " + tls_pin);
    }
    if (!res) {
      return Unavailable("cannot reach the witness at " + base + ": " +
                         httplib::to_string(res.error()));
    }
    if (res->status == 200) return res->body;
    if (res->status != 409) {
      return FailedPrecondition("the witness refused the checkpoint (HTTP " +
                                std::to_string(res->status) +
                                "): " + ValidUtf8Prefix(res->body, 500));
    }
    uint64_t witnessed = 0;
    const std::string& body = res->body;
    auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), witnessed);
    if (ec != std::errc() || ptr == body.data()) {
      return Internal("the witness's 409 carries no size: " + ValidUtf8Prefix(body, 100));
    }
    if (witnessed > cp.size) {
      return FailedPrecondition("the witness has cosigned size " + std::to_string(witnessed) +
                                ", larger than this checkpoint's " + std::to_string(cp.size) +
                                ": the log went back");
    }
    old = witnessed;
    proof_lines.clear();
    if (old > 0 && old < cp.size) {
      QT_ASSIGN_OR_RETURN(auto hashes, proof(old, cp.size));
      for (const auto& h : hashes) proof_lines += crypto::Base64Encode(h) + "\n";
    }
  }
  return Unavailable("the witness's size kept changing; try again");
}

}  // namespace qt::federation
