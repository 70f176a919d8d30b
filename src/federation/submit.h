// The log's side of C2SP tlog-witness: having a witness cosign a checkpoint.
//
// SubmitCheckpoint sends "old 0" first (the witness's size is not known), and
// on the 409 that carries the witness's size it sends again with the
// consistency proof from that size, asked of `proof`. It returns the
// witness's cosignature lines. A witness that has cosigned a larger size
// than the checkpoint's is kFailedPrecondition ("the log went back"), a
// refusal is kFailedPrecondition with the HTTP status and the witness's
// words, an unreachable witness kUnavailable.
//
// A node submitting its own checkpoints signs each request with its node key
// (`sign`, RFC 9421, federation/node.h): a witness that knows the node as a
// peer then takes a refused proof as the log's own word (see witness.h).
//
// Thread-safety: pure function (one HTTP client per call).
#ifndef QIANTANG_FEDERATION_SUBMIT_H_
#define QIANTANG_FEDERATION_SUBMIT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "ledger/merkle.h"

namespace qt::federation {

// The consistency proof of the log from size `from` to size `to`.
using ProofFn = std::function<Result<std::vector<ledger::Bytes>>(uint64_t from, uint64_t to)>;

// The headers that sign a request of `method` to `url` with `body`.
using RequestSigner = std::function<Result<std::vector<std::pair<std::string, std::string>>>(
    std::string_view method, std::string_view url, std::string_view body)>;

// `prefix_url` is the witness's submission prefix, e.g. "http://peer:8080/witness".
// `sign` may be null (requests go unsigned, as any C2SP client's).
// Over https, a witness whose TLS key is pinned (`tls_pin`, a peer's) must
// present that key; without a pin its certificate must chain to a root this
// machine trusts and name its host.
Result<std::string> SubmitCheckpoint(const std::string& prefix_url, const std::string& note,
                                     const ProofFn& proof, int timeout_seconds = 30,
                                     const RequestSigner& sign = nullptr,
                                     const std::string& tls_pin = "");

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_SUBMIT_H_
