// Signed notes and checkpoints against the published cases of
// testdata/merkle/signed_notes.json (C2SP, golang.org/x/mod, transparency-dev).
#include "ledger/note.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "crypto/random.h"
#include "tests/support/status_matchers.h"

namespace qt::ledger {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using nlohmann::json;

json Cases() {
  std::ifstream in(std::filesystem::path(std::getenv("QIANTANG_TESTDATA")) /
                   "merkle/signed_notes.json");
  return json::parse(in);
}

TEST(SignedNote, EveryPublishedCaseOpensOrFailsAsExpected) {
  json all = Cases();
  ASSERT_EQ(all["cases"].size(), 20u);
  for (const auto& c : all["cases"]) {
    const std::string id = c["id"];
    std::vector<NoteVerifier> known;
    for (const auto& vkey : c["verifierKeys"]) {
      auto v = ParseVerifierKey(vkey.get<std::string>());
      ASSERT_THAT(v, IsOk()) << id << ": " << vkey << ": " << v.status().message();
      known.push_back(*v);
    }
    std::string note = c["note"];
    if (c.contains("noteRawBytesHex")) {
      auto raw = *crypto::HexDecode(c["noteRawBytesHex"].get<std::string>());
      note.assign(raw.begin(), raw.end());
    }
    auto opened = OpenNote(note, known);
    const json& expect = c["expect"];
    ASSERT_EQ(opened.ok(), expect["ok"].get<bool>()) << id << ": " << opened.status().message();
    if (opened.ok()) {
      if (expect.contains("text")) {
        EXPECT_EQ(opened->text, expect["text"]) << id;
      }
      if (expect.contains("verifiedBy")) {
        EXPECT_EQ(opened->verified_by, expect["verifiedBy"].get<std::vector<std::string>>()) << id;
      }
      if (expect.contains("unverified")) {
        EXPECT_EQ(opened->unverified, expect["unverified"].get<std::vector<std::string>>()) << id;
      }
    } else if (expect.contains("error")) {
      EXPECT_NE(opened.status().message().find(expect["error"].get<std::string>()),
                std::string::npos)
          << id << ": got '" << opened.status().message() << "'";
    }
  }
}

TEST(SignedNote, BadVerifierKeysAreRejected) {
  json all = Cases();
  for (const auto& bad : all["badVerifierKeys"]) {
    EXPECT_FALSE(ParseVerifierKey(bad["vkey"].get<std::string>()).ok()) << bad["why"];
  }
}

TEST(SignedNote, SigningReproducesTheGoReferenceSignature) {
  // go-peter's signer key: "PRIVATE+KEY+<name>+<id>+base64(0x01 || 32-byte seed)".
  json all = Cases(), peter;
  for (const auto& c : all["cases"]) {
    if (c["id"] == "go-peter") peter = c;
  }
  std::string skey = peter["signerKey"];
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) pos = skey.find('+', pos) + 1;  // past PRIVATE+KEY+name+id+
  auto seed = *crypto::Base64Decode(skey.substr(pos));
  ASSERT_EQ(seed.size(), 33u);
  crypto::SigningKey key =
      crypto::SigningKeyFromSeed(std::span<const uint8_t, 32>(seed.data() + 1, 32));
  std::string text = peter["expect"]["text"];
  auto note = SignNote(text, "PeterNeumann", key.public_key,
                       [&](std::span<const uint8_t> m) -> Result<crypto::Signature> {
                         return crypto::Sign(key, m);
                       });
  ASSERT_THAT(note, IsOk());
  EXPECT_EQ(*note, peter["note"].get<std::string>());
  EXPECT_EQ(FormatVerifierKey("PeterNeumann", key.public_key), peter["verifierKeys"][0]);
}

TEST(Checkpoint, ParsesTheGoChecksumDatabaseCheckpoint) {
  json all = Cases();
  for (const auto& c : all["cases"]) {
    if (c["id"] != "sumdb-checkpoint") continue;
    auto cp = ParseCheckpoint(c["expect"]["text"].get<std::string>());
    ASSERT_THAT(cp, IsOk()) << cp.status().message();
    EXPECT_EQ(cp->origin, "go.sum database tree");
    EXPECT_EQ(cp->size, 6476701u);
    EXPECT_EQ(crypto::Base64Encode(cp->root), c["expect"]["checkpoint"]["rootHash_b64"]);
    EXPECT_EQ(FormatCheckpoint(*cp), c["expect"]["text"]);
  }
}

TEST(Checkpoint, RejectsMalformedText) {
  const std::string root = crypto::Base64Encode(Hash{});
  for (const std::string& bad : std::vector<std::string>{
           "", "origin\n", "origin\n12\n", "origin\n12\n" + root, "\n12\n" + root + "\n",
           "origin\n012\n" + root + "\n", "origin\n-1\n" + root + "\n",
           "origin\n1x\n" + root + "\n", "origin\n1\nAAAA\n", "origin\n1\n!!!\n"}) {
    EXPECT_FALSE(ParseCheckpoint(bad).ok()) << bad;
  }
  EXPECT_THAT(ParseCheckpoint("origin\n0\n" + root + "\nextension line\n"), IsOk());
  // tlog-checkpoint: extension lines are non-empty.
  EXPECT_FALSE(ParseCheckpoint("origin\n0\n" + root + "\n\nextension line\n").ok());
}

TEST(Checkpoint, SignedByAnOrganisationKeyVerifiesAndTamperingFails) {
  crypto::SigningKey key = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  Checkpoint cp{"hangzhou.qiantang/ledger", 42, Hash{}};
  cp.root[0] = 7;
  auto note = *SignNote(FormatCheckpoint(cp), cp.origin, key.public_key,
                        [&](std::span<const uint8_t> m) -> Result<crypto::Signature> {
                          return crypto::Sign(key, m);
                        });
  auto v = *ParseVerifierKey(FormatVerifierKey(cp.origin, key.public_key));
  ASSERT_THAT(OpenNote(note, {v}), IsOk());
  // A forged line by the same key after the valid one fails the note too.
  std::string forged_line = note.substr(note.rfind("\n\n") + 2);
  // A character in the middle of the signature: all its six bits are data (the
  // last ones of the line carry padding bits, and flipping one of those either
  // changes nothing or makes the base64 invalid, a different refusal).
  char& c = forged_line[forged_line.size() - 20];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_THAT(OpenNote(note + forged_line, {v}), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_EQ(OpenNote(note + note.substr(note.rfind("\n\n") + 2), {v})->verified_by.size(), 1u);
  std::string tampered = note;
  tampered[tampered.find("42")] = '5';
  EXPECT_EQ(OpenNote(tampered, {v}).status().message(),
            "invalid signature for key " + cp.origin + "+" +
                FormatVerifierKey(cp.origin, key.public_key).substr(cp.origin.size() + 1, 8));
}

}  // namespace
}  // namespace qt::ledger
