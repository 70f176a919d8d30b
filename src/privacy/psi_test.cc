#include "privacy/psi.h"

#include <gtest/gtest.h>

#include <set>

namespace qt::privacy {
namespace {

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
  EXPECT_EQ(server.ShuffledBatch(0, 10).status().code(), StatusCode::kFailedPrecondition);
  std::vector<Point> three(four.begin(), four.begin() + 3);
  ASSERT_TRUE(server.Blind(0, three).ok());
  ASSERT_TRUE(server.Blind(0, three).ok());  // a resent batch counts once
  EXPECT_EQ(server.received(), 3);
  EXPECT_EQ(server.ShuffledBatch(0, 10)->size(), 3u);
  EXPECT_EQ(server.ServerBatch(0, 4)->size(), 4u);
  EXPECT_EQ(server.ServerBatch(2, 4)->size(), 2u);
  EXPECT_FALSE(server.ServerBatch(9, 4).ok());
}

}  // namespace
}  // namespace qt::privacy
