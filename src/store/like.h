// Text search with SQL LIKE: a pattern matching a text anywhere, with LIKE's
// own wildcards taken literally. Use it as "LOWER(column) LIKE ? ESCAPE '\'".
#ifndef QIANTANG_STORE_LIKE_H_
#define QIANTANG_STORE_LIKE_H_

#include <cctype>
#include <string>
#include <string_view>

namespace qt::store {

// "%text%" in lower case (ASCII letters; other bytes as they are), with '%',
// '_' and '\' escaped by '\'.
inline std::string LikeContains(std::string_view text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out + "%";
}

}  // namespace qt::store

#endif  // QIANTANG_STORE_LIKE_H_
