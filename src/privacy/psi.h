// Two-party ECDH private set intersection (the classic two rounds), and its
// cardinality-only form.
//
//   client (holds Y, scalar c)            server (holds X, scalar s)
//   C_i = H(y_i)^c          --C-->        D_i = C_i^s
//                           <--S--        S_j = H(x_j)^s (X shuffled)
//   T_j = S_j^c
// Intersection mode: the server answers the D_i in order, and y_i is in X iff
// D_i is among the T_j: the client learns the intersection, the server |Y|.
// Size mode: the server keeps the D_i; the client sends the T_j back,
// shuffled, and the server answers once how many D_i are among them. The
// client learns one number per session; the server learns that number and
// |Y|, and cannot tell which of its items matched (the T_j are shuffled and
// blinded by c). A client that blinds each item with its own scalar can link
// any D it is given to its item, which is why size mode never gives it the
// D_i (an outside attack recovered every member that way when it did), and
// counts distinct points only. Not yet guaranteed (semi-honest protocol, see
// docs/SECURITY.md): a client blinding copies of one item with different
// scalars can still weigh its guesses (about log2(|Y|) bits per session, the
// sessions counted by the contract), and a server blinding each of its items
// with its own scalar can test the client's items against the T_j.
// H is HashToPoint with the session id (ristretto.h). Each side validates
// every point it receives.
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
  virtual Status Tally(int64_t index, std::span<const Point> points) = 0;
  virtual Result<int64_t> IntersectionSize() = 0;
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
  // Size mode: the client's T_j, batch `index`, at most size() points in all,
  // a batch index answering only the same points again; none once
  // IntersectionSize was asked.
  Status Tally(int64_t index, std::span<const Point> points) override;
  // Size mode, once every client point arrived: how many of the client's D_i
  // are among the T_j tallied. Asked once, the number is fixed: later tallies
  // are refused, so one session tells one number.
  Result<int64_t> IntersectionSize() override;
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
  std::map<int64_t, std::array<uint8_t, 32>> digests_;  // of each client batch, by index
  std::vector<Point> doubled_;                          // size mode: every D_i received
  int64_t received_ = 0;
  std::map<int64_t, std::array<uint8_t, 32>> tally_digests_;  // of each T batch, by index
  std::vector<Point> tallied_;                                // size mode: every T_j
  std::optional<int64_t> intersection_size_;                  // size mode, once asked
};

class PsiClient {
 public:
  PsiClient(const std::string& session_id, std::vector<std::string> items, unsigned threads);

  int64_t size() const { return static_cast<int64_t>(items_.size()); }
  // Round 1: H(y_i)^c, in item order.
  const std::vector<Point>& blinded() const { return blinded_; }
  // Round 2: each of the server's points raised to c (validated).
  Result<std::vector<Point>> Unblind(std::span<const Point> server_points) const;
  // Intersection mode: the result from the doubly blinded client points (in
  // item order) and the server's points raised to c.
  PsiResult Finish(std::span<const Point> doubled, std::span<const Point> server_doubled,
                   int64_t server_size) const;

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
