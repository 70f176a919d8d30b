// Exchange: listings, and orders of them (which create data space contracts)
// and their trades.
#include <nlohmann/json.hpp>
#include <set>

#include "accounts/paging.h"
#include "core/ids.h"
#include "core/text.h"
#include "exchange/exchange.h"
#include "exchange/internal.h"
#include "store/transact.h"

namespace qt::exchange {

using accounts::Page;
using accounts::PageRequest;
using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

constexpr int64_t kMaxFen = int64_t{1} << 53;
constexpr int64_t kMonth = 30 * 24 * 3'600'000LL;

// The most one order may ever buy, and a listing's default cap.
int64_t QuantityLimit(const std::string& terms) {
  return terms == "one_off" ? 1 : terms == "per_query" ? 1'000'000 : 36;
}
int64_t DefaultQuantity(const std::string& terms) {
  return terms == "one_off" ? 1 : terms == "per_query" ? 1'000 : 12;
}

bool HasRight(const Certificate& c, const std::string& right) {
  json doc = json::parse(c.document);
  for (const auto& r : doc["rights"]) {
    if (r == right) return true;
  }
  return false;
}

}  // namespace

Result<Listing> Exchange::List(const Principal& caller, const NewListing& listing) {
  const std::string& number = listing.number;
  const std::string& offer_id = listing.offer_id;
  const std::string& title = listing.title;
  const std::string& terms = listing.terms;
  const int64_t price_fen = listing.price_fen;
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_RETURN_IF_ERROR(CheckDisplayText(title, 200).WithContext("title"));
  if (price_fen < 1 || price_fen > kMaxFen) return InvalidArgument("price_fen: must be positive");
  static const std::set<std::string> kTerms = {"one_off", "per_query", "subscription"};
  if (!kTerms.contains(terms)) {
    return InvalidArgument("terms: must be one_off, per_query or subscription");
  }
  const int64_t limit = QuantityLimit(terms);
  const int64_t max_quantity = listing.max_quantity ? listing.max_quantity : DefaultQuantity(terms);
  if (max_quantity < 1 || max_quantity > limit) {
    return InvalidArgument("max_quantity: must be 1 to " + std::to_string(limit) + " for " + terms);
  }
  auto offer = options_.dataspace->GetOffer(offer_id);
  if (!offer.ok() || offer->provider_id != caller.org_id) {
    return NotFound("offer_id: no data space offer " + offer_id + " of your organisation");
  }
  if (!offer->active) return FailedPrecondition("offer_id: the offer was withdrawn");
  auto product = options_.dataspace->GetProduct(caller, offer->product_id);
  if (!product.ok()) return product.status();
  IdGenerator ids(*options_.clock, *options_.random);
  const UnixMillis now = options_.clock->NowMillis();
  Listing l{.id = ids.Next("lst"),
            .number = number,
            .seller_id = caller.org_id,
            .offer_id = offer_id,
            .product_id = offer->product_id,
            .title = title,
            .price_fen = price_fen,
            .terms = terms,
            .max_quantity = max_quantity,
            .created_at = now};
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(Certificate c, internal::LatestCertificate(tx, number, now));
    if (c.holder_id != caller.org_id) {
      return PermissionDenied("only the certificate's holder lists its data");
    }
    if (c.status != CertificateStatus::kValid) {
      return FailedPrecondition("certificate " + number + " is " +
                                std::string(CertificateStatusName(c.status)));
    }
    if (!HasRight(c, "product_operation")) {
      return PermissionDenied("certificate " + number +
                              " does not grant the product operation right (数据产品经营权)");
    }
    QT_RETURN_IF_ERROR(internal::CheckNotPledged(tx, number, "listed"));
    json doc = json::parse(c.document);
    if (doc["data"]["snapshot_sha256"] != product->product.output_hash) {
      return FailedPrecondition(
          "offer_id: the offer's product is not the registered data "
          "(its snapshot hash differs from the certificate's)");
    }
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO ex_listings (id, number, seller_id, offer_id, product_id, title,"
                " price_fen, terms, active, created_at, max_quantity)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                {l.id, number, l.seller_id, offer_id, l.product_id, title, price_fen, terms, now,
                 max_quantity})
            .status());
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "exchange.listing.created",
                      l.id,
                      {{"number", number},
                       {"price_fen", price_fen},
                       {"terms", terms},
                       {"max_quantity", max_quantity}}})
        .status();
  }));
  return l;
}

Result<Page<Listing>> Exchange::Listings(const PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "lst"));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Page<Listing>> {
    return accounts::QueryPage<Listing>(
        tx, std::string(internal::kListingColumns) + " WHERE active = 1 AND id > ?", {page.cursor},
        page, internal::ListingFromRow);
  });
}

Status Exchange::Delist(const Principal& caller, const std::string& listing_id) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  return store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE ex_listings SET active = 0 WHERE id = ? AND"
                                           " seller_id = ? AND active = 1",
                                           {listing_id, caller.org_id}));
    if (n == 0) return NotFound("no active listing " + listing_id + " of your organisation");
    return options_.journal
        ->Append(tx, {caller.org_id, "exchange.listing.withdrawn", listing_id, json::object()})
        .status();
  });
}

Result<Trade> Exchange::Order(const Principal& caller, const std::string& listing_id,
                              int64_t quantity) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  const UnixMillis now = options_.clock->NowMillis();
  QT_ASSIGN_OR_RETURN(
      const Listing l, store::ReadValue(store_, [&](Tx& tx) -> Result<Listing> {
        QT_ASSIGN_OR_RETURN(
            auto rows,
            tx.Query(std::string(internal::kListingColumns) + " WHERE id = ?", {listing_id}));
        if (rows.empty()) return NotFound("no listing " + listing_id);
        QT_ASSIGN_OR_RETURN(Listing l, internal::ListingFromRow(rows[0]));
        if (!l.active) return FailedPrecondition("the listing was withdrawn");
        QT_ASSIGN_OR_RETURN(Certificate c, internal::LatestCertificate(tx, l.number, now));
        if (c.status != CertificateStatus::kValid) {
          return FailedPrecondition("the listed certificate " + l.number + " is " +
                                    std::string(CertificateStatusName(c.status)));
        }
        return l;
      }));
  if (l.seller_id == caller.org_id)
    return InvalidArgument("an organisation cannot buy its own data");
  if (quantity < 1 || quantity > l.max_quantity) {
    return InvalidArgument("quantity: the listing sells 1 to " + std::to_string(l.max_quantity) +
                           (l.terms == "subscription" ? " months" : " queries") + " per order");
  }
  if (l.price_fen > kMaxFen / quantity) return InvalidArgument("quantity: the amount is too large");
  const int64_t amount = l.price_fen * quantity;

  // The contract: the offer's policy, narrowed to what was bought.
  QT_ASSIGN_OR_RETURN(dataspace::Offer offer, options_.dataspace->GetOffer(l.offer_id));
  json policy = dataspace::PolicyJson(offer.policy);
  for (json& rule : policy["permission"]) {
    if (l.terms == "per_query") {
      rule["constraint"].push_back(
          {{"leftOperand", "count"}, {"operator", "lteq"}, {"rightOperand", quantity}});
    }
    if (l.terms == "subscription") {
      rule["constraint"].push_back({{"leftOperand", "dateTime"},
                                    {"operator", "lt"},
                                    {"rightOperand", FormatRfc3339(now + quantity * kMonth)}});
    }
  }
  QT_ASSIGN_OR_RETURN(accounts::Org seller_org, options_.accounts->GetOrg(l.seller_id));
  const Principal seller = internal::ActFor(seller_org);
  auto& ds = *options_.dataspace;
  QT_ASSIGN_OR_RETURN(dataspace::Contract c, ds.RequestContract(caller, l.offer_id, policy));
  // Negotiated up to verified; the seller finalizes it on confirming payment.
  // The node signs only for a party whose key it holds: a party that holds
  // its own key signs later itself (`dataspace contracts agree|verify --key`),
  // and the contract waits for it, accepted or agreed.
  QT_ASSIGN_OR_RETURN(accounts::Org buyer_org, options_.accounts->GetOrg(caller.org_id));
  auto negotiate = [&]() -> Status {
    QT_RETURN_IF_ERROR(ds.OfferContract(seller, c.id, std::nullopt).status());
    QT_RETURN_IF_ERROR(ds.AcceptContract(caller, c.id).status());
    if (seller_org.key_custody == accounts::KeyCustody::kSelf) return OkStatus();
    QT_RETURN_IF_ERROR(ds.AgreeContract(seller, c.id).status());
    if (buyer_org.key_custody == accounts::KeyCustody::kSelf) return OkStatus();
    return ds.VerifyContract(caller, c.id).status();
  };
  IdGenerator ids(*options_.clock, *options_.random);
  Trade t{.id = ids.Next("trd"),
          .listing_id = l.id,
          .buyer_id = caller.org_id,
          .seller_id = l.seller_id,
          .contract_id = c.id,
          .quantity = quantity,
          .amount_fen = amount,
          .state = TradeState::kAwaitingPayment,
          .created_at = now};
  Status st = negotiate();
  if (st.ok()) {
    st = store_.Write([&](Tx& tx) -> Status {
      QT_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO ex_trades (id, listing_id, buyer_id, seller_id, contract_id,"
                  " quantity, amount_fen, created_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  {t.id, t.listing_id, t.buyer_id, t.seller_id, t.contract_id, quantity, amount,
                   now, std::string(TradeStateName(t.state))})
              .status());
      return options_.journal
          ->Append(tx, {caller.org_id,
                        "exchange.trade.ordered",
                        t.id,
                        {{"listing_id", l.id},
                         {"number", l.number},
                         {"seller_id", l.seller_id},
                         {"contract_id", c.id},
                         {"quantity", quantity},
                         {"amount_fen", amount}}})
          .status();
    });
  }
  if (!st.ok()) {
    // The order failed after its contract was requested: end the contract.
    (void)ds.TerminateContract(caller, c.id, "the exchange order failed: " + st.message());
    return st;
  }
  return t;
}

Result<accounts::Page<Trade>> Exchange::Trades(const Principal& caller,
                                               const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "trd"));
  const std::string sql =
      std::string(internal::kTradeColumns) + " WHERE (buyer_id = ? OR seller_id = ?)";
  return accounts::ReadCountedPage<Trade>(store_, sql, {caller.org_id, caller.org_id}, page,
                                          internal::TradeFromRow);
}

Result<Trade> Exchange::ActOnTrade(const Principal& caller, const std::string& trade_id,
                                   const std::string& action) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  if (action != "confirm_payment" && action != "cancel") {
    return InvalidArgument("action: must be confirm_payment or cancel");
  }
  QT_ASSIGN_OR_RETURN(
      Trade t, store::ReadValue(store_, [&](Tx& tx) -> Result<Trade> {
        QT_ASSIGN_OR_RETURN(
            auto rows,
            tx.Query(std::string(internal::kTradeColumns) + " WHERE id = ?", {trade_id}));
        if (rows.empty()) return NotFound("no trade " + trade_id);
        return internal::TradeFromRow(rows[0]);
      }));
  if (caller.org_id != t.seller_id && caller.org_id != t.buyer_id) {
    return NotFound("no trade " + trade_id);
  }
  if (action == "confirm_payment" && caller.org_id != t.seller_id) {
    return PermissionDenied("only the seller confirms that it was paid");
  }
  if (t.state != TradeState::kAwaitingPayment) {
    return FailedPrecondition("the trade is " + std::string(TradeStateName(t.state)));
  }
  auto& ds = *options_.dataspace;
  const TradeState next =
      action == "confirm_payment" ? TradeState::kSettled : TradeState::kCancelled;
  // The contract first: finalized (usable) on payment, terminated on cancel.
  if (next == TradeState::kSettled) {
    QT_RETURN_IF_ERROR(ds.FinalizeContract(caller, t.contract_id).status());
  } else {
    QT_RETURN_IF_ERROR(
        ds.TerminateContract(caller, t.contract_id, "the exchange order was cancelled").status());
  }
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE ex_trades SET state = ? WHERE id = ? AND"
                                           " state = 'awaiting_payment'",
                                           {std::string(TradeStateName(next)), trade_id}));
    if (n == 0) return Conflict("the trade changed meanwhile");
    return options_.journal
        ->Append(tx, {caller.org_id,
                      next == TradeState::kSettled ? "exchange.trade.settled"
                                                   : "exchange.trade.cancelled",
                      t.id,
                      {{"contract_id", t.contract_id}, {"amount_fen", t.amount_fen}}})
        .status();
  }));
  t.state = next;
  return t;
}

}  // namespace qt::exchange
