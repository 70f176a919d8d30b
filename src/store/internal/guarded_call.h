// A transaction's callback run so that nothing it throws escapes the store: an
// exception (a JSON type error, bad_alloc) becomes kInternal naming it, the
// transaction is rolled back and its connection goes back to the pool like
// any other failure. (A callback that threw past the store used to leave its
// pooled connection checked out for good: eight of them and every later
// transaction waited forever.)
#ifndef QIANTANG_STORE_INTERNAL_GUARDED_CALL_H_
#define QIANTANG_STORE_INTERNAL_GUARDED_CALL_H_

#include <exception>
#include <functional>
#include <string>

#include "core/status.h"
#include "store/store.h"

namespace qt::store::internal {

inline Status GuardedCall(const std::function<Status(Tx&)>& fn, Tx& tx) {
  try {
    return fn(tx);
  } catch (const std::exception& e) {
    return Internal(std::string("a transaction threw: ") + e.what());
  } catch (...) {
    return Internal("a transaction threw a non-standard exception");
  }
}

}  // namespace qt::store::internal

#endif  // QIANTANG_STORE_INTERNAL_GUARDED_CALL_H_
