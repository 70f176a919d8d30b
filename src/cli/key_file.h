// An organisation's own Ed25519 key in a file, for organisations that hold
// their key themselves (accounts::Accounts::RegisterOwnKey): the CLI signs
// agreements with it, so the server never sees the secret.
//
// The file is JSON, {"type": "qiantang.ed25519-key/v1", "public_key": hex,
// "seed": hex}, created with mode 0600 and never overwritten.
//
// Example:
//   QT_ASSIGN_OR_RETURN(crypto::SigningKey key, ReadKeyFile("org.key"));
//   std::string sig = SignBase64(key, agreement);
#ifndef QIANTANG_CLI_KEY_FILE_H_
#define QIANTANG_CLI_KEY_FILE_H_

#include <string>
#include <string_view>

#include "core/status.h"
#include "crypto/ed25519.h"

namespace qt::cli {

// A fresh key pair, written to a new file at `path`; kInvalidArgument, naming
// the file, if anything is there already.
Result<crypto::SigningKey> WriteNewKeyFile(const std::string& path);
// kInvalidArgument, naming the file, unless it is a key file whose public key
// belongs to its seed.
Result<crypto::SigningKey> ReadKeyFile(const std::string& path);
// An Ed25519 signature of `message`, base64 as the API takes it.
std::string SignBase64(const crypto::SigningKey& key, std::string_view message);

// Signs an agreement a server sent, after checking that it is one: never
// sign bytes a server chose without looking, or a hostile server gets this
// key's signature over anything (a key registration's proof, a receipt).
// kInvalidArgument unless `agreement` is a "qiantang.dataspace.agreement/v1"
// whose `party` ("provider" or "consumer") has this key and, when
// `contract_id` is not empty, whose contract_id is that.
Result<std::string> SignAgreement(const crypto::SigningKey& key, const std::string& agreement,
                                  std::string_view party, std::string_view contract_id);

}  // namespace qt::cli

#endif  // QIANTANG_CLI_KEY_FILE_H_
