// A terminal's state between scans, as `qiantang code terminal` keeps it in a
// JSON file (mode 0600): its id, category and secret key, the issuer key it
// pinned at registration, the signed trust list and the revocation chain it
// last synced, its category keys, its replay cache, and the signed receipts
// it has not uploaded yet.
//
// Thread-safety: values; one terminal, one process.
#ifndef QIANTANG_IDENTITY_TERMINAL_STATE_H_
#define QIANTANG_IDENTITY_TERMINAL_STATE_H_

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "identity/model.h"
#include "identity/verifier.h"

namespace qt::identity {

struct TerminalState {
  std::string server;
  std::string terminal_id;
  std::string category;
  crypto::SigningKey key;
  crypto::PublicKey issuer{};  // pinned
  nlohmann::json trust_list;   // as downloaded (signed); null before the first sync
  RevocationState revocations;
  std::map<uint32_t, CategoryKey> category_keys;
  std::map<std::string, int64_t> seen;  // replay cache
  std::vector<ScanReceipt> pending;     // signed, not uploaded
};

nlohmann::json StateJson(const TerminalState& state);
Result<TerminalState> ParseState(const nlohmann::json& j);
Result<TerminalState> LoadState(const std::string& path);
// Writes atomically (a temporary file renamed over `path`), mode 0600.
Status SaveState(const TerminalState& state, const std::string& path);

// A verifier with the state's lists and keys (the trust list is checked again
// under the pinned issuer key). Call SaveVerifier after scanning.
Result<std::unique_ptr<Verifier>> LoadVerifier(const TerminalState& state);
void SaveVerifier(const Verifier& verifier, TerminalState& state);

// A receipt of a scan, signed with the terminal's key.
Result<ScanReceipt> SignReceipt(const TerminalState& state, const std::string& code_id,
                                std::vector<std::string> claims_read, const std::string& result,
                                int64_t scanned_at);

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_TERMINAL_STATE_H_
