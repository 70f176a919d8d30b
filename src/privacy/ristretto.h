// ristretto255 for ECDH-PSI, on libsodium 1.0.18 (RFC 9496 group; no
// hand-written curve arithmetic).
//
// Hash to the group: SHA-512 of ("qiantang/psi/v1", the session id's length
// as 8 bytes little-endian, the session id, the item), mapped with
// crypto_core_ristretto255_from_hash (RFC 9496's one-way map). libsodium
// 1.0.18 has no RFC 9380 hash-to-curve, so the domain separation is ours.
// Scalars come from crypto_core_ristretto255_scalar_random, already reduced
// mod L (crypto_scalarmult_ristretto255 would clear bit 255 of an unreduced
// one) and never zero.
//
// Thread-safety: functions are pure; a Scalar is a value.
#ifndef QIANTANG_PRIVACY_RISTRETTO_H_
#define QIANTANG_PRIVACY_RISTRETTO_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace qt::privacy {

using Point = std::array<uint8_t, 32>;
using Scalar = std::array<uint8_t, 32>;

// A fresh uniformly random non-zero scalar (libsodium's CSPRNG).
Scalar RandomScalar();

// The element an item hashes to within a session.
Point HashToPoint(std::string_view session_id, std::string_view item);

// True for a canonical encoding of a group element other than the identity.
bool IsValidPoint(const Point& p);

// k * P. invalid_argument if P is not a valid point or the result is the
// identity (libsodium reports both as -1).
Result<Point> Multiply(const Scalar& k, const Point& p);

// The hash of every item multiplied by k, computed on `threads` threads.
std::vector<Point> HashAndMultiply(std::string_view session_id, std::span<const std::string> items,
                                   const Scalar& k, unsigned threads);

// Every point multiplied by k, on `threads` threads. invalid_argument naming
// the first invalid point's index (nothing else is returned).
Result<std::vector<Point>> MultiplyAll(std::span<const Point> points, const Scalar& k,
                                       unsigned threads);

// The machine's cores (at least 1).
unsigned Cores();

}  // namespace qt::privacy

#endif  // QIANTANG_PRIVACY_RISTRETTO_H_
