// How the CLI reads a PSI's items and prints its result, whether it runs the
// client here against a provider's node (`psi run`), or its node runs it
// against a peer's (`federation negotiations psi`).
#ifndef QIANTANG_CLI_PSI_IO_H_
#define QIANTANG_CLI_PSI_IO_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace qt::cli {

// One column of a CSV file with a header row: the column named `column`, or
// the first if it is empty.
Result<std::vector<std::string>> ReadPsiItems(const std::string& path, const std::string& column);

// "PSI <session>: k of your n items are among the other side's m", then the
// intersection's items, one per line, if the answer has them.
void PrintPsiAnswer(const nlohmann::json& answer);

}  // namespace qt::cli

#endif  // QIANTANG_CLI_PSI_IO_H_
