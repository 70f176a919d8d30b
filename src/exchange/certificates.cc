// Exchange: certificates, their public history, and the holder's changes,
// each a new version signed by the registry that issued the certificate.
#include <nlohmann/json.hpp>

#include "accounts/paging.h"
#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "exchange/exchange.h"
#include "exchange/internal.h"
#include "store/like.h"
#include "store/transact.h"

namespace qt::exchange {

using accounts::Page;
using accounts::PageRequest;
using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {
constexpr int64_t kDay = 24 * 3'600'000LL;
constexpr size_t kMaxSearchText = 200;
}  // namespace

Result<CertificateView> Exchange::GetCertificate(const std::string& number) {
  const UnixMillis now = options_.clock->NowMillis();
  return store::ReadValue(store_, [&](Tx& tx) -> Result<CertificateView> {
    CertificateView view;
    QT_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string(internal::kCertificateColumns) +
                                                " WHERE number = ? ORDER BY version",
                                            {number}));
    if (rows.empty()) return NotFound("no certificate " + number);
    for (size_t i = 0; i < rows.size(); ++i) {
      QT_ASSIGN_OR_RETURN(auto decoded,
                          internal::CertificateFromRow(rows[i], now, i + 1 == rows.size()));
      view.history.push_back(std::move(decoded));
    }
    view.current = view.history.back();
    QT_ASSIGN_OR_RETURN(auto pledges, tx.Query(std::string(internal::kPledgeColumns) +
                                                   " WHERE number = ? ORDER BY id DESC",
                                               {number}));
    QT_RETURN_IF_ERROR(store::DecodeInto(pledges, internal::PledgeFromRow, view.pledges));
    return view;
  });
}

Result<Page<Certificate>> Exchange::ListCertificates(const std::string& holder_id,
                                                     const std::string& text,
                                                     const PageRequest& page) {
  if (page.limit < 1 || page.limit > PageRequest::kMaxLimit) {
    return InvalidArgument("limit: must be between 1 and 500");
  }
  if (!text.empty()) QT_RETURN_IF_ERROR(CheckDisplayText(text, kMaxSearchText).WithContext("q"));
  // Latest versions, keyed by number.
  std::string sql = std::string(internal::kCertificateColumns) +
                    " c WHERE version = (SELECT MAX(version) FROM ex_certificates d WHERE"
                    " d.number = c.number)";
  store::Params params;
  if (!holder_id.empty()) {
    sql += " AND holder_id = ?";
    params.emplace_back(holder_id);
  }
  if (!text.empty()) {
    const std::string pattern = store::LikeContains(text);
    sql +=
        " AND (number = ?"
        " OR holder_id IN (SELECT id FROM orgs WHERE LOWER(name) LIKE ? ESCAPE '\\')"
        " OR application_id IN (SELECT id FROM ex_applications"
        " WHERE LOWER(data_name) LIKE ? ESCAPE '\\'))";
    params.insert(params.end(), {text, pattern, pattern});
  }
  const UnixMillis now = options_.clock->NowMillis();
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Page<Certificate>> {
    Page<Certificate> out;
    QT_ASSIGN_OR_RETURN(out.total, accounts::CountRows(tx, sql, params));
    store::Params page_params = params;
    page_params.emplace_back(page.cursor);
    page_params.emplace_back(int64_t{page.limit} + 1);
    QT_ASSIGN_OR_RETURN(auto rows,
                        tx.Query(sql + " AND number > ? ORDER BY number LIMIT ?", page_params));
    for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(page.limit); ++i) {
      QT_ASSIGN_OR_RETURN(auto decoded, internal::CertificateFromRow(rows[i], now, true));
      out.items.push_back(std::move(decoded));
    }
    if (rows.size() > static_cast<size_t>(page.limit)) out.next_cursor = out.items.back().number;
    return out;
  });
}

Result<Certificate> Exchange::NewVersion(const Principal& caller, const std::string& number,
                                         CertificateChange change,
                                         const std::function<Status(json&)>& edit) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  const UnixMillis now = options_.clock->NowMillis();
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Certificate> {
    Certificate next;
    QT_ASSIGN_OR_RETURN(Certificate latest, internal::LatestCertificate(tx, number, now));
    if (latest.holder_id != caller.org_id) {
      return PermissionDenied("only the certificate's holder changes it");
    }
    if (latest.status == CertificateStatus::kCancelled) {
      return FailedPrecondition("the certificate is cancelled");
    }
    if (latest.status == CertificateStatus::kExpired && change != CertificateChange::kRenewed) {
      return FailedPrecondition("the certificate has expired; renew it first");
    }
    const std::string change_name(CertificateChangeName(change));
    if (change == CertificateChange::kTransferred || change == CertificateChange::kCancelled) {
      QT_RETURN_IF_ERROR(internal::CheckNotPledged(tx, number, change_name));
    }
    json doc = json::parse(latest.document);
    doc["version"] = latest.version + 1;
    doc["previous_sha256"] = latest.sha256;
    doc["change"] = change_name;
    doc["issued_at"] = FormatRfc3339(now);
    QT_RETURN_IF_ERROR(edit(doc));
    next.number = number;
    next.version = latest.version + 1;
    next.change = change;
    auto status = doc["status"].is_string()
                      ? ParseCertificateStatus(doc["status"].get<std::string>())
                      : std::nullopt;
    if (!status) return Internal("certificate " + number + ": no status");
    next.status = *status;
    next.holder_id = doc["holder"]["id"];
    next.issuer_id = latest.issuer_id;
    next.document = doc.dump();
    next.sha256 = crypto::HexEncode(crypto::Sha256(next.document));
    auto until = doc["valid_until"].is_string()
                     ? ParseRfc3339(doc["valid_until"].get<std::string>())
                     : std::nullopt;
    if (!until) return Internal("certificate " + number + ": no valid_until");
    next.valid_until = *until;
    next.created_at = now;
    QT_ASSIGN_OR_RETURN(
        auto sig,
        options_.accounts->SignAs(next.issuer_id,
                                  std::span(reinterpret_cast<const uint8_t*>(next.document.data()),
                                            next.document.size())));
    next.signature = crypto::Base64Encode(sig);
    QT_ASSIGN_OR_RETURN(auto app, tx.Query("SELECT application_id FROM ex_certificates WHERE"
                                           " number = ? AND version = 1",
                                           {number}));
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO ex_certificates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {number, next.version, change_name, std::string(CertificateStatusName(next.status)),
                 next.holder_id, next.issuer_id, app.at(0).Text("application_id"), next.document,
                 next.sha256, next.signature, next.valid_until, now})
            .status());
    QT_RETURN_IF_ERROR(options_.journal
                           ->Append(tx, {caller.org_id,
                                         "exchange.certificate." + change_name,
                                         number,
                                         {{"version", next.version},
                                          {"sha256", next.sha256},
                                          {"previous_sha256", latest.sha256},
                                          {"holder_id", next.holder_id}}})
                           .status());
    return next;
  });
}

Result<Certificate> Exchange::Transfer(const Principal& caller, const std::string& number,
                                       const std::string& to_org) {
  auto found = options_.accounts->GetOrg(to_org);
  if (!found.ok()) return InvalidArgument("to_org: no organisation " + to_org);
  const accounts::Org to = *found;
  if (to.id == caller.org_id) return InvalidArgument("to_org: the certificate is yours already");
  return NewVersion(caller, number, CertificateChange::kTransferred, [&](json& doc) {
    doc["holder"] = {{"id", to.id}, {"name", to.name}, {"credit_code", to.credit_code}};
    return OkStatus();
  });
}

Result<Certificate> Exchange::ChangeDetails(const Principal& caller, const std::string& number,
                                            const std::string& description,
                                            const std::string& scale,
                                            const std::string& update_cycle) {
  if (description.empty() && scale.empty() && update_cycle.empty()) {
    return InvalidArgument("give description, scale or update_cycle to change");
  }
  if (!description.empty()) {
    QT_RETURN_IF_ERROR(CheckDisplayText(description, 5000).WithContext("description"));
  }
  if (!scale.empty()) QT_RETURN_IF_ERROR(CheckDisplayText(scale, 100).WithContext("scale"));
  if (!update_cycle.empty()) {
    QT_RETURN_IF_ERROR(CheckDisplayText(update_cycle, 20).WithContext("update_cycle"));
  }
  return NewVersion(caller, number, CertificateChange::kChanged, [&](json& doc) {
    if (!description.empty()) doc["data"]["description"] = description;
    if (!scale.empty()) doc["data"]["scale"] = scale;
    if (!update_cycle.empty()) doc["data"]["update_cycle"] = update_cycle;
    return OkStatus();
  });
}

Result<Certificate> Exchange::Renew(const Principal& caller, const std::string& number) {
  const UnixMillis now = options_.clock->NowMillis();
  return NewVersion(caller, number, CertificateChange::kRenewed, [&](json& doc) {
    auto parsed = doc["valid_until"].is_string()
                      ? ParseRfc3339(doc["valid_until"].get<std::string>())
                      : std::nullopt;
    if (!parsed) return Internal("certificate " + number + ": no valid_until");
    UnixMillis until = *parsed;
    doc["valid_until"] = FormatRfc3339(std::max(until, now) + options_.validity_days * kDay);
    doc["status"] = "valid";
    return OkStatus();
  });
}

Result<Certificate> Exchange::Cancel(const Principal& caller, const std::string& number,
                                     const std::string& reason) {
  QT_RETURN_IF_ERROR(CheckDisplayText(reason, 500).WithContext("reason"));
  return NewVersion(caller, number, CertificateChange::kCancelled, [&](json& doc) {
    doc["status"] = "cancelled";
    doc["cancel_reason"] = reason;
    return OkStatus();
  });
}

}  // namespace qt::exchange
