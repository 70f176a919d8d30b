// Exchange: pledges (质押) of registered data rights to institutions.
#include "accounts/paging.h"
#include "core/ids.h"
#include "exchange/exchange.h"
#include "exchange/internal.h"
#include "store/transact.h"

namespace qt::exchange {

using accounts::OrgKind;
using accounts::Principal;
using store::Tx;

Result<Pledge> Exchange::RequestPledge(const Principal& caller, const std::string& number,
                                       const std::string& institution_id, int64_t amount_fen,
                                       int64_t term_days) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  if (amount_fen < 1 || amount_fen > (int64_t{1} << 53)) {
    return InvalidArgument("amount_fen: must be a positive number of fen");
  }
  if (term_days < 1 || term_days > 3660) return InvalidArgument("term_days: must be 1 to 3660");
  auto institution = options_.accounts->GetOrg(institution_id);
  if (!institution.ok() || institution->kind != OrgKind::kInstitution) {
    return InvalidArgument("institution_id: no financial institution " + institution_id);
  }
  IdGenerator ids(*options_.clock, *options_.random);
  const UnixMillis now = options_.clock->NowMillis();
  Pledge p{.id = ids.Next("plg"),
           .number = number,
           .holder_id = caller.org_id,
           .institution_id = institution_id,
           .amount_fen = amount_fen,
           .term_days = term_days,
           .state = PledgeState::kRequested,
           .created_at = now};
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(Certificate c, internal::LatestCertificate(tx, number, now));
    if (c.holder_id != caller.org_id) return PermissionDenied("only the holder pledges its rights");
    if (c.status != CertificateStatus::kValid) {
      return FailedPrecondition("the certificate is " +
                                std::string(CertificateStatusName(c.status)));
    }
    QT_RETURN_IF_ERROR(internal::CheckNotPledged(tx, number, "pledged again"));
    QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO ex_pledges VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0)",
                               {p.id, number, p.holder_id, institution_id, amount_fen, term_days,
                                std::string(PledgeStateName(p.state)), now})
                           .status());
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "exchange.pledge.requested",
                      p.id,
                      {{"number", number},
                       {"institution_id", institution_id},
                       {"amount_fen", amount_fen},
                       {"term_days", term_days}}})
        .status();
  }));
  return p;
}

Result<Pledge> Exchange::ActOnPledge(const Principal& caller, const std::string& id,
                                     const std::string& action) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  using enum PledgeState;
  struct Step {
    PledgeState from, to;
    bool by_institution;
  };
  static const std::map<std::string, Step> kSteps = {{"confirm", {kRequested, kActive, true}},
                                                     {"decline", {kRequested, kDeclined, true}},
                                                     {"release", {kActive, kReleased, true}},
                                                     {"withdraw", {kRequested, kWithdrawn, false}}};
  auto step = kSteps.find(action);
  if (step == kSteps.end()) {
    return InvalidArgument("action: must be confirm, decline, release or withdraw");
  }
  const UnixMillis now = options_.clock->NowMillis();
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Pledge> {
    QT_ASSIGN_OR_RETURN(auto rows,
                        tx.Query(std::string(internal::kPledgeColumns) + " WHERE id = ?", {id}));
    if (rows.empty()) return NotFound("no pledge " + id);
    QT_ASSIGN_OR_RETURN(Pledge p, internal::PledgeFromRow(rows[0]));
    const std::string& party = step->second.by_institution ? p.institution_id : p.holder_id;
    if (caller.org_id != p.institution_id && caller.org_id != p.holder_id) {
      return NotFound("no pledge " + id);
    }
    if (caller.org_id != party) {
      return PermissionDenied(std::string("only the ") +
                              (step->second.by_institution ? "institution" : "holder") + " may " +
                              action + " a pledge");
    }
    if (p.state != step->second.from) {
      return FailedPrecondition("the pledge is " + std::string(PledgeStateName(p.state)) + "; " +
                                action + " needs it " +
                                std::string(PledgeStateName(step->second.from)));
    }
    p.state = step->second.to;
    if (action == "confirm") p.confirmed_at = now;
    if (action == "release") p.released_at = now;
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE ex_pledges SET state = ?, confirmed_at = ?, released_at = ?"
                " WHERE id = ?",
                {std::string(PledgeStateName(p.state)), p.confirmed_at, p.released_at, id})
            .status());
    QT_RETURN_IF_ERROR(options_.journal
                           ->Append(tx, {caller.org_id,
                                         "exchange.pledge." + std::string(PledgeStateName(p.state)),
                                         id,
                                         {{"number", p.number}, {"amount_fen", p.amount_fen}}})
                           .status());
    return p;
  });
}

Result<accounts::Page<Pledge>> Exchange::ListPledges(const Principal& caller,
                                                     const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "plg"));
  const std::string sql =
      std::string(internal::kPledgeColumns) + " WHERE (holder_id = ? OR institution_id = ?)";
  return accounts::ReadCountedPage<Pledge>(store_, sql, {caller.org_id, caller.org_id}, page,
                                           internal::PledgeFromRow);
}

}  // namespace qt::exchange
