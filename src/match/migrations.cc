#include "match/migrations.h"

#include "match/finance.h"
#include "match/policies.h"
#include "match/scenarios.h"

namespace qt::match {

std::vector<store::Migration> Migrations() {
  return {Finance::Migration(), Scenarios::Migration(), Policies::Migration()};
}

}  // namespace qt::match
