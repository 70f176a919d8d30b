#include "store/store.h"

#include <cassert>

#include "store/pg_store.h"
#include "store/sqlite_store.h"

namespace qt::store {

bool Row::IsNull(size_t i) const { return std::holds_alternative<std::nullptr_t>(values_.at(i)); }

int64_t Row::Int(size_t i) const {
  assert(std::holds_alternative<int64_t>(values_.at(i)));
  return std::get<int64_t>(values_.at(i));
}

const std::string& Row::Text(size_t i) const {
  assert(std::holds_alternative<std::string>(values_.at(i)));
  return std::get<std::string>(values_.at(i));
}

const Bytes& Row::Blob(size_t i) const {
  assert(std::holds_alternative<Bytes>(values_.at(i)));
  return std::get<Bytes>(values_.at(i));
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
