// The JSON of the channel's requests and answers, as the API shows them and
// as nodes send them to each other (federation/negotiations.h): one shape
// wherever a query runs.
//
// Thread-safety: pure functions.
#ifndef QIANTANG_DATASPACE_ANSWER_JSON_H_
#define QIANTANG_DATASPACE_ANSWER_JSON_H_

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "dataspace/dataspace.h"

namespace qt::dataspace {

// {"id", "contract_id", "action", "purpose", "epsilon", "delta", "receipt",
// "signature", "created_at"}
nlohmann::json UsageJson(const Usage& u);
// {"columns", "rows", "keys", "threshold", "epsilon", "delta",
// "epsilon_left", "uses_left", "usage"}
nlohmann::json QueryResultJson(const QueryResult& q);

// {"sql", "purpose", "region", "epsilon"} and back: kInvalidArgument naming
// the field for a missing, mistyped, oversized or unknown one.
nlohmann::json ChannelRequestJson(const ChannelRequest& r);
Result<ChannelRequest> ChannelRequestFromJson(const nlohmann::json& j);

}  // namespace qt::dataspace

#endif  // QIANTANG_DATASPACE_ANSWER_JSON_H_
