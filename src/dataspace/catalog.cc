// DataSpace: products, the catalog, previews and offers.
#include <algorithm>
#include <set>

#include "accounts/paging.h"
#include "core/ids.h"
#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "dataspace/dataspace.h"
#include "dataspace/internal.h"
#include "store/like.h"
#include "store/transact.h"

namespace qt::dataspace {

using accounts::OrgKind;
using accounts::Page;
using accounts::PageRequest;
using accounts::Principal;
using nlohmann::json;
using store::Tx;

namespace {

const std::set<std::string> kFrequencies = {"once",    "daily",     "weekly",
                                            "monthly", "quarterly", "yearly"};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Status CheckAudience(Tx& tx, const Audience& a, const std::string& field) {
  for (const auto& org : a.orgs) {
    QT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM orgs WHERE id = ?", {org}));
    if (rows.empty()) return InvalidArgument(field + ".orgs: no organisation " + org);
  }
  return OkStatus();
}

}  // namespace

Result<Product> DataSpace::CreateProduct(const Principal& caller, const NewProduct& in) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kDataHolder, "publish data products"));
  QT_RETURN_IF_ERROR(CheckDisplayText(in.title, 200).WithContext("title"));
  if (in.description.size() > 5000) return InvalidArgument("description: at most 5000 bytes");
  if (!in.licence.empty())
    QT_RETURN_IF_ERROR(CheckDisplayText(in.licence, 500).WithContext("licence"));
  if (!kFrequencies.contains(in.update_frequency)) {
    return InvalidArgument(
        "update_frequency: must be once, daily, weekly, monthly, quarterly or "
        "yearly");
  }
  if (in.tags.size() > 20) return InvalidArgument("tags: at most 20");
  for (const auto& t : in.tags) QT_RETURN_IF_ERROR(CheckDisplayText(t, 50).WithContext("tags"));
  IdGenerator ids(*options_.clock, *options_.random);
  std::string id = ids.Next("prod");
  std::string search = Lower(in.title + "\n" + in.description + "\n" + json(in.tags).dump());
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(
        auto runs, tx.Query(std::string(internal::kRunColumns) + " WHERE id = ?", {in.run_id}));
    if (runs.empty() || runs[0].Text("org_id") != caller.org_id) {
      return NotFound("run_id: no pipeline run " + in.run_id + " of your organisation");
    }
    QT_ASSIGN_OR_RETURN(auto used,
                        tx.Query("SELECT id FROM ds_products WHERE run_id = ?", {in.run_id}));
    if (!used.empty()) {
      return Conflict("run_id: the run's data is already product " + used[0].Text("id"));
    }
    QT_ASSIGN_OR_RETURN(Run run, internal::RunFromRow(runs[0]));
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO ds_products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {id, caller.org_id, in.run_id, in.title, in.description, json(in.tags).dump(),
                 in.update_frequency, in.licence, search, options_.clock->NowMillis()})
            .status());
    return options_.journal
        ->Append(
            tx,
            {caller.org_id,
             "dataspace.product.created",
             id,
             {{"run_id", in.run_id}, {"output_sha256", run.output_hash}, {"rows", run.rows_out}}})
        .status();
  }));
  QT_ASSIGN_OR_RETURN(ProductDetail d, GetProduct(caller, id));
  return d.product;
}

Result<Page<Product>> DataSpace::SearchProducts(const std::string& text,
                                                const std::string& provider_id,
                                                const PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "prod"));
  if (text.size() > 200) return InvalidArgument("q: at most 200 bytes");
  std::string sql =
      std::string(internal::kProductColumns) + " WHERE search_text LIKE ? ESCAPE '\\'";
  store::Params params = {store::LikeContains(text)};
  if (!provider_id.empty()) {
    sql += " AND org_id = ?";
    params.emplace_back(provider_id);
  }
  return accounts::ReadCountedPage<Product>(store_, sql, params, page, internal::ProductFromRow);
}

Result<ProductDetail> DataSpace::GetProduct(const Principal& caller, const std::string& id) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<ProductDetail> {
    QT_ASSIGN_OR_RETURN(auto rows,
                        tx.Query(std::string(internal::kProductColumns) + " WHERE id = ?", {id}));
    if (rows.empty()) return NotFound("no data product " + id);
    ProductDetail d;
    QT_ASSIGN_OR_RETURN(d.product, internal::ProductFromRow(rows[0]));
    QT_ASSIGN_OR_RETURN(auto offers, tx.Query(std::string(internal::kOfferColumns) +
                                                  " WHERE o.product_id = ? ORDER BY o.id",
                                              {id}));
    for (const auto& r : offers) {
      QT_ASSIGN_OR_RETURN(Offer o, internal::OfferFromRow(r));
      bool own = o.provider_id == caller.org_id;
      if (own || (o.active && o.visible_to.Admits(caller.org_id, caller.org_kind))) {
        d.offers.push_back(std::move(o));
      }
    }
    return d;
  });
}

Result<std::vector<PublishedOffer>> DataSpace::PublishedOffers(const std::string& after_offer_id,
                                                               int limit) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<PublishedOffer>> {
    std::vector<PublishedOffer> out;
    std::string after = after_offer_id;
    // Offers for named organisations are skipped; read on until `limit`.
    while (static_cast<int>(out.size()) < limit) {
      QT_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string(internal::kOfferColumns) +
                                                  " WHERE o.active = 1 AND o.id > ?"
                                                  " ORDER BY o.id LIMIT ?",
                                              {after, int64_t{limit}}));
      if (rows.empty()) break;
      for (const auto& r : rows) {
        QT_ASSIGN_OR_RETURN(Offer o, internal::OfferFromRow(r));
        after = o.id;
        if (!o.visible_to.orgs.empty() || static_cast<int>(out.size()) == limit) continue;
        QT_ASSIGN_OR_RETURN(
            auto products,
            tx.Query(std::string(internal::kProductColumns) + " WHERE id = ?", {o.product_id}));
        if (products.empty()) return Internal("offer " + o.id + ": its product is missing");
        QT_ASSIGN_OR_RETURN(Product p, internal::ProductFromRow(products[0]));
        out.push_back({std::move(o), std::move(p)});
      }
    }
    return out;
  });
}

Result<std::string> DataSpace::CatalogVersion() {
  // A digest of exactly what PublishedOffers lists (ids and creation times),
  // so it tells peers nothing of offers kept for named organisations.
  QT_ASSIGN_OR_RETURN(
      const std::string published, store::ReadValue(store_, [&](Tx& tx) -> Result<std::string> {
        QT_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string(internal::kOfferColumns) +
                                                " WHERE o.active = 1 ORDER BY o.id"));
        std::string out;
        for (const auto& r : rows) {
          QT_ASSIGN_OR_RETURN(Offer o, internal::OfferFromRow(r));
          if (!o.visible_to.orgs.empty()) continue;
          out += o.id + "\n" + std::to_string(o.created_at) + "\n";
        }
        return out;
      }));
  const crypto::Digest d = crypto::Sha256(published);
  return "v2-" + crypto::HexEncode(std::span<const uint8_t>(d.data(), 16));
}

Result<ProductPreview> DataSpace::Preview(const std::string& product_id) {
  QT_ASSIGN_OR_RETURN(
      Product p, store::ReadValue(store_, [&](Tx& tx) -> Result<Product> {
        QT_ASSIGN_OR_RETURN(
            auto rows,
            tx.Query(std::string(internal::kProductColumns) + " WHERE id = ?", {product_id}));
        if (rows.empty()) return NotFound("no data product " + product_id);
        return internal::ProductFromRow(rows[0]);
      }));
  QT_ASSIGN_OR_RETURN(ProductDb db, ProductDb::OpenReadOnly(RunDbPath(p.run_id)));
  QT_ASSIGN_OR_RETURN(auto rows,
                      db.Query("SELECT * FROM data LIMIT " + std::to_string(kPreviewRows)));
  for (auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < p.fields.size(); ++i) {
      const Field& f = p.fields[i];
      if (!row[i]) continue;
      if (f.mask != Mask::kNone) {
        row[i] = ApplyMask(f.mask, *row[i]);
      } else if (f.sensitivity >= Sensitivity::kSensitive) {
        row[i] = ApplyMask(Mask::kRedact, *row[i]);
      }
    }
  }
  ProductPreview out{.columns = {}, .rows = std::move(rows)};
  for (const Field& f : p.fields) out.columns.push_back(f.name);
  return out;
}

Result<Offer> DataSpace::CreateOffer(const Principal& caller, const NewOffer& in) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kDataHolder, "make offers"));
  QT_RETURN_IF_ERROR(CheckDisplayText(in.title, 200).WithContext("title"));
  IdGenerator ids(*options_.clock, *options_.random);
  // All but the policy, which is parsed against the product's fields.
  const Offer draft{.id = ids.Next("offer"),
                    .product_id = in.product_id,
                    .provider_id = caller.org_id,
                    .title = in.title,
                    .visible_to = in.visible_to,
                    .negotiable_by = in.negotiable_by,
                    .created_at = options_.clock->NowMillis()};
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Offer> {
    QT_ASSIGN_OR_RETURN(
        auto rows,
        tx.Query(std::string(internal::kProductColumns) + " WHERE id = ?", {in.product_id}));
    if (rows.empty() || rows[0].Text("org_id") != caller.org_id) {
      return NotFound("product_id: no data product " + in.product_id + " of your organisation");
    }
    QT_ASSIGN_OR_RETURN(Product p, internal::ProductFromRow(rows[0]));
    Offer o = draft;
    QT_ASSIGN_OR_RETURN(o.policy, ParsePolicy(in.policy, p.fields));
    QT_RETURN_IF_ERROR(CheckAudience(tx, o.visible_to, "visible_to"));
    QT_RETURN_IF_ERROR(CheckAudience(tx, o.negotiable_by, "negotiable_by"));
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO ds_offers VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
                {o.id, o.product_id, o.provider_id, o.title, PolicyJson(o.policy).dump(),
                 internal::AudienceJson(o.visible_to).dump(),
                 internal::AudienceJson(o.negotiable_by).dump(), o.created_at})
            .status());
    QT_RETURN_IF_ERROR(
        options_.journal
            ->Append(
                tx,
                {caller.org_id, "dataspace.offer.created", o.id, {{"product_id", o.product_id}}})
            .status());
    return o;
  });
}

Result<Offer> DataSpace::GetOffer(const std::string& offer_id) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Offer> {
    QT_ASSIGN_OR_RETURN(
        auto rows, tx.Query(std::string(internal::kOfferColumns) + " WHERE o.id = ?", {offer_id}));
    if (rows.empty()) return NotFound("no offer " + offer_id);
    return internal::OfferFromRow(rows[0]);
  });
}

Result<Offer> DataSpace::ShowOffer(const Principal& caller, const std::string& offer_id) {
  Result<Offer> o = GetOffer(offer_id);
  if (!o.ok()) return o.status();
  const bool own = o->provider_id == caller.org_id;
  if (!own && !(o->active && o->visible_to.Admits(caller.org_id, caller.org_kind))) {
    return NotFound("no offer " + offer_id);
  }
  return o;
}

Status DataSpace::WithdrawOffer(const Principal& caller, const std::string& offer_id) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kDataHolder, "withdraw offers"));
  return store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE ds_offers SET active = 0 WHERE id = ? AND "
                                           "provider_id = ? AND active = 1",
                                           {offer_id, caller.org_id}));
    if (n == 0) return NotFound("no active offer " + offer_id + " of your organisation");
    return options_.journal
        ->Append(tx, {caller.org_id, "dataspace.offer.withdrawn", offer_id, json::object()})
        .status();
  });
}

}  // namespace qt::dataspace
