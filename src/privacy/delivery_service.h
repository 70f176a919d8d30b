// Deliveries on the data space's contracts: the holder's node exports the
// product (or the columns the contract's delivery permission names),
// fingerprints it for the recipient, encrypts it to the recipient
// organisation (delivery.h) and meters one delivery use of the contract;
// the recipient's node opens it, checks its hash and records a receipt the
// recipient signs; the holder traces leaked copies among its deliveries.
// Fingerprint keys are kept by the holder's node only. Every step is
// journaled (hashes and ids, never content).
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_PRIVACY_DELIVERY_SERVICE_H_
#define QIANTANG_PRIVACY_DELIVERY_SERVICE_H_

#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "dataspace/dataspace.h"
#include "ledger/journal.h"
#include "privacy/delivery.h"
#include "store/store.h"

namespace qt::privacy {

struct DeliveryOptions {
  const Clock* clock = nullptr;               // required
  Random* random = nullptr;                   // required (ids)
  ledger::Journal* journal = nullptr;         // required
  accounts::Accounts* accounts = nullptr;     // required: recipient keys and signatures
  dataspace::DataSpace* dataspace = nullptr;  // required
  std::string data_dir = "var/dataspace";     // deliveries/ under it
};

struct Delivery {
  std::string id{};
  std::string contract_id{};
  std::string product_id{};
  std::string provider_id{};
  std::string recipient_id{};
  std::vector<std::string> columns{};
  std::string content_sha256{};
  int64_t bytes = 0;                           // of the encrypted file
  std::string state{};                         // sent, received
  std::string receipt{}, receipt_signature{};  // the recipient's, once received
  UnixMillis created_at = 0, received_at = 0;
};

struct Received {
  Delivery delivery;
  std::string csv;
};

class DeliveryService {
 public:
  DeliveryService(store::Store& store, DeliveryOptions options);
  static std::vector<store::Migration> Migrations();

  // The consumer of a contract permitting delivery asks for it; `columns`
  // empty means those the permission's field constraint names, else all.
  Result<Delivery> Deliver(const accounts::Principal& caller, const std::string& contract_id,
                           const std::string& purpose, std::vector<std::string> columns);
  // The deliveries the caller sent or received, oldest first, with their total.
  Result<accounts::Page<Delivery>> List(const accounts::Principal& caller,
                                        const accounts::PageRequest& page);
  // The encrypted file (the recipient only).
  Result<std::string> File(const accounts::Principal& caller, const std::string& id);
  // The recipient opens a delivery file with its key and signs a receipt,
  // both here with the key this node holds for it (kFailedPrecondition for a
  // recipient that holds its own key: it opens the file itself and calls
  // Acknowledge).
  Result<Received> Receive(const accounts::Principal& caller, std::string_view file);
  // A recipient that holds its own key, having opened the file itself,
  // records its receipt: `receipt` must be DeliveryReceipt of this delivery
  // with a received_at within 10 minutes of now (else kInvalidArgument), and
  // `signature` verify under the recipient's key (else kPermissionDenied).
  // kNotFound unless the delivery is addressed to the caller.
  Result<Delivery> Acknowledge(const accounts::Principal& caller, const std::string& id,
                               const std::string& receipt, const crypto::Signature& signature);
  // The holder names the recipient of a leaked copy of one of its products.
  Result<TraceResult> Trace(const accounts::Principal& caller, const std::string& product_id,
                            std::string_view leaked_csv);

 private:
  Result<Delivery> Read(const std::string& id);  // kNotFound if there is none
  // Stores the signed receipt and journals it.
  Status Record(const accounts::Principal& caller, Delivery& d, std::string receipt,
                const crypto::Signature& signature, UnixMillis received_at);
  store::Store& store_;
  DeliveryOptions options_;
};

}  // namespace qt::privacy

#endif  // QIANTANG_PRIVACY_DELIVERY_SERVICE_H_
