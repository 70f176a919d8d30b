// DataSpace: the channel's use of contracts — checking, metering, receipts.
#include "accounts/paging.h"
#include "core/ids.h"
#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "dataspace/dataspace.h"
#include "dataspace/internal.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::dataspace {

using accounts::Page;
using accounts::PageRequest;
using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

struct SignedReceipt {
  std::string text;
  std::string signature;  // base64
};

// Names its signer in `receipt` and signs it: the provider, with the key this
// node holds for it, or, for a provider that holds its own key, the operator
// attesting in its own name (accounts::Accounts::Attester).
Result<SignedReceipt> SignReceipt(accounts::Accounts& accounts, const std::string& provider_id,
                                  json receipt) {
  QT_ASSIGN_OR_RETURN(accounts::Org signer, accounts.Attester(provider_id));
  receipt["signed_by"] = {{"id", signer.id}, {"public_key", crypto::HexEncode(signer.public_key)}};
  SignedReceipt out{receipt.dump(), ""};
  QT_ASSIGN_OR_RETURN(auto sig, accounts.SignAs(signer.id, crypto::AsBytes(out.text)));
  out.signature = crypto::Base64Encode(sig);
  return out;
}

// What a consumer has used: uses of one contract for one action, and the
// privacy budget it spent on the contract's product through any of its
// contracts (a budget belongs to the data, not to the paperwork: buying a
// second contract buys no second budget).
struct Meter {
  int64_t uses = 0;
  int64_t epsilon_spent = 0;  // thousandths
  int64_t delta_spent = 0;    // units of 1e-12
};

Result<Meter> ReadMeter(Tx& tx, const Contract& c, Action action) {
  QT_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(
          "SELECT (SELECT COUNT(*) FROM ds_usage WHERE contract_id = ? AND action = ?) AS uses,"
          " CAST(COALESCE(SUM(u.epsilon_milli), 0) AS BIGINT) AS epsilon_spent,"
          " CAST(COALESCE(SUM(u.delta_pico), 0) AS BIGINT) AS delta_spent"
          " FROM ds_usage u JOIN ds_contracts d ON d.id = u.contract_id"
          " WHERE d.product_id = ? AND d.consumer_id = ?",
          {c.id, std::string(ActionName(action)), c.product_id, c.consumer_id}));
  return Meter{rows.at(0).Int("uses"), rows.at(0).Int("epsilon_spent"),
               rows.at(0).Int("delta_spent")};
}

// The delta a consumer may spend on one product over all its contracts
// (1e-5: a thousand GROUP BY queries whose keys come from the data).
constexpr int64_t kDeltaBudgetPico = 10'000'000;

Status CheckDelta(const Meter& meter, int64_t delta) {
  if (delta == 0 || meter.delta_spent + delta <= kDeltaBudgetPico) return OkStatus();
  return PermissionDenied(
      "the product's delta budget (1e-5 per consumer) is spent: a GROUP BY over fields without a "
      "public domain spends 1e-8; group by fields with a declared domain instead");
}

// The caller may use `c`: it is the consumer, and `c` is finalized.
Status CheckConsumer(const Principal& caller, const Contract& c) {
  if (caller.org_id != c.consumer_id) {
    if (caller.org_id == c.provider_id)
      return PermissionDenied("only the consumer uses a contract");
    return NotFound("no contract " + c.id);
  }
  if (c.state != ContractState::kFinalized) {
    return FailedPrecondition("the contract is " + std::string(ContractStateName(c.state)) +
                              ": only a finalized contract may be used");
  }
  return OkStatus();
}

// A contract the caller is about to use, its product and its meter for
// `action`, read in one snapshot; refused unless the caller may use it.
struct ForUse {
  UsableContract usable;
  Meter meter;
};

Result<ForUse> ReadForUse(store::Store& store, const Principal& caller,
                          const std::string& contract_id, Action action) {
  QT_ASSIGN_OR_RETURN(
      ForUse out, store::ReadValue(store, [&](Tx& tx) -> Result<ForUse> {
        QT_ASSIGN_OR_RETURN(
            auto rows,
            tx.Query(std::string(internal::kContractColumns) + " WHERE id = ?", {contract_id}));
        if (rows.empty()) return NotFound("no contract " + contract_id);
        ForUse out;
        QT_ASSIGN_OR_RETURN(out.usable.contract, internal::ContractFromRow(rows[0]));
        QT_ASSIGN_OR_RETURN(auto prows,
                            tx.Query(std::string(internal::kProductColumns) + " WHERE id = ?",
                                     {out.usable.contract.product_id}));
        QT_ASSIGN_OR_RETURN(out.usable.product, internal::ProductFromRow(prows.at(0)));
        QT_ASSIGN_OR_RETURN(out.meter, ReadMeter(tx, out.usable.contract, action));
        return out;
      }));
  QT_RETURN_IF_ERROR(CheckConsumer(caller, out.usable.contract));
  return out;
}

// The policy's view of a use by another module; protected fields are those
// identifying or sensitive in `schema`.
Use ExternalToUse(const ExternalUse& ext, const Schema& schema) {
  Use use{.action = ext.action,
          .purpose = ext.purpose,
          .region = ext.region,
          .fields = ext.fields,
          .psi_output = ext.psi_output,
          .psi_client_size = ext.psi_client_size};
  for (const auto& f : ext.fields) {
    auto i = FindField(schema, f);
    if (i && (schema[*i].sensitivity == Sensitivity::kIdentifying ||
              schema[*i].sensitivity == Sensitivity::kSensitive)) {
      use.protected_fields.push_back(f);
    }
  }
  return use;
}

Result<Usage> UsageFromRow(const store::Row& r) {
  return store::Decode<Usage>("ds_usage", r, [&]() -> Usage {
    return Usage{.id = r.Text("id"),
                 .contract_id = r.Text("contract_id"),
                 .action = r.Text("action"),
                 .purpose = r.Text("purpose"),
                 .epsilon_milli = r.Int("epsilon_milli"),
                 .delta_pico = r.Int("delta_pico"),
                 .receipt = r.Text("receipt"),
                 .signature = r.Text("signature"),
                 .created_at = r.Int("created_at")};
  });
}

}  // namespace

Result<QueryResult> DataSpace::Query(const Principal& caller, const std::string& contract_id,
                                     const ChannelRequest& req) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_RETURN_IF_ERROR(CheckDisplayText(req.purpose, 100).WithContext("purpose"));
  if (!req.region.empty())
    QT_RETURN_IF_ERROR(CheckDisplayText(req.region, 100).WithContext("region"));
  if (req.epsilon_milli < 1 || req.epsilon_milli > 10'000) {
    return InvalidArgument("epsilon: must be from 0.001 to 10");
  }
  auto parsed = ParseChannelSql(req.sql);
  if (!parsed.ok()) return parsed.status().WithContext("sql");
  const AggregateQuery q = *std::move(parsed);
  QT_ASSIGN_OR_RETURN(ForUse read,
                      ReadForUse(store_, caller, contract_id, Action::kAggregateQuery));
  const Contract& c = read.usable.contract;
  const Product& p = read.usable.product;
  const Meter& meter = read.meter;
  if (q.table != "data" && q.table != p.id) {
    return InvalidArgument("sql: the product's table is called data (FROM data)");
  }
  QT_RETURN_IF_ERROR(CheckAgainstSchema(q, p.fields).WithContext("sql"));
  Use use{.action = Action::kAggregateQuery,
          .purpose = req.purpose,
          .region = req.region,
          .fields = FieldsUsed(q),
          .now = options_.clock->NowMillis(),
          .uses_before = meter.uses,
          .epsilon_spent = meter.epsilon_spent,
          .epsilon_requested = req.epsilon_milli};
  QT_ASSIGN_OR_RETURN(Grant grant, Evaluate(c.policy, use));
  const int64_t delta =
      KeyReleaseOf(q, p.fields) == KeyRelease::kPartitionSelection ? kDeltaPerQueryPico : 0;
  QT_RETURN_IF_ERROR(CheckDelta(meter, delta));

  QT_ASSIGN_OR_RETURN(ProductDb db, ProductDb::OpenReadOnly(RunDbPath(p.run_id)));
  QT_ASSIGN_OR_RETURN(ChannelAnswer answer, RunAggregate(db, p.fields, q, grant.min_group_size,
                                                         req.epsilon_milli, *options_.random));

  QueryResult result{.answer = std::move(answer)};
  IdGenerator ids(*options_.clock, *options_.random);
  result.usage = Usage{.id = ids.Next("use"),
                       .contract_id = c.id,
                       .action = "aggregate_query",
                       .purpose = req.purpose,
                       .epsilon_milli = req.epsilon_milli,
                       .delta_pico = delta,
                       .created_at = use.now};
  result.epsilon_left_milli = grant.epsilon_budget - meter.epsilon_spent - req.epsilon_milli;
  if (grant.max_uses) result.uses_left = *grant.max_uses - meter.uses - 1;
  json answer_json = {{"columns", result.answer.columns}, {"rows", result.answer.rows}};
  json receipt = {{"type", "qiantang.dataspace.usage/v1"},
                  {"usage_id", result.usage.id},
                  {"contract_id", c.id},
                  {"agreement_sha256", c.agreement_hash},
                  {"provider_id", c.provider_id},
                  {"consumer_id", c.consumer_id},
                  {"action", "aggregate_query"},
                  {"purpose", req.purpose},
                  {"region", req.region},
                  {"query_sha256", crypto::HexEncode(crypto::Sha256(req.sql))},
                  {"answer_sha256", crypto::HexEncode(crypto::Sha256(answer_json.dump()))},
                  {"epsilon_milli", req.epsilon_milli},
                  {"epsilon_left_milli", result.epsilon_left_milli},
                  {"delta_pico", delta},
                  {"keys", KeyReleaseName(result.answer.keys)},
                  {"use", meter.uses + 1},
                  {"at", FormatRfc3339(use.now)}};
  QT_ASSIGN_OR_RETURN(SignedReceipt signed_receipt,
                      SignReceipt(*options_.accounts, c.provider_id, std::move(receipt)));
  result.usage.receipt = std::move(signed_receipt.text);
  result.usage.signature = std::move(signed_receipt.signature);

  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    // Uses that committed since the read count too: the meter is re-checked
    // here, where writers are serialised.
    QT_ASSIGN_OR_RETURN(Meter now, ReadMeter(tx, c, Action::kAggregateQuery));
    QT_ASSIGN_OR_RETURN(auto state,
                        tx.Query("SELECT state FROM ds_contracts WHERE id = ?", {contract_id}));
    if (state.at(0).Text("state") != "finalized") {
      return FailedPrecondition("the contract was " + state[0].Text("state") + " meanwhile");
    }
    if (now.uses != meter.uses || now.epsilon_spent != meter.epsilon_spent ||
        now.delta_spent != meter.delta_spent) {
      Use again = use;
      again.uses_before = now.uses;
      again.epsilon_spent = now.epsilon_spent;
      QT_RETURN_IF_ERROR(Evaluate(c.policy, again).status());
      QT_RETURN_IF_ERROR(CheckDelta(now, delta));
      return Conflict("another use of the product's budget committed meanwhile; ask again");
    }
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO ds_usage (id, contract_id, action, purpose, epsilon_milli, delta_pico,"
                " receipt, signature, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {result.usage.id, c.id, result.usage.action, req.purpose, req.epsilon_milli, delta,
                 result.usage.receipt, result.usage.signature, use.now})
            .status());
    return options_.journal
        ->Append(tx,
                 {caller.org_id,
                  "dataspace.channel.used",
                  c.id,
                  // What the query spent, never what the data held.
                  {{"usage_id", result.usage.id},
                   {"purpose", req.purpose},
                   {"epsilon_milli", req.epsilon_milli},
                   {"delta_pico", delta},
                   {"query_sha256", crypto::HexEncode(crypto::Sha256(req.sql))},
                   {"receipt_sha256", crypto::HexEncode(crypto::Sha256(result.usage.receipt))}}})
        .status();
  }));
  return result;
}

Result<UsableContract> DataSpace::CheckUse(const Principal& caller, const std::string& contract_id,
                                           const ExternalUse& ext) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_RETURN_IF_ERROR(CheckDisplayText(ext.purpose, 100).WithContext("purpose"));
  QT_ASSIGN_OR_RETURN(ForUse read, ReadForUse(store_, caller, contract_id, ext.action));
  UsableContract& out = read.usable;
  const Meter& meter = read.meter;
  const Contract& c = out.contract;
  for (const auto& f : ext.fields) {
    if (!FindField(out.product.fields, f))
      return InvalidArgument("the product has no field '" + f + "'");
  }
  Use use = ExternalToUse(ext, out.product.fields);
  use.now = options_.clock->NowMillis();
  use.uses_before = meter.uses;
  QT_ASSIGN_OR_RETURN(out.grant, Evaluate(c.policy, use));
  return out;
}

Result<Usage> DataSpace::RecordUse(const Principal& caller, const std::string& contract_id,
                                   const ExternalUse& ext) {
  QT_ASSIGN_OR_RETURN(UsableContract uc, CheckUse(caller, contract_id, ext));
  const Contract& c = uc.contract;
  IdGenerator ids(*options_.clock, *options_.random);
  const UnixMillis now = options_.clock->NowMillis();
  Usage usage{.id = ids.Next("use"),
              .contract_id = c.id,
              .action = std::string(ActionName(ext.action)),
              .purpose = ext.purpose,
              .created_at = now};
  json receipt = {{"type", "qiantang.dataspace.usage/v1"},
                  {"usage_id", usage.id},
                  {"contract_id", c.id},
                  {"agreement_sha256", c.agreement_hash},
                  {"provider_id", c.provider_id},
                  {"consumer_id", c.consumer_id},
                  {"action", usage.action},
                  {"purpose", ext.purpose},
                  {"region", ext.region},
                  {"details", ext.details},
                  {"at", FormatRfc3339(now)}};
  QT_ASSIGN_OR_RETURN(SignedReceipt signed_receipt,
                      SignReceipt(*options_.accounts, c.provider_id, std::move(receipt)));
  usage.receipt = std::move(signed_receipt.text);
  usage.signature = std::move(signed_receipt.signature);
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(Meter now_meter, ReadMeter(tx, c, ext.action));
    QT_ASSIGN_OR_RETURN(auto state,
                        tx.Query("SELECT state FROM ds_contracts WHERE id = ?", {contract_id}));
    if (state.at(0).Text("state") != "finalized") {
      return FailedPrecondition("the contract was " + state[0].Text("state") + " meanwhile");
    }
    Use again = ExternalToUse(ext, uc.product.fields);
    again.now = now;
    again.uses_before = now_meter.uses;
    QT_RETURN_IF_ERROR(Evaluate(c.policy, again).status());
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO ds_usage (id, contract_id, action, purpose, epsilon_milli, delta_pico,"
                " receipt, signature, created_at) VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?)",
                {usage.id, c.id, usage.action, ext.purpose, usage.receipt, usage.signature, now})
            .status());
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "dataspace.contract.used",
                      c.id,
                      {{"usage_id", usage.id},
                       {"action", usage.action},
                       {"purpose", ext.purpose},
                       {"receipt_sha256", crypto::HexEncode(crypto::Sha256(usage.receipt))}}})
        .status();
  }));
  return usage;
}

Result<Page<Usage>> DataSpace::ListUsage(const Principal& caller, const std::string& contract_id,
                                         const PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "use"));
  QT_RETURN_IF_ERROR(GetContract(caller, contract_id).status());
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Page<Usage>> {
    return accounts::QueryPage<Usage>(tx,
                                      "SELECT id, contract_id, action, purpose, epsilon_milli,"
                                      " receipt, signature, created_at, delta_pico FROM ds_usage"
                                      " WHERE contract_id = ? AND id > ?",
                                      {contract_id, page.cursor}, page, UsageFromRow);
  });
}

}  // namespace qt::dataspace
