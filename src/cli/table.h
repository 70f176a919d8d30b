// Plain-text tables for the CLI's human output. Column widths count display
// cells, so Chinese names (two cells a character) line up.
#ifndef QIANTANG_CLI_TABLE_H_
#define QIANTANG_CLI_TABLE_H_

#include <ostream>
#include <string>
#include <vector>

namespace qt::cli {

// Display width of UTF-8 text: East Asian wide characters count 2.
size_t DisplayWidth(const std::string& text);

void PrintTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows);

}  // namespace qt::cli

#endif  // QIANTANG_CLI_TABLE_H_
