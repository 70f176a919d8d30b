// A product's own SQLite database: one table `data` whose columns are the
// product's fields. Written once by a pipeline run (to a temporary file that
// is renamed into place when complete), then only read: by previews, and by
// the channel through a read-only connection.
//
// Thread-safety: a ProductDb is used by one thread at a time.
#ifndef QIANTANG_DATASPACE_PRODUCT_DB_H_
#define QIANTANG_DATASPACE_PRODUCT_DB_H_

#include <sqlite3.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"
#include "dataspace/schema.h"

namespace qt::dataspace {

// A value read from or written to the product table.
using Cell = std::optional<std::string>;  // nullopt is SQL NULL

class ProductDb {
 public:
  ~ProductDb();
  ProductDb(ProductDb&& other) noexcept;
  ProductDb& operator=(ProductDb&&) = delete;

  // Creates `path` (replacing any file there) with the table for `schema`,
  // ready for Insert inside one transaction.
  static Result<ProductDb> Create(const std::string& path, const Schema& schema);
  // Opens an existing product database read-only.
  static Result<ProductDb> OpenReadOnly(const std::string& path);

  // REQUIRES: opened by Create; cells.size() == schema size; each non-null
  // cell fits its field's type.
  Status Insert(const std::vector<Cell>& cells);
  // Commits the rows and flushes the file to disk.
  Status Finish();

  // Runs a query with bound parameters; each result cell as text (NULL as
  // nullopt). Integers print in decimal, reals with %.17g.
  using Param = std::variant<int64_t, double, std::string>;
  Result<std::vector<std::vector<Cell>>> Query(const std::string& sql,
                                               const std::vector<Param>& params = {});

  sqlite3* handle() { return db_; }

 private:
  ProductDb(sqlite3* db, Schema schema) : db_(db), schema_(std::move(schema)) {}
  sqlite3* db_ = nullptr;
  Schema schema_;
  sqlite3_stmt* insert_ = nullptr;
  std::string path_;
};

// Appends a CSV cell (RFC 4180): quoted, with "" for ", only if it holds a
// comma, a quote, CR or LF.
void AppendCsvCell(std::string& out, std::string_view v);

// "data"."name" quoting for a field name (names are validated by ParseSchema).
std::string QuoteIdentifier(std::string_view name);

}  // namespace qt::dataspace

#endif  // QIANTANG_DATASPACE_PRODUCT_DB_H_
