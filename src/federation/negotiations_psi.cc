// Negotiations: PSI across nodes, both sides (federation/negotiations.h).
#include "crypto/encoding.h"
#include "crypto/recipient_box.h"
#include "federation/internal/negotiation_rows.h"
#include "federation/negotiations.h"

namespace qt::federation {

using accounts::Principal;
using nlohmann::json;
using privacy::Point;
using namespace internal;  // NOLINT(google-build-using-namespace): this module's own helpers

namespace {

std::string PsiType(std::string_view step) {
  std::string type = "qiantang:Psi" + std::string(step);
  type[12] = static_cast<char>(type[12] - 'a' + 'A');  // "qiantang:PsiStart"
  return type;
}

// A non-negative integer member of a peer's message.
Result<int64_t> Natural(const json& body, const char* key) {
  if (!body.contains(key) || !body[key].is_number_integer() || body[key].get<int64_t>() < 0) {
    return InvalidArgument(std::string(key) + ": expected a non-negative integer");
  }
  return body[key].get<int64_t>();
}

// The provider's node as the PSI server, reached by `call(step, fields)`,
// which answers the bytes the provider sealed to the consumer.
class RemoteServer : public privacy::PsiServerLink {
 public:
  using Call =
      std::function<Result<std::vector<uint8_t>>(std::string_view step, const json& fields)>;
  RemoteServer(Call call, const crypto::PublicKey& peer_key, int64_t size,
               privacy::PsiOutput output)
      : call_(std::move(call)), peer_key_(peer_key), size_(size), output_(output) {}

  int64_t size() const override { return size_; }
  privacy::PsiOutput output() const override { return output_; }

  Result<std::vector<Point>> Blind(int64_t index, std::span<const Point> points) override {
    QT_ASSIGN_OR_RETURN(auto sealed, crypto::SealTo(peer_key_, privacy::PointBytes(points)));
    return Points("client", {{"index", index}, {"sealed", crypto::Base64Encode(sealed)}});
  }
  Result<std::vector<Point>> ServerBatch(int64_t index, int64_t batch) override {
    return Points("server", {{"index", index}, {"batch", batch}});
  }
  Status Tally(int64_t index, std::span<const Point> points) override {
    QT_ASSIGN_OR_RETURN(auto sealed, crypto::SealTo(peer_key_, privacy::PointBytes(points)));
    return call_("tally", {{"index", index}, {"sealed", crypto::Base64Encode(sealed)}}).status();
  }
  Result<int64_t> IntersectionSize() override {
    QT_ASSIGN_OR_RETURN(auto bytes, call_("size", json::object()));
    json answer = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
    if (!answer.is_object() || !answer.contains("intersection_size") ||
        !answer["intersection_size"].is_number_integer()) {
      return Unavailable("the provider's node answered no intersection size");
    }
    return answer["intersection_size"].get<int64_t>();
  }

 private:
  Result<std::vector<Point>> Points(std::string_view step, const json& fields) {
    QT_ASSIGN_OR_RETURN(auto bytes, call_(step, fields));
    auto points = privacy::PointsFromBytes(bytes);
    if (!points.ok()) return Unavailable("the provider's node sent " + points.status().message());
    return points;
  }

  Call call_;
  const crypto::PublicKey peer_key_;
  const int64_t size_;
  const privacy::PsiOutput output_;
};

}  // namespace

// ---- consumer side -------------------------------------------------------------

Result<NegotiationPsiResult> Negotiations::Psi(const Principal& caller, const std::string& id,
                                               NegotiationPsi request) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_ASSIGN_OR_RETURN(Negotiation n, Get(caller, id));
  if (n.state != DspState::kFinalized) {
    return FailedPrecondition("the negotiation is " + StatePhrase(n.state) +
                              "; PSI needs a finalized one");
  }
  if (!request.product_id.empty()) {
    auto own = options_.dataspace->GetProduct(caller, request.product_id);
    if (!own.ok() || own->product.org_id != caller.org_id) {
      return NotFound("product_id: no data space product " + request.product_id + " of yours");
    }
    QT_ASSIGN_OR_RETURN(request.items, privacy::ColumnValues(*options_.dataspace, own->product,
                                                             request.product_column));
  }
  std::vector<std::string> items = privacy::DistinctItems(std::move(request.items));
  if (items.empty()) return InvalidArgument("items: no non-empty item to intersect");
  if (static_cast<int64_t>(items.size()) > privacy::kMaxPsiItems) {
    return InvalidArgument("items: at most " + std::to_string(privacy::kMaxPsiItems));
  }
  QT_ASSIGN_OR_RETURN(Peer peer, options_.peers->Get(n.peer));
  uint8_t raw[16];
  options_.random->Fill(raw);
  NegotiationPsiResult out{.session_id = crypto::HexEncode(raw), .peer = n.peer};

  const std::string base = "/federation/negotiations/" + n.remote_pid + "/psi/";
  auto call = [&](std::string_view step, const json& fields) -> Result<std::vector<uint8_t>> {
    json message = DspMessageJson(PsiType(step), n.remote_pid, n.id);
    message.update(fields);
    message["session_id"] = out.session_id;
    // Batches are idempotent by index; a start or finish is sent once.
    const bool batch = step != "start" && step != "finish";
    QT_ASSIGN_OR_RETURN(PeerAnswer a, Send(n.peer, base + std::string(step), message,
                                           batch ? options_.request_attempts : 1, kMaxAnswerBytes));
    // Sealed to this node's key: the client runs here, whoever holds the
    // organisation's key.
    QT_ASSIGN_OR_RETURN(auto box, SealedBox(n, a));
    auto opened = options_.node->OpenSealed(box);
    if (!opened.ok()) return Unavailable("node '" + n.peer + "' sealed its answer to another key");
    return opened;
  };
  QT_ASSIGN_OR_RETURN(auto started,
                      call("start", {{"column", request.column},
                                     {"output", privacy::PsiOutputName(request.output)},
                                     {"purpose", request.purpose},
                                     {"region", request.region},
                                     {"client_size", items.size()}}));
  json session = json::parse(started.begin(), started.end(), nullptr, /*allow_exceptions=*/false);
  if (!session.is_object() || !session.contains("server_size") ||
      !session["server_size"].is_number_integer() || session["server_size"].get<int64_t>() < 0) {
    return Unavailable("node '" + n.peer + "' started the PSI with no server size");
  }
  privacy::PsiClient client(out.session_id, std::move(items), privacy::Cores());
  RemoteServer server(call, peer.key, session["server_size"].get<int64_t>(), request.output);
  QT_ASSIGN_OR_RETURN(out.result, privacy::RunMessages(client, server, options_.psi_batch));
  QT_RETURN_IF_ERROR(call("finish", json::object()).status());
  return out;
}

// ---- provider side -------------------------------------------------------------

Result<json> Negotiations::OnPsi(const Peer& from, const std::string& provider_pid,
                                 std::string_view step, std::string_view body) {
  QT_ASSIGN_OR_RETURN(Inbound in, Receive(from, provider_pid, body, PsiType(step),
                                          /*consumer_side=*/false));
  const DspMessage& m = in.message;
  const Negotiation& n = in.negotiation;
  QT_ASSIGN_OR_RETURN(Principal consumer, RemotePrincipal(n));
  QT_ASSIGN_OR_RETURN(std::string session_id, DspString(m, "session_id", 64));
  privacy::PsiService& psi = *options_.psi;
  // Every answer is sealed to the consumer's node, which runs the client
  // (whether or not it holds the consumer organisation's key).
  auto sealed = [&from](std::span<const uint8_t> bytes) -> Result<json> {
    QT_ASSIGN_OR_RETURN(auto box, crypto::SealTo(from.key, bytes));
    return json{{"sealed", crypto::Base64Encode(box)}};
  };
  if (step == "start") {
    // The contract decides, exactly as for a consumer of this node.
    privacy::PsiStart start{.session_id = session_id, .contract_id = n.id};
    QT_ASSIGN_OR_RETURN(start.column, DspString(m, "column", 100));
    QT_ASSIGN_OR_RETURN(std::string output, DspString(m, "output", 20));
    auto parsed = privacy::ParsePsiOutput(output);
    if (!parsed) return InvalidArgument("output: 'intersection' or 'size'");
    start.output = *parsed;
    QT_ASSIGN_OR_RETURN(start.purpose, DspString(m, "purpose", 100));
    QT_ASSIGN_OR_RETURN(start.region, DspString(m, "region", 100, /*required=*/false));
    QT_ASSIGN_OR_RETURN(start.client_size, Natural(m.body, "client_size"));
    QT_ASSIGN_OR_RETURN(privacy::PsiSession s, psi.Start(consumer, start));
    return sealed(Bytes(json{{"server_size", s.server_size}}.dump()));
  }
  if (step == "finish") {
    QT_ASSIGN_OR_RETURN(privacy::PsiSession s, psi.Finish(consumer, session_id));
    return sealed(Bytes(json{{"state", s.state}}.dump()));
  }
  if (step == "size") {
    QT_ASSIGN_OR_RETURN(int64_t size, psi.IntersectionSize(consumer, session_id));
    return sealed(Bytes(json{{"intersection_size", size}}.dump()));
  }
  QT_ASSIGN_OR_RETURN(int64_t index, Natural(m.body, "index"));
  std::vector<Point> points;
  if (step == "server") {
    QT_ASSIGN_OR_RETURN(int64_t batch, Natural(m.body, "batch"));
    if (batch == 0) return InvalidArgument("batch: at least 1 point");
    QT_ASSIGN_OR_RETURN(points, psi.ServerBatch(consumer, session_id, index, batch));
    return sealed(privacy::PointBytes(points));
  }
  // The client's points, sealed to this node's key.
  auto box = crypto::Base64Decode(StringAt(m.body, "sealed"));
  Result<std::vector<uint8_t>> opened =
      box.ok() ? options_.node->OpenSealed(*box) : Result<std::vector<uint8_t>>(box.status());
  if (!opened.ok()) return InvalidArgument("sealed: expected points sealed to this node's key");
  QT_ASSIGN_OR_RETURN(std::vector<Point> theirs, privacy::PointsFromBytes(*opened));
  if (step == "client") {
    QT_ASSIGN_OR_RETURN(points, psi.ClientBatch(consumer, session_id, index, theirs));
  } else if (step == "tally") {
    QT_RETURN_IF_ERROR(psi.Tally(consumer, session_id, index, theirs));
  } else {
    return NotFound("no PSI step '" + std::string(step) + "'");
  }
  return sealed(privacy::PointBytes(points));
}

}  // namespace qt::federation
