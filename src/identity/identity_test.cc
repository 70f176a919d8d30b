#include "identity/identity.h"

#include <gtest/gtest.h>

#include "core/resident_id.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "crypto/recipient_box.h"
#include "identity/verifier.h"
#include "tests/support/service_test.h"
#include "tests/support/status_matchers.h"

namespace qt::identity {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using accounts::OrgKind;
using accounts::Principal;
using nlohmann::json;

// 1990-03-07, a valid GB 11643 number; `seq` varies the sequence digits.
std::string ResidentId(int seq) {
  std::string first17 = "33010619900307" + std::to_string(100 + seq % 900);
  return first17 + ResidentIdCheckCharacter(first17);
}

class IdentityTest : public qt::testing::ServiceTest {
 protected:
  IdentityTest() : ServiceTest("2026-11-26T08:00:00Z", "identity_test") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open({Identity::Migrations()}));
    authority_ = Org("杭州市公安局", OrgKind::kAuthority, 'A');
    bus_org_ = Org("杭州公交集团", OrgKind::kService, 'B');
    hospital_org_ = Org("浙大一院", OrgKind::kService, 'H');
    enterprise_ = Org("某科技公司", OrgKind::kEnterprise, 'E');
    identity_ = std::make_unique<Identity>(*store_, IdentityOptions{.clock = &clock_,
                                                                    .random = &random_,
                                                                    .journal = &journal_,
                                                                    .accounts = accounts_.get(),
                                                                    .master_key = &key_,
                                                                    .codes_per_minute = 5});
    ASSERT_THAT(identity_->Init(), IsOk());
    ASSERT_THAT(identity_->Init(), IsOk()) << "Init runs at every start";
  }

  EnrolledCitizen Enrol(int seq, const std::string& concession = "none") {
    auto e = identity_->Enrol(authority_, {"张三丰", ResidentId(seq), "西湖区", concession});
    EXPECT_THAT(e, IsOk()) << e.status().ToString();
    return *e;
  }

  // A terminal as a service organisation sets one up: its own key, registered,
  // synced (trust list, revocations, its category key opened with its key).
  struct Device {
    crypto::SigningKey key;
    Terminal terminal;
    std::unique_ptr<Verifier> verifier;
  };
  Device SetUpTerminal(const Principal& org, const std::string& category) {
    Device d{crypto::GenerateSigningKey(random_), {}, nullptr};
    bool granted = false;
    for (const CategoryGrant& g : *identity_->ListGrants(org.org_id)) {
      granted = granted || g.category == category;
    }
    if (!granted) {
      EXPECT_THAT(identity_->Grant(op_, org.org_id, category), IsOk());
    }
    auto t =
        identity_->RegisterTerminal(org, category, "闸机 1", crypto::HexEncode(d.key.public_key));
    EXPECT_THAT(t, IsOk()) << t.status().ToString();
    d.terminal = *t;
    d.verifier = std::make_unique<Verifier>(*FindCategory(category));
    Sync(d);
    return d;
  }
  void Sync(Device& d) {
    const auto root = *crypto::HexDecode(*identity_->IssuerPublicKey());
    crypto::PublicKey pinned;
    std::copy(root.begin(), root.end(), pinned.begin());
    auto list = ReadTrustList(ExportTrustList(*identity_->TrustList()), pinned);
    ASSERT_THAT(list, IsOk()) << list.status().ToString();
    d.verifier->SetTrustList(*list);
    ASSERT_THAT(
        ApplyRevocations(d.verifier->revocations(),
                         ExportRevocations(*identity_->Revocations(d.verifier->revocations().seq)),
                         pinned),
        IsOk());
    auto keys = identity_->TerminalKeys(OwnerOf(d), d.terminal.id);
    ASSERT_THAT(keys, IsOk()) << keys.status().ToString();
    auto opened = crypto::OpenSealed(d.key, keys->keys[0].sealed);
    ASSERT_THAT(opened, IsOk());
    CategoryKey k;
    std::copy(opened->begin(), opened->end(), k.begin());
    d.verifier->SetCategoryKeys({{1, k}});
  }
  const Principal& OwnerOf(const Device& d) {
    return d.terminal.org_id == bus_org_.org_id ? bus_org_ : hospital_org_;
  }

  ScanReceipt Receipt(const Device& d, const OpenedCode& code, std::vector<std::string> claims) {
    ScanReceipt r{.terminal_id = d.terminal.id,
                  .code_id = crypto::HexEncode(code.code_id),
                  .category = d.terminal.category,
                  .claims_read = std::move(claims),
                  .result = "accepted",
                  .scanned_at = clock_.NowMillis(),
                  .signature = ""};
    const std::string bytes = *ReceiptBytes(r);
    r.signature = crypto::Base64Encode(crypto::Sign(
        d.key, std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
    return r;
  }

  std::unique_ptr<Identity> identity_;
  Principal authority_, bus_org_, hospital_org_, enterprise_;
};

INSTANTIATE_TEST_SUITE_P(Backends, IdentityTest, ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

TEST_P(IdentityTest, EnrolmentChecksAndStoresNoIdentityInTheClear) {
  EnrolledCitizen c = Enrol(1, "elderly");
  EXPECT_EQ(c.citizen.name_masked, "张**");
  EXPECT_EQ(c.citizen.birth_year, "1990");
  EXPECT_TRUE(c.token.starts_with("czt_"));
  EXPECT_TRUE(Identity::IsCitizenToken(c.token));
  EXPECT_FALSE(Identity::IsCitizenToken(c.citizen.id)) << "an id is not mistaken for a token";
  EXPECT_TRUE(Identity::IsCitizenToken("cz_" + std::string(43, 'A'))) << "issued before czt_";
  EXPECT_EQ(identity_->AuthenticateCitizen(c.token, "ip")->id, c.citizen.id);
  auto again = identity_->Enrol(authority_, {"张三丰", ResidentId(1), "西湖区", "none"});
  EXPECT_THAT(again, StatusIs(StatusCode::kConflict));
  EXPECT_NE(identity_->Enrol(authority_, {"李四", "330106199003074518", "西湖区", "none"})
                .status()
                .message()
                .find("resident_id: wrong check character"),
            std::string::npos);
  EXPECT_NE(identity_->Enrol(authority_, {"", ResidentId(2), "西湖区", "none"})
                .status()
                .message()
                .find("name"),
            std::string::npos);
  EXPECT_NE(identity_->Enrol(authority_, {"李四", ResidentId(2), "西湖区", "vip"})
                .status()
                .message()
                .find("concession"),
            std::string::npos);
  EXPECT_THAT(identity_->Enrol(enterprise_, {"李四", ResidentId(2), "西湖区", "none"}),
              StatusIs(StatusCode::kPermissionDenied));
  // A batch is all or none, and names the bad row.
  auto batch = identity_->EnrolMany(authority_, {{"王五", ResidentId(3), "上城区", "none"},
                                                 {"赵六", ResidentId(1), "上城区", "none"}});
  EXPECT_NE(batch.status().message().find("row 2"), std::string::npos) << batch.status().ToString();
  EXPECT_EQ(identity_->ListCitizens(authority_, {}, {})->items.size(), 1u);
  // Neither the name nor the resident ID is in any table in the clear.
  ASSERT_THAT(store_->Read([&](store::Tx& tx) -> Status {
    for (const char* sql :
         {"SELECT name_masked || district || resident_hash || token_hash FROM id_citizens",
          "SELECT event FROM ledger_entries"}) {
      auto rows = tx.Query(sql);
      EXPECT_TRUE(rows.ok());
      for (const auto& row : *rows) {
        EXPECT_EQ(row.Text(0).find("张三丰"), std::string::npos) << sql;
        EXPECT_EQ(row.Text(0).find(ResidentId(1)), std::string::npos) << sql;
      }
    }
    return OkStatus();
  }),
              IsOk());
}

TEST_P(IdentityTest, DynamicCodeVerifiesOfflineAndEachTerminalReadsItsClaims) {
  EnrolledCitizen c = Enrol(1, "elderly");
  auto me = *identity_->AuthenticateCitizen(c.token, "ip");
  Device bus = SetUpTerminal(bus_org_, "bus");
  Device hospital = SetUpTerminal(hospital_org_, "hospital");
  auto code = identity_->IssueDynamic(me);
  ASSERT_THAT(code, IsOk()) << code.status().ToString();
  EXPECT_EQ(code->expires_at - code->issued_at, 60'000);
  auto at_bus = bus.verifier->Verify(code->text, clock_.NowMillis());
  ASSERT_THAT(at_bus, IsOk()) << at_bus.status().ToString();
  EXPECT_EQ(at_bus->claims, json({{"concession", "elderly"}}));
  auto at_hospital = hospital.verifier->Verify(code->text, clock_.NowMillis());
  ASSERT_THAT(at_hospital, IsOk());
  EXPECT_EQ(at_hospital->claims["name"], "张三丰");
  EXPECT_EQ(at_hospital->claims["pseudonym"].get<std::string>().size(), 16u);
  // Replay at the same gate, and after expiry anywhere.
  EXPECT_NE(
      bus.verifier->Verify(code->text, clock_.NowMillis()).status().message().find("replayed"),
      std::string::npos);
  Device bus2 = SetUpTerminal(bus_org_, "bus");
  clock_.Advance(120'000);
  EXPECT_NE(
      bus2.verifier->Verify(code->text, clock_.NowMillis()).status().message().find("expired"),
      std::string::npos);

  // Receipts: the citizen's log shows who read what; overreach and a second
  // scan of the same dynamic code in one category are flagged.
  auto scans = identity_->RecordScans({Receipt(bus, *at_bus, {"concession"})}, "gate");
  ASSERT_THAT(scans, IsOk()) << scans.status().ToString();
  EXPECT_EQ((*scans)[0].check, ScanCheck::kOk);
  EXPECT_EQ(identity_->RecordScans({Receipt(bus, *at_bus, {"concession"})}, "gate")->at(0).id,
            (*scans)[0].id)
      << "a retried upload files nothing twice";
  clock_.Advance(1);
  auto replay = identity_->RecordScans({Receipt(bus2, *at_bus, {"concession"})}, "gate");
  EXPECT_EQ(replay->at(0).check, ScanCheck::kReplayed);
  auto overreach =
      identity_->RecordScans({Receipt(hospital, *at_hospital, {"name", "concession"})}, "gate");
  EXPECT_EQ(overreach->at(0).check, ScanCheck::kOverreach);
  auto log = identity_->ScanLog(me, {});
  ASSERT_EQ(log->items.size(), 3u);
  EXPECT_EQ(log->items[0].terminal_name, "闸机 1");
  EXPECT_EQ(log->items[0].category, "bus");
  // A forged receipt: refused, and repeated forgeries back off the address
  // that sent them, not the terminal they name.
  ScanReceipt forged = Receipt(bus, *at_bus, {"concession"});
  forged.claims_read = {};
  EXPECT_THAT(identity_->RecordScans({forged}, "forger"), StatusIs(StatusCode::kUnauthenticated));
  for (int i = 0; i < 5; ++i) (void)identity_->RecordScans({forged}, "forger");
  EXPECT_THAT(identity_->RecordScans({Receipt(bus, *at_bus, {})}, "forger"),
              StatusIs(StatusCode::kResourceExhausted));
  EXPECT_THAT(identity_->RecordScans({Receipt(bus, *at_bus, {})}, "gate"), IsOk());
  // A receipt for another category than the terminal's.
  ScanReceipt wrong = Receipt(hospital, *at_hospital, {"name"});
  wrong.category = "bus";
  EXPECT_NE(identity_->RecordScans({wrong}, "gate").status().message().find("category"),
            std::string::npos);
}

TEST_P(IdentityTest, LimitsAndLockouts) {
  EnrolledCitizen c = Enrol(1);
  auto me = *identity_->AuthenticateCitizen(c.token, "ip");
  for (int i = 0; i < 5; ++i) ASSERT_THAT(identity_->IssueDynamic(me), IsOk());
  EXPECT_THAT(identity_->IssueDynamic(me), StatusIs(StatusCode::kResourceExhausted));
  clock_.Advance(13'000);  // one token back
  EXPECT_THAT(identity_->IssueDynamic(me), IsOk());
  // Bad tokens back off their address for their prefix only: five are free,
  // then each failure waits twice as long as the one before (1 s, 2 s, ...).
  for (int i = 0; i < 6; ++i) {
    EXPECT_THAT(identity_->AuthenticateCitizen("czt_wrongwrong", "10.0.0.9"),
                StatusIs(StatusCode::kUnauthenticated));
  }
  EXPECT_THAT(identity_->AuthenticateCitizen("czt_wrongwrong", "10.0.0.9"),
              StatusIs(StatusCode::kResourceExhausted));
  EXPECT_THAT(identity_->AuthenticateCitizen(c.token, "10.0.0.9"), IsOk())
      << "another citizen at the same address is not locked out";
  clock_.Advance(1'001);
  EXPECT_THAT(identity_->AuthenticateCitizen("czt_wrongwrong", "10.0.0.9"),
              StatusIs(StatusCode::kUnauthenticated));
  clock_.Advance(1'001);
  EXPECT_THAT(identity_->AuthenticateCitizen("czt_wrongwrong", "10.0.0.9"),
              StatusIs(StatusCode::kResourceExhausted))
      << "the second wait is 2 s";
  clock_.Advance(1'000);
  EXPECT_THAT(identity_->AuthenticateCitizen("czt_wrongwrong", "10.0.0.9"),
              StatusIs(StatusCode::kUnauthenticated));
}

TEST_P(IdentityTest, RevocationTalentAndKeyRotation) {
  EnrolledCitizen c = Enrol(1);
  Device bus = SetUpTerminal(bus_org_, "bus");
  Device talent_desk = SetUpTerminal(hospital_org_, "talent_service");
  auto card = identity_->IssueStatic(authority_, c.citizen.id);
  ASSERT_THAT(card, IsOk()) << card.status().ToString();
  EXPECT_EQ(card->serial, "HZC-00000001");
  EXPECT_THAT(bus.verifier->Verify(card->text, clock_.NowMillis()), IsOk());
  EXPECT_THAT(bus.verifier->Verify(card->text, clock_.NowMillis()), IsOk())
      << "cards scan repeatedly";
  // No talent status yet: the talent desk reads only the name.
  auto desk = talent_desk.verifier->Verify(card->text, clock_.NowMillis());
  EXPECT_EQ(desk->claims, json({{"name", "张三丰"}}));
  EXPECT_NE(identity_->SetTalent(authority_, c.citizen.id, "F", "2027-12-31")
                .status()
                .message()
                .find("category"),
            std::string::npos);
  EXPECT_NE(identity_->SetTalent(authority_, c.citizen.id, "B", "2020-01-01")
                .status()
                .message()
                .find("past"),
            std::string::npos);
  ASSERT_THAT(identity_->SetTalent(authority_, c.citizen.id, "B", "2027-12-31"), IsOk());
  auto me = *identity_->AuthenticateCitizen(c.token, "ip");
  auto code = identity_->IssueDynamic(me);
  auto talent = talent_desk.verifier->Verify(code->text, clock_.NowMillis());
  EXPECT_EQ(talent->claims,
            json({{"name", "张三丰"}, {"talent", "B"}, {"talent_until", "2027-12-31"}}));

  // Key rotation to ES256: old codes still verify after a sync, new ones use the new key.
  auto rotated = identity_->RotateKey(op_, "ES256");
  ASSERT_THAT(rotated, IsOk()) << rotated.status().ToString();
  EXPECT_THAT(identity_->RotateKey(authority_, "EdDSA"), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(identity_->RotateKey(op_, "RS1"), StatusIs(StatusCode::kInvalidArgument));
  clock_.Advance(1000);
  auto fresh = identity_->IssueDynamic(me);
  EXPECT_EQ(fresh->kid, rotated->kid);
  EXPECT_NE(bus.verifier->Verify(fresh->text, clock_.NowMillis()).status().message().find("kid"),
            std::string::npos)
      << "an unsynced terminal does not know the new key";
  Sync(bus);
  EXPECT_THAT(bus.verifier->Verify(fresh->text, clock_.NowMillis()), IsOk());
  EXPECT_THAT(bus.verifier->Verify(card->text, clock_.NowMillis()), IsOk());

  // Revocation: the card is refused after the next (incremental) sync; no new codes.
  ASSERT_THAT(identity_->Revoke(authority_, c.citizen.id, "deceased"), IsOk());
  EXPECT_THAT(identity_->IssueDynamic(me), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(identity_->Revoke(authority_, c.citizen.id, "again"),
              StatusIs(StatusCode::kFailedPrecondition));
  Sync(bus);
  EXPECT_EQ(bus.verifier->revocations().seq, 1);
  EXPECT_NE(bus.verifier->Verify(card->text, clock_.NowMillis()).status().message().find("revoked"),
            std::string::npos);
  EXPECT_THAT(identity_->Revocations(5), StatusIs(StatusCode::kInvalidArgument));
}

// Regression: a damaged chain head in id_revocations was read with `*` on
// HexDecode's Result and copied into 32 bytes whatever its length.
TEST_P(IdentityTest, ADamagedRevocationHeadIsAnInternalErrorNotACrash) {
  EnrolledCitizen a = Enrol(1), b = Enrol(2);
  ASSERT_THAT(identity_->IssueStatic(authority_, a.citizen.id), IsOk());
  ASSERT_THAT(identity_->IssueStatic(authority_, b.citizen.id), IsOk());
  ASSERT_THAT(identity_->Revoke(authority_, a.citizen.id, "deceased"), IsOk());
  ASSERT_THAT(identity_->Revocations(0), IsOk());
  for (const char* head : {"abcd", "not hex", ""}) {
    ASSERT_THAT(store_->Write([&](store::Tx& tx) {
      return tx.Exec("UPDATE id_revocations SET head = ?", {head}).status();
    }),
                IsOk());
    EXPECT_THAT(identity_->Revocations(0), StatusIs(StatusCode::kInternal)) << head;
    EXPECT_THAT(identity_->Revoke(authority_, b.citizen.id, "moved"),
                StatusIs(StatusCode::kInternal))
        << head;
  }
}

// A state stored by another build, or damaged by hand, is a decode error
// (store/decode.h), never a crash or a guess.
TEST_P(IdentityTest, AnUnknownStoredStateIsAnInternalError) {
  EnrolledCitizen c = Enrol(1);
  Device bus = SetUpTerminal(bus_org_, "bus");
  ASSERT_THAT(store_->Write([&](store::Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(tx.Exec("UPDATE id_citizens SET status = 'suspended'").status());
    return tx.Exec("UPDATE id_terminals SET state = 'lost'").status();
  }),
              IsOk());
  EXPECT_THAT(identity_->GetCitizen(authority_, c.citizen.id), StatusIs(StatusCode::kInternal));
  EXPECT_THAT(identity_->AuthenticateCitizen(c.token, "ip"), StatusIs(StatusCode::kInternal));
  EXPECT_THAT(identity_->ListTerminals(bus_org_), StatusIs(StatusCode::kInternal));
  EXPECT_THAT(identity_->DisableTerminal(bus_org_, bus.terminal.id),
              StatusIs(StatusCode::kInternal));
}

TEST_P(IdentityTest, FiguresAreKeptAsCitizensTalentsScansAndCodesChange) {
  // What GetStats and GetTallies answer from their running counts must be
  // what counting the rows gives.
  auto counted = [&] {
    std::map<std::string, int64_t> c;
    EXPECT_THAT(store_->Read([&](store::Tx& tx) -> Status {
      QT_ASSIGN_OR_RETURN(
          store::Rows r,
          tx.Query("SELECT (SELECT COUNT(*) FROM id_citizens) AS citizens,"
                   " (SELECT COUNT(*) FROM id_citizens WHERE status = 'revoked') AS revoked,"
                   " (SELECT COUNT(*) FROM id_citizens WHERE talent_category <> '')"
                   " AS talents,"
                   " (SELECT COUNT(*) FROM id_scans) AS scans,"
                   " (SELECT COUNT(*) FROM id_codes) AS codes,"
                   " (SELECT COUNT(*) FROM id_citizens WHERE status <> 'revoked') AS active"));
      c = {{"citizens", r[0].Int("citizens")}, {"revoked", r[0].Int("revoked")},
           {"talents", r[0].Int("talents")},   {"scans", r[0].Int("scans")},
           {"codes", r[0].Int("codes")},       {"active", r[0].Int("active")}};
      return OkStatus();
    }),
                IsOk());
    return c;
  };
  auto check = [&](const char* when) {
    SCOPED_TRACE(when);
    std::map<std::string, int64_t> c = counted();
    auto stats = identity_->GetStats();
    ASSERT_THAT(stats, IsOk()) << stats.status().ToString();
    EXPECT_EQ(stats->citizens, c["citizens"]);
    EXPECT_EQ(stats->revoked, c["revoked"]);
    EXPECT_EQ(stats->talents, c["talents"]);
    EXPECT_EQ(stats->scans, c["scans"]);
    EXPECT_EQ(stats->codes, c["codes"]);
    auto tallies = identity_->GetTallies();
    ASSERT_THAT(tallies, IsOk()) << tallies.status().ToString();
    int64_t by_district = 0, by_talent = 0, by_category = 0, by_hour = 0;
    for (const auto& [d, n] : tallies->citizens_by_district) by_district += n;
    for (const auto& [k, n] : tallies->talents_by_category) by_talent += n;
    for (const auto& [k, n] : tallies->scans_by_category) by_category += n;
    for (int64_t n : tallies->scans_by_hour) by_hour += n;
    EXPECT_EQ(by_district, c["active"]);
    EXPECT_EQ(by_talent, c["talents"]);
    EXPECT_EQ(by_category, c["scans"]);
    EXPECT_EQ(by_hour, c["scans"]);
  };
  check("empty");
  EnrolledCitizen a = Enrol(1), b = Enrol(2);
  check("enrolled");
  ASSERT_THAT(identity_->SetTalent(authority_, a.citizen.id, "B", "2027-12-31"), IsOk());
  ASSERT_THAT(identity_->SetTalent(authority_, a.citizen.id, "C", "2027-12-31"), IsOk());
  ASSERT_THAT(identity_->SetTalent(authority_, b.citizen.id, "B", "2027-12-31"), IsOk());
  check("talents set and changed");
  EXPECT_EQ(identity_->GetTallies()->talents_by_category,
            (std::map<std::string, int64_t>{{"B", 1}, {"C", 1}}));
  auto me = *identity_->AuthenticateCitizen(a.token, "ip");
  Device bus = SetUpTerminal(bus_org_, "bus");
  auto code = identity_->IssueDynamic(me);
  ASSERT_THAT(code, IsOk());
  auto at_bus = bus.verifier->Verify(code->text, clock_.NowMillis());
  ASSERT_THAT(at_bus, IsOk());
  ASSERT_THAT(identity_->RecordScans({Receipt(bus, *at_bus, {"concession"})}, "gate"), IsOk());
  // A receipt uploaded twice is one scan.
  ASSERT_THAT(identity_->RecordScans({Receipt(bus, *at_bus, {"concession"})}, "gate"), IsOk());
  check("scanned");
  ASSERT_THAT(identity_->Revoke(authority_, b.citizen.id, "moved away"), IsOk());
  check("revoked");
  EXPECT_EQ(identity_->GetTallies()->citizens_by_district,
            (std::map<std::string, int64_t>{{"西湖区", 1}}));
}

}  // namespace
}  // namespace qt::identity
