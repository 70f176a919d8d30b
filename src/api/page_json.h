// A page of a list call as JSON: {"items": [...], "next_cursor": id or null},
// and "total" where the list counts its items.
#ifndef QIANTANG_API_PAGE_JSON_H_
#define QIANTANG_API_PAGE_JSON_H_

#include <nlohmann/json.hpp>

#include "accounts/model.h"

namespace qt::api {

template <typename T, typename ToJson>
nlohmann::json PageJson(const accounts::Page<T>& page, ToJson to_json) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : page.items) items.push_back(to_json(item));
  nlohmann::json out = {
      {"items", items},
      {"next_cursor",
       page.next_cursor.empty() ? nlohmann::json(nullptr) : nlohmann::json(page.next_cursor)}};
  if (page.total) out["total"] = *page.total;
  return out;
}

}  // namespace qt::api

#endif  // QIANTANG_API_PAGE_JSON_H_
