#include "federation/policy.h"

#include <algorithm>
#include <charconv>

#include "federation/cosignature.h"
#include "ledger/verify.h"

namespace qt::federation {
namespace {

constexpr size_t kMaxEach = 32;

std::vector<std::string> Fields(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

// Octets allowed by tlog-policy: tab, newline, 0x20-0x7e and 0x80-0xff.
bool AllowedOctets(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\t' || u == '\n' || (u >= 0x20 && u != 0x7f);
  });
}

}  // namespace

Result<Policy> Policy::Parse(std::string_view text) {
  if (!AllowedOctets(text)) {
    return InvalidArgument("policy: only tab and newline may be control characters");
  }
  Policy p;
  bool has_quorum = false;
  int number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    std::vector<std::string> f = Fields(line);
    if (f.empty() || f[0].starts_with("#")) continue;
    auto bad = [&](const std::string& why) {
      return InvalidArgument("policy line " + std::to_string(number) + ": " + why);
    };
    auto defined = [&](const std::string& name) {
      return p.groups_.contains(name) ||
             std::any_of(p.witnesses_.begin(), p.witnesses_.end(),
                         [&](const PolicyWitness& w) { return w.name == name; });
    };
    auto same_key = [](const ledger::NoteVerifier& a, const ledger::NoteVerifier& b) {
      return a.key == b.key;
    };
    if (f[0] == "log") {
      if (f.size() < 2 || f.size() > 3) return bad("log <vkey> [<url>]");
      auto key = ledger::ParseVerifierKey(f[1]);
      if (!key.ok()) return bad(key.status().message());
      for (const auto& l : p.logs_) {
        if (same_key(l, *key)) return bad("a log with the same public key is already listed");
      }
      if (p.logs_.size() == kMaxEach) return bad("more than 32 logs");
      p.logs_.push_back(*key);
    } else if (f[0] == "witness") {
      if (f.size() < 3 || f.size() > 4) return bad("witness <name> <vkey> [<url>]");
      if (f[1] == "none" || defined(f[1])) return bad("name '" + f[1] + "' is already defined");
      auto key = ledger::ParseVerifierKey(f[2], ledger::kCosignatureEd25519);
      if (!key.ok()) return bad(key.status().message());
      for (const auto& w : p.witnesses_) {
        if (same_key(w.key, *key))
          return bad("a witness with the same public key is already listed");
      }
      if (p.witnesses_.size() == kMaxEach) return bad("more than 32 witnesses");
      p.witnesses_.push_back({f[1], *key, f.size() == 4 ? f[3] : ""});
    } else if (f[0] == "group") {
      if (f.size() < 4) return bad("group <name> all|any|<k> <member>...");
      if (f[1] == "none" || defined(f[1])) return bad("name '" + f[1] + "' is already defined");
      Group g;
      for (size_t i = 3; i < f.size(); ++i) {
        if (!defined(f[i])) return bad("member '" + f[i] + "' is not defined above");
        if (std::find(g.members.begin(), g.members.end(), f[i]) != g.members.end()) {
          return bad("member '" + f[i] + "' is listed twice");
        }
        g.members.push_back(f[i]);
      }
      if (f[2] == "all") {
        g.threshold = g.members.size();
      } else if (f[2] == "any") {
        g.threshold = 1;
      } else {
        auto [ptr, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), g.threshold);
        if (ec != std::errc() || ptr != f[2].data() + f[2].size() || f[2][0] == '0' ||
            g.threshold > g.members.size()) {
          return bad("threshold '" + f[2] + "' must be all, any or 1.." +
                     std::to_string(g.members.size()));
        }
      }
      if (p.groups_.size() == kMaxEach) return bad("more than 32 groups");
      p.groups_.emplace(f[1], std::move(g));
    } else if (f[0] == "quorum") {
      if (f.size() != 2) return bad("quorum <name>");
      if (has_quorum) return bad("a second quorum line");
      if (f[1] != "none" && !defined(f[1])) return bad("'" + f[1] + "' is not defined above");
      p.quorum_ = f[1];
      has_quorum = true;
    } else {
      return bad("unknown keyword '" + f[0] + "'");
    }
  }
  if (!has_quorum) return InvalidArgument("policy: no quorum line");
  return p;
}

bool Policy::Witnessed(const std::string& name, const std::vector<std::string>& cosigned) const {
  if (name == "none") return true;
  auto g = groups_.find(name);
  if (g == groups_.end())
    return std::find(cosigned.begin(), cosigned.end(), name) != cosigned.end();
  size_t count = 0;
  for (const std::string& m : g->second.members) count += Witnessed(m, cosigned) ? 1 : 0;
  return count >= g->second.threshold;
}

Result<PolicyVerdict> Policy::Check(std::string_view note) const {
  QT_ASSIGN_OR_RETURN(ledger::SplitNoteResult split, ledger::SplitNote(note));
  QT_ASSIGN_OR_RETURN(ledger::Checkpoint cp, ledger::ParseCheckpoint(split.text));
  auto log = std::find_if(logs_.begin(), logs_.end(),
                          [&](const ledger::NoteVerifier& l) { return l.name == cp.origin; });
  if (log == logs_.end()) return NotFound("policy: no log with origin '" + cp.origin + "'");
  QT_RETURN_IF_ERROR(ledger::OpenCheckpoint(note, *log).status());

  std::vector<ledger::NoteVerifier> keys;
  for (const auto& w : witnesses_) keys.push_back(w.key);
  QT_ASSIGN_OR_RETURN(std::vector<Cosigned> valid, VerifyCosignatures(note, keys));
  PolicyVerdict v{cp.origin, cp.size, {}, false};
  for (const auto& w : witnesses_) {
    if (std::any_of(valid.begin(), valid.end(), [&](const Cosigned& c) {
          return c.name == w.key.name && c.key_id == w.key.key_id;
        })) {
      v.cosigned_by.push_back(w.name);
    }
  }
  v.quorum = Witnessed(quorum_, v.cosigned_by);
  return v;
}

}  // namespace qt::federation
