#include "accounts/model.h"

#include <fmt/format.h>

#include "crypto/encoding.h"

namespace qt::accounts {

std::string_view OrgKindName(OrgKind kind) {
  switch (kind) {
    case OrgKind::kOperator:
      return "operator";
    case OrgKind::kComputeProvider:
      return "compute_provider";
    case OrgKind::kEnterprise:
      return "enterprise";
    case OrgKind::kDataHolder:
      return "data_holder";
    case OrgKind::kInstitution:
      return "institution";
    case OrgKind::kService:
      return "service";
    case OrgKind::kAuthority:
      return "authority";
  }
  return "operator";
}

std::optional<OrgKind> ParseOrgKind(std::string_view name) {
  for (OrgKind k : kAllOrgKinds) {
    if (OrgKindName(k) == name) return k;
  }
  return std::nullopt;
}

std::string_view KeyCustodyName(KeyCustody custody) {
  switch (custody) {
    case KeyCustody::kNode:
      return "node";
    case KeyCustody::kSelf:
      return "self";
    case KeyCustody::kHomeNode:
      return "home_node";
  }
  return "node";
}

std::string OwnKeyProofMessage(std::string_view org_id, int64_t version,
                               const crypto::PublicKey& key) {
  return fmt::format("qiantang.org-key/v1\norg {}\nversion {}\nkey {}\n", org_id, version,
                     crypto::HexEncode(key));
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kMember:
      return "member";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kViewer, Role::kMember, Role::kAdmin}) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

Status Principal::RequireMemberOf(OrgKind kind, std::string_view what) const {
  if (org_kind != kind) {
    return PermissionDenied(fmt::format("only {} organisations {}", OrgKindName(kind), what));
  }
  if (!Has(Role::kMember)) return PermissionDenied(fmt::format("viewers cannot {}", what));
  return OkStatus();
}

Status Principal::RequireMember() const {
  if (!Has(Role::kMember)) return PermissionDenied("only members act for their organisation");
  return OkStatus();
}

}  // namespace qt::accounts
