// Exchange: registration applications, review, public notice, objections,
// and the issue of certificate 00001 onwards.
#include <nlohmann/json.hpp>
#include <set>

#include "accounts/credit_code.h"
#include "accounts/paging.h"
#include "core/ids.h"
#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "exchange/exchange.h"
#include "exchange/internal.h"
#include "exchange/numbering.h"
#include "store/transact.h"

namespace qt::exchange {

using accounts::OrgKind;
using accounts::Page;
using accounts::PageRequest;
using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

constexpr int64_t kDay = 24 * 3'600'000LL;

const std::set<std::string> kDataTypes = {"dataset", "data_product", "database", "api"};
const std::set<std::string> kSourceKinds = {"collected", "generated", "licensed"};
const std::set<std::string> kCycles = {"once",    "realtime",  "daily", "weekly",
                                       "monthly", "quarterly", "yearly"};

std::string Joined(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

Status CheckApplication(const NewApplication& a) {
  if (a.rights.empty()) return InvalidArgument("rights: name at least one of the three rights");
  std::set<std::string> seen;
  for (const auto& r : a.rights) {
    bool known = false;
    for (const char* k : kRights) known = known || r == k;
    if (!known) {
      return InvalidArgument("rights: '" + r +
                             "' is not resource_holding, processing_use or product_operation");
    }
    if (!seen.insert(r).second) return InvalidArgument("rights: '" + r + "' appears twice");
  }
  QT_RETURN_IF_ERROR(CheckDisplayText(a.data_name, 200).WithContext("data_name"));
  QT_RETURN_IF_ERROR(CheckDisplayText(a.description, 5000).WithContext("description"));
  if (!kDataTypes.contains(a.data_type)) {
    return InvalidArgument("data_type: must be one of " + Joined(kDataTypes));
  }
  if (!kSourceKinds.contains(a.source_kind)) {
    return InvalidArgument("source_kind: must be one of " + Joined(kSourceKinds));
  }
  if (a.source_kind == "licensed" && a.source_ref.empty()) {
    return InvalidArgument("source_ref: licensed data names the licence contract");
  }
  if (!a.source_ref.empty()) {
    QT_RETURN_IF_ERROR(CheckDisplayText(a.source_ref, 200).WithContext("source_ref"));
  }
  QT_RETURN_IF_ERROR(CheckDisplayText(a.format, 100).WithContext("format"));
  QT_RETURN_IF_ERROR(CheckDisplayText(a.scale, 100).WithContext("scale"));
  if (!kCycles.contains(a.update_cycle)) {
    return InvalidArgument("update_cycle: must be one of " + Joined(kCycles));
  }
  if (a.product_id.empty()) return InvalidArgument("product_id: is required");
  if (a.evidence.size() > Exchange::kMaxEvidenceFiles) {
    return InvalidArgument("evidence: at most 10 files");
  }
  for (size_t i = 0; i < a.evidence.size(); ++i) {
    std::string at = "evidence[" + std::to_string(i) + "]";
    QT_RETURN_IF_ERROR(CheckDisplayText(a.evidence[i].name, 200).WithContext(at + ".name"));
    if (a.evidence[i].content.empty() ||
        a.evidence[i].content.size() > Exchange::kMaxEvidenceBytes) {
      return InvalidArgument(at + ".content: must be 1 byte to 2 MiB");
    }
  }
  return OkStatus();
}

Result<Application> ReadApplication(Tx& tx, const std::string& id) {
  QT_ASSIGN_OR_RETURN(auto rows,
                      tx.Query(std::string(internal::kApplicationColumns) + " WHERE id = ?", {id}));
  if (rows.empty()) return NotFound("no application " + id);
  QT_ASSIGN_OR_RETURN(Application a, internal::ApplicationFromRow(rows[0]));
  QT_ASSIGN_OR_RETURN(auto ev, tx.Query("SELECT id, name, sha256, bytes FROM ex_evidence WHERE"
                                        " application_id = ? ORDER BY id",
                                        {id}));
  for (const auto& r : ev)
    a.evidence.push_back({r.Text("id"), r.Text("name"), r.Text("sha256"), r.Int("bytes")});
  return a;
}

bool IsAuthority(const Principal& p) { return p.org_kind == OrgKind::kAuthority; }

// The caller is one of the registry's reviewers and, once an application's
// review has started, the organisation that started it.
Status RequireReviewerOf(Tx& tx, const Principal& caller, const Application& a,
                         std::string_view what) {
  QT_ASSIGN_OR_RETURN(auto rows,
                      tx.Query("SELECT 1 FROM ex_reviewers WHERE org_id = ?", {caller.org_id}));
  if (rows.empty()) {
    return PermissionDenied("only the registry's reviewers (authorities the operator appoints) " +
                            std::string(what));
  }
  if (!a.reviewer_id.empty() && a.reviewer_id != caller.org_id) {
    return PermissionDenied("application " + a.id + " is reviewed by " + a.reviewer_id +
                            "; only that organisation " + std::string(what));
  }
  return OkStatus();
}

}  // namespace

Result<Application> Exchange::Apply(const Principal& caller, const NewApplication& in) {
  if (!(caller.org_kind == OrgKind::kDataHolder || caller.org_kind == OrgKind::kEnterprise) ||
      !caller.Has(accounts::Role::kMember)) {
    return PermissionDenied("only members of data holders and enterprises apply to register data");
  }
  QT_RETURN_IF_ERROR(CheckApplication(in));
  auto product = options_.dataspace->GetProduct(caller, in.product_id);
  if (!product.ok() || product->product.org_id != caller.org_id) {
    return NotFound("product_id: no data space product " + in.product_id + " of your organisation");
  }
  QT_ASSIGN_OR_RETURN(accounts::Org org, options_.accounts->GetOrg(caller.org_id));
  if (!in.credit_code.empty()) {
    QT_RETURN_IF_ERROR(accounts::ValidateCreditCode(in.credit_code).WithContext("credit_code"));
    if (in.credit_code != org.credit_code) {
      return InvalidArgument("credit_code: is not the applicant's registered code " +
                             org.credit_code);
    }
  }
  IdGenerator ids(*options_.clock, *options_.random);
  Application a{.id = ids.Next("app"),
                .applicant_id = caller.org_id,
                .holder_name = org.name,
                .credit_code = org.credit_code,
                .data = in,
                .snapshot_sha256 = product->product.output_hash,
                .state = ApplicationState::kSubmitted};
  a.created_at = a.updated_at = options_.clock->NowMillis();
  std::string disputed;  // the application already registering this snapshot
  Status st = store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(auto same, tx.Query("SELECT id, applicant_id FROM ex_applications WHERE"
                                            " snapshot_sha256 = ? AND state != 'rejected'",
                                            {a.snapshot_sha256}));
    for (const auto& r : same) {
      if (r.Text("applicant_id") == caller.org_id) {
        return Conflict("product_id: this snapshot is already in application " + r.Text("id"));
      }
      disputed = r.Text("id");
      return Conflict("product_id: this data snapshot is registered by another holder in " +
                      r.Text("id") + "; a dispute has been raised with the registry");
    }
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO ex_applications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, '', 0, '', '', ?, ?)",
                {a.id, a.applicant_id, a.holder_name, a.credit_code, json(in.rights).dump(),
                 in.data_name, in.description, in.data_type, in.source_kind, in.source_ref,
                 in.format, in.scale, in.update_cycle, in.product_id, a.snapshot_sha256,
                 std::string(ApplicationStateName(a.state)), a.created_at, a.updated_at})
            .status());
    json evidence = json::array();
    for (const Evidence& e : in.evidence) {
      std::string id = ids.Next("evd");
      std::string sha = crypto::HexEncode(crypto::Sha256(e.content));
      store::Bytes bytes(e.content.begin(), e.content.end());
      QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO ex_evidence VALUES (?, ?, ?, ?, ?, ?)",
                                 {id, a.id, e.name, sha, static_cast<int64_t>(bytes.size()), bytes})
                             .status());
      evidence.push_back(sha);
      a.evidence.push_back({id, e.name, sha, static_cast<int64_t>(bytes.size())});
    }
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "exchange.application.submitted",
                      a.id,
                      {{"rights", in.rights},
                       {"snapshot_sha256", a.snapshot_sha256},
                       {"evidence_sha256", evidence}}})
        .status();
  });
  if (!st.ok() && !disputed.empty()) {
    // The application changed nothing; the dispute is the registry's record of the clash.
    QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
      std::string id = ids.Next("dsp");
      QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO ex_disputes VALUES (?, ?, ?, ?, ?)",
                                 {id, a.snapshot_sha256, disputed, caller.org_id, a.created_at})
                             .status());
      return options_.journal
          ->Append(tx, {caller.org_id,
                        "exchange.dispute.raised",
                        id,
                        {{"snapshot_sha256", a.snapshot_sha256}, {"application_id", disputed}}})
          .status();
    }));
  }
  QT_RETURN_IF_ERROR(st);
  return a;
}

Result<Application> Exchange::GetApplication(const Principal& caller, const std::string& id) {
  QT_ASSIGN_OR_RETURN(const Application a,
                      store::ReadValue(store_, [&](Tx& tx) { return ReadApplication(tx, id); }));
  if (a.applicant_id != caller.org_id && !IsAuthority(caller) &&
      a.state != ApplicationState::kPublicNotice) {
    return NotFound("no application " + id);
  }
  return a;
}

Result<Page<Application>> Exchange::ListApplications(const Principal& caller,
                                                     const std::string& state,
                                                     const PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "app"));
  std::string sql = std::string(internal::kApplicationColumns) + " WHERE id > ?";
  store::Params params = {page.cursor};
  if (!IsAuthority(caller)) {
    sql += " AND applicant_id = ?";
    params.emplace_back(caller.org_id);
  }
  if (state == "open") {
    sql += " AND state NOT IN ('issued', 'rejected')";
  } else if (!state.empty()) {
    sql += " AND state = ?";
    params.emplace_back(state);
  }
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Page<Application>> {
    return accounts::QueryPage<Application>(tx, sql, params, page, internal::ApplicationFromRow);
  });
}

Result<Application> Exchange::Review(const Principal& caller, const std::string& id,
                                     const std::string& action, const std::string& grounds) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kAuthority, "review registrations"));
  using enum ApplicationState;
  struct Step {
    std::set<ApplicationState> from;
    ApplicationState to;
  };
  static const std::map<std::string, Step> kSteps = {
      {"accept", {{kSubmitted}, kFormalReview}},
      {"formal_pass", {{kFormalReview}, kSubstantiveReview}},
      {"substantive_pass", {{kSubstantiveReview}, kPublicNotice}},
      {"reject", {{kSubmitted, kFormalReview, kSubstantiveReview, kPublicNotice}, kRejected}},
      {"issue", {{kPublicNotice}, kIssued}}};
  auto step = kSteps.find(action);
  if (step == kSteps.end()) {
    return InvalidArgument(
        "action: must be accept, formal_pass, substantive_pass, reject or issue");
  }
  if (action == "reject")
    QT_RETURN_IF_ERROR(CheckDisplayText(grounds, 2000).WithContext("grounds"));
  QT_ASSIGN_OR_RETURN(accounts::Org issuer, options_.accounts->GetOrg(caller.org_id));
  const UnixMillis now = options_.clock->NowMillis();
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Application> {
    QT_ASSIGN_OR_RETURN(Application a, ReadApplication(tx, id));
    QT_RETURN_IF_ERROR(RequireReviewerOf(tx, caller, a, "reviews it"));
    if (!step->second.from.contains(a.state)) {
      std::set<std::string> from;
      for (ApplicationState s : step->second.from) from.emplace(ApplicationStateName(s));
      return FailedPrecondition("the application is " + std::string(ApplicationStateName(a.state)) +
                                "; " + action + " needs it " + Joined(from));
    }
    json payload = {{"action", action}};
    a.state = step->second.to;
    a.reviewer_id = caller.org_id;
    a.updated_at = now;
    if (action == "reject") {
      a.grounds = grounds;
      payload["grounds"] = grounds;
    }
    if (action == "substantive_pass") {
      a.notice_until = now + options_.notice_days * kDay;
      payload["notice_until"] = FormatRfc3339(a.notice_until);
    }
    if (action == "issue") {
      if (now < a.notice_until) {
        return FailedPrecondition("the public notice runs until " + FormatRfc3339(a.notice_until));
      }
      if (a.open_objections > 0) {
        return FailedPrecondition(std::to_string(a.open_objections) +
                                  " objection(s) must be resolved before issue");
      }
      // The registry's next number, drawn in this transaction (writers are serialised).
      const std::string registry = options_.number_format;
      QT_ASSIGN_OR_RETURN(
          auto rows, tx.Query("SELECT next_seq FROM ex_counters WHERE registry = ?", {registry}));
      int64_t seq = rows.empty() ? 1 : rows[0].Int("next_seq");
      if (rows.empty()) {
        QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO ex_counters VALUES (?, 2)", {registry}).status());
      } else {
        QT_RETURN_IF_ERROR(tx.Exec("UPDATE ex_counters SET next_seq = next_seq + 1 WHERE"
                                   " registry = ?",
                                   {registry})
                               .status());
      }
      a.certificate_number =
          FormatNumber(options_.number_format, std::stoi(FormatRfc3339(now).substr(0, 4)), seq);
      const UnixMillis valid_until = now + options_.validity_days * kDay;
      json doc = {
          {"type", "qiantang.exchange.certificate/v1"},
          {"number", a.certificate_number},
          {"version", 1},
          {"change", "issued"},
          {"previous_sha256", nullptr},
          {"status", "valid"},
          {"holder",
           {{"id", a.applicant_id}, {"name", a.holder_name}, {"credit_code", a.credit_code}}},
          {"rights", a.data.rights},
          {"data",
           {{"name", a.data.data_name},
            {"description", a.data.description},
            {"type", a.data.data_type},
            {"source", {{"kind", a.data.source_kind}, {"ref", a.data.source_ref}}},
            {"format", a.data.format},
            {"scale", a.data.scale},
            {"update_cycle", a.data.update_cycle},
            {"snapshot_sha256", a.snapshot_sha256}}},
          {"issuer",
           {{"id", issuer.id},
            {"name", issuer.name},
            {"public_key", crypto::HexEncode(issuer.public_key)}}},
          {"issued_at", FormatRfc3339(now)},
          {"valid_from", FormatRfc3339(now)},
          {"valid_until", FormatRfc3339(valid_until)},
          {"verify_url", VerifyUrl(a.certificate_number)}};
      const std::string document = doc.dump();
      const std::string sha = crypto::HexEncode(crypto::Sha256(document));
      QT_ASSIGN_OR_RETURN(
          auto sig, options_.accounts->SignAs(
                        issuer.id, std::span(reinterpret_cast<const uint8_t*>(document.data()),
                                             document.size())));
      QT_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO ex_certificates VALUES (?, 1, 'issued', 'valid', ?, ?, ?, ?, ?, ?,"
                  " ?, ?)",
                  {a.certificate_number, a.applicant_id, issuer.id, a.id, document, sha,
                   crypto::Base64Encode(sig), valid_until, now})
              .status());
      QT_RETURN_IF_ERROR(options_.journal
                             ->Append(tx, {caller.org_id,
                                           "exchange.certificate.issued",
                                           a.certificate_number,
                                           {{"version", 1},
                                            {"sha256", sha},
                                            {"holder_id", a.applicant_id},
                                            {"application_id", a.id}}})
                             .status());
      payload["certificate_number"] = a.certificate_number;
    }
    QT_ASSIGN_OR_RETURN(
        int64_t n, tx.Exec("UPDATE ex_applications SET state = ?, grounds = ?, notice_until = ?,"
                           " reviewer_id = ?, certificate_number = ?, updated_at = ? WHERE id = ?",
                           {std::string(ApplicationStateName(a.state)), a.grounds, a.notice_until,
                            a.reviewer_id, a.certificate_number, a.updated_at, a.id}));
    if (n != 1) return Internal("application row vanished");
    QT_RETURN_IF_ERROR(
        options_.journal
            ->Append(tx, {caller.org_id,
                          "exchange.application." + std::string(ApplicationStateName(a.state)),
                          a.id, payload})
            .status());
    return a;
  });
}

Result<std::vector<Application>> Exchange::NoticeBoard() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Application>> {
    std::vector<Application> out;
    QT_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string(internal::kApplicationColumns) +
                                            " WHERE state = 'public_notice' ORDER BY id"));
    QT_RETURN_IF_ERROR(store::DecodeInto(rows, internal::ApplicationFromRow, out));
    return out;
  });
}

Result<Objection> Exchange::Object(const Principal& caller, const std::string& application_id,
                                   const std::string& reason) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_RETURN_IF_ERROR(CheckDisplayText(reason, 2000).WithContext("reason"));
  IdGenerator ids(*options_.clock, *options_.random);
  Objection o{.id = ids.Next("obj"),
              .application_id = application_id,
              .objector_id = caller.org_id,
              .reason = reason,
              .state = ObjectionState::kOpen,
              .created_at = options_.clock->NowMillis()};
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(Application a, ReadApplication(tx, application_id));
    if (a.state != ApplicationState::kPublicNotice) {
      return FailedPrecondition("the application is " + std::string(ApplicationStateName(a.state)) +
                                ": objections are taken during public notice only");
    }
    if (o.created_at >= a.notice_until) {
      return FailedPrecondition("the public notice ended " + FormatRfc3339(a.notice_until));
    }
    QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO ex_objections VALUES (?, ?, ?, ?, 'open', '', ?, 0)",
                               {o.id, o.application_id, o.objector_id, o.reason, o.created_at})
                           .status());
    return options_.journal
        ->Append(
            tx,
            {caller.org_id, "exchange.objection.filed", o.id, {{"application_id", application_id}}})
        .status();
  }));
  return o;
}

Result<std::vector<Objection>> Exchange::Objections(const std::string& application_id) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Objection>> {
    std::vector<Objection> out;
    QT_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string(internal::kObjectionColumns) +
                                                " WHERE application_id = ? ORDER BY id",
                                            {application_id}));
    QT_RETURN_IF_ERROR(store::DecodeInto(rows, internal::ObjectionFromRow, out));
    return out;
  });
}

Result<Objection> Exchange::ResolveObjection(const Principal& caller, const std::string& id,
                                             const std::string& decision,
                                             const std::string& resolution) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kAuthority, "resolve objections"));
  const std::optional<ObjectionState> decided = ParseObjectionState(decision);
  if (decided != ObjectionState::kUpheld && decided != ObjectionState::kDismissed) {
    return InvalidArgument("decision: must be upheld or dismissed");
  }
  QT_RETURN_IF_ERROR(CheckDisplayText(resolution, 2000).WithContext("resolution"));
  const UnixMillis now = options_.clock->NowMillis();
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Objection> {
    QT_ASSIGN_OR_RETURN(auto rows,
                        tx.Query(std::string(internal::kObjectionColumns) + " WHERE id = ?", {id}));
    if (rows.empty()) return NotFound("no objection " + id);
    QT_ASSIGN_OR_RETURN(Objection o, internal::ObjectionFromRow(rows[0]));
    QT_ASSIGN_OR_RETURN(Application a, ReadApplication(tx, o.application_id));
    QT_RETURN_IF_ERROR(RequireReviewerOf(tx, caller, a, "resolves objections to it"));
    if (o.state != ObjectionState::kOpen) {
      return FailedPrecondition("the objection is already " +
                                std::string(ObjectionStateName(o.state)));
    }
    o.state = *decided;
    o.resolution = resolution;
    o.resolved_at = now;
    QT_RETURN_IF_ERROR(tx.Exec("UPDATE ex_objections SET state = ?, resolution = ?, resolved_at = ?"
                               " WHERE id = ?",
                               {decision, o.resolution, now, id})
                           .status());
    if (o.state == ObjectionState::kUpheld) {
      QT_RETURN_IF_ERROR(
          tx.Exec("UPDATE ex_applications SET state = 'rejected', grounds = ?,"
                  " reviewer_id = ?, updated_at = ? WHERE id = ? AND state ="
                  " 'public_notice'",
                  {"objection upheld: " + resolution, caller.org_id, now, o.application_id})
              .status());
    }
    QT_RETURN_IF_ERROR(options_.journal
                           ->Append(tx, {caller.org_id,
                                         "exchange.objection." + decision,
                                         id,
                                         {{"application_id", o.application_id}}})
                           .status());
    return o;
  });
}

}  // namespace qt::exchange
