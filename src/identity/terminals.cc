// Terminals, their category keys, scan receipts and the logs built from them.
#include <algorithm>
#include <set>

#include "accounts/paging.h"
#include "core/ids.h"
#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/recipient_box.h"
#include "crypto/sha256.h"
#include "identity/internal.h"
#include "identity/lists.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::identity {

using accounts::OrgKind;
using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

constexpr const char* kTerminalColumns =
    "SELECT id, org_id, category, name, public_key, state, created_at FROM id_terminals";

Result<Terminal> TerminalFromRow(const store::Row& r) {
  return store::Decode<Terminal>("id_terminals", r, [&]() -> Result<Terminal> {
    QT_ASSIGN_OR_RETURN(TerminalStatus state,
                        StoredName(ParseTerminalStatus(r.Text("state")), "state", r));
    return Terminal{.id = r.Text("id"),
                    .org_id = r.Text("org_id"),
                    .category = r.Text("category"),
                    .name = r.Text("name"),
                    .public_key = r.Text("public_key"),
                    .state = state,
                    .created_at = r.Int("created_at")};
  });
}

// Scans with their terminal's name, filterable by id, citizen_id, org_id, signature.
constexpr const char* kScanColumns =
    "SELECT id, terminal_id, terminal_name, org_id, category, code_id, claims_read, result,"
    " check_result, scanned_at, received_at FROM (SELECT s.*, t.name AS terminal_name"
    " FROM id_scans s JOIN id_terminals t ON t.id = s.terminal_id) v";

Result<Scan> ScanFromRow(const store::Row& r) {
  return store::Decode<Scan>("id_scans", r, [&]() -> Result<Scan> {
    QT_ASSIGN_OR_RETURN(ScanCheck check,
                        StoredName(ParseScanCheck(r.Text("check_result")), "check_result", r));
    return Scan{.id = r.Text("id"),
                .terminal_id = r.Text("terminal_id"),
                .terminal_name = r.Text("terminal_name"),
                .org_id = r.Text("org_id"),
                .category = r.Text("category"),
                .code_id = r.Text("code_id"),
                .claims_read = json::parse(r.Text("claims_read")).get<std::vector<std::string>>(),
                .result = r.Text("result"),
                .check = check,
                .scanned_at = r.Int("scanned_at"),
                .received_at = r.Int("received_at")};
  });
}

Result<Terminal> OwnTerminal(Tx& tx, const Principal& caller, const std::string& id) {
  QT_ASSIGN_OR_RETURN(store::Rows rows,
                      tx.Query(std::string(kTerminalColumns) + " WHERE id = ?", {id}));
  if (rows.empty() || rows[0].Text("org_id") != caller.org_id) {
    return NotFound("no terminal " + id + " of your organisation");
  }
  return TerminalFromRow(rows[0]);
}

Result<crypto::PublicKey> ParsePublicKey(const std::string& hex) {
  auto bytes = crypto::HexDecode(hex);
  if (!bytes.ok() || bytes->size() != 32)
    return InvalidArgument("public_key: must be 64 hex digits");
  crypto::PublicKey key;
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

Status CheckReceiptShape(const ScanReceipt& r) {
  const Category* c = FindCategory(r.category);
  if (c == nullptr)
    return InvalidArgument("category: unknown service category '" + r.category + "'");
  auto code = crypto::HexDecode(r.code_id);
  if (!code.ok() || code->size() != 16) return InvalidArgument("code_id: must be 32 hex digits");
  if (r.claims_read.size() > AllClaims().size()) return InvalidArgument("claims_read: too many");
  for (const std::string& claim : r.claims_read) {
    if (!ClaimKey(claim)) return InvalidArgument("claims_read: unknown claim '" + claim + "'");
  }
  QT_RETURN_IF_ERROR(CheckDisplayText(r.result, 200).WithContext("result"));
  if (r.scanned_at < kEarliestClientTime || r.scanned_at > kLatestClientTime) {
    return InvalidArgument("scanned_at: must be a time from 2000 to 2199 in Unix milliseconds");
  }
  return OkStatus();
}

}  // namespace

Result<std::string> ReceiptBytes(const ScanReceipt& r) {
  return ledger::CanonicalJson({{"type", "qiantang.identity.scan/v1"},
                                {"terminal_id", r.terminal_id},
                                {"code_id", r.code_id},
                                {"category", r.category},
                                {"claims_read", r.claims_read},
                                {"result", r.result},
                                {"scanned_at", r.scanned_at}});
}

Result<Terminal> Identity::RegisterTerminal(const Principal& caller, const std::string& category,
                                            const std::string& name,
                                            const std::string& public_key_hex) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kService, "register terminals"));
  if (FindCategory(category) == nullptr) {
    return InvalidArgument("category: unknown service category '" + category + "'");
  }
  QT_RETURN_IF_ERROR(CheckDisplayText(name, 100).WithContext("name"));
  QT_ASSIGN_OR_RETURN(crypto::PublicKey key, ParsePublicKey(public_key_hex));
  if (!crypto::SealTo(key, std::vector<uint8_t>{0}).ok()) {
    return InvalidArgument("public_key: not a valid Ed25519 public key");
  }
  Terminal t{.id = IdGenerator(*options_.clock, *options_.random).Next("tm"),
             .org_id = caller.org_id,
             .category = category,
             .name = name,
             .public_key = crypto::HexEncode(key),
             .state = TerminalStatus::kActive,
             .created_at = options_.clock->NowMillis()};
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(store::Rows granted,
                        tx.Query("SELECT 1 FROM id_grants WHERE org_id = ? AND category = ?",
                                 {caller.org_id, category}));
    if (granted.empty()) {
      return PermissionDenied("category: " + category +
                              " is not granted to your organisation (the operator grants"
                              " categories: POST /api/v1/identity/grants)");
    }
    auto inserted = tx.Exec(
        "INSERT INTO id_terminals (id, org_id, category, name, public_key, state,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {t.id, t.org_id, t.category, t.name, t.public_key, std::string(TerminalStatusName(t.state)),
         t.created_at});
    if (!inserted.ok() && inserted.status().code() == StatusCode::kConflict) {
      return Conflict("public_key: a terminal with this key is already registered");
    }
    QT_RETURN_IF_ERROR(inserted.status());
    return options_.journal
        ->Append(tx,
                 {caller.org_id, "identity.terminal.registered", t.id, {{"category", category}}})
        .status();
  }));
  return t;
}

Result<std::vector<Terminal>> Identity::ListTerminals(const Principal& caller) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kService, "list terminals"));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Terminal>> {
    std::vector<Terminal> out;
    QT_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query(std::string(kTerminalColumns) + " WHERE org_id = ? ORDER BY id", {caller.org_id}));
    QT_RETURN_IF_ERROR(store::DecodeInto(rows, TerminalFromRow, out));
    return out;
  });
}

Result<Terminal> Identity::DisableTerminal(const Principal& caller, const std::string& id) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kService, "disable terminals"));
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Terminal> {
    QT_ASSIGN_OR_RETURN(Terminal t, OwnTerminal(tx, caller, id));
    if (t.state == TerminalStatus::kDisabled) {
      return FailedPrecondition("terminal " + id + " is already disabled");
    }
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE id_terminals SET state = 'disabled' WHERE id = ?", {id}).status());
    t.state = TerminalStatus::kDisabled;
    QT_RETURN_IF_ERROR(
        options_.journal
            ->Append(tx, {caller.org_id, "identity.terminal.disabled", id, json::object()})
            .status());
    return t;
  });
}

Result<TerminalKeySet> Identity::TerminalKeys(const Principal& caller, const std::string& id) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kService, "download terminal keys"));
  QT_ASSIGN_OR_RETURN(const Terminal t, store::ReadValue(store_, [&](Tx& tx) {
                        return OwnTerminal(tx, caller, id);
                      }));
  if (t.state != TerminalStatus::kActive) {
    return FailedPrecondition("terminal " + id + " is disabled");
  }
  QT_ASSIGN_OR_RETURN(std::shared_ptr<const Secrets> secrets, LoadSecrets());
  const Category& category = *FindCategory(t.category);
  QT_ASSIGN_OR_RETURN(crypto::PublicKey key, ParsePublicKey(t.public_key));
  QT_ASSIGN_OR_RETURN(auto sealed, crypto::SealTo(key, secrets->category.at(category.number)));
  TerminalKeySet out{.terminal_id = t.id,
                     .category = t.category,
                     .category_number = category.number,
                     .claims = {},
                     .keys = {{.epoch = kCategoryEpoch, .sealed = std::move(sealed)}}};
  for (std::string_view c : category.claims) out.claims.emplace_back(c);
  return out;
}

Result<std::vector<Scan>> Identity::RecordScans(const std::vector<ScanReceipt>& receipts,
                                                const std::string& source) {
  if (receipts.empty()) return InvalidArgument("receipts: none given");
  if (receipts.size() > kMaxReceiptsPerUpload) {
    return PayloadTooLarge("receipts: at most " + std::to_string(kMaxReceiptsPerUpload) +
                           " at once");
  }
  const std::string terminal_id = receipts[0].terminal_id;
  for (size_t i = 0; i < receipts.size(); ++i) {
    if (receipts[i].terminal_id != terminal_id) {
      return InvalidArgument("receipts: one upload is one terminal's");
    }
    QT_RETURN_IF_ERROR(
        CheckReceiptShape(receipts[i]).WithContext("receipt " + std::to_string(i + 1)));
  }
  // Bad signatures prove nothing about the terminal they name: they count
  // against the address that sent them.
  if (auto until = receipt_lockout_.LockedUntil(source)) {
    return ResourceExhausted(
        "too many receipts with bad signatures from this address; try again"
        " after " +
        FormatRfc3339(*until));
  }
  Result<Terminal> found = store::ReadValue(store_, [&](Tx& tx) -> Result<Terminal> {
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query(std::string(kTerminalColumns) + " WHERE id = ?", {terminal_id}));
    if (rows.empty()) return NotFound("no terminal " + terminal_id);
    return TerminalFromRow(rows[0]);
  });
  if (!found.ok()) {
    if (found.status().code() == StatusCode::kNotFound) receipt_lockout_.Fail(source);  // junk
    return found.status();
  }
  const Terminal t = *std::move(found);
  if (t.state != TerminalStatus::kActive) {
    return FailedPrecondition("terminal " + t.id + " is disabled");
  }
  QT_ASSIGN_OR_RETURN(crypto::PublicKey key, ParsePublicKey(t.public_key));
  for (size_t i = 0; i < receipts.size(); ++i) {
    const ScanReceipt& r = receipts[i];
    if (r.category != t.category) {
      return InvalidArgument("receipt " + std::to_string(i + 1) +
                             ": category: this terminal scans for " + t.category);
    }
    auto sig = crypto::Base64Decode(r.signature);
    QT_ASSIGN_OR_RETURN(std::string bytes, ReceiptBytes(r));
    crypto::Signature s{};
    if (sig.ok() && sig->size() == 64) std::copy(sig->begin(), sig->end(), s.begin());
    if (!sig.ok() || sig->size() != 64 ||
        !crypto::Verify(
            key, std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), s)) {
      receipt_lockout_.Fail(source);
      return Unauthenticated("receipt " + std::to_string(i + 1) +
                             ": the signature does not verify under the terminal's key");
    }
  }
  receipt_lockout_.Succeed(source);
  for (size_t i = 0; i < receipts.size(); ++i) {
    if (!receipt_limiter_.Allow(terminal_id)) {
      return ResourceExhausted("terminal " + terminal_id + ": at most " +
                               std::to_string(options_.receipts_per_minute) + " receipts a minute");
    }
  }
  const Category& category = *FindCategory(t.category);
  const int64_t now = options_.clock->NowMillis();
  IdGenerator ids(*options_.clock, *options_.random);
  std::vector<std::string> scan_ids(receipts.size());
  for (std::string& id : scan_ids) id = ids.Next("sc");
  return store::WriteValue(store_, [&](Tx& tx) -> Result<std::vector<Scan>> {
    std::vector<Scan> out;
    crypto::Sha256Hasher digest;
    for (size_t i = 0; i < receipts.size(); ++i) {
      const ScanReceipt& r = receipts[i];
      QT_ASSIGN_OR_RETURN(
          store::Rows existing,
          tx.Query(std::string(kScanColumns) + " WHERE signature = ?", {r.signature}));
      if (!existing.empty()) {  // an upload retried: the receipt is already filed
        {
          QT_ASSIGN_OR_RETURN(auto decoded, ScanFromRow(existing[0]));
          out.push_back(std::move(decoded));
        }
        continue;
      }
      QT_ASSIGN_OR_RETURN(
          store::Rows code,
          tx.Query("SELECT citizen_id, kind FROM id_codes WHERE code_id = ?", {r.code_id}));
      ScanCheck check = ScanCheck::kOk;
      if (code.empty()) {
        check = ScanCheck::kUnknownCode;
      } else if (std::any_of(r.claims_read.begin(), r.claims_read.end(),
                             [&](const std::string& c) { return !category.May(c); })) {
        check = ScanCheck::kOverreach;
      } else if (r.result == "accepted" &&
                 ParseCodeKind(code[0].Text("kind")) == CodeKind::kDynamic) {
        QT_ASSIGN_OR_RETURN(store::Rows before,
                            tx.Query("SELECT 1 FROM id_scans WHERE code_id = ? AND category = ? AND"
                                     " result = 'accepted' LIMIT 1",
                                     {r.code_id, r.category}));
        if (!before.empty()) check = ScanCheck::kReplayed;
      }
      Scan s{.id = scan_ids[i],
             .terminal_id = t.id,
             .terminal_name = t.name,
             .org_id = t.org_id,
             .category = r.category,
             .code_id = r.code_id,
             .claims_read = r.claims_read,
             .result = r.result,
             .check = check,
             .scanned_at = r.scanned_at,
             .received_at = now};
      QT_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO id_scans (id, terminal_id, org_id, category, code_id,"
                  " citizen_id, claims_read, result, check_result, scanned_at,"
                  " received_at, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  {s.id, s.terminal_id, s.org_id, s.category, s.code_id,
                   code.empty() ? store::Value(nullptr) : store::Value(code[0].Text("citizen_id")),
                   json(s.claims_read).dump(), s.result, std::string(ScanCheckName(s.check)),
                   s.scanned_at, now, r.signature})
              .status());
      QT_RETURN_IF_ERROR(
          AddToCounters(tx, {{"scans", 1}, {ScanCounter(s.category, s.scanned_at), 1}}));
      digest.Update(r.signature);
      out.push_back(std::move(s));
    }
    QT_RETURN_IF_ERROR(options_.journal
                           ->Append(tx, {t.org_id,
                                         "identity.scans.recorded",
                                         t.id,
                                         {{"receipts", static_cast<int64_t>(receipts.size())},
                                          {"sha256", crypto::HexEncode(digest.Finish())}}})
                           .status());
    return out;
  });
}

Result<accounts::Page<Scan>> Identity::ScanLog(const Citizen& citizen,
                                               const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "sc"));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<accounts::Page<Scan>> {
    return accounts::QueryPage<Scan>(tx,
                                     std::string(kScanColumns) + " WHERE citizen_id = ? AND id > ?",
                                     {citizen.id, page.cursor}, page, ScanFromRow);
  });
}

Result<accounts::Page<Scan>> Identity::ServiceScans(const Principal& caller,
                                                    const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kService, "read scans"));
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "sc"));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<accounts::Page<Scan>> {
    QT_ASSIGN_OR_RETURN(
        accounts::Page<Scan> out,
        accounts::QueryPage<Scan>(tx, std::string(kScanColumns) + " WHERE org_id = ? AND id > ?",
                                  {caller.org_id, page.cursor}, page, ScanFromRow));
    return out;
  });
}

}  // namespace qt::identity
