// Exchange: the registry's reviewers — the authorities the operator appoints
// to review registration applications (registration.cc checks them).
#include "exchange/exchange.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::exchange {

using accounts::OrgKind;
using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

Status RequireOperatorAdmin(const Principal& caller, std::string_view what) {
  if (caller.IsOperator() && caller.Has(accounts::Role::kAdmin)) return OkStatus();
  return PermissionDenied("only the operator's admins " + std::string(what));
}

Result<Reviewer> ReviewerFromRow(const store::Row& r) {
  return store::Decode<Reviewer>("ex_reviewers", r, [&]() -> Reviewer {
    return {.org_id = r.Text("org_id"),
            .appointed_by = r.Text("appointed_by"),
            .appointed_at = r.Int("appointed_at")};
  });
}

}  // namespace

Result<Reviewer> Exchange::AppointReviewer(const Principal& caller, const std::string& org_id) {
  QT_RETURN_IF_ERROR(RequireOperatorAdmin(caller, "appoint the registry's reviewers"));
  auto org = options_.accounts->GetOrg(org_id);
  if (!org.ok() || org->kind != OrgKind::kAuthority) {
    return InvalidArgument("org_id: no authority " + org_id + " (reviewers are authorities)");
  }
  Reviewer r{
      .org_id = org_id, .appointed_by = caller.org_id, .appointed_at = options_.clock->NowMillis()};
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    auto inserted =
        tx.Exec("INSERT INTO ex_reviewers (org_id, appointed_by, appointed_at) VALUES (?, ?, ?)",
                {r.org_id, r.appointed_by, r.appointed_at});
    if (!inserted.ok() && inserted.status().code() == StatusCode::kConflict) {
      return Conflict("org_id: " + org_id + " is already a reviewer");
    }
    QT_RETURN_IF_ERROR(inserted.status());
    return options_.journal
        ->Append(tx, {caller.org_id, "exchange.reviewer.appointed", org_id, json::object()})
        .status();
  }));
  return r;
}

Status Exchange::RemoveReviewer(const Principal& caller, const std::string& org_id) {
  QT_RETURN_IF_ERROR(RequireOperatorAdmin(caller, "remove the registry's reviewers"));
  return store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(int64_t n, tx.Exec("DELETE FROM ex_reviewers WHERE org_id = ?", {org_id}));
    if (n == 0) return NotFound("no reviewer " + org_id);
    return options_.journal
        ->Append(tx, {caller.org_id, "exchange.reviewer.removed", org_id, json::object()})
        .status();
  });
}

Result<std::vector<Reviewer>> Exchange::Reviewers() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Reviewer>> {
    std::vector<Reviewer> out;
    QT_ASSIGN_OR_RETURN(
        auto rows,
        tx.Query("SELECT org_id, appointed_by, appointed_at FROM ex_reviewers ORDER BY org_id"));
    QT_RETURN_IF_ERROR(store::DecodeInto(rows, ReviewerFromRow, out));
    return out;
  });
}

}  // namespace qt::exchange
