// The state of `distinct` for one group: HyperLogLog++ (Heule, Nunkesser and Hall, 2013) at
// precision 14 (2^14 one-byte registers, a standard error of 1.04 / sqrt(2^14), about 0.81%).
//
// Sparse mode: the set of the 64-bit hashes themselves, so the count is exact (but for a
// collision of 64-bit hashes) up to kSparseLimit distinct values, in no more memory than the
// registers take. Past it the hashes go into the registers. The estimate from the registers is
// Ertl's improved raw estimator ("New cardinality estimation algorithms for HyperLogLog
// sketches", 2017), which needs no empirical bias tables: it is unbiased from a few thousand to
// billions, where the original HyperLogLog switches to linear counting and Google's HLL++ corrects
// the gap between with tables.
//
// A register holds a maximum and the sparse set a union, so merge is exact, associative,
// commutative and idempotent: after any split, in any order, the state is the one of a single
// pass.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "stages/aggregates/sketches/hash_set.hpp"

namespace gpipe::sketches {

class DistinctSketch {
 public:
  static constexpr int kPrecision = 14;
  static constexpr std::size_t kRegisterCount = std::size_t{1} << kPrecision;
  // Exact up to this many distinct hashes: the set's table is then 2048 slots of 8 bytes, the
  // size of the registers.
  static constexpr std::size_t kSparseLimit = 1536;
  // 1.04 / sqrt(kRegisterCount): 0.8125%.
  static constexpr double kStandardError = 1.04 / 128;
  static_assert(kRegisterCount == 128 * 128);
  static constexpr std::uint64_t kStateVersion = 1;

  // A 64-bit hash of the value (the caller hashes with XXH3_64bits).
  void add(std::uint64_t hash) {
    if (!registers_.empty()) {
      add_to_registers(hash);
    } else if (sparse_.size() < kSparseLimit) {
      sparse_.insert(hash);
    } else if (!sparse_.contains(hash)) {
      use_registers();
      add_to_registers(hash);
    }
  }
  void merge(const DistinctSketch& other);

  // Exact in sparse mode; else the estimate, at least kSparseLimit + 1 (the set held more).
  std::uint64_t estimate() const;
  bool is_exact() const { return registers_.empty(); }

  // {"sketch":"distinct","version":1,"precision":14,"hashes":"HEX"}: the hashes ascending, 16
  // hex digits each; or ...,"registers":"LETTERS"}: one character per register, its value as a
  // base64 digit (0-25: A-Z, 26-51: a-z).
  void write_json(std::string& out) const;
  // Throws std::invalid_argument, saying what is wrong, on a malformed or other-version state.
  static DistinctSketch read_json(std::string_view json);

  std::size_t memory_bytes() const;

 private:
  // The register is the top kPrecision bits; its value the position of the first 1 bit in the
  // rest, counted from 1 (at most 64 - kPrecision + 1 when the rest is all 0).
  void add_to_registers(std::uint64_t hash) {
    const std::size_t index = hash >> (64 - kPrecision);
    const auto rank = static_cast<std::uint8_t>(
        std::countl_zero((hash << kPrecision) | (std::uint64_t{1} << (kPrecision - 1))) + 1);
    if (rank > registers_[index]) registers_[index] = rank;
  }
  void use_registers();

  HashSet sparse_;                       // while registers_ is empty
  std::vector<std::uint8_t> registers_;  // kRegisterCount once past kSparseLimit
};

}  // namespace gpipe::sketches
