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
// Thread-safety: pure function (one HTTP client per call).
#ifndef QIANTANG_FEDERATION_SUBMIT_H_
#define QIANTANG_FEDERATION_SUBMIT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "ledger/merkle.h"

namespace qt::federation {

// The consistency proof of the log from size `from` to size `to`.
using ProofFn = std::function<Result<std::vector<ledger::Bytes>>(uint64_t from, uint64_t to)>;

// `prefix_url` is the witness's submission prefix, e.g. "http://peer:8080/witness".
Result<std::string> SubmitCheckpoint(const std::string& prefix_url, const std::string& note,
                                     const ProofFn& proof, int timeout_seconds = 30);

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_SUBMIT_H_
