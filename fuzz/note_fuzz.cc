// Fuzzes signed notes (ledger/note.h, C2SP signed-note): opening any text
// under the verifier keys of the Go test vectors, and parsing the input's
// first line as a verifier key. A note that opens has text that is a prefix
// of the input and at least one verified signature.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "ledger/note.h"

namespace {

namespace lg = qt::ledger;

const std::vector<lg::NoteVerifier>& Known() {
  static const auto* known = [] {
    auto* v = new std::vector<lg::NoteVerifier>;
    for (const char* vkey :
         {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
          "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop",
          "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
          "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"}) {
      auto parsed = lg::ParseVerifierKey(vkey);
      if (!parsed.ok()) std::abort();
      v->push_back(*parsed);
    }
    return v;
  }();
  return *known;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view note(reinterpret_cast<const char*>(data), size);
  (void)lg::ParseVerifierKey(note.substr(0, note.find('\n')));
  auto opened = lg::OpenNote(note, Known());
  if (!opened.ok()) return 0;
  if (!note.starts_with(opened->text) || opened->verified_by.empty()) std::abort();
  return 0;
}
