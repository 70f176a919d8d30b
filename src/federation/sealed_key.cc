#include "federation/sealed_key.h"

#include <string>

#include "store/transact.h"

namespace qt::federation {

Result<crypto::SigningKey> LoadOrMakeKey(store::Store& store, std::string_view id,
                                         std::string_view associated,
                                         const crypto::MasterKey& master_key, Random& random,
                                         const Clock& clock) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<crypto::SigningKey> key =
        store::WriteValue(store, [&](store::Tx& tx) -> Result<crypto::SigningKey> {
          QT_ASSIGN_OR_RETURN(
              store::Rows rows,
              tx.Query("SELECT sealed FROM fed_witness_key WHERE id = ?", {std::string(id)}));
          if (!rows.empty()) {
            QT_ASSIGN_OR_RETURN(auto seed, master_key.Open(rows[0].Blob("sealed"), associated));
            if (seed.size() != 32) {
              return Internal("fed_witness_key '" + std::string(id) +
                              "': the seed is not 32 bytes");
            }
            return crypto::SigningKeyFromSeed(std::span<const uint8_t, 32>(seed.data(), 32));
          }
          crypto::SigningKey fresh = crypto::GenerateSigningKey(random);
          auto sealed = master_key.Seal(fresh.seed, associated, random);
          QT_RETURN_IF_ERROR(
              tx.Exec("INSERT INTO fed_witness_key (id, sealed, created_at) VALUES (?, ?, ?)",
                      {std::string(id), sealed, clock.NowMillis()})
                  .status());
          return fresh;
        });
    if (key.ok()) return key;
    // A conflict: another process made the key meanwhile; the next attempt reads it.
    if (key.status().code() != StatusCode::kConflict) {
      return key.status().WithContext("federation key '" + std::string(id) + "'");
    }
  }
  return Internal("federation key '" + std::string(id) + "': could not be made or read");
}

}  // namespace qt::federation
