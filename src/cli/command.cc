#include "cli/command.h"

#include <iostream>

namespace qt::cli {

void CommandContext::Emit(const Result<nlohmann::json>& result,
                          const std::function<void(const nlohmann::json&)>& human) {
  if (!result.ok()) {
    std::cerr << "error: " << result.status().message() << std::endl;
    exit_code = 1;
    return;
  }
  if (options.json) {
    std::cout << result->dump(2) << std::endl;
  } else {
    human(*result);
  }
}

CLI::App* AddVerb(CLI::App& noun, const std::string& name, const std::string& description,
                  CommandContext& ctx, std::function<void(CommandContext&)> fn) {
  CLI::App* verb = noun.add_subcommand(name, description);
  verb->callback([&ctx, fn] { fn(ctx); });
  return verb;
}

}  // namespace qt::cli
