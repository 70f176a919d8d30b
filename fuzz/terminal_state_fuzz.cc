// Fuzzes the terminal state file (identity/terminal_state.h) as
// `qiantang code verify --terminal FILE` reads it: JSON parsed, the state
// checked, its verifier built (the trust list verified under the pinned
// issuer key); a state that parses saves to JSON that parses again.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "identity/terminal_state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nlohmann::json;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  auto state = qt::identity::ParseState(j);
  if (!state.ok()) return 0;
  auto again = qt::identity::ParseState(qt::identity::StateJson(*state));
  if (!again.ok()) std::abort();
  auto verifier = qt::identity::LoadVerifier(*state);
  if (verifier.ok()) qt::identity::SaveVerifier(**verifier, *state);
  return 0;
}
