// Interop with the Dataspace Protocol 2025-1 as published: every official
// example is read by this node's readers, and every kind of message this
// node sends validates against the official JSON Schemas under an
// independent validator (Python jsonschema, tests/interop/dsp_schemas.py).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "dataspace/policy.h"
#include "federation/dsp.h"
#include "federation/dsp_negotiation.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace qt::federation {
namespace {

using ::qt::testing::IsOk;

using nlohmann::json;
namespace fs = std::filesystem;

fs::path Testdata() { return fs::path(std::getenv("QIANTANG_TESTDATA")) / "dsp"; }

json ReadJson(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

std::string ReadText(const fs::path& p) { return ReadJson(p).dump(); }

TEST(DspSchema, EveryOfficialNegotiationExampleIsReadByOurReaders) {
  const fs::path dir = Testdata() / "negotiation" / "example";
  int read = 0;
  for (const auto& [file, type] : std::vector<std::pair<std::string, std::string>>{
           {"contract-request-message_initial.json", "ContractRequestMessage"},
           {"contract-request-message.json", "ContractRequestMessage"},
           {"contract-offer-message.json", "ContractOfferMessage"},
           {"contract-agreement-message.json", "ContractAgreementMessage"},
           {"contract-agreement-message-full.json", "ContractAgreementMessage"},
           {"contract-agreement-verification-message.json", "ContractAgreementVerificationMessage"},
           {"contract-negotiation-event-message.json", "ContractNegotiationEventMessage"},
           {"contract-negotiation-termination-message.json",
            "ContractNegotiationTerminationMessage"},
           {"contract-negotiation.json", "ContractNegotiation"},
           {"contract-negotiation-error.json", "ContractNegotiationError"}}) {
    auto m = ReadDspMessage(ReadText(dir / file), type);
    ASSERT_THAT(m, IsOk()) << file << ": " << m.status().ToString();
    EXPECT_FALSE(m->consumer_pid.empty()) << file;
    ++read;
  }
  EXPECT_EQ(read, 10);
  auto catalog = ReadCatalog(ReadJson(Testdata() / "catalog" / "example" / "catalog.json"), 100);
  ASSERT_THAT(catalog, IsOk()) << catalog.status().ToString();
  EXPECT_FALSE(catalog->empty());
}

TEST(DspSchema, EveryMessageThisNodeSendsValidatesAgainstTheOfficialSchemas) {
  auto schema = dataspace::ParseSchema(json::parse(R"([
      {"name": "district"}, {"name": "people", "type": "integer", "min": 0, "max": 1000}])"));
  ASSERT_THAT(schema, IsOk());
  auto policy = dataspace::ParsePolicy(json::parse(R"({"permission": [{
      "action": "aggregate_query", "constraint": [
        {"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": ["research"]},
        {"leftOperand": "dateTime", "operator": "lt", "rightOperand": "2030-01-01T00:00:00Z"},
        {"leftOperand": "epsilon", "operator": "lteq", "rightOperand": 1.5},
        {"leftOperand": "groupSize", "operator": "gteq", "rightOperand": 10}]}]})"),
                                       *schema);
  ASSERT_THAT(policy, IsOk()) << policy.status().ToString();

  dataspace::Offer offer{
      .id = "off_1", .product_id = "prd_1", .title = "港口吞吐", .policy = *policy};
  dataspace::Product product{.id = "prd_1",
                             .provider_name = "宁波港数据公司",
                             .title = "港口集装箱吞吐量",
                             .tags = {"港口"}};
  dataspace::Contract contract{.id = "ctr_1",
                               .offer_id = "off_1",
                               .product_id = "prd_1",
                               .provider_id = "org_p",
                               .consumer_id = "org_c",
                               .policy = *policy};
  contract.agreement = R"({"agreed_at":"2026-12-06T01:02:03.456Z"})";
  const std::string ppid = "ctr_1", cpid = "neg_1";

  json request = DspMessageJson("ContractRequestMessage", "", cpid);
  request["offer"] = ContractOfferJson(contract);
  request["callbackAddress"] = "https://hangzhou.example/dsp/callback";
  json offer_message = DspMessageJson("ContractOfferMessage", ppid, cpid);
  offer_message["offer"] = ContractOfferJson(contract);
  json agreement = DspMessageJson("ContractAgreementMessage", ppid, cpid);
  agreement["agreement"] = ContractAgreementJson(contract, "ningbo", "org_c");
  json finalized = EventJson(ppid, cpid, DspState::kFinalized);
  finalized["qiantang:proof"] = json::object();

  const std::vector<std::pair<std::string, json>> sent = {
      {"protocol-version-schema.json", VersionJson()},
      {"catalog-request-message-schema.json",
       {{"@context", json::array({kDspContext})}, {"@type", "CatalogRequestMessage"}}},
      {"catalog-schema.json", CatalogJson("ningbo", "https://ningbo.example", {{offer, product}})},
      {"catalog-error-schema.json", CatalogErrorJson("not_found", "no such catalog")},
      {"contract-request-message-schema.json", request},
      {"contract-offer-message-schema.json", offer_message},
      {"contract-negotiation-event-message-schema.json",
       EventJson(ppid, cpid, DspState::kAccepted)},
      {"contract-negotiation-event-message-schema.json", finalized},
      {"contract-agreement-message-schema.json", agreement},
      {"contract-agreement-verification-message-schema.json",
       DspMessageJson("ContractAgreementVerificationMessage", ppid, cpid)},
      {"contract-negotiation-termination-message-schema.json",
       TerminationJson(ppid, cpid, "consumer", "预算取消")},
      {"contract-negotiation-schema.json", NegotiationJson(ppid, cpid, DspState::kRequested)},
      {"contract-negotiation-error-schema.json",
       NegotiationErrorJson(ppid, cpid, "failed_precondition", "the states differ")},
  };
  testing::TempDir dir;
  int n = 0;
  for (const auto& [schema_file, message] : sent) {
    std::ofstream(dir.File(schema_file + "--" + std::to_string(n++) + ".json")) << message.dump(2);
  }
  const std::string validator =
      (fs::path(std::getenv("QIANTANG_TESTDATA")) / ".." / "tests" / "interop" / "dsp_schemas.py")
          .string();
  const std::string command =
      "python3 '" + validator + "' '" + Testdata().string() + "' '" + dir.path().string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;

  // Numbers in a policy travel as JSON-LD typed literals.
  const json typed = DspPolicy(*policy)["permission"][0]["constraint"][2]["rightOperand"];
  EXPECT_EQ(typed, (json{{"@value", "1.5"}, {"@type", "xsd:decimal"}}));
}

}  // namespace
}  // namespace qt::federation
