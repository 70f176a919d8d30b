// Fuzzes checkpoint text (ledger/note.h, C2SP tlog-checkpoint): what parses
// formats back to a checkpoint that parses to the same origin, size and root.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ledger/note.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cp = qt::ledger::ParseCheckpoint(text);
  if (!cp.ok()) return 0;
  auto again = qt::ledger::ParseCheckpoint(qt::ledger::FormatCheckpoint(*cp));
  if (!again.ok() || again->origin != cp->origin || again->size != cp->size ||
      again->root != cp->root) {
    std::abort();
  }
  return 0;
}
