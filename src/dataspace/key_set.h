// KeySet: the set of row keys a pipeline's dedupe step has seen, in bounded
// memory. Keys are 128-bit SipHash (libsodium's siphashx24, keyed at random
// per set) of the key material; up to `memory_keys` are kept in memory, then
// all of them move to a SQLite table in `spill_path` (cache bounded to
// 64 MB) and lookups continue there, so a multi-gigabyte file is deduplicated
// without holding its keys in memory.
//
// Thread-compatible.
#ifndef QIANTANG_DATASPACE_KEY_SET_H_
#define QIANTANG_DATASPACE_KEY_SET_H_

#include <sqlite3.h>

#include <array>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/status.h"

namespace qt::dataspace {

class KeySet {
 public:
  explicit KeySet(std::string spill_path, size_t memory_keys = 2'000'000);
  ~KeySet();
  KeySet(KeySet&& other) noexcept;
  KeySet& operator=(KeySet&&) = delete;

  // True if `material`'s key was not in the set (and now is).
  Result<bool> Insert(std::string_view material);
  bool spilled() const { return db_ != nullptr; }

 private:
  using Key = std::array<uint8_t, 16>;
  struct KeyHash {
    size_t operator()(const Key& k) const {
      size_t h;
      std::memcpy(&h, k.data(), sizeof h);
      return h;
    }
  };
  Status Spill();
  Result<bool> InsertStored(const Key& key);

  std::string spill_path_;
  size_t memory_keys_;
  std::array<uint8_t, 16> siphash_key_{};
  std::unordered_set<Key, KeyHash> memory_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
};

}  // namespace qt::dataspace

#endif  // QIANTANG_DATASPACE_KEY_SET_H_
