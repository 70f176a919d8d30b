#include "privacy/psi.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>

#include "tests/support/status_matchers.h"

namespace qt::privacy {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

std::vector<std::string> Range(int from, int to, const std::string& prefix = "1380000") {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(prefix + std::to_string(10000 + i));
  return out;
}

// Server has [0, n); client has [n - overlap, 2n - overlap).
void ExpectOverlap(int n, int overlap) {
  auto server = Range(0, n);
  auto client = Range(n - overlap, 2 * n - overlap);
  auto r = RunPsiLocally("s-" + std::to_string(n) + "-" + std::to_string(overlap), client, server,
                         PsiOutput::kIntersection, 97);
  EXPECT_EQ(r.intersection_size, overlap);
  EXPECT_EQ(r.client_size, n);
  EXPECT_EQ(r.server_size, n);
  std::set<std::string> got(r.intersection.begin(), r.intersection.end());
  auto want = Range(n - overlap, n);
  EXPECT_EQ(got, std::set<std::string>(want.begin(), want.end()));
  auto size_only = RunPsiLocally("z", client, server, PsiOutput::kSize, 97);
  EXPECT_EQ(size_only.intersection_size, overlap);
  EXPECT_TRUE(size_only.intersection.empty());
}

TEST(Psi, FindsExactlyTheSharedItems) {
  ExpectOverlap(1000, 0);
  ExpectOverlap(1000, 10);    // 1 %
  ExpectOverlap(1000, 500);   // 50 %
  ExpectOverlap(1000, 1000);  // 100 %
}

TEST(Psi, DuplicatesEmptySetsAndLopsidedSizes) {
  auto r =
      RunPsiLocally("d", {"a", "a", "b", "", "c"}, {"b", "b", "c", "d"}, PsiOutput::kIntersection);
  EXPECT_EQ(r.client_size, 3);  // a, b, c (the empty item is no item)
  EXPECT_EQ(r.server_size, 3);
  EXPECT_EQ(r.intersection_size, 2);
  EXPECT_EQ(RunPsiLocally("e", {}, {"a"}, PsiOutput::kIntersection).intersection_size, 0);
  EXPECT_EQ(RunPsiLocally("e", {"a"}, {}, PsiOutput::kSize).intersection_size, 0);
  EXPECT_EQ(RunPsiLocally("e", {}, {}, PsiOutput::kSize).intersection_size, 0);
  auto big = Range(0, 20000);
  auto lopsided = RunPsiLocally("l", {"138000019999", "nobody", "138000010007"}, big,
                                PsiOutput::kIntersection, 4096);
  EXPECT_EQ(lopsided.intersection_size, 2);
  auto reversed = RunPsiLocally("l", big, {"138000019999", "nobody"}, PsiOutput::kSize, 4096);
  EXPECT_EQ(reversed.intersection_size, 1);
}

TEST(Psi, TheServerRefusesBadPointsAndTooManyOfThem) {
  PsiServer server("s", Range(0, 10), PsiOutput::kSize, 3, 1);
  std::vector<Point> bad = {HashToPoint("s", "x"), Point{}};
  EXPECT_EQ(server.Blind(0, bad).status().message(), "points[1]: not a valid ristretto255 point");
  EXPECT_EQ(server.received(), 0);
  std::vector<Point> four = {HashToPoint("s", "1"), HashToPoint("s", "2"), HashToPoint("s", "3"),
                             HashToPoint("s", "4")};
  EXPECT_NE(server.Blind(0, four).status().message().find("more points than the client announced"),
            std::string::npos);
  EXPECT_THAT(server.IntersectionSize(), StatusIs(StatusCode::kFailedPrecondition));
  std::vector<Point> three(four.begin(), four.begin() + 3);
  auto answered = server.Blind(0, three);
  ASSERT_THAT(answered, IsOk());
  EXPECT_TRUE(answered->empty());               // size mode never gives the client its D_i
  ASSERT_THAT(server.Blind(0, three), IsOk());  // a resent batch counts once
  EXPECT_EQ(server.received(), 3);
  EXPECT_EQ(server.ServerBatch(0, 4)->size(), 4u);
  EXPECT_EQ(server.ServerBatch(2, 4)->size(), 2u);
  EXPECT_FALSE(server.ServerBatch(9, 4).ok());
  // An index whose offset would overflow is out of range, not a wild read.
  EXPECT_FALSE(server.ServerBatch(INT64_MAX, 2).ok());
  EXPECT_FALSE(server.ServerBatch(INT64_MAX / 4, 8).ok());
  // At most the server's 10 items are tallied, and one number is told: once
  // asked, the session takes no more tallies (which would tell a second).
  std::vector<Point> eleven(11, HashToPoint("s", "t"));
  EXPECT_FALSE(server.Tally(0, eleven).ok());
  ASSERT_THAT(server.Tally(0, three), IsOk());
  ASSERT_THAT(server.Tally(0, three), IsOk());  // a retry
  EXPECT_FALSE(server.Tally(0, four).ok());     // another batch under a taken index
  EXPECT_EQ(*server.IntersectionSize(), 0);
  EXPECT_THAT(server.Tally(1, three), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(*server.IntersectionSize(), 0);
}

// A server that answers other than the points due: the client stops with
// kUnavailable instead of reading past its own items (an outside attack's
// hostile provider node answered every batch fifty times over).
class Lying : public PsiServerLink {
 public:
  Lying(int64_t size, PsiOutput output, int extra) : size_(size), output_(output), extra_(extra) {}
  int64_t size() const override { return size_; }
  PsiOutput output() const override { return output_; }
  Result<std::vector<Point>> Blind(int64_t, std::span<const Point> points) override {
    std::vector<Point> out(points.begin(), points.end());
    for (int i = 0; i < extra_; ++i) out.push_back(HashToPoint("x", std::to_string(i)));
    return out;
  }
  Result<std::vector<Point>> ServerBatch(int64_t, int64_t batch) override {
    return std::vector<Point>(static_cast<size_t>(std::min<int64_t>(batch, size_) + extra_),
                              HashToPoint("x", "s"));
  }
  Status Tally(int64_t, std::span<const Point>) override { return OkStatus(); }
  Result<int64_t> IntersectionSize() override { return size_ + 1; }

 private:
  int64_t size_;
  PsiOutput output_;
  int extra_;
};

TEST(Psi, TheClientTrustsNoServerAnswer) {
  PsiClient client("c", {"a", "b", "c"}, 1);
  Lying more(2, PsiOutput::kIntersection, 50);
  EXPECT_THAT(RunMessages(client, more, 16), StatusIs(StatusCode::kUnavailable));
  Lying huge(kMaxPsiItems + 1, PsiOutput::kIntersection, 0);
  EXPECT_THAT(RunMessages(client, huge, 16), StatusIs(StatusCode::kUnavailable));
  Lying sized(2, PsiOutput::kSize, 0);  // answers points in size mode, then an impossible size
  EXPECT_THAT(RunMessages(client, sized, 16), StatusIs(StatusCode::kUnavailable));
}

}  // namespace
}  // namespace qt::privacy
