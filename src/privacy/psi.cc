#include "privacy/psi.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace qt::privacy {
namespace {

struct PointHash {
  size_t operator()(const Point& p) const {
    size_t h;
    std::memcpy(&h, p.data(), sizeof h);
    return h;
  }
};

std::array<uint8_t, 32> Digest(std::span<const Point> points) {
  std::array<uint8_t, 32> digest{};
  crypto_generichash(digest.data(), digest.size(), points.empty() ? nullptr : points.data()->data(),
                     points.size() * 32, nullptr, 0);
  return digest;
}

// Fisher-Yates with libsodium's CSPRNG.
template <typename T>
void Shuffle(std::vector<T>& v) {
  for (size_t i = v.size(); i > 1; --i) {
    size_t j = randombytes_uniform(static_cast<uint32_t>(i));
    std::swap(v[i - 1], v[j]);
  }
}

}  // namespace

std::string_view PsiOutputName(PsiOutput o) {
  return o == PsiOutput::kIntersection ? "intersection" : "size";
}

std::optional<PsiOutput> ParsePsiOutput(std::string_view name) {
  if (name == "intersection") return PsiOutput::kIntersection;
  if (name == "size") return PsiOutput::kSize;
  return std::nullopt;
}

std::vector<std::string> DistinctItems(std::vector<std::string> items) {
  std::unordered_set<std::string> seen;
  std::vector<std::string> out;
  for (auto& item : items) {
    if (!item.empty() && seen.insert(item).second) out.push_back(std::move(item));
  }
  return out;
}

std::vector<uint8_t> PointBytes(std::span<const Point> points) {
  std::vector<uint8_t> bytes;
  bytes.reserve(points.size() * 32);
  for (const Point& p : points) bytes.insert(bytes.end(), p.begin(), p.end());
  return bytes;
}

Result<std::vector<Point>> PointsFromBytes(std::span<const uint8_t> bytes) {
  if (bytes.size() % 32 != 0) {
    return InvalidArgument("points: not a whole number of 32-byte points");
  }
  std::vector<Point> out(bytes.size() / 32);
  for (size_t i = 0; i < out.size(); ++i) std::copy_n(bytes.begin() + i * 32, 32, out[i].begin());
  return out;
}

PsiServer::PsiServer(std::string session_id, std::vector<std::string> items, PsiOutput output,
                     int64_t client_size, unsigned threads)
    : session_id_(std::move(session_id)),
      items_(DistinctItems(std::move(items))),
      output_(output),
      client_size_(client_size),
      threads_(threads),
      k_(RandomScalar()) {
  Shuffle(items_);
}

Result<std::vector<Point>> PsiServer::Blind(int64_t index, std::span<const Point> points) {
  QT_ASSIGN_OR_RETURN(std::vector<Point> doubled, MultiplyAll(points, k_, threads_));
  const std::array<uint8_t, 32> digest = Digest(points);
  std::lock_guard lock(mu_);
  if (index < 0 || index > client_size_) return InvalidArgument("batch index out of range");
  if (auto it = digests_.find(index); it != digests_.end()) {
    if (it->second != digest) {
      return InvalidArgument("batch " + std::to_string(index) +
                             " was sent before with other points (a batch is resent unchanged)");
    }
  } else {
    if (received_ + static_cast<int64_t>(points.size()) > client_size_) {
      return InvalidArgument("more points than the client announced (" +
                             std::to_string(client_size_) + ")");
    }
    received_ += static_cast<int64_t>(points.size());
    digests_[index] = digest;
    if (output_ == PsiOutput::kSize) {  // kept for IntersectionSize, answered with nothing
      doubled_.insert(doubled_.end(), doubled.begin(), doubled.end());
      return std::vector<Point>{};
    }
  }
  if (output_ == PsiOutput::kSize) return std::vector<Point>{};
  return doubled;
}

Result<std::vector<Point>> PsiServer::ServerBatch(int64_t index, int64_t batch) {
  // index * batch cannot overflow past these bounds.
  if (index < 0 || batch < 1 || index > size() || (index > 0 && batch > size() / index)) {
    return InvalidArgument("batch index out of range");
  }
  const int64_t begin = index * batch;
  const int64_t end = std::min(size(), begin + batch);
  return HashAndMultiply(
      session_id_, std::span<const std::string>(items_).subspan(begin, end - begin), k_, threads_);
}

Status PsiServer::Tally(int64_t index, std::span<const Point> points) {
  if (output_ != PsiOutput::kSize) return FailedPrecondition("not a size-only session");
  for (const Point& p : points) {
    if (!IsValidPoint(p)) return InvalidArgument("points: not a valid ristretto255 point");
  }
  const std::array<uint8_t, 32> digest = Digest(points);
  std::lock_guard lock(mu_);
  if (intersection_size_) {
    return FailedPrecondition("the intersection's size was given; the session takes no more");
  }
  if (index < 0 || index > size()) return InvalidArgument("batch index out of range");
  if (auto it = tally_digests_.find(index); it != tally_digests_.end()) {
    if (it->second == digest) return OkStatus();  // a retry
    return InvalidArgument("batch " + std::to_string(index) +
                           " was sent before with other points (a batch is resent unchanged)");
  }
  if (static_cast<int64_t>(tallied_.size() + points.size()) > size()) {
    return InvalidArgument("more points than the server's " + std::to_string(size()) + " items");
  }
  tally_digests_[index] = digest;
  tallied_.insert(tallied_.end(), points.begin(), points.end());
  return OkStatus();
}

Result<int64_t> PsiServer::IntersectionSize() {
  if (output_ != PsiOutput::kSize) return FailedPrecondition("not a size-only session");
  std::lock_guard lock(mu_);
  if (received_ < client_size_) {
    return FailedPrecondition("the client has sent " + std::to_string(received_) + " of " +
                              std::to_string(client_size_) + " points");
  }
  if (!intersection_size_) {
    // Distinct points only: a client that sent one point many times would
    // otherwise weigh its guesses and read several bits from one number.
    const std::unordered_set<Point, PointHash> theirs(tallied_.begin(), tallied_.end());
    const std::unordered_set<Point, PointHash> mine(doubled_.begin(), doubled_.end());
    int64_t n = 0;
    for (const Point& d : mine) n += theirs.contains(d) ? 1 : 0;
    intersection_size_ = n;
  }
  return *intersection_size_;
}

int64_t PsiServer::received() const {
  std::lock_guard lock(mu_);
  return received_;
}

PsiClient::PsiClient(const std::string& session_id, std::vector<std::string> items,
                     unsigned threads)
    : items_(DistinctItems(std::move(items))), threads_(threads), k_(RandomScalar()) {
  blinded_ = HashAndMultiply(session_id, items_, k_, threads_);
}

Result<std::vector<Point>> PsiClient::Unblind(std::span<const Point> server_points) const {
  return MultiplyAll(server_points, k_, threads_);
}

PsiResult PsiClient::Finish(std::span<const Point> doubled, std::span<const Point> server_doubled,
                            int64_t server_size) const {
  std::unordered_set<Point, PointHash> theirs(server_doubled.begin(), server_doubled.end());
  PsiResult r{.client_size = size(), .server_size = server_size};
  for (size_t i = 0; i < doubled.size(); ++i) {
    if (!theirs.contains(doubled[i])) continue;
    ++r.intersection_size;
    if (i < items_.size()) r.intersection.push_back(items_[i]);
  }
  return r;
}

Result<PsiResult> RunMessages(const PsiClient& client, PsiServerLink& server, int64_t batch) {
  if (batch < 1) return InvalidArgument("batch: at least one point");
  if (server.size() < 0 || server.size() > kMaxPsiItems) {
    return Unavailable("the server announced a set of " + std::to_string(server.size()) + " items");
  }
  auto wrong = [](const char* what, int64_t i, size_t got, int64_t due) {
    return Unavailable(std::string("the server answered ") + what + " batch " + std::to_string(i) +
                       " with " + std::to_string(got) + " points, not " + std::to_string(due));
  };
  const bool size_only = server.output() == PsiOutput::kSize;
  std::vector<Point> doubled, theirs;
  const auto& blinded = client.blinded();
  for (int64_t i = 0; i * batch < client.size(); ++i) {
    const int64_t due = std::min<int64_t>(batch, client.size() - i * batch);
    auto part = std::span<const Point>(blinded).subspan(i * batch, due);
    QT_ASSIGN_OR_RETURN(auto d, server.Blind(i, part));
    const int64_t answered = size_only ? 0 : due;
    if (static_cast<int64_t>(d.size()) != answered) return wrong("client", i, d.size(), answered);
    doubled.insert(doubled.end(), d.begin(), d.end());
  }
  for (int64_t i = 0; i * batch < server.size(); ++i) {
    const int64_t due = std::min<int64_t>(batch, server.size() - i * batch);
    QT_ASSIGN_OR_RETURN(auto s, server.ServerBatch(i, batch));
    if (static_cast<int64_t>(s.size()) != due) return wrong("server", i, s.size(), due);
    auto t = client.Unblind(s);
    if (!t.ok()) return Unavailable("the server sent " + t.status().message());
    theirs.insert(theirs.end(), t->begin(), t->end());
  }
  if (!size_only) return client.Finish(doubled, theirs, server.size());
  // The T_j go back shuffled, so the server cannot tell which of its items matched.
  Shuffle(theirs);
  for (int64_t i = 0; i * batch < static_cast<int64_t>(theirs.size()); ++i) {
    const int64_t due = std::min<int64_t>(batch, static_cast<int64_t>(theirs.size()) - i * batch);
    QT_RETURN_IF_ERROR(server.Tally(i, std::span<const Point>(theirs).subspan(i * batch, due)));
  }
  QT_ASSIGN_OR_RETURN(int64_t n, server.IntersectionSize());
  if (n < 0 || n > std::min(client.size(), server.size())) {
    return Unavailable("the server answered an intersection of " + std::to_string(n) + " items");
  }
  return PsiResult{
      .client_size = client.size(), .server_size = server.size(), .intersection_size = n};
}

PsiResult RunPsiLocally(const std::string& session_id, std::vector<std::string> client_items,
                        std::vector<std::string> server_items, PsiOutput output, int64_t batch) {
  const unsigned threads = Cores();
  PsiClient client(session_id, std::move(client_items), threads);
  PsiServer server(session_id, std::move(server_items), output, client.size(), threads);
  return *RunMessages(client, server, batch);
}

}  // namespace qt::privacy
