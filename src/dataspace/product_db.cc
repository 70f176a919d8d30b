#include "dataspace/product_db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace qt::dataspace {
namespace {

Status SqliteFailure(sqlite3* db, const std::string& what) {
  return Internal(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

const char* ColumnType(FieldType t) {
  switch (t) {
    case FieldType::kInteger:
      return "INTEGER";
    case FieldType::kReal:
      return "REAL";
    default:
      return "TEXT";
  }
}

}  // namespace

void AppendCsvCell(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string QuoteIdentifier(std::string_view name) { return "\"" + std::string(name) + "\""; }

ProductDb::~ProductDb() {
  if (insert_) sqlite3_finalize(insert_);
  if (db_) sqlite3_close_v2(db_);
}

ProductDb::ProductDb(ProductDb&& other) noexcept
    : db_(other.db_),
      schema_(std::move(other.schema_)),
      insert_(other.insert_),
      path_(std::move(other.path_)) {
  other.db_ = nullptr;
  other.insert_ = nullptr;
}

Result<ProductDb> ProductDb::Create(const std::string& path, const Schema& schema) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::filesystem::remove(path, ec);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  ProductDb db(raw, schema);
  db.path_ = path;
  if (rc != SQLITE_OK) return SqliteFailure(raw, "cannot create " + path);
  ::chmod(path.c_str(), 0600);
  std::string ddl = "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; CREATE TABLE data(";
  std::string insert = "INSERT INTO data VALUES(";
  for (size_t i = 0; i < schema.size(); ++i) {
    ddl += (i ? ", " : "") + QuoteIdentifier(schema[i].name) + " " + ColumnType(schema[i].type);
    insert += i ? ", ?" : "?";
  }
  ddl += "); BEGIN;";
  insert += ")";
  if (sqlite3_exec(raw, ddl.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteFailure(raw, "cannot create the product table");
  }
  if (sqlite3_prepare_v2(raw, insert.c_str(), -1, &db.insert_, nullptr) != SQLITE_OK) {
    return SqliteFailure(raw, "cannot prepare the insert");
  }
  return db;
}

Result<ProductDb> ProductDb::OpenReadOnly(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  ProductDb db(raw, {});
  if (rc != SQLITE_OK) return NotFound("the product's data is missing");
  return db;
}

Status ProductDb::Insert(const std::vector<Cell>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    int col = static_cast<int>(i) + 1;
    if (!cells[i]) {
      sqlite3_bind_null(insert_, col);
    } else if (schema_[i].type == FieldType::kInteger) {
      sqlite3_bind_int64(insert_, col, std::stoll(*cells[i]));
    } else if (schema_[i].type == FieldType::kReal) {
      sqlite3_bind_double(insert_, col, std::stod(*cells[i]));
    } else {
      sqlite3_bind_text(insert_, col, cells[i]->data(), static_cast<int>(cells[i]->size()),
                        SQLITE_STATIC);
    }
  }
  int rc = sqlite3_step(insert_);
  sqlite3_reset(insert_);
  if (rc != SQLITE_DONE) return SqliteFailure(db_, "cannot insert a row");
  return OkStatus();
}

Status ProductDb::Finish() {
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteFailure(db_, "cannot commit the product's rows");
  }
  sqlite3_finalize(insert_);
  insert_ = nullptr;
  int fd = ::open(path_.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return Internal("cannot flush " + path_);
  }
  ::close(fd);
  return OkStatus();
}

Result<std::vector<std::vector<Cell>>> ProductDb::Query(const std::string& sql,
                                                        const std::vector<Param>& params) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    return SqliteFailure(db_, "cannot prepare a product query");
  }
  for (size_t i = 0; i < params.size(); ++i) {
    int col = static_cast<int>(i) + 1;
    if (auto* n = std::get_if<int64_t>(&params[i])) {
      sqlite3_bind_int64(stmt, col, *n);
    } else if (auto* d = std::get_if<double>(&params[i])) {
      sqlite3_bind_double(stmt, col, *d);
    } else {
      const auto& s = std::get<std::string>(params[i]);
      sqlite3_bind_text(stmt, col, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
  }
  std::vector<std::vector<Cell>> rows;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    std::vector<Cell> row;
    int n = sqlite3_column_count(stmt);
    for (int c = 0; c < n; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_NULL:
          row.emplace_back(std::nullopt);
          break;
        case SQLITE_INTEGER:
          row.emplace_back(std::to_string(sqlite3_column_int64(stmt, c)));
          break;
        case SQLITE_FLOAT: {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(stmt, c));
          row.emplace_back(buf);
          break;
        }
        default:
          row.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                                       sqlite3_column_bytes(stmt, c)));
      }
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return SqliteFailure(db_, "product query failed");
  return rows;
}

}  // namespace qt::dataspace
