#include "federation/policy.h"

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "federation/cosignature.h"
#include "tests/support/status_matchers.h"

namespace qt::federation {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

struct Party {
  Party() = default;
  explicit Party(std::string n) : name(std::move(n)) {}
  std::string name;
  crypto::SigningKey key = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  ledger::SignFn Sign() const {
    return [this](std::span<const uint8_t> m) -> Result<crypto::Signature> {
      return crypto::Sign(key, m);
    };
  }
  std::string LogVkey() const { return ledger::FormatVerifierKey(name, key.public_key); }
  std::string WitnessVkey() const {
    return ledger::FormatVerifierKey(name, key.public_key, ledger::kCosignatureEd25519);
  }
};

class PolicyTest : public ::testing::Test {
 protected:
  std::string Note(const std::vector<const Party*>& cosigners) {
    const std::string text = log_.name + "\n7\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    std::string note = *ledger::SignNote(text, log_.name, log_.key.public_key, log_.Sign());
    for (const Party* w : cosigners)
      note += *Cosign(text, w->name, w->key.public_key, 1, w->Sign());
    return note;
  }
  Party log_{"hangzhou.qiantang/ledger"};
  Party x1_{"x1.example/w"}, x2_{"x2.example/w"}, x3_{"x3.example/w"}, y1_{"y1.example/w"};
};

TEST_F(PolicyTest, TheSpecsTwoLevelQuorum) {
  auto policy = Policy::Parse(
      "# two operators\nlog " + log_.LogVkey() +
      " https://log.example\n\n"
      "witness X1 " +
      x1_.WitnessVkey() + "\n" + "witness X2 " + x2_.WitnessVkey() + "\n" + "witness X3 " +
      x3_.WitnessVkey() + "\n" + "group X-witnesses 2 X1 X2 X3\n" + "\twitness Y1 " +
      y1_.WitnessVkey() + " https://y1.example  \n" + "group Y-witnesses any Y1\n" +
      "group X-and-Y all X-witnesses Y-witnesses\n" + "quorum X-and-Y\n");
  ASSERT_THAT(policy, IsOk()) << policy.status().ToString();
  EXPECT_EQ(policy->logs().size(), 1u);
  ASSERT_EQ(policy->witnesses().size(), 4u);
  EXPECT_EQ(policy->witnesses()[3].url, "https://y1.example");
  EXPECT_EQ(policy->witnesses()[0].url, "");

  auto full = policy->Check(Note({&x1_, &x3_, &y1_}));
  ASSERT_THAT(full, IsOk()) << full.status().ToString();
  EXPECT_TRUE(full->quorum);
  EXPECT_EQ(full->cosigned_by, (std::vector<std::string>{"X1", "X3", "Y1"}));
  EXPECT_EQ(full->size, 7u);
  EXPECT_FALSE(policy->Check(Note({&x1_, &y1_}))->quorum);        // one X is not two
  EXPECT_FALSE(policy->Check(Note({&x1_, &x2_, &x3_}))->quorum);  // no Y
  EXPECT_FALSE(policy->Check(Note({}))->quorum);
}

TEST_F(PolicyTest, ChecksTheLogAndRefusesForgedCosignatures) {
  auto policy = *Policy::Parse("log " + log_.LogVkey() + "\nwitness X1 " + x1_.WitnessVkey() +
                               "\nquorum X1\n");
  EXPECT_TRUE(policy.Check(Note({&x1_}))->quorum);
  // Signed by another log than the policy's.
  Party other{"hangzhou.qiantang/ledger"};
  std::string text = other.name + "\n7\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  auto foreign =
      policy.Check(*ledger::SignNote(text, other.name, other.key.public_key, other.Sign()));
  EXPECT_THAT(foreign, StatusIs(StatusCode::kPermissionDenied)) << foreign.status().ToString();
  // A cosignature moved onto another checkpoint.
  std::string note = Note({&x1_});
  note.replace(note.find("\n7\n"), 3, "\n8\n");
  EXPECT_FALSE(policy.Check(note).ok());
  // quorum none: the log's signature alone.
  auto none = *Policy::Parse("log " + log_.LogVkey() + "\nquorum none\n");
  EXPECT_TRUE(none.Check(Note({}))->quorum);
}

TEST_F(PolicyTest, BadPoliciesNameTheLine) {
  const std::string w = "witness X1 " + x1_.WitnessVkey() + "\n";
  struct Case {
    std::string text;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {w, "no quorum line"},
           {w + "quorum X2\n", "line 2: 'X2' is not defined above"},
           {"quorum X1\n" + w, "line 1"},
           {w + "witness X1 " + x2_.WitnessVkey() + "\nquorum X1\n", "'X1' is already defined"},
           {w + "witness X2 " + x1_.WitnessVkey() + "\nquorum X1\n", "same public key"},
           {w + "group G 2 X1\nquorum G\n", "threshold '2'"},
           {w + "group G 0 X1\nquorum G\n", "threshold '0'"},
           {w + "group G any X1 X1\nquorum G\n", "listed twice"},
           {w + "group none any X1\nquorum none\n", "'none' is already defined"},
           {w + "quorum X1\nquorum X1\n", "second quorum"},
           {"witness X1 " + x1_.LogVkey() + "\nquorum X1\n", "not an Ed25519 cosigner key"},
           {"log " + x1_.WitnessVkey() + "\nquorum none\n", "not an Ed25519 key"},
           {"logs x\nquorum none\n", "unknown keyword 'logs'"},
           {"quorum none\r\n", "control characters"},
       }) {
    auto p = Policy::Parse(c.text);
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_NE(p.status().message().find(c.says), std::string::npos)
        << c.text << " -> " << p.status().message();
  }
}

TEST_F(PolicyTest, LimitsAreThirtyTwoOfEach) {
  std::string text;
  std::vector<Party> many(33);
  for (size_t i = 0; i < many.size(); ++i) {
    many[i].name = "w" + std::to_string(i);
    text += "witness W" + std::to_string(i) + " " + many[i].WitnessVkey() + "\n";
  }
  auto p = Policy::Parse(text + "quorum W0\n");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("more than 32 witnesses"), std::string::npos);
}

}  // namespace
}  // namespace qt::federation
