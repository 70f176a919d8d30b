// The match module's migrations, in order: the finance station (v1), the
// scenario lists (v2), policies and change numbers (v3), enterprise money in
// fen (v4: stored profiles' yuan "revenue" and "need_amount" become
// "revenue_fen" and "need_amount_fen", ProfileInFen in enterprise.h).
#ifndef QIANTANG_MATCH_MIGRATIONS_H_
#define QIANTANG_MATCH_MIGRATIONS_H_

#include <vector>

#include "store/store.h"

namespace qt::match {

std::vector<store::Migration> Migrations();

}  // namespace qt::match

#endif  // QIANTANG_MATCH_MIGRATIONS_H_
