// `qiantang psi ...`: the consumer's side of ECDH-PSI (privacy/psi.h) against
// a provider's node over HTTP — its items never leave this process — and PSI
// between two organisations of one node. Every call that fails to reach the
// server is retried (batches are idempotent), so a dropped connection
// resumes where it stopped.

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/client.h"
#include "cli/command.h"
#include "cli/psi_io.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "privacy/psi.h"

namespace qt::cli {
namespace {

using nlohmann::json;
using privacy::Point;

struct PsiFlags {
  std::string contract, column, input, input_column, output = "size", purpose, region, out, product,
                                                     product_column, id;
  int retries = 5;
};
PsiFlags f;

std::string Encode(std::span<const Point> points) {
  return crypto::Base64Encode(privacy::PointBytes(points));
}

Result<std::vector<Point>> Decode(const json& answer) {
  auto bytes = crypto::Base64Decode(answer.value("points", ""));
  auto points =
      bytes.ok() ? privacy::PointsFromBytes(*bytes) : Result<std::vector<Point>>(bytes.status());
  if (!points.ok()) return InvalidArgument("malformed points from the server");
  return points;
}

// A call, retried while the server cannot be reached.
Result<json> Retry(const std::function<Result<json>()>& call) {
  for (int attempt = 0;; ++attempt) {
    Result<json> r = call();
    if (r.ok() || r.status().code() != StatusCode::kUnavailable || attempt >= f.retries) return r;
    std::cerr << "psi: " << r.status().message() << "; retrying\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
  }
}

// The provider's node as the PSI server, batch by batch over its API, each
// call retried while the node cannot be reached (batches are idempotent).
class HttpServer : public privacy::PsiServerLink {
 public:
  HttpServer(ApiClient& api, std::string base, int64_t size, privacy::PsiOutput output)
      : api_(api), base_(std::move(base)), size_(size), output_(output) {}

  int64_t size() const override { return size_; }
  privacy::PsiOutput output() const override { return output_; }
  Result<std::vector<Point>> Blind(int64_t index, std::span<const Point> points) override {
    const std::string body = Encode(points);
    return Points([&] {
      return api_.Post(base_ + "/client/" + std::to_string(index), {{"points", body}});
    });
  }
  Result<std::vector<Point>> ServerBatch(int64_t index, int64_t) override {
    return Points([&] { return api_.Get(base_ + "/server/" + std::to_string(index)); });
  }
  Status Tally(int64_t index, std::span<const Point> points) override {
    const std::string body = Encode(points);
    return Retry([&] {
             return api_.Post(base_ + "/tally/" + std::to_string(index), {{"points", body}});
           })
        .status();
  }
  Result<int64_t> IntersectionSize() override {
    QT_ASSIGN_OR_RETURN(json a, Retry([&] { return api_.Post(base_ + "/size", json::object()); }));
    if (!a.is_object() || !a["intersection_size"].is_number_integer()) {
      return Unavailable("the server answered no intersection size");
    }
    return a["intersection_size"].get<int64_t>();
  }

 private:
  static Result<std::vector<Point>> Points(const std::function<Result<json>()>& call) {
    QT_ASSIGN_OR_RETURN(json answer, Retry(call));
    return Decode(answer);
  }

  ApiClient& api_;
  const std::string base_;
  const int64_t size_;
  const privacy::PsiOutput output_;
};

Result<json> RunPsi(ApiClient& api) {
  auto output = privacy::ParsePsiOutput(f.output);
  if (!output) return InvalidArgument("--output: intersection or size");
  QT_ASSIGN_OR_RETURN(std::vector<std::string> items, ReadPsiItems(f.input, f.input_column));
  std::array<uint8_t, 16> raw{};
  crypto::SystemRandom::Get().Fill(raw);
  const std::string session = crypto::HexEncode(raw);
  const auto start = std::chrono::steady_clock::now();
  privacy::PsiClient client(session, std::move(items), privacy::Cores());
  QT_ASSIGN_OR_RETURN(json s, Retry([&] {
                        return api.Post("/api/v1/privacy/psi/sessions",
                                        {{"session_id", session},
                                         {"contract_id", f.contract},
                                         {"column", f.column},
                                         {"client_size", client.size()},
                                         {"output", f.output},
                                         {"purpose", f.purpose},
                                         {"region", f.region}});
                      }));
  if (!s.is_object() || !s["batch"].is_number_integer() || !s["server_size"].is_number_integer()) {
    return Unavailable("the server started the session with no batch or set size");
  }
  const std::string base = "/api/v1/privacy/psi/sessions/" + session;
  HttpServer server(api, base, s["server_size"].get<int64_t>(), *output);
  QT_ASSIGN_OR_RETURN(privacy::PsiResult r,
                      privacy::RunMessages(client, server, s["batch"].get<int64_t>()));
  QT_RETURN_IF_ERROR(Retry([&] { return api.Post(base + "/finish", json::object()); }).status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  json out = {{"session_id", session},
              {"output", f.output},
              {"client_size", r.client_size},
              {"server_size", r.server_size},
              {"intersection_size", r.intersection_size},
              {"seconds", seconds}};
  if (*output == privacy::PsiOutput::kIntersection) {
    if (!f.out.empty()) {
      std::ofstream file(f.out);
      for (const auto& item : r.intersection) file << item << "\n";
    } else {
      out["intersection"] = r.intersection;
    }
  }
  return out;
}

}  // namespace

void AddPsiCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* psi = app.add_subcommand("psi", "Private set intersection (隐私求交)");
  psi->require_subcommand(1);
  auto* run = AddVerb(*psi, "run",
                      "Intersect your CSV column with a contract's product column on the "
                      "provider's node (your items stay here)",
                      ctx, [](CommandContext& c) {
                        ApiClient api = c.Client();
                        c.Emit(RunPsi(api), PrintPsiAnswer);
                      });
  run->add_option("contract", f.contract, "Contract id (its psi permission)")->required();
  run->add_option("--column", f.column, "The product's column to match")->required();
  run->add_option("--input", f.input, "Your CSV file (with a header)")->required();
  run->add_option("--input-column", f.input_column, "Your column's name (default: the first)");
  run->add_option("--output", f.output,
                  "size (default) or intersection, as the contract allows: on an identifying or "
                  "sensitive column the intersection needs psiIntersectionField and at most 1000 "
                  "items (docs/privacy/README.md)");
  run->add_option("--purpose", f.purpose, "Purpose of this use")->required();
  run->add_option("--region", f.region, "Region of this use");
  run->add_option("--out", f.out, "Write the intersection here instead of printing it");
  run->add_option("--retries", f.retries, "Retries per call after a dropped connection");
  auto* local = AddVerb(
      *psi, "local", "Intersect your own product's column on this node", ctx,
      [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/privacy/psi/local", {{"contract_id", f.contract},
                                                             {"column", f.column},
                                                             {"output", f.output},
                                                             {"purpose", f.purpose},
                                                             {"region", f.region},
                                                             {"product_id", f.product},
                                                             {"product_column", f.product_column}}),
               PrintPsiAnswer);
      });
  local->add_option("contract", f.contract, "Contract id")->required();
  local->add_option("--column", f.column, "The contract product's column")->required();
  local->add_option("--product", f.product, "Your product")->required();
  local->add_option("--product-column", f.product_column, "Your product's column")->required();
  local->add_option("--output", f.output, "intersection or size");
  local->add_option("--purpose", f.purpose, "Purpose of this use")->required();
  auto* show = AddVerb(*psi, "show", "A PSI session", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/privacy/psi/sessions/" + UrlEncode(f.id)), [](const json& j) {
      for (const char* k : {"id", "state", "output", "column", "server_size", "client_size"}) {
        std::cout << k << ": " << Str(j, k) << "\n";
      }
    });
  });
  show->add_option("id", f.id, "Session id")->required();
  AddListVerb(*psi, "Sessions your organisation is a party to, newest first", ctx,
              "/api/v1/privacy/psi/sessions",
              {"SESSION", "STATE", "PROVIDER", "CONSUMER", "COLUMN", "OUTPUT", "SIZES", "AT"},
              {"id", "state", "provider_id_name", "consumer_id_name", "column", "output", "sizes",
               "created_at"},
              [](CommandContext& c, json& items) {
                OrgNames(c.Client()).Add(items, {"provider_id", "consumer_id"});
                for (json& s : items)
                  s["sizes"] = Str(s, "server_size") + " × " + Str(s, "client_size");
              });
}

}  // namespace qt::cli
