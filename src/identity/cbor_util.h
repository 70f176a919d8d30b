// Small helpers over libcbor for the identity module (internal): owned
// items, bounded loading, integer-labelled maps.
#ifndef QIANTANG_IDENTITY_CBOR_UTIL_H_
#define QIANTANG_IDENTITY_CBOR_UTIL_H_

#include <cbor.h>

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "identity/cose.h"

namespace qt::identity {

struct ItemDeleter {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using Item = std::unique_ptr<cbor_item_t, ItemDeleter>;

// One CBOR item filling `data` (at most kMaxCbor bytes).
Result<Item> Load(std::span<const uint8_t> data);
// invalid_argument if `item` nests deeper than kMaxCborDepth.
Status CheckDepth(cbor_item_t* item, int depth);
// A definite byte string; invalid_argument naming `what` otherwise.
Result<Bytes> ByteString(cbor_item_t* item, const std::string& what);
std::optional<int64_t> IntOf(cbor_item_t* item);
// The value of integer label `label` in a map, or nullptr.
cbor_item_t* MapGet(cbor_item_t* map, int64_t label);
Bytes Serialize(cbor_item_t* item);

// Builders (the caller owns the result; cbor_move it into a container).
cbor_item_t* Bstr(std::span<const uint8_t> b);
cbor_item_t* Int(int64_t v);
// Adds label → value to `map` (taking `value`).
void MapPut(cbor_item_t* map, int64_t label, cbor_item_t* value);

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_CBOR_UTIL_H_
