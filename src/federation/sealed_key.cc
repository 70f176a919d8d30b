#include "federation/sealed_key.h"

#include <optional>
#include <string>

namespace qt::federation {

Result<crypto::SigningKey> LoadOrMakeKey(store::Store& store, std::string_view id,
                                         std::string_view associated,
                                         const crypto::MasterKey& master_key, Random& random,
                                         const Clock& clock) {
  std::optional<crypto::SigningKey> key;
  for (int attempt = 0; attempt < 2 && !key; ++attempt) {
    Status s = store.Write([&](store::Tx& tx) -> Status {
      key.reset();
      QT_ASSIGN_OR_RETURN(
          store::Rows rows,
          tx.Query("SELECT sealed FROM fed_witness_key WHERE id = ?", {std::string(id)}));
      if (!rows.empty()) {
        QT_ASSIGN_OR_RETURN(auto seed, master_key.Open(rows[0].Blob("sealed"), associated));
        if (seed.size() != 32) {
          return Internal("fed_witness_key '" + std::string(id) + "': the seed is not 32 bytes");
        }
        key = crypto::SigningKeyFromSeed(std::span<const uint8_t, 32>(seed.data(), 32));
        return OkStatus();
      }
      crypto::SigningKey fresh = crypto::GenerateSigningKey(random);
      auto sealed = master_key.Seal(fresh.seed, associated, random);
      QT_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO fed_witness_key (id, sealed, created_at) VALUES (?, ?, ?)",
                  {std::string(id), sealed, clock.NowMillis()})
              .status());
      key = fresh;
      return OkStatus();
    });
    if (!s.ok() && s.code() != StatusCode::kConflict) {
      return s.WithContext("federation key '" + std::string(id) + "'");
    }
    if (!s.ok()) key.reset();
  }
  if (!key) return Internal("federation key '" + std::string(id) + "': could not be made or read");
  return *key;
}

}  // namespace qt::federation
