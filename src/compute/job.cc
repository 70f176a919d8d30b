#include "compute/job.h"

#include <fmt/format.h>

#include <charconv>

namespace qt::compute {

Result<ChipConstraint> ChipConstraint::Parse(std::string_view text) {
  ChipConstraint c;
  auto bad = [&] {
    return InvalidArgument(fmt::format(
        "chip constraint \"{}\" is not any, chip:NAME, vendor:NAME, tflops>=N, cpu or arch:NAME",
        text));
  };
  if (text.empty() || text == "any") return c;
  if (text == "cpu") {
    c.kind = Kind::kCpu;
    return c;
  }
  if (text.starts_with("chip:") && text.size() > 5) {
    c.kind = Kind::kChip;
    c.value = std::string(text.substr(5));
  } else if (text.starts_with("vendor:") && text.size() > 7) {
    c.kind = Kind::kVendor;
    c.value = std::string(text.substr(7));
  } else if (text.starts_with("arch:") && text.size() > 5) {
    c.kind = Kind::kArch;
    c.value = std::string(text.substr(5));
  } else if (text.starts_with("tflops>=")) {
    std::string_view n = text.substr(8);
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), c.min_tflops);
    if (ec != std::errc() || end != n.data() + n.size() || c.min_tflops <= 0) return bad();
    c.kind = Kind::kMinTflops;
  } else {
    return bad();
  }
  return c;
}

std::string ChipConstraint::ToString() const {
  switch (kind) {
    case Kind::kAny:
      return "any";
    case Kind::kChip:
      return "chip:" + value;
    case Kind::kVendor:
      return "vendor:" + value;
    case Kind::kMinTflops:
      return fmt::format("tflops>={}", min_tflops);
    case Kind::kCpu:
      return "cpu";
    case Kind::kArch:
      return "arch:" + value;
  }
  return "any";
}

bool ChipConstraint::Allows(const Chip& chip) const {
  switch (kind) {
    case Kind::kAny:
      return !chip.cpu();
    case Kind::kChip:
      return chip.name == value;
    case Kind::kVendor:
      return !chip.cpu() && chip.vendor == value;
    case Kind::kMinTflops:
      return !chip.cpu() && chip.fp16_tflops >= min_tflops;
    case Kind::kCpu:
      return chip.cpu();
    case Kind::kArch:
      return chip.cpu() && chip.architecture == value;
  }
  return false;
}

uint64_t ChipConstraint::PoolMask(const Cluster& cluster) const {
  uint64_t mask = 0;
  for (size_t i = 0; i < cluster.pools().size(); ++i) {
    if (Allows(cluster.catalog().at(cluster.pools()[i].chip))) mask |= uint64_t{1} << i;
  }
  return mask;
}

}  // namespace qt::compute
