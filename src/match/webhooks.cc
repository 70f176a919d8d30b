// Policies: an organisation's webhook and the delivery of notices to it.
//
// A delivery is POST <url> with the JSON
//   {"type": "qiantang.policy.notice/v1", "notice": {...}}
// and the headers
//   X-Qiantang-Delivery: <notice id>
//   X-Qiantang-Signature: t=<unix ms>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// Any 2xx answer delivers it; otherwise it is tried again after 1 s, 2 s,
// 4 s ... (at most an hour apart), and given up after kMaxAttempts.
#include <httplib.h>

#include <algorithm>
#include <regex>

#include "core/ids.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "match/policies.h"

namespace qt::match {

using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

constexpr size_t kMaxUrl = 2000;

struct Url {
  std::string origin;  // scheme://host[:port]
  std::string path;
};

Result<Url> ParseUrl(const std::string& url) {
  static const std::regex kUrl(R"(^(https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?)(/[\x21-\x7e]*)?$)");
  std::smatch m;
  if (url.size() > kMaxUrl || !std::regex_match(url, m, kUrl)) {
    return InvalidArgument(
        "url: must be an http:// or https:// URL (host, optional port and path), at most 2000 "
        "bytes");
  }
  return Url{m[1].str(), m[3].matched ? m[3].str() : "/"};
}

std::string SecretAad(const std::string& org_id) { return "match.webhook:" + org_id; }

}  // namespace

Result<Webhook> Policies::SetWebhook(const Principal& caller, const std::string& url) {
  if (!caller.Has(accounts::Role::kAdmin))
    return PermissionDenied("only administrators set the webhook");
  QT_RETURN_IF_ERROR(ParseUrl(url).status());
  std::vector<uint8_t> raw(32);
  options_.random->Fill(raw);
  Webhook w{.org_id = caller.org_id,
            .url = url,
            .secret = "whsec_" + crypto::Base64UrlEncode(raw),
            .created_at = options_.clock->NowMillis()};
  const auto sealed = options_.master_key->Seal(
      std::span(reinterpret_cast<const uint8_t*>(w.secret.data()), w.secret.size()),
      SecretAad(caller.org_id), *options_.random);
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(
        tx.Exec("DELETE FROM pl_webhooks WHERE org_id = ?", {caller.org_id}).status());
    QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO pl_webhooks (org_id, url, secret_sealed, created_at) "
                               "VALUES (?, ?, ?, ?)",
                               {caller.org_id, url, sealed, w.created_at})
                           .status());
    return options_.journal
        ->Append(tx, {caller.org_id, "match.webhook.set", caller.org_id, json::object()})
        .status();
  }));
  return w;
}

Result<Webhook> Policies::GetWebhook(const Principal& caller) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  Webhook w;
  QT_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT url, created_at FROM pl_webhooks WHERE org_id = ?", {caller.org_id}));
    if (rows.empty()) return NotFound("your organisation has no webhook");
    w = {.org_id = caller.org_id,
         .url = rows[0].Text(0),
         .secret = "",
         .created_at = rows[0].Int(1)};
    QT_ASSIGN_OR_RETURN(store::Rows counts,
                        tx.Query("SELECT state, COUNT(*) FROM pl_deliveries WHERE org_id = ?"
                                 " GROUP BY state",
                                 {caller.org_id}));
    for (const store::Row& r : counts) {
      (r.Text(0) == "pending"     ? w.pending
       : r.Text(0) == "delivered" ? w.delivered
                                  : w.failed) = r.Int(1);
    }
    QT_ASSIGN_OR_RETURN(store::Rows last,
                        tx.Query("SELECT last_error FROM pl_deliveries WHERE org_id = ?"
                                 " AND last_error <> '' ORDER BY next_at DESC LIMIT 1",
                                 {caller.org_id}));
    if (!last.empty()) w.last_error = last[0].Text(0);
    return OkStatus();
  }));
  return w;
}

Status Policies::DeleteWebhook(const Principal& caller) {
  if (!caller.Has(accounts::Role::kAdmin))
    return PermissionDenied("only administrators delete the webhook");
  return store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(int64_t n,
                        tx.Exec("DELETE FROM pl_webhooks WHERE org_id = ?", {caller.org_id}));
    if (n == 0) return NotFound("your organisation has no webhook");
    QT_RETURN_IF_ERROR(
        tx.Exec(
              "UPDATE pl_deliveries SET state = 'cancelled' WHERE org_id = ? AND state = 'pending'",
              {caller.org_id})
            .status());
    return options_.journal
        ->Append(tx, {caller.org_id, "match.webhook.deleted", caller.org_id, json::object()})
        .status();
  });
}

Result<int> Policies::Deliver(size_t max) {
  const int64_t now = options_.clock->NowMillis();
  store::Rows due;
  QT_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(
        due,
        tx.Query(
            "SELECT d.notice_id, d.org_id, d.attempts, d.next_at, w.url, w.secret_sealed, "
            "n.policy_id,"
            " n.version, v.title, v.benefit, n.entity_id, n.explanation, n.created_at"
            " FROM pl_deliveries d JOIN pl_webhooks w ON w.org_id = d.org_id"
            " JOIN pl_notices n ON n.id = d.notice_id"
            " JOIN pl_versions v ON v.policy_id = n.policy_id AND v.version = n.version"
            " WHERE d.state = 'pending' AND d.next_at <= ? ORDER BY d.next_at, d.notice_id LIMIT ?",
            {now, static_cast<int64_t>(max)}));
    return OkStatus();
  }));
  int delivered = 0;
  for (const store::Row& r : due) {
    const std::string notice_id = r.Text(0), org_id = r.Text(1);
    const int64_t attempts = r.Int(2) + 1;
    // Claim it (another process may be delivering too): push it a minute ahead.
    int64_t claimed = 0;
    QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
      QT_ASSIGN_OR_RETURN(claimed,
                          tx.Exec("UPDATE pl_deliveries SET next_at = ? WHERE notice_id = ?"
                                  " AND state = 'pending' AND next_at = ?",
                                  {now + 60'000, notice_id, r.Int(3)}));
      return OkStatus();
    }));
    if (claimed == 0) continue;
    auto secret = options_.master_key->Open(r.Blob(5), SecretAad(org_id));
    auto url = ParseUrl(r.Text(4));
    std::string error;
    if (!secret.ok() || !url.ok()) {
      error = "the webhook's secret or URL cannot be read";
    } else {
      const json body = {{"type", "qiantang.policy.notice/v1"},
                         {"notice",
                          {{"id", notice_id},
                           {"policy_id", r.Text(6)},
                           {"version", r.Int(7)},
                           {"title", r.Text(8)},
                           {"benefit", r.Text(9)},
                           {"entity_id", r.Text(10)},
                           {"explanation", json::parse(r.Text(11))},
                           {"created_at", r.Int(12)}}}};
      const std::string text = body.dump();
      const std::string t = std::to_string(options_.clock->NowMillis());
      const std::string key(secret->begin(), secret->end());
      const std::string signature =
          "t=" + t + ",v1=" + crypto::HexEncode(crypto::HmacSha256(key, t + "." + text));
      httplib::Client client(url->origin);
      client.set_connection_timeout(5);
      client.set_read_timeout(10);
      client.set_write_timeout(10);
      httplib::Headers headers = {{"X-Qiantang-Delivery", notice_id},
                                  {"X-Qiantang-Signature", signature}};
      auto res = client.Post(url->path, headers, text, "application/json");
      if (!res) {
        error = "no answer: " + httplib::to_string(res.error());
      } else if (res->status < 200 || res->status > 299) {
        error = "HTTP " + std::to_string(res->status);
      }
    }
    const int64_t at = options_.clock->NowMillis();
    const int64_t backoff =
        std::min<int64_t>(3'600'000, int64_t{1000} << std::min<int64_t>(attempts - 1, 22));
    QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
      if (error.empty()) {
        return tx
            .Exec(
                "UPDATE pl_deliveries SET state = 'delivered', attempts = ?, delivered_at = ?, "
                "last_error = ''"
                " WHERE notice_id = ?",
                {attempts, at, notice_id})
            .status();
      }
      return tx
          .Exec(
              "UPDATE pl_deliveries SET state = ?, attempts = ?, next_at = ?, last_error = ? WHERE "
              "notice_id = ?",
              {attempts >= kMaxAttempts ? "failed" : "pending", attempts, at + backoff, error,
               notice_id})
          .status();
    }));
    if (error.empty()) ++delivered;
  }
  return delivered;
}

}  // namespace qt::match
