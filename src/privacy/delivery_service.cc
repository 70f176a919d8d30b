#include "privacy/delivery_service.h"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "accounts/paging.h"
#include "core/ids.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::privacy {

using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

constexpr const char* kColumns =
    "SELECT id, contract_id, product_id, provider_id, recipient_id, columns, content_sha256, bytes,"
    " state, receipt, receipt_signature, created_at, received_at FROM deliveries";

Result<Delivery> FromRow(const store::Row& r) {
  return store::Decode<Delivery>("deliveries", r, [&]() -> Delivery {
    return Delivery{.id = r.Text("id"),
                    .contract_id = r.Text("contract_id"),
                    .product_id = r.Text("product_id"),
                    .provider_id = r.Text("provider_id"),
                    .recipient_id = r.Text("recipient_id"),
                    .columns = json::parse(r.Text("columns")).get<std::vector<std::string>>(),
                    .content_sha256 = r.Text("content_sha256"),
                    .bytes = r.Int("bytes"),
                    .state = r.Text("state"),
                    .receipt = r.Text("receipt"),
                    .receipt_signature = r.Text("receipt_signature"),
                    .created_at = r.Int("created_at"),
                    .received_at = r.Int("received_at")};
  });
}

// A delivery as a suspect of a leak: who received it, under which key.
Result<Candidate> CandidateFromRow(const store::Row& r) {
  return store::Decode<Candidate>("deliveries", r, [&]() -> Result<Candidate> {
    Candidate c{.delivery_id = r.Text("id"), .recipient_id = r.Text("recipient_id")};
    const store::Bytes& k = r.Blob("fingerprint_key");
    if (k.size() != c.key.size()) return Internal("fingerprint_key: not a key");
    std::copy(k.begin(), k.end(), c.key.begin());
    return c;
  });
}

}  // namespace

DeliveryService::DeliveryService(store::Store& store, DeliveryOptions options)
    : store_(store), options_(std::move(options)) {}

Result<Delivery> DeliveryService::Deliver(const Principal& caller, const std::string& contract_id,
                                          const std::string& purpose,
                                          std::vector<std::string> columns) {
  // The columns: asked for, else the permission's field constraint, else all.
  dataspace::ExternalUse use{.action = dataspace::Action::kDelivery, .purpose = purpose};
  QT_ASSIGN_OR_RETURN(dataspace::UsableContract probe,
                      options_.dataspace->CheckUse(caller, contract_id, use));
  if (columns.empty()) {
    for (const auto& rule : probe.contract.policy.permissions) {
      if (rule.action != dataspace::Action::kDelivery) continue;
      for (const auto& c : rule.constraints) {
        if (c.left == dataspace::Constraint::Left::kField) columns = c.set;
      }
    }
  }
  if (columns.empty()) {
    for (const auto& f : probe.product.fields) columns.push_back(f.name);
  }
  use.fields = columns;
  QT_ASSIGN_OR_RETURN(dataspace::UsableContract uc,
                      options_.dataspace->CheckUse(caller, contract_id, use));
  QT_ASSIGN_OR_RETURN(accounts::Org recipient, options_.accounts->GetOrg(caller.org_id));

  IdGenerator ids(*options_.clock, *options_.random);
  Delivery d{.id = ids.Next("dlv"),
             .contract_id = contract_id,
             .product_id = uc.product.id,
             .provider_id = uc.contract.provider_id,
             .recipient_id = caller.org_id,
             .columns = columns,
             .state = "sent",
             .created_at = options_.clock->NowMillis()};
  FingerprintKey key;
  randombytes_buf(key.data(), key.size());
  QT_ASSIGN_OR_RETURN(
      dataspace::ProductDb db,
      dataspace::ProductDb::OpenReadOnly(options_.dataspace->RunDbPath(uc.product.run_id)));
  QT_ASSIGN_OR_RETURN(std::string csv, ExportFingerprinted(db, uc.product.fields, columns, key));
  d.content_sha256 = crypto::HexEncode(crypto::Sha256(csv));
  QT_ASSIGN_OR_RETURN(std::string file,
                      SealDelivery({contract_id, d.id, caller.org_id, d.content_sha256},
                                   recipient.public_key, csv));
  d.bytes = static_cast<int64_t>(file.size());
  const std::string dir = options_.data_dir + "/deliveries";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = dir + "/" + d.id + ".qtd";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(file.data(), static_cast<std::streamsize>(file.size()));
    if (!out) return Internal("cannot store the delivery");
  }
  ::chmod(path.c_str(), 0600);
  use.details = {{"delivery_id", d.id},
                 {"columns", columns},
                 {"content_sha256", d.content_sha256},
                 {"bytes", d.bytes}};
  Status st = options_.dataspace->RecordUse(caller, contract_id, use).status();
  if (st.ok()) {
    st = store_.Write([&](Tx& tx) -> Status {
      QT_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent', '', '', ?, 0)",
                  {d.id, contract_id, d.product_id, d.provider_id, d.recipient_id,
                   json(columns).dump(), store::Bytes(key.begin(), key.end()), d.content_sha256,
                   d.bytes, d.created_at})
              .status());
      return options_.journal
          ->Append(tx, {d.provider_id,
                        "privacy.delivery.sent",
                        d.id,
                        {{"contract_id", contract_id},
                         {"recipient_id", d.recipient_id},
                         {"content_sha256", d.content_sha256}}})
          .status();
    });
  }
  if (!st.ok()) {
    std::filesystem::remove(path, ec);
    return st;
  }
  return d;
}

Result<accounts::Page<Delivery>> DeliveryService::List(const Principal& caller,
                                                       const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "dlv"));
  return accounts::ReadCountedPage<Delivery>(
      store_, std::string(kColumns) + " WHERE (provider_id = ? OR recipient_id = ?)",
      {caller.org_id, caller.org_id}, page, FromRow);
}

Result<Delivery> DeliveryService::Read(const std::string& id) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Delivery> {
    QT_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string(kColumns) + " WHERE id = ?", {id}));
    if (rows.empty()) return NotFound("no delivery " + id);
    return FromRow(rows[0]);
  });
}

Result<std::string> DeliveryService::File(const Principal& caller, const std::string& id) {
  QT_ASSIGN_OR_RETURN(Delivery d, Read(id));
  if (d.recipient_id != caller.org_id) return NotFound("no delivery " + id + " to you");
  std::ifstream in(options_.data_dir + "/deliveries/" + id + ".qtd", std::ios::binary);
  if (!in) return NotFound("the delivery's file is gone");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<Received> DeliveryService::Receive(const Principal& caller, std::string_view file) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_ASSIGN_OR_RETURN(SealedHeader header, ReadDeliveryHeader(file));
  if (header.recipient_id != caller.org_id) {
    return PermissionDenied("the delivery is addressed to another organisation");
  }
  QT_ASSIGN_OR_RETURN(Opened opened, OpenDelivery(file, [&](std::span<const uint8_t> sealed) {
                        return options_.accounts->OpenSealedFor(caller.org_id, sealed);
                      }));
  Received r;
  r.csv = std::move(opened.plaintext);
  const UnixMillis now = options_.clock->NowMillis();
  QT_ASSIGN_OR_RETURN(r.delivery, Read(header.delivery_id));
  if (r.delivery.contract_id != header.contract_id ||
      r.delivery.content_sha256 != header.content_sha256) {
    return InvalidArgument("the file does not match the delivery on record");
  }
  if (r.delivery.state == "received") return r;  // opened again: the first receipt stands
  const std::string receipt = DeliveryReceipt(header, FormatRfc3339(now));
  QT_ASSIGN_OR_RETURN(auto sig, options_.accounts->SignAs(caller.org_id, crypto::AsBytes(receipt)));
  QT_RETURN_IF_ERROR(Record(caller, r.delivery, receipt, sig, now));
  return r;
}

Result<Delivery> DeliveryService::Acknowledge(const Principal& caller, const std::string& id,
                                              const std::string& receipt,
                                              const crypto::Signature& signature) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_ASSIGN_OR_RETURN(Delivery d, Read(id));
  if (d.recipient_id != caller.org_id) return NotFound("no delivery " + id + " to you");
  const UnixMillis now = options_.clock->NowMillis();
  json given = json::parse(receipt, nullptr, /*allow_exceptions=*/false);
  std::optional<UnixMillis> at;
  if (given.is_object() && given.value("received_at", json()).is_string()) {
    at = ParseRfc3339(given["received_at"].get<std::string>());
  }
  // Made by the recipient's clock: a minute ahead is skew, more is a lie;
  // never before the delivery was made, nor older than 10 minutes.
  constexpr int64_t kWindowMs = 10 * 60 * 1000, kSkewMs = 60 * 1000;
  if (!at || *at < std::max(now - kWindowMs, d.created_at) || *at > now + kSkewMs) {
    return InvalidArgument(
        "receipt: its received_at is not between the delivery and now (10 minutes at most ago, "
        "a minute of clock skew ahead)");
  }
  const SealedHeader header{d.contract_id, d.id, d.recipient_id, d.content_sha256};
  if (receipt != DeliveryReceipt(header, FormatRfc3339(*at))) {
    return InvalidArgument("receipt: not this delivery's receipt (privacy/delivery.h)");
  }
  QT_ASSIGN_OR_RETURN(accounts::Org recipient, options_.accounts->GetOrg(caller.org_id));
  if (!crypto::Verify(recipient.public_key, crypto::AsBytes(receipt), signature)) {
    return PermissionDenied("signature: does not verify under your organisation's key");
  }
  QT_RETURN_IF_ERROR(Record(caller, d, receipt, signature, *at));
  return d;
}

Status DeliveryService::Record(const Principal& caller, Delivery& d, std::string receipt,
                               const crypto::Signature& signature, UnixMillis received_at) {
  d.receipt = std::move(receipt);
  d.receipt_signature = crypto::Base64Encode(signature);
  d.state = "received";
  d.received_at = received_at;
  return store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE deliveries SET state = 'received', receipt = ?,"
                                           " receipt_signature = ?, received_at = ? WHERE id = ?"
                                           " AND state = 'sent'",
                                           {d.receipt, d.receipt_signature, received_at, d.id}));
    if (n == 0) return Conflict("delivery " + d.id + " was received already");
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "privacy.delivery.received",
                      d.id,
                      {{"contract_id", d.contract_id},
                       {"receipt_sha256", crypto::HexEncode(crypto::Sha256(d.receipt))},
                       {"signature", d.receipt_signature}}})
        .status();
  });
}

Result<TraceResult> DeliveryService::Trace(const Principal& caller, const std::string& product_id,
                                           std::string_view leaked_csv) {
  QT_ASSIGN_OR_RETURN(dataspace::ProductDetail detail,
                      options_.dataspace->GetProduct(caller, product_id));
  if (detail.product.org_id != caller.org_id) {
    return PermissionDenied("only the product's holder traces its deliveries");
  }
  QT_ASSIGN_OR_RETURN(std::vector<Candidate> candidates,
                      store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Candidate>> {
                        QT_ASSIGN_OR_RETURN(auto rows,
                                            tx.Query("SELECT id, recipient_id, fingerprint_key FROM"
                                                     " deliveries WHERE product_id = ?",
                                                     {product_id}));
                        std::vector<Candidate> out;
                        QT_RETURN_IF_ERROR(store::DecodeInto(rows, CandidateFromRow, out));
                        return out;
                      }));
  QT_ASSIGN_OR_RETURN(
      dataspace::ProductDb db,
      dataspace::ProductDb::OpenReadOnly(options_.dataspace->RunDbPath(detail.product.run_id)));
  QT_ASSIGN_OR_RETURN(TraceResult t, TraceLeak(leaked_csv, db, detail.product.fields, candidates));
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "privacy.delivery.traced",
                      product_id,
                      {{"traced", t.traced},
                       {"delivery_id", t.delivery_id},
                       {"cells", t.cells},
                       {"agreeing", t.agreeing}}})
        .status();
  }));
  return t;
}

}  // namespace qt::privacy
