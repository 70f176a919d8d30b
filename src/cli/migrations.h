// Every schema migration this binary knows, in the order modules depend on
// each other. The server and the offline tools (ledger audit) open databases
// with the same list, so neither refuses what the other wrote.
#ifndef QIANTANG_CLI_MIGRATIONS_H_
#define QIANTANG_CLI_MIGRATIONS_H_

#include <vector>

#include "store/store.h"

namespace qt::cli {

std::vector<store::Migration> AllMigrations();

}  // namespace qt::cli

#endif  // QIANTANG_CLI_MIGRATIONS_H_
