// Citizen codes must not leak through lengths (docs/identity/README.md, "The
// code"): a bus gate's ciphertext was 24, 27 or 28 bytes for no concession,
// elderly or disabled, a hospital's 45 or 54 bytes for a 2- or 5-character
// name, readable without any key; and the masked name "欧****" told the
// name's length. Through the real binary: citizens with every concession,
// names of 1 to 8 characters, seniors, children and talents get codes, and
// the attacker (with no category key, only the public signing key) reads the
// length of each category's ciphertext: it is the same for all of them.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "crypto/encoding.h"
#include "identity/cbor_util.h"
#include "identity/code.h"
#include "identity/credential.h"
#include "tests/adversarial/identity_adversary.h"
#include "tests/support/status_matchers.h"

namespace qt::testing {
namespace {

using nlohmann::json;
using namespace identity;

// The length of each category's entry in a code's sealed claims, read
// without any category key.
std::map<int, size_t> CiphertextLengths(const std::string& code, const std::string& kid,
                                        const TrustedKey& key) {
  std::map<int, size_t> out;
  auto decoded = DecodeCredential(code, [&](const Bytes& k) -> const TrustedKey* {
    return crypto::HexEncode(k) == kid ? &key : nullptr;
  });
  EXPECT_THAT(decoded, IsOk()) << decoded.status().ToString();
  if (!decoded.ok()) return out;
  auto cwt = Load(decoded->claims);
  EXPECT_THAT(cwt, IsOk());
  if (!cwt.ok()) return out;
  cbor_item_t* ours = MapGet(cwt->get(), kCodeClaimLabel);
  auto sealed = ByteString(MapGet(ours, 5), "sealed");
  EXPECT_THAT(sealed, IsOk());
  if (!sealed.ok()) return out;
  for (size_t i = 0; i + 3 <= sealed->size();) {
    const size_t n = size_t{(*sealed)[i + 1]} << 8 | (*sealed)[i + 2];
    out[(*sealed)[i]] = n;
    i += 3 + n;
  }
  return out;
}

class CodeLengthsTest : public ApiTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer()); }
};

TEST_F(CodeLengthsTest, CodesOfDifferentCitizensHaveEqualLengthsPerCategory) {
  const std::string authority = NewOrg("杭州市公安局", "authority", 841);
  struct Person {
    std::string name, concession;
    int born;
    std::string talent;  // "" or A..E
  };
  const std::vector<Person> people = {
      {"欧", "none", 1990, ""},
      {"张伟", "elderly", 1950, ""},
      {"王建国", "disabled", 1985, "A"},
      {"欧阳娜娜", "student", 2012, ""},
      {"买买提江", "veteran", 1970, "E"},
      {"爱新觉罗恒", "none", 1999, "B"},
      {"阿卜杜热合曼", "elderly", 1940, ""},
      {"努尔买买提艾力", "disabled", 1960, "C"},
  };
  std::vector<std::string> codes, ids;
  for (size_t i = 0; i < people.size(); ++i) {
    const Person& p = people[i];
    auto e = Call(*client_, "POST", "/api/v1/identity/citizens", authority,
                  json{{"name", p.name},
                       {"resident_id", ResidentIdOf(static_cast<int>(i), p.born)},
                       {"district", i % 2 ? "西湖区" : "西湖风景名胜区"},
                       {"concession", p.concession}}
                      .dump());
    ASSERT_EQ(e.status, 201) << e.raw;
    const std::string id = e.body["citizen"]["id"];
    ids.push_back(id);
    if (!p.talent.empty()) {
      ASSERT_EQ(Call(*client_, "POST", "/api/v1/identity/citizens/" + id + "/talent", authority,
                     json{{"category", p.talent}, {"valid_until", "2099-12-31"}}.dump())
                    .status,
                200);
    }
    auto dynamic = Call(*client_, "POST", "/api/v1/identity/me/code", e.body["token"]);
    ASSERT_EQ(dynamic.status, 201) << dynamic.raw;
    codes.push_back(dynamic.body["code"]);
    auto card =
        Call(*client_, "POST", "/api/v1/identity/citizens/" + id + "/static-code", authority);
    ASSERT_EQ(card.status, 201) << card.raw;
    codes.push_back(card.body["code"]);
  }

  // The public signing key: all an attacker without category keys has.
  auto keys = Call(*client_, "GET", "/api/v1/identity/keys");
  ASSERT_EQ(keys.status, 200);
  const json k = keys.body["items"][0];
  const TrustedKey key{*ParseAlg(k["alg"].get<std::string>()),
                       *crypto::Base64Decode(k["public_key"].get<std::string>())};
  std::map<int, std::set<size_t>> lengths;
  for (const std::string& code : codes) {
    auto per_category = CiphertextLengths(code, k["kid"], key);
    EXPECT_EQ(per_category.size(), 18u);
    for (const auto& [category, n] : per_category) lengths[category].insert(n);
  }
  for (const auto& [category, seen] : lengths) {
    EXPECT_EQ(seen.size(), 1u) << "category " << category << " has ciphertexts of " << seen.size()
                               << " lengths";
  }

  // Masked names: the first character and a mask of fixed length.
  auto list = Call(*client_, "GET", "/api/v1/identity/citizens?limit=100", authority);
  ASSERT_EQ(list.body["items"].size(), people.size());
  for (const json& c : list.body["items"]) {
    const std::string masked = c["name_masked"];
    EXPECT_EQ(masked.substr(masked.size() - 2), "**") << masked;
    EXPECT_EQ(masked.size(), 3u + 2u) << masked << ": one character, then **";
  }
}

}  // namespace
}  // namespace qt::testing
