// How the CLI prints a channel query's answer, whether the channel ran on
// this node (`dataspace query`) or on a peer's (`federation negotiations
// query`): the released groups as a table, then what the query spent.
#ifndef QIANTANG_CLI_CHANNEL_ANSWER_H_
#define QIANTANG_CLI_CHANNEL_ANSWER_H_

#include <nlohmann/json.hpp>

namespace qt::cli {

void PrintChannelAnswer(const nlohmann::json& answer);

}  // namespace qt::cli

#endif  // QIANTANG_CLI_CHANNEL_ANSWER_H_
