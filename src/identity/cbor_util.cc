#include "identity/cbor_util.h"

namespace qt::identity {
namespace {

// libcbor allocates (and clears) a definite array's or map's handle for its
// declared size before it reads a single element, so five bytes declaring
// 2^28 elements cost gigabytes (found by fuzz/cose_fuzz.cc). Every element
// takes at least one byte: a declared size beyond the bytes left is refused
// before cbor_load allocates anything.
struct DeclaredSizes {
  size_t left = 0;
  bool too_large = false;
};

void ArrayStart(void* context, size_t n) {
  auto* c = static_cast<DeclaredSizes*>(context);
  c->too_large = c->too_large || n > c->left;
}

void MapStart(void* context, size_t n) {
  auto* c = static_cast<DeclaredSizes*>(context);
  c->too_large = c->too_large || n > c->left / 2;
}

Status CheckDeclaredSizes(std::span<const uint8_t> data) {
  cbor_callbacks callbacks = cbor_empty_callbacks;
  callbacks.array_start = ArrayStart;
  callbacks.map_start = MapStart;
  DeclaredSizes sizes;
  for (size_t pos = 0; pos < data.size();) {  // one item header at a time
    sizes.left = data.size() - pos;
    cbor_decoder_result r =
        cbor_stream_decode(data.data() + pos, data.size() - pos, &callbacks, &sizes);
    if (sizes.too_large) {
      return InvalidArgument("cbor: a container at byte " + std::to_string(pos) +
                             " declares more elements than there are bytes");
    }
    if (r.status != CBOR_DECODER_FINISHED || r.read == 0) break;  // cbor_load says why
    pos += r.read;
  }
  return OkStatus();
}

}  // namespace

Result<Item> Load(std::span<const uint8_t> data) {
  if (data.size() > kMaxCbor) return InvalidArgument("cbor: larger than 64 KiB");
  QT_RETURN_IF_ERROR(CheckDeclaredSizes(data));
  cbor_load_result r;
  Item item(cbor_load(data.data(), data.size(), &r));
  if (!item || r.error.code != CBOR_ERR_NONE) {
    return InvalidArgument("cbor: malformed at byte " + std::to_string(r.error.position));
  }
  if (r.read != data.size()) return InvalidArgument("cbor: trailing bytes after the item");
  return item;
}

Status CheckDepth(cbor_item_t* item, int depth) {
  if (depth > kMaxCborDepth) return InvalidArgument("cbor: nested deeper than 16");
  if (cbor_isa_array(item)) {
    for (size_t i = 0; i < cbor_array_size(item); ++i) {
      QT_RETURN_IF_ERROR(CheckDepth(cbor_array_handle(item)[i], depth + 1));
    }
  } else if (cbor_isa_map(item)) {
    cbor_pair* pairs = cbor_map_handle(item);
    for (size_t i = 0; i < cbor_map_size(item); ++i) {
      QT_RETURN_IF_ERROR(CheckDepth(pairs[i].key, depth + 1));
      QT_RETURN_IF_ERROR(CheckDepth(pairs[i].value, depth + 1));
    }
  } else if (cbor_isa_tag(item)) {
    Item inner(cbor_tag_item(item));
    QT_RETURN_IF_ERROR(CheckDepth(inner.get(), depth + 1));
  }
  return OkStatus();
}

Result<Bytes> ByteString(cbor_item_t* item, const std::string& what) {
  if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) {
    return InvalidArgument("cose: " + what + " is not a byte string");
  }
  const uint8_t* p = cbor_bytestring_handle(item);
  return Bytes(p, p + cbor_bytestring_length(item));
}

std::optional<int64_t> IntOf(cbor_item_t* item) {
  if (cbor_isa_uint(item)) return static_cast<int64_t>(cbor_get_int(item));
  if (cbor_isa_negint(item)) return -1 - static_cast<int64_t>(cbor_get_int(item));
  return std::nullopt;
}

cbor_item_t* MapGet(cbor_item_t* map, int64_t label) {
  if (!cbor_isa_map(map)) return nullptr;
  cbor_pair* pairs = cbor_map_handle(map);
  for (size_t i = 0; i < cbor_map_size(map); ++i) {
    if (IntOf(pairs[i].key) == label) return pairs[i].value;
  }
  return nullptr;
}

Bytes Serialize(cbor_item_t* item) {
  unsigned char* buffer = nullptr;
  size_t size = 0;
  size_t n = cbor_serialize_alloc(item, &buffer, &size);
  Bytes out(buffer, buffer + n);
  free(buffer);
  return out;
}

cbor_item_t* Bstr(std::span<const uint8_t> b) { return cbor_build_bytestring(b.data(), b.size()); }

cbor_item_t* Int(int64_t v) {
  return v >= 0 ? cbor_build_uint64(static_cast<uint64_t>(v))
                : cbor_build_negint64(static_cast<uint64_t>(-1 - v));
}

void MapPut(cbor_item_t* map, int64_t label, cbor_item_t* value) {
  (void)cbor_map_add(map, {cbor_move(Int(label)), cbor_move(value)});
}

}  // namespace qt::identity
