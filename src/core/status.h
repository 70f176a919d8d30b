// Status and Result<T>: how every fallible call in Qiantang reports failure.
//
// A Status is a code plus a human message. Codes are few and map one-to-one to
// HTTP statuses in api/ (see HttpStatusOf), so a module decides what kind of
// failure happened and the API layer never guesses. Result<T> holds either a
// value or a non-OK Status. Both are [[nodiscard]]: ignoring one is a warning.
//
// Thread-safety: values; copy freely.
//
// Example:
//   Result<Org> org = accounts.GetOrg(id);
//   if (!org.ok()) return org.status();
//   Use(*org);
#ifndef QIANTANG_CORE_STATUS_H_
#define QIANTANG_CORE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace qt {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // 400: the caller sent something malformed or out of range
  kUnauthenticated,     // 401: no credentials, or credentials not valid
  kPermissionDenied,    // 403: authenticated, but not allowed
  kNotFound,            // 404
  kConflict,            // 409: the object already exists or changed under the caller
  kFailedPrecondition,  // 409: the system is not in a state that allows this
  kPayloadTooLarge,     // 413
  kResourceExhausted,   // 429
  kInternal,            // 500: a bug or an environment failure
  kUnavailable,         // 503: try again later (shutting down, database busy)
};

// Stable lower_snake name used on the wire, e.g. "invalid_argument".
std::string_view StatusCodeName(StatusCode code);
// The code of a wire name (not "ok"); nullopt for a name that is none.
std::optional<StatusCode> ParseStatusCode(std::string_view name);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: name: must not be empty"
  std::string ToString() const;

  // Returns a copy with "context: " prepended to the message.
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status Unauthenticated(std::string m) {
  return {StatusCode::kUnauthenticated, std::move(m)};
}
inline Status PermissionDenied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status PayloadTooLarge(std::string m) {
  return {StatusCode::kPayloadTooLarge, std::move(m)};
}
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result constructed from an OK status without a value");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok()
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  // By value, so `for (auto& x : *Compute())` does not dangle.
  T value() && {
    assert(ok());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace qt

// Propagates a non-OK Status from an expression returning Status.
#define QT_RETURN_IF_ERROR(expr) QT_RETURN_IF_ERROR_IMPL_(QT_CONCAT_(qt_status_, __COUNTER__), expr)
#define QT_RETURN_IF_ERROR_IMPL_(var, expr) \
  do {                                      \
    ::qt::Status var = (expr);              \
    if (!var.ok()) return var;              \
  } while (0)

#define QT_CONCAT_INNER_(a, b) a##b
#define QT_CONCAT_(a, b) QT_CONCAT_INNER_(a, b)
// QT_ASSIGN_OR_RETURN(auto x, Compute()); declares x from a Result or returns its Status.
#define QT_ASSIGN_OR_RETURN(lhs, expr) \
  QT_ASSIGN_OR_RETURN_IMPL_(QT_CONCAT_(qt_result_, __COUNTER__), lhs, expr)
#define QT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#endif  // QIANTANG_CORE_STATUS_H_
