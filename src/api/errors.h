// The one place where a Status becomes an HTTP status and an error body.
//
// Body: {"error":{"code":"invalid_argument","field":"name","message":"name: must not be empty"}}
// `code` is stable (StatusCodeName); `field` is there when the message starts
// with the name of the input it is about ("pools[0].chip: ..."), so a client
// can say which field is wrong in its own words; `message` is for people.
#ifndef QIANTANG_API_ERRORS_H_
#define QIANTANG_API_ERRORS_H_

#include <string>
#include <string_view>

#include "core/status.h"

namespace qt::api {

int HttpStatusOf(StatusCode code);
std::string ErrorBody(const Status& status);
// The input a message is about: its leading "field: " (letters, digits, '_',
// ".name" and "[N]" parts), or "" if it does not start with one.
std::string FieldOf(std::string_view message);

}  // namespace qt::api

#endif  // QIANTANG_API_ERRORS_H_
