#include "compute/market/vouchers.h"

#include <fmt/format.h>

#include <map>

#include "accounts/paging.h"
#include "core/text.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::compute::market {
namespace {

using accounts::OrgKind;
using accounts::Principal;
using accounts::Role;
using store::Row;
using store::Rows;
using store::Tx;

constexpr int64_t kMaxFen = int64_t{1'000'000'000'000'000};  // 10^13 yuan
constexpr std::string_view kHangzhouDivision = "3301";       // GB/T 2260 code of Hangzhou

int64_t Year(int64_t ms) { return std::stoll(FormatRfc3339(ms).substr(0, 4)); }

constexpr std::string_view kProgrammeSelect =
    "SELECT p.id, p.authority_id, p.name, p.budget_fen, p.ratio_bp, p.cap_fen, p.valid_from, "
    "p.valid_to, p.created_at,"
    " (SELECT CAST(COALESCE(SUM(v.amount_fen), 0) AS BIGINT) FROM vouchers v"
    " WHERE v.programme_id = p.id) AS issued_fen,"
    " (SELECT CAST(COALESCE(SUM(r.amount_fen), 0) AS BIGINT) FROM voucher_redemptions r"
    " JOIN vouchers v ON v.id = r.voucher_id WHERE v.programme_id = p.id) AS redeemed_fen"
    " FROM voucher_programmes p";

Result<Programme> ProgrammeFromRow(const Row& r) {
  return store::Decode<Programme>("voucher_programmes", r, [&]() -> Programme {
    return {r.Text("id"),        r.Text("authority_id"), r.Text("name"),      r.Int("budget_fen"),
            r.Int("ratio_bp"),   r.Int("cap_fen"),       r.Int("valid_from"), r.Int("valid_to"),
            r.Int("issued_fen"), r.Int("redeemed_fen"),  r.Int("created_at")};
  });
}

constexpr std::string_view kApplicationColumns =
    "id, programme_id, enterprise_id, amount_fen, state, reason, voucher_id, created_at, "
    "decided_at";

Result<Application> ApplicationFromRow(const Row& r) {
  return store::Decode<Application>("voucher_applications", r, [&]() -> Application {
    return {r.Text("id"),         r.Text("programme_id"), r.Text("enterprise_id"),
            r.Int("amount_fen"),  r.Text("state"),        r.Text("reason"),
            r.Text("voucher_id"), r.Int("created_at"),    r.Int("decided_at")};
  });
}

Result<Programme> LoadProgramme(Tx& tx, const std::string& id) {
  QT_ASSIGN_OR_RETURN(Rows rows, tx.Query(std::string(kProgrammeSelect) + " WHERE p.id = ?", {id}));
  if (rows.empty()) return NotFound("programme: no voucher programme " + id);
  return ProgrammeFromRow(rows[0]);
}

}  // namespace

Vouchers::Vouchers(store::Store& store, const Clock& clock, Random& random,
                   ledger::Journal& journal)
    : store_(store), clock_(clock), journal_(journal), ids_(clock, random) {}

Result<Programme> Vouchers::CreateProgramme(const Principal& caller, const NewProgramme& n) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kAuthority, "run voucher programmes"));
  QT_RETURN_IF_ERROR(CheckDisplayText(n.name, 200).WithContext("name"));
  if (n.budget_fen < 1 || n.budget_fen > kMaxFen)
    return InvalidArgument("budget_fen: must be between 1 and 10^15");
  if (n.ratio_bp < 1 || n.ratio_bp > 10'000)
    return InvalidArgument("ratio_bp: must be between 1 and 10000 (100 %)");
  if (n.cap_fen_per_enterprise_year < 1 || n.cap_fen_per_enterprise_year > n.budget_fen) {
    return InvalidArgument("cap_fen_per_enterprise_year: must be between 1 and the budget");
  }
  if (n.valid_to <= n.valid_from) return InvalidArgument("valid_to: must be after valid_from");
  if (n.valid_to <= clock_.NowMillis())
    return InvalidArgument("valid_to: the programme would already have ended");
  Programme p{ids_.Next("vpg"),
              caller.org_id,
              n.name,
              n.budget_fen,
              n.ratio_bp,
              n.cap_fen_per_enterprise_year,
              n.valid_from,
              n.valid_to,
              0,
              0,
              clock_.NowMillis()};
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO voucher_programmes (id, authority_id, name, budget_fen, ratio_bp, "
                "cap_fen, valid_from, valid_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {p.id, p.authority_id, p.name, p.budget_fen, p.ratio_bp,
                 p.cap_fen_per_enterprise_year, p.valid_from, p.valid_to, p.created_at})
            .status());
    return journal_
        .Append(tx, {caller.org_id,
                     "voucher.programme.created",
                     p.id,
                     {{"budget_fen", p.budget_fen},
                      {"ratio_bp", p.ratio_bp},
                      {"cap_fen", p.cap_fen_per_enterprise_year},
                      {"valid_from", p.valid_from},
                      {"valid_to", p.valid_to}}})
        .status();
  }));
  return p;
}

Status Vouchers::AddRelatedParty(const Principal& caller, const std::string& enterprise_id,
                                 const std::string& provider_id) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kAuthority, "record related parties"));
  return store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(Rows e, tx.Query("SELECT kind FROM orgs WHERE id = ?", {enterprise_id}));
    if (e.empty() || e[0].Text("kind") != "enterprise")
      return NotFound("enterprise_id: no enterprise " + enterprise_id);
    QT_ASSIGN_OR_RETURN(Rows p, tx.Query("SELECT kind FROM orgs WHERE id = ?", {provider_id}));
    if (p.empty() || p[0].Text("kind") != "compute_provider") {
      return NotFound("provider_id: no compute provider " + provider_id);
    }
    auto r = tx.Exec(
        "INSERT INTO voucher_related_parties (enterprise_id, provider_id, authority_id, "
        "created_at) VALUES (?, ?, ?, ?)",
        {enterprise_id, provider_id, caller.org_id, clock_.NowMillis()});
    if (r.status().code() == StatusCode::kConflict)
      return Conflict("already recorded as related parties");
    QT_RETURN_IF_ERROR(r.status());
    return journal_
        .Append(tx, {caller.org_id,
                     "voucher.related_party.recorded",
                     enterprise_id,
                     {{"provider_id", provider_id}}})
        .status();
  });
}

Result<VoucherTotals> Vouchers::Totals() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<VoucherTotals> {
    QT_ASSIGN_OR_RETURN(
        Rows rows,
        tx.Query(
            "SELECT (SELECT COUNT(*) FROM voucher_programmes) AS programmes,"
            " (SELECT COUNT(*) FROM vouchers) AS vouchers,"
            " (SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM vouchers) AS granted_fen,"
            " (SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM voucher_redemptions)"
            " AS redeemed_fen,"
            " (SELECT COUNT(DISTINCT enterprise_id) FROM vouchers) AS enterprises"));
    return VoucherTotals{rows[0].Int("programmes"), rows[0].Int("vouchers"),
                         rows[0].Int("granted_fen"), rows[0].Int("redeemed_fen"),
                         rows[0].Int("enterprises")};
  });
}

Result<std::vector<Programme>> Vouchers::ListProgrammes() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Programme>> {
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query(std::string(kProgrammeSelect) + " ORDER BY p.id"));
    std::vector<Programme> out;
    QT_RETURN_IF_ERROR(store::DecodeInto(rows, ProgrammeFromRow, out));
    return out;
  });
}

Result<Application> Vouchers::Apply(const Principal& caller, const std::string& programme_id,
                                    int64_t amount_fen) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kEnterprise, "apply for vouchers"));
  if (amount_fen < 1 || amount_fen > kMaxFen)
    return InvalidArgument("amount_fen: must be positive");
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Application> {
    int64_t now = clock_.NowMillis();
    QT_ASSIGN_OR_RETURN(Programme p, LoadProgramme(tx, programme_id));
    if (now < p.valid_from || now >= p.valid_to)
      return FailedPrecondition("programme: not open for applications now");
    if (amount_fen > p.cap_fen_per_enterprise_year) {
      return InvalidArgument(
          fmt::format("amount_fen: above the programme's cap of {} fen per enterprise per year",
                      p.cap_fen_per_enterprise_year));
    }
    QT_ASSIGN_OR_RETURN(Rows org,
                        tx.Query("SELECT credit_code FROM orgs WHERE id = ?", {caller.org_id}));
    if (org.empty() || org[0].Text("credit_code").substr(2, 4) != kHangzhouDivision) {
      return FailedPrecondition(
          "eligibility: the enterprise is not registered in Hangzhou (credit code 3301...)");
    }
    const Application a{
        ids_.Next("vap"), programme_id, caller.org_id, amount_fen, "submitted", "", "", now, 0};
    auto r = tx.Exec(
        "INSERT INTO voucher_applications (id, programme_id, enterprise_id, year, amount_fen, "
        "state, reason, voucher_id, created_at, decided_at) VALUES (?, ?, ?, ?, ?, 'submitted', "
        "'', '', ?, 0)",
        {a.id, a.programme_id, a.enterprise_id, Year(now), a.amount_fen, now});
    if (r.status().code() == StatusCode::kConflict) {
      return Conflict("programme: this enterprise has already applied to this programme this year");
    }
    QT_RETURN_IF_ERROR(r.status());
    QT_RETURN_IF_ERROR(
        journal_
            .Append(tx, {caller.org_id,
                         "voucher.applied",
                         a.id,
                         {{"programme_id", programme_id}, {"amount_fen", amount_fen}}})
            .status());
    return a;
  });
}

Result<Application> Vouchers::Decide(const Principal& caller, const std::string& application_id,
                                     bool approve, int64_t amount_fen, const std::string& reason) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kAuthority, "decide applications"));
  if (!approve) QT_RETURN_IF_ERROR(CheckDisplayText(reason, 500).WithContext("reason"));
  if (approve && !reason.empty())
    QT_RETURN_IF_ERROR(CheckDisplayText(reason, 500).WithContext("reason"));
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Application> {
    int64_t now = clock_.NowMillis();
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT " + std::string(kApplicationColumns) +
                                                " FROM voucher_applications WHERE id = ?",
                                            {application_id}));
    if (rows.empty()) return NotFound("application: no application " + application_id);
    QT_ASSIGN_OR_RETURN(Application a, ApplicationFromRow(rows[0]));
    QT_ASSIGN_OR_RETURN(Programme p, LoadProgramme(tx, a.programme_id));
    if (p.authority_id != caller.org_id)
      return PermissionDenied("application: not one of your programmes");
    if (a.state != "submitted") return FailedPrecondition("application: already " + a.state);
    a.decided_at = now;
    a.reason = reason;
    if (approve) {
      int64_t amount = amount_fen == 0 ? a.amount_fen : amount_fen;
      if (amount < 1 || amount > a.amount_fen) {
        return InvalidArgument("amount_fen: must be between 1 and the amount applied for");
      }
      if (p.issued_fen + amount > p.budget_fen) {
        return FailedPrecondition(
            fmt::format("budget: only {} fen of the budget remain", p.budget_fen - p.issued_fen));
      }
      QT_ASSIGN_OR_RETURN(
          Rows year_sum,
          tx.Query(
              "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS year_fen FROM vouchers WHERE "
              "programme_id = ? AND enterprise_id = ? AND year = ?",
              {p.id, a.enterprise_id, Year(now)}));
      if (year_sum[0].Int("year_fen") + amount > p.cap_fen_per_enterprise_year) {
        return FailedPrecondition(
            "cap: the enterprise's vouchers this year would exceed the programme's cap");
      }
      a.state = "approved";
      a.voucher_id = ids_.Next("vch");
      QT_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO vouchers (id, programme_id, enterprise_id, amount_fen, year, "
                  "issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  {a.voucher_id, p.id, a.enterprise_id, amount, Year(now), now, p.valid_to})
              .status());
      QT_RETURN_IF_ERROR(journal_
                             .Append(tx, {caller.org_id,
                                          "voucher.issued",
                                          a.voucher_id,
                                          {{"programme_id", p.id},
                                           {"enterprise_id", a.enterprise_id},
                                           {"amount_fen", amount},
                                           {"expires_at", p.valid_to}}})
                             .status());
    } else {
      a.state = "rejected";
    }
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE voucher_applications SET state = ?, reason = ?, voucher_id = ?, "
                "decided_at = ? WHERE id = ?",
                {a.state, a.reason, a.voucher_id, now, a.id})
            .status());
    QT_RETURN_IF_ERROR(
        journal_
            .Append(
                tx,
                {caller.org_id, "voucher.application." + a.state, a.id, {{"programme_id", p.id}}})
            .status());
    return a;
  });
}

Result<accounts::Page<Application>> Vouchers::ListApplications(const Principal& caller,
                                                               const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "vap"));
  std::string sql =
      "SELECT " + std::string(kApplicationColumns) + " FROM voucher_applications WHERE ";
  if (caller.org_kind == OrgKind::kAuthority) {
    sql += "programme_id IN (SELECT id FROM voucher_programmes WHERE authority_id = ?)";
  } else {
    sql += "enterprise_id = ?";
  }
  return accounts::ReadCountedPage<Application>(store_, sql, {caller.org_id}, page,
                                                ApplicationFromRow);
}

Result<std::vector<Voucher>> Vouchers::ListVouchers(const Principal& caller) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Voucher>> {
    QT_ASSIGN_OR_RETURN(
        Rows rows,
        tx.Query(
            "SELECT v.id, v.programme_id, v.enterprise_id, v.amount_fen, "
            "(SELECT CAST(COALESCE(SUM(r.amount_fen), 0) AS BIGINT) FROM voucher_redemptions r "
            "WHERE r.voucher_id = v.id) AS redeemed_fen, v.issued_at, v.expires_at FROM vouchers v "
            "WHERE v.enterprise_id = ? ORDER BY v.id",
            {caller.org_id}));
    std::vector<Voucher> out;
    out.reserve(rows.size());
    for (const Row& r : rows)
      out.push_back({r.Text("id"), r.Text("programme_id"), r.Text("enterprise_id"),
                     r.Int("amount_fen"), r.Int("redeemed_fen"), r.Int("issued_at"),
                     r.Int("expires_at")});
    return out;
  });
}

Result<std::vector<BillLine>> Vouchers::Redeem(Tx& tx, const Bill& b) {
  std::vector<BillLine> lines;
  int64_t now = clock_.NowMillis();
  QT_ASSIGN_OR_RETURN(Rows related,
                      tx.Query("SELECT 1 FROM voucher_related_parties WHERE enterprise_id = ? "
                               "AND provider_id = ?",
                               {b.enterprise_id, b.provider_id}));
  if (!related.empty()) return lines;
  QT_ASSIGN_OR_RETURN(
      Rows rows,
      tx.Query("SELECT v.id, v.amount_fen, p.ratio_bp,"
               " (SELECT CAST(COALESCE(SUM(r.amount_fen), 0) AS BIGINT)"
               " FROM voucher_redemptions r WHERE r.voucher_id = v.id) AS redeemed_fen"
               " FROM vouchers v "
               "JOIN voucher_programmes p ON p.id = v.programme_id WHERE v.enterprise_id = ? "
               "AND v.issued_at <= ? AND v.expires_at > ? ORDER BY v.expires_at, v.id",
               {b.enterprise_id, now, now}));
  int64_t deducted = 0;
  for (const Row& r : rows) {
    int64_t remaining = r.Int("amount_fen") - r.Int("redeemed_fen");
    int64_t limit =
        b.gross_fen * r.Int("ratio_bp") / 10'000 - deducted;  // the ratio bounds the subsidy
    int64_t take = std::min(remaining, limit);
    if (take <= 0) continue;
    QT_RETURN_IF_ERROR(
        tx.Exec(
              "INSERT INTO voucher_redemptions (id, voucher_id, bill_id, provider_id, amount_fen, "
              "created_at) VALUES (?, ?, ?, ?, ?, ?)",
              {ids_.Next("vrd"), r.Text("id"), b.id, b.provider_id, take, now})
            .status());
    QT_RETURN_IF_ERROR(journal_
                           .Append(tx, {b.enterprise_id,
                                        "voucher.redeemed",
                                        r.Text("id"),
                                        {{"bill_id", b.id}, {"amount_fen", take}}})
                           .status());
    lines.push_back({fmt::format("compute voucher {} ({:.2f} % subsidy)", r.Text("id"),
                                 r.Int("ratio_bp") / 100.0),
                     -take});
    deducted += take;
  }
  return lines;
}

Result<ProgrammeReport> Vouchers::Report(const Principal& caller, const std::string& programme_id) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<ProgrammeReport> {
    ProgrammeReport rep;
    QT_ASSIGN_OR_RETURN(rep.programme, LoadProgramme(tx, programme_id));
    if (rep.programme.authority_id != caller.org_id && !caller.IsOperator()) {
      return PermissionDenied("programme: reports are for its authority and the operator");
    }
    std::map<std::string, ProgrammeReport::Row> ent, prov;
    QT_ASSIGN_OR_RETURN(Rows issued, tx.Query("SELECT enterprise_id, CAST(SUM(amount_fen) AS "
                                              "BIGINT) AS issued_fen FROM vouchers WHERE "
                                              "programme_id = ? GROUP BY enterprise_id",
                                              {programme_id}));
    for (const Row& r : issued)
      ent[r.Text("enterprise_id")] = {r.Text("enterprise_id"), r.Int("issued_fen"), 0};
    QT_ASSIGN_OR_RETURN(
        Rows used, tx.Query("SELECT v.enterprise_id, r.provider_id, CAST(SUM(r.amount_fen) AS "
                            "BIGINT) AS redeemed_fen"
                            " FROM "
                            "voucher_redemptions r JOIN vouchers v ON v.id = r.voucher_id WHERE "
                            "v.programme_id = ? GROUP BY v.enterprise_id, r.provider_id",
                            {programme_id}));
    for (const Row& r : used) {
      ent[r.Text("enterprise_id")].redeemed_fen += r.Int("redeemed_fen");
      prov[r.Text("provider_id")].key = r.Text("provider_id");
      prov[r.Text("provider_id")].redeemed_fen += r.Int("redeemed_fen");
    }
    for (auto& [k, v] : ent) rep.by_enterprise.push_back(v);
    for (auto& [k, v] : prov) rep.by_provider.push_back(v);
    return rep;
  });
}

}  // namespace qt::compute::market
