// Usage policies (the ODRL-like JSON of src/dataspace/policy.h) as sentences
// for the terminal, the CLI's counterpart of the console's web/offer_text.js:
//
//   allowed: aggregate_query — for research, credit; on fields district, age;
//            privacy budget ε ≤ 10; groups of at least 10 rows;
//            until 2030-01-01T00:00:00Z; the provider is told of each use
//   prohibited: delivery
//
// Operators and operands it does not know are shown as written, so a policy
// from another node (or a newer one) still reads, if less plainly.
#ifndef QIANTANG_CLI_POLICY_TEXT_H_
#define QIANTANG_CLI_POLICY_TEXT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace qt::cli {

// One sentence per permission, then per prohibition; none for anything that
// is not a policy object.
std::vector<std::string> PolicySentences(const nlohmann::json& policy);

}  // namespace qt::cli

#endif  // QIANTANG_CLI_POLICY_TEXT_H_
