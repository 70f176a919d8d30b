#include "dataspace/key_set.h"

#include <sodium.h>

#include <filesystem>

namespace qt::dataspace {

KeySet::KeySet(std::string spill_path, size_t memory_keys)
    : spill_path_(std::move(spill_path)), memory_keys_(memory_keys) {
  randombytes_buf(siphash_key_.data(), siphash_key_.size());
}

KeySet::~KeySet() {
  if (insert_) sqlite3_finalize(insert_);
  if (db_) {
    sqlite3_close_v2(db_);
    std::error_code ec;
    std::filesystem::remove(spill_path_, ec);
  }
}

KeySet::KeySet(KeySet&& other) noexcept
    : spill_path_(std::move(other.spill_path_)),
      memory_keys_(other.memory_keys_),
      siphash_key_(other.siphash_key_),
      memory_(std::move(other.memory_)),
      db_(other.db_),
      insert_(other.insert_) {
  other.db_ = nullptr;
  other.insert_ = nullptr;
}

Result<bool> KeySet::Insert(std::string_view material) {
  Key key;
  static_assert(sizeof(Key) == crypto_shorthash_siphashx24_BYTES);
  crypto_shorthash_siphashx24(key.data(), reinterpret_cast<const unsigned char*>(material.data()),
                              material.size(), siphash_key_.data());
  if (db_) return InsertStored(key);
  if (!memory_.insert(key).second) return false;
  if (memory_.size() > memory_keys_) QT_RETURN_IF_ERROR(Spill());
  return true;
}

Status KeySet::Spill() {
  std::error_code ec;
  std::filesystem::remove(spill_path_, ec);
  if (sqlite3_open_v2(spill_path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK ||
      sqlite3_exec(db_,
                   "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;"
                   "CREATE TABLE k(key BLOB PRIMARY KEY) WITHOUT ROWID; BEGIN;",
                   nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db_, "INSERT OR IGNORE INTO k VALUES (?)", -1, &insert_, nullptr) !=
          SQLITE_OK) {
    return Internal("cannot open the dedupe spill file " + spill_path_ + ": " +
                    (db_ ? sqlite3_errmsg(db_) : "out of memory"));
  }
  for (const Key& k : memory_) QT_RETURN_IF_ERROR(InsertStored(k).status());
  memory_ = {};
  return OkStatus();
}

Result<bool> KeySet::InsertStored(const Key& key) {
  sqlite3_bind_blob(insert_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  int rc = sqlite3_step(insert_);
  sqlite3_reset(insert_);
  if (rc != SQLITE_DONE) return Internal(std::string("dedupe spill: ") + sqlite3_errmsg(db_));
  return sqlite3_changes(db_) == 1;
}

}  // namespace qt::dataspace
