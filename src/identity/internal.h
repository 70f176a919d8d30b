// Shared by the identity service's files (not part of the public API).
#ifndef QIANTANG_IDENTITY_INTERNAL_H_
#define QIANTANG_IDENTITY_INTERNAL_H_

#include <array>
#include <map>
#include <string>

#include "identity/code.h"
#include "identity/identity.h"
#include "identity/issuer_key.h"
#include "identity/lists.h"
#include "store/store.h"

namespace qt::identity {

struct Identity::Secrets {
  std::array<uint8_t, 32> service{};    // keys the resident-ID hash and pseudonyms
  std::map<int, CategoryKey> category;  // epoch 1, by category number
  IssuerKey active;
};

inline constexpr uint32_t kCategoryEpoch = 1;

// BLAKE2b-256 of `message` keyed by `key`, hex; `bytes` of output.
std::string KeyedHash(const std::array<uint8_t, 32>& key, std::string_view message, size_t bytes);

// The citizen `id`, if the caller's authority holds it or the operator
// delegated its authority's citizens to the caller; permission_denied naming
// `what` otherwise (citizens.cc).
Result<Citizen> ReadOwnCitizen(store::Tx& tx, const accounts::Principal& caller,
                               const std::string& id, std::string_view what);

// Adds each delta to its named counter in id_counters (created at 0), in the
// caller's transaction: the figures GetStats and GetTallies read without
// scanning citizens or scans. Names: "citizens", "revoked", "talents",
// "scans", "codes", "district:<name>" (citizens not revoked), "talent:<category>",
// "scan:<category>:<hour in Beijing time>" (counters.cc).
Status AddToCounters(store::Tx& tx, const std::map<std::string, int64_t>& deltas);
// The counter name of a scan at `scanned_at` in `category`.
std::string ScanCounter(const std::string& category, int64_t scanned_at);

// The value of a stored name (ParseX of model.h), or internal naming the
// column and the name; for decoders (store/decode.h).
template <typename E>
Result<E> StoredName(std::optional<E> parsed, std::string_view column, const store::Row& r) {
  if (!parsed) return Internal(std::string(column) + ": unknown value '" + r.Text(column) + "'");
  return *parsed;
}

// "YYYY-MM-DD" of a time (UTC).
std::string DateOf(int64_t ms);

// The chain head of a row of id_revocations (its `head` column, 32 bytes in
// hex); internal if the stored text is not one (store/decode.h) (citizens.cc).
Result<Head> StoredHead(const store::Row& r);

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_INTERNAL_H_
