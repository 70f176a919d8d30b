// ReadValue and WriteValue: a transaction that returns what it read or made,
// instead of assigning it to a variable captured from outside.
//
// The callback returns Result<T>. Its error rolls the transaction back and is
// returned; its value is returned once the transaction has committed. On
// PostgreSQL a write's callback may run again after a serialisation failure:
// the value of the run that committed is the one returned.
//
// Thread-safety: as Store.
//
// Example:
//   QT_ASSIGN_OR_RETURN(Peer p, store::ReadValue(store_, [&](store::Tx& tx) {
//     return LoadPeer(tx, name);  // Result<Peer>
//   }));
#ifndef QIANTANG_STORE_TRANSACT_H_
#define QIANTANG_STORE_TRANSACT_H_

#include <optional>
#include <type_traits>
#include <utility>

#include "core/status.h"
#include "store/store.h"

namespace qt::store {

namespace internal {

template <typename F>
using TxResult = std::invoke_result_t<F&, Tx&>;

// Runs `fn` in the transaction that `run` (Store::Read or Store::Write) opens.
template <typename F, typename Run>
TxResult<F> Transact(Run&& run, F& fn) {
  std::optional<TxResult<F>> out;
  Status s = run([&](Tx& tx) -> Status {
    out.emplace(fn(tx));
    return out->status();
  });
  if (!s.ok()) return s;
  return std::move(*out);
}

}  // namespace internal

template <typename F>
internal::TxResult<F> ReadValue(Store& store, F&& fn) {
  return internal::Transact([&store](const auto& body) { return store.Read(body); }, fn);
}

template <typename F>
internal::TxResult<F> WriteValue(Store& store, F&& fn) {
  return internal::Transact([&store](const auto& body) { return store.Write(body); }, fn);
}

}  // namespace qt::store

#endif  // QIANTANG_STORE_TRANSACT_H_
