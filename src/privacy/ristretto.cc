#include "privacy/ristretto.h"

#include <sodium.h>

#include <atomic>
#include <thread>

namespace qt::privacy {
namespace {

constexpr std::string_view kDomain = "qiantang/psi/v1";

// Runs fn(begin, end) over [0, n) in chunks of 256 that `threads` threads
// take in turn, so a thread delayed by the scheduler does not leave the
// others idle at the end.
template <typename Fn>
void Parallel(size_t n, unsigned threads, Fn fn) {
  constexpr size_t kChunk = 256;
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(n / kChunk + 1)));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t begin; (begin = next.fetch_add(kChunk)) < n;)
      fn(begin, std::min(n, begin + kChunk));
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
}

}  // namespace

Scalar RandomScalar() {
  Scalar k;
  crypto_core_ristretto255_scalar_random(k.data());
  return k;
}

Point HashToPoint(std::string_view session_id, std::string_view item) {
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  crypto_hash_sha512_update(&st, reinterpret_cast<const unsigned char*>(kDomain.data()),
                            kDomain.size());
  uint8_t len[8];
  uint64_t n = session_id.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));
  crypto_hash_sha512_update(&st, len, sizeof len);
  crypto_hash_sha512_update(&st, reinterpret_cast<const unsigned char*>(session_id.data()),
                            session_id.size());
  crypto_hash_sha512_update(&st, reinterpret_cast<const unsigned char*>(item.data()), item.size());
  uint8_t digest[crypto_hash_sha512_BYTES];
  crypto_hash_sha512_final(&st, digest);
  Point p;
  crypto_core_ristretto255_from_hash(p.data(), digest);
  return p;
}

bool IsValidPoint(const Point& p) {
  static const Point kIdentity{};
  return p != kIdentity && crypto_core_ristretto255_is_valid_point(p.data()) == 1;
}

Result<Point> Multiply(const Scalar& k, const Point& p) {
  if (!IsValidPoint(p)) return InvalidArgument("not a valid ristretto255 point");
  Point out;
  if (crypto_scalarmult_ristretto255(out.data(), k.data(), p.data()) != 0) {
    return InvalidArgument("the product is the identity");
  }
  return out;
}

std::vector<Point> HashAndMultiply(std::string_view session_id, std::span<const std::string> items,
                                   const Scalar& k, unsigned threads) {
  std::vector<Point> out(items.size());
  Parallel(items.size(), threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      Point h = HashToPoint(session_id, items[i]);
      // A hashed point times a non-zero scalar is the identity with
      // probability 2^-252; should it happen the item simply never matches.
      if (crypto_scalarmult_ristretto255(out[i].data(), k.data(), h.data()) != 0) out[i] = Point{};
    }
  });
  return out;
}

Result<std::vector<Point>> MultiplyAll(std::span<const Point> points, const Scalar& k,
                                       unsigned threads) {
  std::vector<Point> out(points.size());
  std::atomic<size_t> bad{points.size()};
  Parallel(points.size(), threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      if (!IsValidPoint(points[i]) ||
          crypto_scalarmult_ristretto255(out[i].data(), k.data(), points[i].data()) != 0) {
        size_t cur = bad.load();
        while (i < cur && !bad.compare_exchange_weak(cur, i)) {
        }
        return;
      }
    }
  });
  if (bad.load() != points.size()) {
    return InvalidArgument("points[" + std::to_string(bad.load()) +
                           "]: not a valid ristretto255 point");
  }
  return out;
}

unsigned Cores() { return std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace qt::privacy
