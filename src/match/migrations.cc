#include "match/migrations.h"

#include "match/enterprise.h"
#include "match/finance.h"
#include "match/public_policies.h"
#include "match/scenarios.h"
#include "store/decode.h"

namespace qt::match {
namespace {

// v4: each stored profile through ProfileInFen. A profile that cannot be read
// is logged and left as it is (the engine passes over it as before).
Status ProfilesInFen(store::Tx& tx) {
  QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT id, profile FROM fm_enterprises"));
  for (const store::Row& r : rows) {
    auto profile = store::Decode<nlohmann::json>("fm_enterprises", r, [&] {
      return ProfileInFen(nlohmann::json::parse(r.Text("profile")));
    });
    if (!profile.ok()) continue;
    QT_RETURN_IF_ERROR(tx.Exec("UPDATE fm_enterprises SET profile = ? WHERE id = ?",
                               {profile->dump(), r.Text("id")})
                           .status());
  }
  return OkStatus();
}

}  // namespace

std::vector<store::Migration> Migrations() {
  return {Finance::Migration(),
          Scenarios::Migration(),
          PublicPolicies::Migration(),
          {"match", 4, "enterprise money in fen", "", ProfilesInFen}};
}

}  // namespace qt::match
