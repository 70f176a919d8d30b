// How the demo acts: as each organisation's administrator, as its own staff
// would, through the same services the API calls.
#ifndef QIANTANG_DEMO_ACTING_H_
#define QIANTANG_DEMO_ACTING_H_

#include <vector>

#include "accounts/accounts.h"

namespace qt::demo {

inline accounts::Principal ActAs(const accounts::Org& org) {
  return {"", "", org.id, org.kind, accounts::Role::kAdmin};
}

// Every organisation, in creation order.
inline Result<std::vector<accounts::Org>> AllOrgs(accounts::Accounts& accounts) {
  std::vector<accounts::Org> out;
  accounts::PageRequest page{"", accounts::PageRequest::kMaxLimit};
  while (true) {
    QT_ASSIGN_OR_RETURN(auto p, accounts.ListOrgs(page));
    out.insert(out.end(), p.items.begin(), p.items.end());
    if (p.next_cursor.empty()) return out;
    page.cursor = p.next_cursor;
  }
}

}  // namespace qt::demo

#endif  // QIANTANG_DEMO_ACTING_H_
