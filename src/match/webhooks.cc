// Policies: an organisation's webhook and the delivery of notices to it.
//
// A delivery is POST <url> with the JSON
//   {"type": "qiantang.policy.notice/v1", "notice": {...}}
// and the headers
//   X-Qiantang-Delivery: <notice id>
//   X-Qiantang-Signature: t=<unix ms>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// Any 2xx answer delivers it; otherwise it is tried again after 1 s, 2 s,
// 4 s ... (at most an hour apart), and given up after kMaxAttempts.
// The URL is checked by core/outbound.h when set and before every delivery.
#include <httplib.h>

#include <algorithm>
#include <memory>

#include "core/ids.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "match/public_policies.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::match {

using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

// POSTs `body` to the checked target: to its address (no second resolution),
// no redirect followed, at most PublicPolicies::kMaxAnswerBytes of the answer read
// and dropped. Returns "" for a 2xx answer, else what went wrong, without
// anything the target sent but its status.
std::string PostOnce(const OutboundTarget& target, const httplib::Headers& headers,
                     const std::string& body) {
  std::unique_ptr<httplib::ClientImpl> client;
  if (target.url.scheme == "https") {
    auto ssl = std::make_unique<httplib::SSLClient>(target.url.host, target.url.port);
    ssl->enable_server_certificate_verification(true);
    client = std::move(ssl);
  } else {
    client = std::make_unique<httplib::ClientImpl>(target.url.host, target.url.port);
  }
  client->set_hostname_addr_map({{target.url.host, target.address}});
  client->set_follow_location(false);
  client->set_keep_alive(false);
  client->set_connection_timeout(5);
  client->set_read_timeout(10);
  client->set_write_timeout(10);
  httplib::Request req;
  req.method = "POST";
  req.path = target.url.path;
  req.headers = headers;
  req.headers.emplace("Content-Type", "application/json");
  req.body = body;
  int status = 0;
  size_t read = 0;
  req.response_handler = [&status](const httplib::Response& r) {
    status = r.status;
    return true;
  };
  req.content_receiver = [&read](const char*, size_t n, uint64_t, uint64_t) {
    read += n;
    return read <= PublicPolicies::kMaxAnswerBytes;  // a longer answer is cut off, not stored
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  // `status` says what came back; an answer without a body (204) may reach
  // only `res`.
  if (client->send(req, res, error) && status == 0) status = res.status;
  if (status == 0) return "no answer: " + httplib::to_string(error);
  if (status < 200 || status > 299) return "HTTP " + std::to_string(status);
  return "";
}

std::string SecretAad(const std::string& org_id) { return "match.webhook:" + org_id; }

}  // namespace

Result<Webhook> PublicPolicies::SetWebhook(const Principal& caller, const std::string& url) {
  if (!caller.Has(accounts::Role::kAdmin))
    return PermissionDenied("only administrators set the webhook");
  QT_RETURN_IF_ERROR(
      CheckOutboundUrl(url, options_.outbound, options_.resolve).status().WithContext("url"));
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

Result<Webhook> PublicPolicies::GetWebhook(const Principal& caller) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Webhook> {
    Webhook w;
    QT_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT url, created_at FROM pl_webhooks WHERE org_id = ?", {caller.org_id}));
    if (rows.empty()) return NotFound("your organisation has no webhook");
    w = {.org_id = caller.org_id,
         .url = rows[0].Text("url"),
         .secret = "",
         .created_at = rows[0].Int("created_at")};
    QT_ASSIGN_OR_RETURN(store::Rows counts,
                        tx.Query("SELECT state, COUNT(*) AS n FROM pl_deliveries WHERE org_id = ?"
                                 " GROUP BY state",
                                 {caller.org_id}));
    for (const store::Row& r : counts) {
      QT_ASSIGN_OR_RETURN(
          DeliveryState state, store::Decode<DeliveryState>("pl_deliveries", r, [&] {
            return Stored(ParseDeliveryState(r.Text("state")), "state", r.Text("state"));
          }));
      switch (state) {
        case DeliveryState::kPending:
          w.pending = r.Int("n");
          break;
        case DeliveryState::kDelivered:
          w.delivered = r.Int("n");
          break;
        case DeliveryState::kFailed:
        case DeliveryState::kCancelled:
          w.failed += r.Int("n");
          break;
      }
    }
    QT_ASSIGN_OR_RETURN(store::Rows last,
                        tx.Query("SELECT last_error FROM pl_deliveries WHERE org_id = ?"
                                 " AND last_error <> '' ORDER BY next_at DESC LIMIT 1",
                                 {caller.org_id}));
    if (!last.empty()) w.last_error = last[0].Text("last_error");
    return w;
  });
}

Status PublicPolicies::DeleteWebhook(const Principal& caller) {
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

Result<int> PublicPolicies::Deliver(size_t max) {
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
    const std::string notice_id = r.Text("notice_id"), org_id = r.Text("org_id");
    const int64_t attempts = r.Int("attempts") + 1;
    // Claim it (another process may be delivering too): push it a minute ahead.
    int64_t claimed = 0;
    QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
      QT_ASSIGN_OR_RETURN(claimed,
                          tx.Exec("UPDATE pl_deliveries SET next_at = ? WHERE notice_id = ?"
                                  " AND state = 'pending' AND next_at = ?",
                                  {now + 60'000, notice_id, r.Int("next_at")}));
      return OkStatus();
    }));
    if (claimed == 0) continue;
    auto secret = options_.master_key->Open(r.Blob("secret_sealed"), SecretAad(org_id));
    auto explanation =
        store::Decode<json>("pl_notices", r, [&] { return json::parse(r.Text("explanation")); });
    // Checked again, resolved now, and called at the address checked: a name
    // that resolved to a public address when set may not since (DNS rebinding).
    auto target = CheckOutboundUrl(r.Text("url"), options_.outbound, options_.resolve);
    std::string error;
    if (!explanation.ok()) {
      error = "the stored notice cannot be read";
    } else if (!secret.ok()) {
      error = "the webhook's secret cannot be read";
    } else if (!target.ok()) {
      error = "refused: " + target.status().message();
    } else {
      const json body = {{"type", "qiantang.policy.notice/v1"},
                         {"notice",
                          {{"id", notice_id},
                           {"policy_id", r.Text("policy_id")},
                           {"version", r.Int("version")},
                           {"title", r.Text("title")},
                           {"benefit", r.Text("benefit")},
                           {"entity_id", r.Text("entity_id")},
                           {"explanation", *explanation},
                           {"created_at", r.Int("created_at")}}}};
      const std::string text = body.dump();
      const std::string t = std::to_string(options_.clock->NowMillis());
      const std::string key(secret->begin(), secret->end());
      const std::string signature =
          "t=" + t + ",v1=" + crypto::HexEncode(crypto::HmacSha256(key, t + "." + text));
      error = PostOnce(
          *target, {{"X-Qiantang-Delivery", notice_id}, {"X-Qiantang-Signature", signature}}, text);
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
              {std::string(DeliveryStateName(attempts >= kMaxAttempts ? DeliveryState::kFailed
                                                                      : DeliveryState::kPending)),
               attempts, at + backoff, error, notice_id})
          .status();
    }));
    if (error.empty()) ++delivered;
  }
  return delivered;
}

}  // namespace qt::match
