// The attributes of a person that policies write their rules against, taken
// from the identity service's record of a citizen (never the name or the
// resident ID):
//
//   district         string  "西湖区", ...
//   age              number  years, as this year minus the birth year
//   concession       string  none, elderly, student, disabled, veteran
//   talent_category  string  A..E while the talent status is valid, else missing
//   talent_until     date    the last day of the talent status
#ifndef QIANTANG_MATCH_PERSON_H_
#define QIANTANG_MATCH_PERSON_H_

#include <nlohmann/json.hpp>

#include "identity/model.h"
#include "match/schema.h"

namespace qt::match {

// Adds the person attributes to `schema`.
Status AddPersonAttributes(Schema& schema);

// The citizen's attribute values on day `today` (days since the epoch): an
// expired talent status counts as none.
nlohmann::json PersonProfile(const identity::Citizen& citizen, double today);

}  // namespace qt::match

#endif  // QIANTANG_MATCH_PERSON_H_
