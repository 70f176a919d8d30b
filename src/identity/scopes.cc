// Scopes between organisations of the same kind: category grants (which
// service organisation may run terminals of which category) and delegations
// (which authority may act on another authority's citizens). See identity.h.
#include "identity/internal.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::identity {

using accounts::OrgKind;
using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

bool IsOperatorAdmin(const Principal& p) { return p.IsOperator() && p.Has(accounts::Role::kAdmin); }

Result<CategoryGrant> GrantFromRow(const store::Row& r) {
  return store::Decode<CategoryGrant>("id_grants", r, [&]() -> CategoryGrant {
    return {.org_id = r.Text("org_id"),
            .category = r.Text("category"),
            .granted_by = r.Text("granted_by"),
            .granted_at = r.Int("granted_at")};
  });
}

Result<Delegation> DelegationFromRow(const store::Row& r) {
  return store::Decode<Delegation>("id_delegations", r, [&]() -> Delegation {
    return {.owner_id = r.Text("owner_id"),
            .delegate_id = r.Text("delegate_id"),
            .granted_by = r.Text("granted_by"),
            .granted_at = r.Int("granted_at")};
  });
}

Result<bool> Holds(Tx& tx, const std::string& org_id, const std::string& category) {
  QT_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query("SELECT 1 FROM id_grants WHERE org_id = ? AND category = ?", {org_id, category}));
  return !rows.empty();
}

// The operator's admins grant anything; an authority's admins grant their own
// categories to service organisations.
Status MayGrant(Tx& tx, const Principal& caller, const accounts::Org& to,
                const std::string& category, std::string_view what) {
  if (IsOperatorAdmin(caller)) return OkStatus();
  if (caller.org_kind != OrgKind::kAuthority || !caller.Has(accounts::Role::kAdmin)) {
    return PermissionDenied(
        "only the operator's admins, or an authority's admins for the"
        " categories granted to it, " +
        std::string(what));
  }
  QT_ASSIGN_OR_RETURN(bool holds, Holds(tx, caller.org_id, category));
  if (!holds) {
    return PermissionDenied("category: " + category + " is not granted to your authority");
  }
  if (to.kind != OrgKind::kService) {
    return PermissionDenied("an authority grants its categories to service organisations only");
  }
  return OkStatus();
}

}  // namespace

Result<CategoryGrant> Identity::Grant(const Principal& caller, const std::string& org_id,
                                      const std::string& category) {
  if (FindCategory(category) == nullptr) {
    return InvalidArgument("category: unknown service category '" + category + "'");
  }
  auto to = options_.accounts->GetOrg(org_id);
  if (!to.ok()) return InvalidArgument("org_id: no organisation " + org_id);
  if (to->kind != OrgKind::kService && to->kind != OrgKind::kAuthority) {
    return InvalidArgument(
        "org_id: categories are granted to service organisations and"
        " authorities only");
  }
  CategoryGrant g{.org_id = org_id,
                  .category = category,
                  .granted_by = caller.org_id,
                  .granted_at = options_.clock->NowMillis()};
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(MayGrant(tx, caller, *to, category, "grant categories"));
    QT_ASSIGN_OR_RETURN(bool holds, Holds(tx, org_id, category));
    if (holds) return Conflict("category: " + category + " is already granted to " + org_id);
    QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO id_grants (org_id, category, granted_by, granted_at)"
                               " VALUES (?, ?, ?, ?)",
                               {g.org_id, g.category, g.granted_by, g.granted_at})
                           .status());
    return options_.journal
        ->Append(tx, {caller.org_id, "identity.category.granted", org_id, {{"category", category}}})
        .status();
  }));
  return g;
}

Result<int64_t> Identity::RevokeGrant(const Principal& caller, const std::string& org_id,
                                      const std::string& category) {
  if (FindCategory(category) == nullptr) {
    return InvalidArgument("category: unknown service category '" + category + "'");
  }
  auto to = options_.accounts->GetOrg(org_id);
  if (!to.ok()) return NotFound("no grant of " + category + " to " + org_id);
  return store::WriteValue(store_, [&](Tx& tx) -> Result<int64_t> {
    QT_RETURN_IF_ERROR(MayGrant(tx, caller, *to, category, "revoke category grants"));
    QT_ASSIGN_OR_RETURN(bool holds, Holds(tx, org_id, category));
    if (!holds) return NotFound("no grant of " + category + " to " + org_id);
    QT_RETURN_IF_ERROR(
        tx.Exec("DELETE FROM id_grants WHERE org_id = ? AND category = ?", {org_id, category})
            .status());
    QT_ASSIGN_OR_RETURN(const int64_t disabled,
                        tx.Exec("UPDATE id_terminals SET state = 'disabled' WHERE"
                                " org_id = ? AND category = ? AND state = 'active'",
                                {org_id, category}));
    QT_RETURN_IF_ERROR(
        options_.journal
            ->Append(tx, {caller.org_id,
                          "identity.category.revoked",
                          org_id,
                          {{"category", category}, {"terminals_disabled", disabled}}})
            .status());
    return disabled;
  });
}

Result<std::vector<CategoryGrant>> Identity::ListGrants(const std::string& org_id) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<CategoryGrant>> {
    std::vector<CategoryGrant> out;
    std::string sql = "SELECT org_id, category, granted_by, granted_at FROM id_grants";
    store::Params params;
    if (!org_id.empty()) {
      sql += " WHERE org_id = ?";
      params.emplace_back(org_id);
    }
    QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(sql + " ORDER BY org_id, category", params));
    QT_RETURN_IF_ERROR(store::DecodeInto(rows, GrantFromRow, out));
    return out;
  });
}

Result<Delegation> Identity::Delegate(const Principal& caller, const std::string& owner_id,
                                      const std::string& delegate_id) {
  if (!IsOperatorAdmin(caller)) {
    return PermissionDenied("only the operator's admins delegate an authority's citizens");
  }
  const std::pair<const char*, const std::string*> ids[] = {{"owner_id", &owner_id},
                                                            {"delegate_id", &delegate_id}};
  for (const auto& [field, id] : ids) {
    auto org = options_.accounts->GetOrg(*id);
    if (!org.ok() || org->kind != OrgKind::kAuthority) {
      return InvalidArgument(std::string(field) + ": no authority " + *id);
    }
  }
  if (owner_id == delegate_id) return InvalidArgument("delegate_id: is the owner itself");
  Delegation d{.owner_id = owner_id,
               .delegate_id = delegate_id,
               .granted_by = caller.org_id,
               .granted_at = options_.clock->NowMillis()};
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    auto inserted = tx.Exec(
        "INSERT INTO id_delegations (owner_id, delegate_id, granted_by, granted_at)"
        " VALUES (?, ?, ?, ?)",
        {d.owner_id, d.delegate_id, d.granted_by, d.granted_at});
    if (!inserted.ok() && inserted.status().code() == StatusCode::kConflict) {
      return Conflict("delegate_id: " + delegate_id + " already acts for " + owner_id);
    }
    QT_RETURN_IF_ERROR(inserted.status());
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "identity.delegation.granted",
                      owner_id,
                      {{"delegate_id", delegate_id}}})
        .status();
  }));
  return d;
}

Status Identity::Undelegate(const Principal& caller, const std::string& owner_id,
                            const std::string& delegate_id) {
  if (!IsOperatorAdmin(caller)) {
    return PermissionDenied("only the operator's admins end delegations");
  }
  return store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(int64_t n, tx.Exec("DELETE FROM id_delegations WHERE owner_id = ? AND"
                                           " delegate_id = ?",
                                           {owner_id, delegate_id}));
    if (n == 0) return NotFound("no delegation of " + owner_id + "'s citizens to " + delegate_id);
    return options_.journal
        ->Append(
            tx,
            {caller.org_id, "identity.delegation.ended", owner_id, {{"delegate_id", delegate_id}}})
        .status();
  });
}

Result<std::vector<Delegation>> Identity::ListDelegations(const Principal& caller) {
  if (!caller.IsOperator()) {
    QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kAuthority, "read delegations"));
  }
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Delegation>> {
    std::vector<Delegation> out;
    std::string sql = "SELECT owner_id, delegate_id, granted_by, granted_at FROM id_delegations";
    store::Params params;
    if (!caller.IsOperator()) {
      sql += " WHERE owner_id = ? OR delegate_id = ?";
      params = {caller.org_id, caller.org_id};
    }
    QT_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query(sql + " ORDER BY owner_id, delegate_id", params));
    QT_RETURN_IF_ERROR(store::DecodeInto(rows, DelegationFromRow, out));
    return out;
  });
}

}  // namespace qt::identity
