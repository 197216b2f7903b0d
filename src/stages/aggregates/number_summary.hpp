// The state of the numeric aggregates (sum, avg, min, max, stats) for one group: a count, a
// sum, a sum of squares, a minimum and a maximum, kept EXACTLY while the values are decimals.
//
// Why exact: log values are integers and short decimals (ids, bytes, latencies in seconds). Summed
// as 128-bit integers at a common decimal scale, their sums do not depend on the order of addition,
// so `-j`, `--partial | merge` and one pass print the same bytes, sums of ids stay integers
// (no 1.2e+18), and the variance has no cancellation. A value that is not such a decimal (an
// exponent, too many digits) or a sum that would overflow moves the group to doubles: a compensated
// (Neumaier) sum, and Welford's mean and squared deviations, merged with Chan et al.'s formula. The
// results are then within rounding of one pass, not byte-equal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gpipe/record.hpp"

namespace simdjson::dom {
class element;
}

namespace gpipe::stages {

__extension__ using Int128 = __int128;

// A number as written in a record: a decimal `mantissa × 10^-scale` when it is one (at most
// kMaxDigits digits, at most kMaxScale after the point, no exponent), and its double always.
struct ReadNumber {
  static constexpr int kMaxDigits = 36;
  static constexpr int kMaxScale = 18;
  bool decimal = false;
  int scale = 0;
  Int128 mantissa = 0;
  double value = 0;
};

// The number in `text` (blanks around it allowed, as awk's numeric strings), or nothing.
std::optional<ReadNumber> read_number(std::string_view text);

// The number of a field's value for an aggregate: nothing for null, missing and empty values
// (they are skipped, as SQL skips NULL); `not_a_number` is set for any other value that is not a
// number (a bad record for the caller to report).
std::optional<ReadNumber> number_of(const Value& value, bool& not_a_number);

// A double as a number Value in `arena`: a whole number below 2^53 in full (100000, as awk,
// Miller and DuckDB print it), any other in its shortest round-trip form.
Value double_number_value(Arena& arena, double value);

// A decimal mantissa at a scale as text: "-12.5", "3" (trailing zeros of the fraction dropped).
std::string decimal_text(Int128 mantissa, int scale);

class NumberSummary {
 public:
  void add(const ReadNumber& number);
  void merge(const NumberSummary& other);

  std::uint64_t count() const { return count_; }
  // Each result as a Value whose text lives in `arena`; null when there is no value (an empty
  // group's min, the stddev of fewer than two values).
  Value sum(Arena& arena) const;
  Value mean(Arena& arena) const;
  Value min(Arena& arena) const;
  Value max(Arena& arena) const;
  Value stddev(Arena& arena) const;  // of a sample (n - 1), as Python's statistics.stdev
  Value count_value(Arena& arena) const;

  // The state as one JSON object, and back (--partial, merge). Exact parts are written as
  // decimal strings, doubles in their shortest round-trip form: reading back loses nothing.
  void write_json(std::string& out) const;
  // Throws std::invalid_argument saying what is wrong.
  static NumberSummary read_json(const simdjson::dom::element& state);

 private:
  void leave_exact_sum();
  void leave_exact_squares();
  bool rescale_to(int scale);
  double float_sum() const;
  double float_mean() const;
  double float_m2() const;

  std::uint64_t count_ = 0;
  bool sum_exact_ = true;
  bool squares_exact_ = true;
  int scale_ = 0;         // of sum_; squares_ is at twice it
  Int128 sum_ = 0;        // while sum_exact_
  Int128 squares_ = 0;    // while squares_exact_
  double float_sum_ = 0;  // Neumaier: sum and compensation, once !sum_exact_
  double float_compensation_ = 0;
  double welford_mean_ = 0;  // once !squares_exact_
  double welford_m2_ = 0;
  bool has_extremes_ = false;
  ReadNumber min_;
  ReadNumber max_;
};

// a < b as numbers (exact for two decimals).
bool number_less(const ReadNumber& a, const ReadNumber& b);

}  // namespace gpipe::stages
