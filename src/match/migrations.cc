#include "match/migrations.h"

#include "match/finance.h"
#include "match/public_policies.h"
#include "match/scenarios.h"

namespace qt::match {

std::vector<store::Migration> Migrations() {
  return {Finance::Migration(), Scenarios::Migration(), PublicPolicies::Migration()};
}

}  // namespace qt::match
