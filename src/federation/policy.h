// Trust policies for checkpoints (C2SP tlog-policy): which logs are accepted,
// which witnesses are known, and the quorum of them that must cosign.
//
//   log <vkey> [<url>]
//   witness <name> <vkey> [<url>]
//   group <name> all|any|<k> <member>...
//   quorum <name>|none
//
// Lines are split on spaces and tabs; blank lines and "#" comments are
// ignored; a group or quorum names only witnesses and groups defined above it
// (so there are no cycles), each member at most once, 1 <= k <= members; one
// quorum line; no two logs or two witnesses with the same public key. Names
// are opaque octets. Limits: 32 logs, 32 witnesses, 32 groups.
//
// Thread-safety: a Policy is immutable after parsing.
#ifndef QIANTANG_FEDERATION_POLICY_H_
#define QIANTANG_FEDERATION_POLICY_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ledger/note.h"

namespace qt::federation {

struct PolicyVerdict {
  std::string origin;
  uint64_t size = 0;
  std::vector<std::string> cosigned_by;  // policy witness names, in policy order
  bool quorum = false;
};

struct PolicyWitness {
  std::string name;  // the policy's name for it
  ledger::NoteVerifier key;
  std::string url;  // its submission prefix, if the policy gives one
};

class Policy {
 public:
  // kInvalidArgument naming the line number and what is wrong with it.
  static Result<Policy> Parse(std::string_view text);

  // Opens `note` with the policy's logs (the key whose name is its origin)
  // and counts the valid cosignatures of the policy's witnesses. A note no
  // policy log signed, or with a bad signature by a known key, is an error;
  // a note short of the quorum is a verdict with quorum = false.
  Result<PolicyVerdict> Check(std::string_view note) const;

  const std::vector<ledger::NoteVerifier>& logs() const { return logs_; }
  const std::vector<PolicyWitness>& witnesses() const { return witnesses_; }

 private:
  struct Group {
    size_t threshold = 0;
    std::vector<std::string> members;
  };
  bool Witnessed(const std::string& name, const std::vector<std::string>& cosigned) const;

  std::vector<ledger::NoteVerifier> logs_;
  std::vector<PolicyWitness> witnesses_;
  std::map<std::string, Group> groups_;
  std::string quorum_;  // "none", a witness or a group
};

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_POLICY_H_
