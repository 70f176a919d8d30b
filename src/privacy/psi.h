// Two-party ECDH private set intersection (the classic two rounds).
//
//   client (holds Y, scalar c)            server (holds X, scalar s)
//   C_i = H(y_i)^c          --C-->        D_i = C_i^s   (in order; or kept
//                           <--D--          and shuffled when only the size
//                                           may be learned)
//                           <--S--        S_j = H(x_j)^s (X shuffled)
//   T_j = S_j^c; y_i is in X iff D_i is among the T_j.
// H is HashToPoint with the session id (ristretto.h). The server learns |Y|;
// the client learns |X| and the intersection (or, in size mode, only its
// size, since the D it receives are shuffled and unlinkable to its items).
// Each side validates every point it receives.
//
// Thread-safety: PsiServer is safe for concurrent use (batches may arrive on
// several connections); PsiClient is thread-compatible.
#ifndef QIANTANG_PRIVACY_PSI_H_
#define QIANTANG_PRIVACY_PSI_H_

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "privacy/ristretto.h"

namespace qt::privacy {

enum class PsiOutput { kIntersection, kSize };
std::string_view PsiOutputName(PsiOutput o);  // "intersection", "size"
std::optional<PsiOutput> ParsePsiOutput(std::string_view name);

struct PsiResult {
  int64_t client_size = 0;
  int64_t server_size = 0;
  int64_t intersection_size = 0;
  std::vector<std::string> intersection{};  // the client's items, intersection mode only
};

// The most items either side of a session may hold.
inline constexpr int64_t kMaxPsiItems = int64_t{1} << 24;

// Distinct non-empty items, in first-seen order.
std::vector<std::string> DistinctItems(std::vector<std::string> items);

// Points on the wire: 32 bytes each, concatenated. kInvalidArgument unless
// `bytes` is a whole number of points.
std::vector<uint8_t> PointBytes(std::span<const Point> points);
Result<std::vector<Point>> PointsFromBytes(std::span<const uint8_t> bytes);

// The server's side as the client reaches it: a PsiServer in this process, or
// a provider's node across the federation (federation/negotiations.h).
class PsiServerLink {
 public:
  virtual ~PsiServerLink() = default;
  virtual int64_t size() const = 0;
  virtual PsiOutput output() const = 0;
  virtual Result<std::vector<Point>> Blind(int64_t index, std::span<const Point> points) = 0;
  virtual Result<std::vector<Point>> ServerBatch(int64_t index, int64_t batch) = 0;
  virtual Result<std::vector<Point>> ShuffledBatch(int64_t index, int64_t batch) = 0;
};

class PsiServer : public PsiServerLink {
 public:
  // `items` are deduplicated and shuffled (libsodium's CSPRNG); a fresh scalar.
  PsiServer(std::string session_id, std::vector<std::string> items, PsiOutput output,
            int64_t client_size, unsigned threads);

  int64_t size() const override { return static_cast<int64_t>(items_.size()); }
  PsiOutput output() const override { return output_; }

  // Round 1: the client's blinded batch `index` (of `batch` points, the last
  // one shorter). Intersection mode answers the doubly blinded points in
  // order; size mode keeps them and answers nothing. In both modes the
  // batches together hold at most `client_size` points, and a batch index
  // once taken answers only the same points again (a retry): otherwise
  // resending other points under one index would query past client_size.
  Result<std::vector<Point>> Blind(int64_t index, std::span<const Point> points) override;
  // Round 2: the server's own blinded points, batch `index`.
  Result<std::vector<Point>> ServerBatch(int64_t index, int64_t batch) override;
  // Size mode, after every client batch arrived: the doubly blinded client
  // points shuffled together, batch `index`.
  Result<std::vector<Point>> ShuffledBatch(int64_t index, int64_t batch) override;
  // Client points received so far.
  int64_t received() const;

 private:
  const std::string session_id_;
  std::vector<std::string> items_;
  const PsiOutput output_;
  const int64_t client_size_;
  const unsigned threads_;
  const Scalar k_;
  mutable std::mutex mu_;
  std::map<int64_t, std::array<uint8_t, 32>> digests_;      // of each batch received, by index
  std::vector<std::optional<std::vector<Point>>> doubled_;  // size mode, by batch
  int64_t received_ = 0;
  std::vector<Point> shuffled_;  // size mode, once complete
};

class PsiClient {
 public:
  PsiClient(const std::string& session_id, std::vector<std::string> items, unsigned threads);

  int64_t size() const { return static_cast<int64_t>(items_.size()); }
  // Round 1: H(y_i)^c, in item order.
  const std::vector<Point>& blinded() const { return blinded_; }
  // Round 2: each of the server's points raised to c (validated).
  Result<std::vector<Point>> Unblind(std::span<const Point> server_points) const;
  // The result from the doubly blinded client points (in item order, or
  // shuffled in size mode) and the server's points raised to c.
  PsiResult Finish(std::span<const Point> doubled, std::span<const Point> server_doubled,
                   int64_t server_size, PsiOutput output) const;

 private:
  std::vector<std::string> items_;
  unsigned threads_;
  Scalar k_;
  std::vector<Point> blinded_;
};

// Passes the client's messages to `server` batch by batch (`batch` points
// each way) and returns the client's result. The server is not trusted to
// answer well: a set size above kMaxPsiItems, or a batch of other than the
// points due, is kUnavailable.
Result<PsiResult> RunMessages(const PsiClient& client, PsiServerLink& server, int64_t batch);

// Both parties in one process (two organisations on one node): the same
// messages, never a shared scalar.
PsiResult RunPsiLocally(const std::string& session_id, std::vector<std::string> client_items,
                        std::vector<std::string> server_items, PsiOutput output,
                        int64_t batch = 65'536);

}  // namespace qt::privacy

#endif  // QIANTANG_PRIVACY_PSI_H_
