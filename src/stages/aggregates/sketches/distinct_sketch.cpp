#include "stages/aggregates/sketches/distinct_sketch.hpp"

#include <array>
#include <cmath>
#include <limits>

#include "stages/aggregates/sketches/state_json.hpp"

namespace gpipe::sketches {
namespace {

constexpr std::string_view kSketchName = "distinct";
constexpr int kHighestRank = 64 - DistinctSketch::kPrecision + 1;
constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Ertl (2017), the sigma and tau series of the improved raw estimator, summed until the sum
// stops changing.
double sigma(double x) {
  if (x == 1) return std::numeric_limits<double>::infinity();
  double y = 1;
  double z = x;
  double previous = 0;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (z != previous);
  return z;
}

double tau(double x) {
  if (x == 0 || x == 1) return 0;
  double y = 1;
  double z = 1 - x;
  double previous = 0;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (z != previous);
  return z / 3;
}

}  // namespace

void DistinctSketch::use_registers() {
  registers_.assign(kRegisterCount, 0);
  sparse_.for_each([&](std::uint64_t hash) { add_to_registers(hash); });
  sparse_.clear();
}

void DistinctSketch::merge(const DistinctSketch& other) {
  if (this == &other) return;  // a union with itself
  if (other.is_exact()) {
    other.sparse_.for_each([&](std::uint64_t hash) { add(hash); });
    return;
  }
  if (is_exact()) use_registers();
  for (std::size_t i = 0; i < kRegisterCount; ++i) {
    registers_[i] = std::max(registers_[i], other.registers_[i]);
  }
}

std::uint64_t DistinctSketch::estimate() const {
  if (is_exact()) return sparse_.size();
  std::array<double, kHighestRank + 1> registers_of_rank{};
  for (const std::uint8_t rank : registers_) registers_of_rank[rank] += 1;
  const auto m = static_cast<double>(kRegisterCount);
  double z = m * tau(1 - registers_of_rank[kHighestRank] / m);
  for (int rank = kHighestRank - 1; rank >= 1; --rank) {
    z = 0.5 * (z + registers_of_rank[static_cast<std::size_t>(rank)]);
  }
  z += m * sigma(registers_of_rank[0] / m);
  const double alpha_infinity = 0.5 / std::log(2.0);
  const double estimate = alpha_infinity * m * m / z;
  constexpr double kAtLeast = kSparseLimit + 1;
  if (!(estimate >= kAtLeast))
    return kSparseLimit + 1;  // also when z is infinite (no register set)
  if (estimate >= 0x1p64) return std::numeric_limits<std::uint64_t>::max();
  return static_cast<std::uint64_t>(std::llround(estimate));
}

void DistinctSketch::write_json(std::string& out) const {
  state_json::open_state(out, kSketchName, kStateVersion);
  state_json::append_key(out, "precision");
  state_json::append_uint(out, kPrecision);
  if (is_exact()) {
    state_json::append_key(out, "hashes");
    out += '"';
    for (const std::uint64_t hash : sparse_.sorted()) {
      for (int shift = 60; shift >= 0; shift -= 4) out += kHexDigits[(hash >> shift) & 15];
    }
    out += "\"}";
    return;
  }
  state_json::append_key(out, "registers");
  out += '"';
  for (const std::uint8_t rank : registers_) out += kBase64[rank];
  out += "\"}";
}

DistinctSketch DistinctSketch::read_json(std::string_view json) {
  const state_json::Reader reader(json, kSketchName, kStateVersion);
  if (reader.uint_field("precision") != kPrecision) {
    reader.fail("its precision is not 14, the one of this gpipe's HyperLogLog");
  }
  DistinctSketch sketch;
  if (reader.has("hashes")) {
    const std::string_view hex = reader.string_field("hashes");
    if (hex.size() % 16 != 0 || hex.size() / 16 > kSparseLimit) {
      reader.fail("\"hashes\" must be at most ", std::to_string(kSparseLimit),
                  " hashes of 16 hex digits");
    }
    std::uint64_t previous = 0;
    for (std::size_t at = 0; at < hex.size(); at += 16) {
      std::uint64_t hash = 0;
      for (const char c : hex.substr(at, 16)) {
        const std::size_t digit = kHexDigits.find(c);
        if (digit == std::string_view::npos) reader.fail("\"hashes\" holds a non-hex digit");
        hash = hash << 4 | digit;
      }
      if (at != 0 && hash <= previous) reader.fail("\"hashes\" are not in ascending order");
      previous = hash;
      sketch.sparse_.insert(hash);
    }
    return sketch;
  }
  const std::string_view letters = reader.string_field("registers");
  if (letters.size() != kRegisterCount) {
    reader.fail("\"registers\" must be ", std::to_string(kRegisterCount), " characters");
  }
  sketch.registers_.resize(kRegisterCount);
  for (std::size_t i = 0; i < kRegisterCount; ++i) {
    const std::size_t rank = kBase64.find(letters[i]);
    if (rank > kHighestRank)
      reader.fail("\"registers\" holds a character that is no register value");
    sketch.registers_[i] = static_cast<std::uint8_t>(rank);
  }
  return sketch;
}

std::size_t DistinctSketch::memory_bytes() const {
  return sizeof(*this) + sparse_.memory_bytes() + registers_.capacity();
}

}  // namespace gpipe::sketches
