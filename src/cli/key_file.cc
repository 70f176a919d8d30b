#include "cli/key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/command.h"
#include "crypto/encoding.h"
#include "crypto/random.h"

namespace qt::cli {

namespace {
constexpr std::string_view kKeyFileType = "qiantang.ed25519-key/v1";
}  // namespace

Result<crypto::SigningKey> WriteNewKeyFile(const std::string& path) {
  crypto::SystemRandom random;
  crypto::SigningKey key = crypto::GenerateSigningKey(random);
  std::string text = nlohmann::json{{"type", kKeyFileType},
                                    {"public_key", crypto::HexEncode(key.public_key)},
                                    {"seed", crypto::HexEncode(key.seed)}}
                         .dump(2) +
                     "\n";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return InvalidArgument("cannot create " + path + ": " + std::strerror(errno) +
                           " (an existing key file is never overwritten)");
  }
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = fsync(fd) == 0 && ok;
  ok = close(fd) == 0 && ok;
  sodium_memzero(text.data(), text.size());
  if (!ok) return InvalidArgument("cannot write " + path);
  return key;
}

Result<crypto::SigningKey> ReadKeyFile(const std::string& path) {
  // A key file is a small regular file: never read a device or a pipe.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || std::filesystem::file_size(path, ec) > 4096) {
    return InvalidArgument(path + " is not a key file (a regular file of a few hundred bytes)");
  }
  QT_ASSIGN_OR_RETURN(nlohmann::json j, ReadJsonFile(path));
  const auto bad = InvalidArgument(path + " is not a qiantang key file (`orgs keygen` makes one)");
  if (!j.is_object() || Str(j, "type") != kKeyFileType ||
      !j.value("seed", nlohmann::json()).is_string() ||
      !j.value("public_key", nlohmann::json()).is_string()) {
    return bad;
  }
  auto seed = crypto::HexDecode(j["seed"].get<std::string>());
  if (!seed.ok() || seed->size() != 32) return bad;
  crypto::SigningKey key =
      crypto::SigningKeyFromSeed(std::span<const uint8_t, 32>(seed->data(), 32));
  sodium_memzero(seed->data(), seed->size());
  if (crypto::HexEncode(key.public_key) != j["public_key"].get<std::string>()) {
    return InvalidArgument(path + ": its public key is not its seed's");
  }
  return key;
}

std::string SignBase64(const crypto::SigningKey& key, std::string_view message) {
  return crypto::Base64Encode(crypto::Sign(key, crypto::AsBytes(message)));
}

Result<std::string> SignAgreement(const crypto::SigningKey& key, const std::string& agreement,
                                  std::string_view party, std::string_view contract_id) {
  const nlohmann::json a = nlohmann::json::parse(agreement, nullptr, /*allow_exceptions=*/false);
  const std::string role(party);
  if (!a.is_object() || Str(a, "type") != "qiantang.dataspace.agreement/v1" ||
      !a.value(role, nlohmann::json()).is_object()) {
    return InvalidArgument(
        "the server sent something to sign that is not an agreement; not signed");
  }
  // Exactly the agreement's fields, in the one form the platform writes
  // (compact, keys sorted, none twice): other readers cannot take the signed
  // bytes for anything else, e.g. by reading the first of two contract_ids.
  static const std::set<std::string> kFields = {"agreed_at",      "consumer", "contract_id",
                                                "offer_id",       "policy",   "product_id",
                                                "product_sha256", "provider", "type"};
  std::set<std::string> fields;
  for (const auto& [name, value] : a.items()) fields.insert(name);
  if (fields != kFields || a.dump() != agreement) {
    return InvalidArgument(
        "the agreement has other fields than an agreement's, or is not in its one written form; "
        "not signed");
  }
  if (!contract_id.empty() && Str(a, "contract_id") != contract_id) {
    return InvalidArgument("the agreement is for contract " + Str(a, "contract_id") + ", not " +
                           std::string(contract_id) + "; not signed");
  }
  if (Str(a[role], "public_key") != crypto::HexEncode(key.public_key)) {
    return InvalidArgument("the agreement's " + role + " is not this key's holder (key " +
                           Str(a[role], "public_key") + "); not signed");
  }
  return SignBase64(key, agreement);
}

}  // namespace qt::cli
