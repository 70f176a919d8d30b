// Fuzzes the channel's SQL subset (dataspace/channel_sql.h): any text either
// parses or is refused with a reason; what parses names only fields that
// FieldsUsed reports, and parsing never crashes or throws.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dataspace/channel_sql.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view sql(reinterpret_cast<const char*>(data), size);
  auto q = qt::dataspace::ParseChannelSql(sql);
  if (!q.ok()) {
    if (q.status().message().empty()) std::abort();  // a refusal always says why
    return 0;
  }
  if (q->select.empty()) std::abort();
  for (const std::string& f : qt::dataspace::FieldsUsed(*q)) {
    if (f.empty()) std::abort();
  }
  return 0;
}
