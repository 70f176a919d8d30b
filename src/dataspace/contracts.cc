// DataSpace: contract negotiation after the Dataspace Protocol.
#include <algorithm>

#include "accounts/paging.h"
#include "core/ids.h"
#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "dataspace/dataspace.h"
#include "dataspace/internal.h"
#include "store/decode.h"
#include "store/like.h"
#include "store/transact.h"

namespace qt::dataspace {

using accounts::Page;
using accounts::PageRequest;
using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Result<Contract> ReadContract(Tx& tx, const std::string& id) {
  QT_ASSIGN_OR_RETURN(auto rows,
                      tx.Query(std::string(internal::kContractColumns) + " WHERE id = ?", {id}));
  if (rows.empty()) return NotFound("no contract " + id);
  return internal::ContractFromRow(rows[0]);
}

// A contract as stored, with its product's fields (a counter-policy names them).
struct ContractWithFields {
  Contract contract;
  Schema fields;
};

}  // namespace

Result<Contract> DataSpace::RequestContract(const Principal& caller, const std::string& offer_id,
                                            const std::optional<json>& policy) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  IdGenerator ids(*options_.clock, *options_.random);
  const std::string id = ids.Next("ctr");
  const UnixMillis now = options_.clock->NowMillis();
  return Changed(store::WriteValue(store_, [&](Tx& tx) -> Result<Contract> {
    QT_ASSIGN_OR_RETURN(
        auto rows, tx.Query(std::string(internal::kOfferColumns) + " WHERE o.id = ?", {offer_id}));
    if (rows.empty()) return NotFound("no offer " + offer_id);
    QT_ASSIGN_OR_RETURN(Offer o, internal::OfferFromRow(rows[0]));
    if (!o.active || !o.visible_to.Admits(caller.org_id, caller.org_kind)) {
      return NotFound("no offer " + offer_id);
    }
    if (!o.negotiable_by.Admits(caller.org_id, caller.org_kind)) {
      return PermissionDenied("the offer is not open to negotiation by your organisation");
    }
    if (o.provider_id == caller.org_id) {
      return InvalidArgument("an organisation cannot contract with itself");
    }
    Contract c{.id = id, .consumer_id = caller.org_id};
    c.created_at = c.updated_at = now;
    c.offer_id = o.id;
    c.product_id = o.product_id;
    c.provider_id = o.provider_id;
    c.policy = o.policy;
    if (policy) {
      QT_ASSIGN_OR_RETURN(auto fields, tx.Query("SELECT r.fields FROM ds_products p JOIN ds_runs r"
                                                " ON r.id = p.run_id WHERE p.id = ?",
                                                {o.product_id}));
      if (fields.empty()) return NotFound("no offer " + offer_id);
      QT_ASSIGN_OR_RETURN(Schema schema, store::Decode<Schema>("ds_runs", fields[0], [&] {
                            return ParseSchema(json::parse(fields[0].Text("fields")));
                          }));
      QT_ASSIGN_OR_RETURN(c.policy, ParsePolicy(*policy, schema));
    }
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO ds_contracts VALUES (?, ?, ?, ?, ?, ?, ?, '', '', '',"
                " '', '', ?, ?)",
                {c.id, c.offer_id, c.product_id, c.provider_id, c.consumer_id, "requested",
                 PolicyJson(c.policy).dump(), c.created_at, c.updated_at})
            .status());
    // As listed: with the product's title and the consumer's budget spent so far.
    QT_ASSIGN_OR_RETURN(c, ReadContract(tx, c.id));
    QT_RETURN_IF_ERROR(options_.journal
                           ->Append(tx, {caller.org_id,
                                         "dataspace.contract.requested",
                                         c.id,
                                         {{"offer_id", c.offer_id},
                                          {"provider_id", c.provider_id},
                                          {"counter_policy", policy.has_value()}}})
                           .status());
    return c;
  }));
}

Result<std::string> DataSpace::Agreement(const Contract& c, UnixMillis agreed_at) {
  QT_ASSIGN_OR_RETURN(accounts::Org provider, options_.accounts->GetOrg(c.provider_id));
  QT_ASSIGN_OR_RETURN(accounts::Org consumer, options_.accounts->GetOrg(c.consumer_id));
  QT_ASSIGN_OR_RETURN(
      const std::string product_hash, store::ReadValue(store_, [&](Tx& tx) -> Result<std::string> {
        QT_ASSIGN_OR_RETURN(
            auto rows,
            tx.Query(std::string(internal::kProductColumns) + " WHERE id = ?", {c.product_id}));
        if (rows.empty()) return Internal("contract " + c.id + ": its product is gone");
        return rows[0].Text("output_hash");
      }));
  auto party = [](const accounts::Org& o) {
    return json{{"id", o.id},
                {"public_key", crypto::HexEncode(o.public_key)},
                {"key_custody", accounts::KeyCustodyName(o.key_custody)}};
  };
  return json{{"type", "qiantang.dataspace.agreement/v1"},
              {"contract_id", c.id},
              {"offer_id", c.offer_id},
              {"product_id", c.product_id},
              {"product_sha256", product_hash},
              {"provider", party(provider)},
              {"consumer", party(consumer)},
              {"policy", PolicyJson(c.policy)},
              {"agreed_at", FormatRfc3339(agreed_at)}}
      .dump();
}

Result<UnixMillis> DataSpace::AgreedAt(const Contract& c, const std::string& agreement,
                                       UnixMillis now) {
  json draft = json::parse(agreement, nullptr, /*allow_exceptions=*/false);
  std::optional<UnixMillis> at;
  if (draft.is_object() && draft.value("agreed_at", json()).is_string()) {
    at = ParseRfc3339(draft["agreed_at"].get<std::string>());
  }
  if (!at) return InvalidArgument("agreement: not an agreement draft with its agreed_at");
  if (*at < now - kDraftLifetimeMs || *at > now) {
    return InvalidArgument(
        "agreement: the draft's agreed_at is in the future or more than 10 minutes ago; sign a "
        "fresh draft");
  }
  // A draft is never dated before what it states: the contract accepted,
  // and each party holding the key the draft names.
  QT_ASSIGN_OR_RETURN(accounts::Org provider, options_.accounts->GetOrg(c.provider_id));
  QT_ASSIGN_OR_RETURN(accounts::Org consumer, options_.accounts->GetOrg(c.consumer_id));
  if (*at < std::max({c.updated_at, provider.key_registered_at, consumer.key_registered_at})) {
    return InvalidArgument(
        "agreement: the draft is dated before the contract was accepted or a party's key was "
        "registered; sign a fresh draft");
  }
  return *at;
}

Status DataSpace::CheckPartySignature(const std::string& org_id, const char* role,
                                      const std::string& agreement,
                                      const crypto::Signature& signature) {
  QT_ASSIGN_OR_RETURN(accounts::Org party, options_.accounts->GetOrg(org_id));
  const json a = json::parse(agreement, nullptr, /*allow_exceptions=*/false);
  const json named = a.is_object() ? a.value(role, json()) : json();
  if (!named.is_object() ||
      named.value("public_key", json()) != crypto::HexEncode(party.public_key)) {
    // The key changed since the agreement was made: a signature by the new
    // one would leave an agreement that names another key.
    return FailedPrecondition("the agreement names another key of " + org_id +
                              " than its key now; terminate this contract and negotiate again");
  }
  if (!crypto::Verify(party.public_key, Bytes(agreement), signature)) {
    return PermissionDenied("signature: does not verify under " + org_id + "'s key over the " +
                            "agreement");
  }
  return OkStatus();
}

Result<std::string> DataSpace::AgreementDraft(const Principal& caller, const std::string& id) {
  QT_ASSIGN_OR_RETURN(Contract c, GetContract(caller, id));
  if (caller.org_id != c.provider_id) {
    return PermissionDenied("only the provider signs the agreement first");
  }
  if (c.state != ContractState::kAccepted) {
    return FailedPrecondition("the contract is " + std::string(ContractStateName(c.state)) +
                              "; it must be accepted to be agreed");
  }
  return Agreement(c, options_.clock->NowMillis());
}

Result<Contract> DataSpace::Transition(const Principal& caller, const std::string& id,
                                       ContractState from, ContractState to, bool by_provider,
                                       const std::optional<json>& policy,
                                       const PartySignature* signed_by) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_ASSIGN_OR_RETURN(
      ContractWithFields stored,
      store::ReadValue(store_, [&](Tx& tx) -> Result<ContractWithFields> {
        QT_ASSIGN_OR_RETURN(
            auto rows, tx.Query(std::string(internal::kContractColumns) + " WHERE id = ?", {id}));
        if (rows.empty()) return NotFound("no contract " + id);
        ContractWithFields out;
        QT_ASSIGN_OR_RETURN(out.contract, internal::ContractFromRow(rows[0]));
        QT_ASSIGN_OR_RETURN(out.fields, store::Decode<Schema>("ds_contracts", rows[0], [&] {
                              return ParseSchema(json::parse(rows[0].Text("fields")));
                            }));
        return out;
      }));
  Contract& c = stored.contract;
  const Schema& fields = stored.fields;
  if (caller.org_id != c.provider_id && caller.org_id != c.consumer_id) {
    return NotFound("no contract " + id);
  }
  const std::string& party = by_provider ? c.provider_id : c.consumer_id;
  const std::string verb(ContractStateName(to));
  if (caller.org_id != party) {
    return PermissionDenied("only the " + std::string(by_provider ? "provider" : "consumer") +
                            " moves a contract to " + verb);
  }
  if (c.state != from) {
    return FailedPrecondition("the contract is " + std::string(ContractStateName(c.state)) +
                              "; it must be " + std::string(ContractStateName(from)) +
                              " to become " + verb);
  }
  if (policy) {
    QT_ASSIGN_OR_RETURN(c.policy, ParsePolicy(*policy, fields));
  }
  json payload = json::object();
  if (to == ContractState::kAgreed) {
    UnixMillis agreed_at = options_.clock->NowMillis();
    if (signed_by != nullptr) {
      QT_ASSIGN_OR_RETURN(agreed_at, AgreedAt(c, signed_by->agreement, agreed_at));
    }
    QT_ASSIGN_OR_RETURN(c.agreement, Agreement(c, agreed_at));
    crypto::Signature sig{};
    if (signed_by != nullptr) {
      if (signed_by->agreement != c.agreement) {
        return InvalidArgument(
            "agreement: not this contract's agreement as it stands; sign a fresh draft");
      }
      QT_RETURN_IF_ERROR(
          CheckPartySignature(c.provider_id, "provider", c.agreement, signed_by->signature));
      sig = signed_by->signature;
    } else {
      QT_ASSIGN_OR_RETURN(sig, options_.accounts->SignAs(c.provider_id, Bytes(c.agreement)));
    }
    c.agreement_hash = crypto::HexEncode(crypto::Sha256(c.agreement));
    c.provider_signature = crypto::Base64Encode(sig);
    payload["agreement_sha256"] = c.agreement_hash;
  }
  if (to == ContractState::kVerified) {
    crypto::Signature sig{};
    if (signed_by != nullptr) {
      QT_RETURN_IF_ERROR(
          CheckPartySignature(c.consumer_id, "consumer", c.agreement, signed_by->signature));
      sig = signed_by->signature;
    } else {
      QT_ASSIGN_OR_RETURN(sig, options_.accounts->SignAs(c.consumer_id, Bytes(c.agreement)));
    }
    c.consumer_signature = crypto::Base64Encode(sig);
    payload["agreement_sha256"] = c.agreement_hash;
  }
  if (to == ContractState::kFinalized) {
    payload = {{"agreement_sha256", c.agreement_hash},
               {"provider_signature", c.provider_signature},
               {"consumer_signature", c.consumer_signature}};
  }
  if (policy) payload["counter_policy"] = true;
  c.state = to;
  c.updated_at = options_.clock->NowMillis();
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(
        int64_t n,
        tx.Exec(
            "UPDATE ds_contracts SET state = ?, policy = ?, agreement = ?, agreement_hash = ?,"
            " provider_signature = ?, consumer_signature = ?, updated_at = ?"
            " WHERE id = ? AND state = ?",
            {verb, PolicyJson(c.policy).dump(), c.agreement, c.agreement_hash, c.provider_signature,
             c.consumer_signature, c.updated_at, c.id, std::string(ContractStateName(from))}));
    if (n == 0) return Conflict("the contract changed meanwhile; read it again");
    return options_.journal
        ->Append(tx, {caller.org_id, "dataspace.contract." + verb, c.id, payload})
        .status();
  }));
  return Changed(c);
}

Result<Contract> DataSpace::VerifyContractSigned(const Principal& caller, const std::string& id,
                                                 const crypto::Signature& consumer_signature) {
  const PartySignature signed_by{{}, consumer_signature};
  return Transition(caller, id, ContractState::kAgreed, ContractState::kVerified, false, {},
                    &signed_by);
}

Result<Contract> DataSpace::AgreeContractSigned(const Principal& caller, const std::string& id,
                                                const std::string& agreement,
                                                const crypto::Signature& provider_signature) {
  const PartySignature signed_by{agreement, provider_signature};
  return Transition(caller, id, ContractState::kAccepted, ContractState::kAgreed, true, {},
                    &signed_by);
}

void DataSpace::ObserveContracts(std::function<void(const Contract&)> observer) {
  observer_ = std::move(observer);
}

Result<Contract> DataSpace::Changed(Result<Contract> c) {
  if (c.ok() && observer_) observer_(*c);
  return c;
}

Result<Contract> DataSpace::OfferContract(const Principal& caller, const std::string& id,
                                          const std::optional<json>& policy) {
  return Transition(caller, id, ContractState::kRequested, ContractState::kOffered, true, policy);
}
Result<Contract> DataSpace::AcceptContract(const Principal& caller, const std::string& id) {
  return Transition(caller, id, ContractState::kOffered, ContractState::kAccepted, false, {});
}
Result<Contract> DataSpace::AgreeContract(const Principal& caller, const std::string& id) {
  return Transition(caller, id, ContractState::kAccepted, ContractState::kAgreed, true, {});
}
Result<Contract> DataSpace::VerifyContract(const Principal& caller, const std::string& id) {
  return Transition(caller, id, ContractState::kAgreed, ContractState::kVerified, false, {});
}
Result<Contract> DataSpace::FinalizeContract(const Principal& caller, const std::string& id) {
  return Transition(caller, id, ContractState::kVerified, ContractState::kFinalized, true, {});
}

Result<Contract> DataSpace::TerminateContract(const Principal& caller, const std::string& id,
                                              const std::string& reason) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_RETURN_IF_ERROR(CheckDisplayText(reason, 500).WithContext("reason"));
  return Changed(store::WriteValue(store_, [&](Tx& tx) -> Result<Contract> {
    QT_ASSIGN_OR_RETURN(Contract c, ReadContract(tx, id));
    if (caller.org_id != c.provider_id && caller.org_id != c.consumer_id) {
      return NotFound("no contract " + id);
    }
    if (c.state == ContractState::kTerminated) {
      return FailedPrecondition("the contract is already terminated");
    }
    c.state = ContractState::kTerminated;
    c.reason = reason;
    c.updated_at = options_.clock->NowMillis();
    QT_RETURN_IF_ERROR(tx.Exec("UPDATE ds_contracts SET state = 'terminated', reason = ?,"
                               " updated_at = ? WHERE id = ?",
                               {reason, c.updated_at, id})
                           .status());
    QT_RETURN_IF_ERROR(
        options_.journal
            ->Append(tx, {caller.org_id, "dataspace.contract.terminated", id, {{"reason", reason}}})
            .status());
    return c;
  }));
}

Result<Contract> DataSpace::GetContract(const Principal& caller, const std::string& id) {
  QT_ASSIGN_OR_RETURN(Contract c,
                      store::ReadValue(store_, [&](Tx& tx) { return ReadContract(tx, id); }));
  if (caller.org_id != c.provider_id && caller.org_id != c.consumer_id) {
    return NotFound("no contract " + id);
  }
  return c;
}

Result<Page<Contract>> DataSpace::ListContracts(const Principal& caller,
                                                const ContractFilter& filter,
                                                const PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "ctr"));
  std::string sql = internal::kContractColumns;
  store::Params params;
  switch (filter.side) {
    case ContractFilter::Side::kEither:
      sql += " WHERE (provider_id = ? OR consumer_id = ?)";
      params = {caller.org_id, caller.org_id};
      break;
    case ContractFilter::Side::kProvider:
      sql += " WHERE provider_id = ?";
      params = {caller.org_id};
      break;
    case ContractFilter::Side::kConsumer:
      sql += " WHERE consumer_id = ?";
      params = {caller.org_id};
      break;
  }
  if (filter.state) {
    sql += " AND state = ?";
    params.emplace_back(std::string(ContractStateName(*filter.state)));
  }
  if (!filter.title_contains.empty()) {
    QT_RETURN_IF_ERROR(CheckDisplayText(filter.title_contains, ContractFilter::kMaxTitleContains)
                           .WithContext("q"));
    sql += " AND LOWER(product_title) LIKE ? ESCAPE '\\'";
    params.emplace_back(store::LikeContains(filter.title_contains));
  }
  return accounts::ReadCountedPage<Contract>(store_, sql, params, page, internal::ContractFromRow);
}

}  // namespace qt::dataspace
