#include "store/store.h"

#include <algorithm>

#include "store/pg_store.h"
#include "store/sqlite_store.h"

namespace qt::store {

namespace {

const char* TypeName(const Value& v) {
  switch (v.index()) {
    case 0:
      return "NULL";
    case 1:
      return "an integer";
    case 2:
      return "a real";
    case 3:
      return "text";
    default:
      return "bytes";
  }
}

template <typename T>
const T* Get(const std::vector<Value>& values, size_t i) {
  return i < values.size() ? std::get_if<T>(&values[i]) : nullptr;
}

}  // namespace

void Row::Mismatch(size_t i, const char* wanted) const {
  if (!mismatch_.empty()) return;
  std::string name = "column " + std::to_string(i);
  if (names_ && i < names_->size()) name = "column '" + (*names_)[i] + "'";
  mismatch_ = name + ": expected " + wanted + ", found " +
              (i < values_.size() ? TypeName(values_[i]) : "no such column");
}

size_t Row::Find(std::string_view column) const {
  if (names_) {
    // Decoders mostly read in the SELECT's order: try the column after the
    // last one found first, then the others.
    const size_t n = std::min(names_->size(), values_.size());
    for (size_t k = 0; k < n; ++k) {
      const size_t i = (next_ + k) % n;
      if ((*names_)[i] == column) {
        next_ = i + 1;
        return i;
      }
    }
  }
  if (mismatch_.empty()) mismatch_ = "no column '" + std::string(column) + "' in the result";
  return values_.size();
}

bool Row::IsNull(std::string_view column) const { return IsNull(Find(column)); }
int64_t Row::Int(std::string_view column) const { return Int(Find(column)); }
const std::string& Row::Text(std::string_view column) const { return Text(Find(column)); }
const Bytes& Row::Blob(std::string_view column) const { return Blob(Find(column)); }

Status Row::status() const { return mismatch_.empty() ? OkStatus() : Internal(mismatch_); }

bool Row::IsNull(size_t i) const {
  if (i >= values_.size()) Mismatch(i, "a column");
  return Get<std::nullptr_t>(values_, i) != nullptr;
}

int64_t Row::Int(size_t i) const {
  if (const auto* v = Get<int64_t>(values_, i)) return *v;
  Mismatch(i, "an integer");
  return 0;
}

const std::string& Row::Text(size_t i) const {
  if (const auto* v = Get<std::string>(values_, i)) return *v;
  Mismatch(i, "text");
  static const std::string kEmpty;
  return kEmpty;
}

const Bytes& Row::Blob(size_t i) const {
  if (const auto* v = Get<Bytes>(values_, i)) return *v;
  Mismatch(i, "bytes");
  static const Bytes kEmpty;
  return kEmpty;
}

Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const StoreOptions& options) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.starts_with(kSqlite)) {
    std::string_view path = url.substr(kSqlite.size());
    if (path.empty()) return InvalidArgument("database URL 'sqlite:' needs a file path");
    QT_ASSIGN_OR_RETURN(auto store, SqliteStore::Open(std::string(path), options));
    return std::unique_ptr<Store>(std::move(store));
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    QT_ASSIGN_OR_RETURN(auto store, PgStore::Open(std::string(url), options));
    return std::unique_ptr<Store>(std::move(store));
  }
  return InvalidArgument("database URL must be sqlite:PATH or postgresql://... (got '" +
                         std::string(url) + "')");
}

}  // namespace qt::store
