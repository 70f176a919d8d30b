#include "privacy/delivery.h"

#include <sodium.h>

#include <cmath>
#include <map>
#include <sstream>

#include "core/csv.h"
#include "crypto/encoding.h"
#include "crypto/recipient_box.h"
#include "crypto/sha256.h"

namespace qt::privacy {
namespace {

using dataspace::Cell;
using dataspace::FieldType;
using dataspace::Schema;
using nlohmann::json;

constexpr std::string_view kMagic = "QTDLV1\n";
constexpr size_t kChunk = 64 * 1024;
constexpr int64_t kMinCells = 24;

// A row's identity: its values in the non-fingerprint columns, in order.
std::string Identity(const std::vector<Cell>& row, const std::vector<bool>& fp) {
  std::string id;
  for (size_t i = 0; i < row.size(); ++i) {
    if (fp[i]) continue;
    id += row[i] ? *row[i] : std::string("\x1e");
    id += '\x1f';
  }
  return id;
}

// The direction (+1 or -1) of a fingerprinted cell.
int Direction(const FingerprintKey& key, const std::string& identity, const std::string& field) {
  std::string in = identity + '\0' + field;
  uint8_t h[crypto_shorthash_BYTES];
  crypto_shorthash(h, reinterpret_cast<const unsigned char*>(in.data()), in.size(), key.data());
  return (h[0] & 1) ? 1 : -1;
}

// log10 of the binomial upper tail P(X >= k), X ~ Bin(n, 1/2).
double Log10Tail(int64_t n, int64_t k) {
  // Sum in log space: log P(X = i) = log C(n, i) - n log 2.
  double total = -INFINITY;
  for (int64_t i = k; i <= n; ++i) {
    double term =
        std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) - n * std::log(2.0);
    total = std::max(total, term) + std::log1p(std::exp(-std::fabs(total - term)));
  }
  return total / std::log(10.0);
}

std::string JoinLine(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) line += ',';
    dataspace::AppendCsvCell(line, cells[i]);
  }
  return line + "\n";
}

}  // namespace

Result<std::string> ExportFingerprinted(dataspace::ProductDb& db, const Schema& schema,
                                        const std::vector<std::string>& columns,
                                        const FingerprintKey& key) {
  std::vector<size_t> out_fields;
  for (const auto& c : columns) {
    auto i = dataspace::FindField(schema, c);
    if (!i) return InvalidArgument("columns: the product has no field '" + c + "'");
    out_fields.push_back(*i);
  }
  if (out_fields.empty()) return InvalidArgument("columns: name at least one");
  // Identities come from whole rows, whichever columns are delivered, so
  // tracing needs only the product.
  std::string select;
  std::vector<bool> fp;
  for (const auto& f : schema) {
    select += (select.empty() ? "" : ", ") + dataspace::QuoteIdentifier(f.name);
    fp.push_back(f.fingerprint);
  }
  QT_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT " + select + " FROM data ORDER BY rowid"));
  std::string out = JoinLine(columns);
  for (auto& row : rows) {
    const std::string identity = Identity(row, fp);
    std::vector<std::string> cells;
    for (size_t i : out_fields) {
      const dataspace::Field& f = schema[i];
      if (!row[i]) {
        cells.emplace_back();
      } else if (f.fingerprint) {
        int64_t v = std::stoll(*row[i]);
        int64_t moved = v + Direction(key, identity, f.name);
        bool inside = (!f.min || moved >= *f.min) && (!f.max || moved <= *f.max);
        cells.push_back(std::to_string(inside ? moved : v));
      } else {
        cells.push_back(*row[i]);
      }
    }
    out += JoinLine(cells);
  }
  return out;
}

Result<std::string> SealDelivery(const SealedHeader& h, const crypto::PublicKey& recipient,
                                 std::string_view plaintext) {
  std::array<uint8_t, crypto_secretstream_xchacha20poly1305_KEYBYTES> key;
  crypto_secretstream_xchacha20poly1305_keygen(key.data());
  QT_ASSIGN_OR_RETURN(auto sealed_key, crypto::SealTo(recipient, key));
  crypto_secretstream_xchacha20poly1305_state st;
  std::array<uint8_t, crypto_secretstream_xchacha20poly1305_HEADERBYTES> stream_header;
  crypto_secretstream_xchacha20poly1305_init_push(&st, stream_header.data(), key.data());
  sodium_memzero(key.data(), key.size());
  const std::string line = json{{"contract_id", h.contract_id},
                                {"delivery_id", h.delivery_id},
                                {"recipient_id", h.recipient_id},
                                {"content_sha256", h.content_sha256},
                                {"sealed_key", crypto::Base64Encode(sealed_key)},
                                {"stream_header", crypto::Base64Encode(stream_header)}}
                               .dump();
  const crypto::Digest ad = crypto::Sha256(line);
  std::string out = std::string(kMagic) + line + "\n";
  size_t offset = 0;
  do {
    const size_t n = std::min(kChunk, plaintext.size() - offset);
    const bool last = offset + n == plaintext.size();
    std::vector<uint8_t> c(n + crypto_secretstream_xchacha20poly1305_ABYTES);
    unsigned long long clen = 0;
    crypto_secretstream_xchacha20poly1305_push(
        &st, c.data(), &clen, reinterpret_cast<const uint8_t*>(plaintext.data()) + offset, n,
        ad.data(), ad.size(), last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((clen >> shift) & 0xff);
    out.append(reinterpret_cast<const char*>(c.data()), clen);
    offset += n;
  } while (offset < plaintext.size());
  return out;
}

namespace {

Result<std::pair<json, size_t>> ParseHeader(std::string_view file) {
  if (!file.starts_with(kMagic)) return InvalidArgument("not a Qiantang delivery file");
  size_t end = file.find('\n', kMagic.size());
  if (end == std::string_view::npos) return InvalidArgument("the delivery header is cut off");
  json h = json::parse(file.substr(kMagic.size(), end - kMagic.size()), nullptr, false);
  if (h.is_discarded() || !h.is_object()) return InvalidArgument("the delivery header is not JSON");
  for (const char* k : {"contract_id", "delivery_id", "recipient_id", "content_sha256",
                        "sealed_key", "stream_header"}) {
    if (!h.value(k, json()).is_string())
      return InvalidArgument(std::string("the header has no ") + k);
  }
  return std::make_pair(h, end + 1);
}

}  // namespace

Result<SealedHeader> ReadDeliveryHeader(std::string_view file) {
  QT_ASSIGN_OR_RETURN(auto parsed, ParseHeader(file));
  const json& h = parsed.first;
  return SealedHeader{h["contract_id"], h["delivery_id"], h["recipient_id"], h["content_sha256"]};
}

Result<Opened> OpenDelivery(
    std::string_view file,
    const std::function<Result<std::vector<uint8_t>>(std::span<const uint8_t>)>& open_key) {
  QT_ASSIGN_OR_RETURN(auto parsed, ParseHeader(file));
  const auto& [h, body] = parsed;
  const std::string_view line = file.substr(kMagic.size(), body - kMagic.size() - 1);
  auto sealed_key = crypto::Base64Decode(h["sealed_key"].get<std::string>());
  auto stream_header = crypto::Base64Decode(h["stream_header"].get<std::string>());
  if (!sealed_key.ok() || !stream_header.ok() ||
      stream_header->size() != crypto_secretstream_xchacha20poly1305_HEADERBYTES) {
    return InvalidArgument("the delivery header is malformed");
  }
  QT_ASSIGN_OR_RETURN(auto key, open_key(*sealed_key));
  if (key.size() != crypto_secretstream_xchacha20poly1305_KEYBYTES) {
    return InvalidArgument("the sealed key has the wrong size");
  }
  crypto_secretstream_xchacha20poly1305_state st;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&st, stream_header->data(), key.data()) !=
      0) {
    return InvalidArgument("the stream header is invalid");
  }
  sodium_memzero(key.data(), key.size());
  const crypto::Digest ad = crypto::Sha256(line);
  Opened out{
      .header = {h["contract_id"], h["delivery_id"], h["recipient_id"], h["content_sha256"]}};
  size_t pos = body;
  bool final = false;
  while (!final) {
    if (pos + 4 > file.size()) return InvalidArgument("the delivery is truncated");
    size_t clen = 0;
    for (int i = 0; i < 4; ++i) clen = (clen << 8) | static_cast<uint8_t>(file[pos + i]);
    pos += 4;
    if (clen < crypto_secretstream_xchacha20poly1305_ABYTES || pos + clen > file.size()) {
      return InvalidArgument("the delivery is truncated");
    }
    std::vector<uint8_t> m(clen - crypto_secretstream_xchacha20poly1305_ABYTES);
    unsigned long long mlen = 0;
    uint8_t tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(
            &st, m.data(), &mlen, &tag, reinterpret_cast<const uint8_t*>(file.data()) + pos, clen,
            ad.data(), ad.size()) != 0) {
      return InvalidArgument(
          "the delivery was altered (a chunk or its header does not authenticate)");
    }
    out.plaintext.append(reinterpret_cast<const char*>(m.data()), mlen);
    pos += clen;
    final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  }
  if (pos != file.size()) return InvalidArgument("data follows the final chunk");
  if (crypto::HexEncode(crypto::Sha256(out.plaintext)) != out.header.content_sha256) {
    return InvalidArgument("the content does not match its hash");
  }
  return out;
}

Result<TraceResult> TraceLeak(std::string_view leaked_csv, dataspace::ProductDb& db,
                              const Schema& schema, const std::vector<Candidate>& candidates) {
  // The leaked file: header, rows.
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> leaked;
  std::istringstream in{std::string(leaked_csv)};
  QT_RETURN_IF_ERROR(ReadCsv(in, "leaked", [&](const CsvRow& r) -> Status {
    if (header.empty()) {
      header = r.fields;
    } else {
      leaked.push_back(r.fields);
    }
    return OkStatus();
  }));
  // Columns present: fingerprinted ones to read, the rest to re-identify rows.
  std::vector<int> key_cols, fp_cols;  // indices into header
  std::vector<std::string> key_names;
  for (size_t i = 0; i < header.size(); ++i) {
    auto f = dataspace::FindField(schema, header[i]);
    if (!f) continue;
    if (schema[*f].fingerprint) {
      fp_cols.push_back(static_cast<int>(i));
    } else {
      key_cols.push_back(static_cast<int>(i));
      key_names.push_back(header[i]);
    }
  }
  TraceResult result;
  if (fp_cols.empty()) {
    result.reason = "the copy has none of the product's fingerprinted fields";
    return result;
  }
  if (key_cols.empty()) {
    result.reason = "the copy has no other field of the product to recognise its rows by";
    return result;
  }
  // The original rows, indexed by the leaked copy's key columns.
  std::string select;
  for (const auto& f : schema)
    select += (select.empty() ? "" : ", ") + dataspace::QuoteIdentifier(f.name);
  QT_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT " + select + " FROM data ORDER BY rowid"));
  std::vector<size_t> key_fields;
  key_fields.reserve(key_names.size());
  for (const auto& n : key_names) key_fields.push_back(*dataspace::FindField(schema, n));
  std::map<std::string, long> index;  // key -> row, or -1 when ambiguous
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string k;
    for (size_t f : key_fields) k += (rows[r][f] ? *rows[r][f] : "") + '\x1f';
    auto [it, fresh] = index.emplace(k, static_cast<long>(r));
    if (!fresh) it->second = -1;
  }
  // Readable cells: (original row, field index, observed direction).
  struct Cellmark {
    size_t row;
    size_t field;
    int direction;
  };
  std::vector<Cellmark> marks;
  for (const auto& l : leaked) {
    std::string k;
    for (int c : key_cols) k += (static_cast<size_t>(c) < l.size() ? l[c] : "") + '\x1f';
    auto it = index.find(k);
    if (it == index.end() || it->second < 0) continue;
    ++result.rows_matched;
    const auto& orig = rows[it->second];
    for (int c : fp_cols) {
      size_t f = *dataspace::FindField(schema, header[c]);
      if (static_cast<size_t>(c) >= l.size() || !orig[f] || l[c].empty()) continue;
      char* end = nullptr;
      long long seen = std::strtoll(l[c].c_str(), &end, 10);
      if (*end != '\0') continue;
      long long diff = seen - std::stoll(*orig[f]);
      if (diff == 1 || diff == -1)
        marks.push_back({static_cast<size_t>(it->second), f, static_cast<int>(diff)});
    }
  }
  result.cells = static_cast<int64_t>(marks.size());
  if (result.cells < kMinCells) {
    result.reason = "only " + std::to_string(result.cells) + " fingerprint cells could be read (" +
                    std::to_string(kMinCells) + " needed)";
    return result;
  }
  // Agreement per candidate.
  int64_t best = -1;
  const Candidate* winner = nullptr;
  std::vector<bool> fp;
  for (const auto& f : schema) fp.push_back(f.fingerprint);
  for (const Candidate& cand : candidates) {
    int64_t agree = 0;
    for (const Cellmark& m : marks) {
      std::string identity = Identity(rows[m.row], fp);
      agree += Direction(cand.key, identity, schema[m.field].name) == m.direction;
    }
    if (agree > best) {
      best = agree;
      winner = &cand;
    }
  }
  if (!winner) {
    result.reason = "no delivery of this product is on record";
    return result;
  }
  const double log10p = Log10Tail(result.cells, best);
  result.agreeing = best;
  result.confidence = 1.0 - std::pow(10.0, log10p);
  if (log10p > -6) {
    result.reason = "the best match agrees on " + std::to_string(best) + " of " +
                    std::to_string(result.cells) + " cells, which chance explains";
    return result;
  }
  result.traced = true;
  result.delivery_id = winner->delivery_id;
  result.recipient_id = winner->recipient_id;
  return result;
}

std::string DeliveryReceipt(const SealedHeader& header, const std::string& received_at) {
  return nlohmann::json{{"type", "qiantang.privacy.delivery-receipt/v1"},
                        {"delivery_id", header.delivery_id},
                        {"contract_id", header.contract_id},
                        {"recipient_id", header.recipient_id},
                        {"content_sha256", header.content_sha256},
                        {"received_at", received_at}}
      .dump();
}

}  // namespace qt::privacy
