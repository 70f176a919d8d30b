// The one place where a Status becomes an HTTP status and an error body.
//
// Body: {"error":{"code":"invalid_argument","message":"name: must not be empty"}}
#ifndef QIANTANG_API_ERRORS_H_
#define QIANTANG_API_ERRORS_H_

#include <string>

#include "core/status.h"

namespace qt::api {

int HttpStatusOf(StatusCode code);
std::string ErrorBody(const Status& status);

}  // namespace qt::api

#endif  // QIANTANG_API_ERRORS_H_
