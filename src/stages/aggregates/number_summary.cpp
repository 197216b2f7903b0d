#include "stages/aggregates/number_summary.hpp"

#include <simdjson.h>

#include <array>
#include <cmath>
#include <stdexcept>

#include "expr/value.hpp"
#include "gpipe/field_ref.hpp"

namespace gpipe::stages {

namespace {

constexpr std::array<double, 23> kExactPowersOfTen = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// The one value whose negation overflows: exact values stay above it, so the range is symmetric.
constexpr Int128 kInt128Min = -(((Int128{1} << 126) - 1) * 2 + 1) - 1;

// x *= 10^k, false on overflow (x is then unspecified).
bool multiply_by_power_of_ten(Int128& x, int k) {
  for (; k > 0; --k) {
    if (__builtin_mul_overflow(x, Int128{10}, &x) || x == kInt128Min) {
      return false;
    }
  }
  return true;
}

// into += value, false (and `into` unchanged) on overflow.
bool add_checked(Int128& into, Int128 value) {
  Int128 total = 0;
  if (__builtin_add_overflow(into, value, &total) || total == kInt128Min) return false;
  into = total;
  return true;
}

// mantissa / 10^scale, with one rounding for the power (exact to 10^27) and one for the division.
long double to_long_double(Int128 mantissa, int scale) {
  long double power = 1;
  for (int i = 0; i < scale; ++i) power *= 10.0L;
  return static_cast<long double>(mantissa) / power;
}

std::string int128_text(Int128 value) {
  if (value == 0) return "0";
  const bool negative = value < 0;
  std::string digits;
  while (value != 0) {
    const int digit = static_cast<int>(value % 10);
    digits += static_cast<char>('0' + (negative ? -digit : digit));
    value /= 10;
  }
  if (negative) digits += '-';
  return {digits.rbegin(), digits.rend()};
}

// An integer as int128_text writes it (any number of digits that fits, unlike read_number's
// decimals, which stop at kMaxDigits).
std::optional<Int128> parse_int128(std::string_view text) {
  const bool negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  Int128 value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    if (__builtin_mul_overflow(value, Int128{10}, &value) ||
        __builtin_add_overflow(value, Int128{c - '0'}, &value)) {
      return std::nullopt;
    }
  }
  return negative ? -value : value;
}

Value arena_text(Arena& arena, std::string_view text) {
  return {Value::Kind::Number, arena.store(text)};
}

std::string number_text(const ReadNumber& number) {
  if (number.decimal) return decimal_text(number.mantissa, number.scale);
  char buffer[32];
  return std::string(expr::format_number(number.value, buffer));
}

// Welford/Chan: the mean and squared deviations of two parts, combined.
void combine_moments(double& mean, double& m2, std::uint64_t count, double other_mean,
                     double other_m2, std::uint64_t other_count) {
  if (other_count == 0) return;
  if (count == 0) {
    mean = other_mean;
    m2 = other_m2;
    return;
  }
  const double n_a = static_cast<double>(count);
  const double n_b = static_cast<double>(other_count);
  const double n = n_a + n_b;
  const double delta = other_mean - mean;
  mean += delta * n_b / n;
  m2 += other_m2 + delta * delta * n_a * n_b / n;
}

void neumaier_add(double& sum, double& compensation, double value) {
  const double total = sum + value;
  if (!std::isfinite(total)) {
    // Past the doubles' range (or an infinity in the input): the sum is that infinity. The
    // compensation of an infinite total would be one too, and their sum NaN.
    sum = total;
    compensation = 0;
    return;
  }
  if (std::fabs(sum) >= std::fabs(value)) {
    compensation += (sum - total) + value;
  } else {
    compensation += (value - total) + sum;
  }
  sum = total;
}

// The common case, an integer of up to 18 digits with an optional minus: summed in 64 bits, the
// 128-bit loop and the division of the general path skipped. Anything else is left to it.
std::optional<ReadNumber> read_short_integer(std::string_view text) {
  const bool negative = text.front() == '-';
  const std::size_t first = negative ? 1 : 0;
  if (text.size() == first || text.size() - first > 18) return std::nullopt;
  std::int64_t magnitude = 0;
  for (std::size_t i = first; i < text.size(); ++i) {
    const auto digit = static_cast<unsigned>(text[i]) - unsigned{'0'};
    if (digit > 9) return std::nullopt;
    magnitude = magnitude * 10 + static_cast<std::int64_t>(digit);
  }
  ReadNumber number;
  number.decimal = true;
  number.scale = 0;
  number.mantissa = negative ? -Int128{magnitude} : Int128{magnitude};
  // Correctly rounded, as the general path's division by 10^0 is.
  number.value = static_cast<double>(negative ? -magnitude : magnitude);
  return number;
}

}  // namespace

std::optional<ReadNumber> read_number(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  if (std::optional<ReadNumber> integer = read_short_integer(text)) return integer;
  ReadNumber number;
  std::size_t i = 0;
  const bool negative = text[0] == '-';
  if (text[0] == '-' || text[0] == '+') ++i;
  int digits = 0;  // significant digits kept in the mantissa
  int fraction_digits = 0;
  int pending_zeros = 0;  // zeros of the fraction not yet in the mantissa (they may trail)
  bool any_digit = false;
  bool point = false;
  bool fits = true;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (point && c == '0') {
        ++pending_zeros;
        continue;
      }
      if (point) {
        fraction_digits += pending_zeros + 1;
        digits += pending_zeros + 1;
      } else if (number.mantissa != 0 || c != '0') {
        ++digits;
      }
      if (digits > ReadNumber::kMaxDigits || fraction_digits > ReadNumber::kMaxScale) {
        fits = false;
      } else {
        for (; pending_zeros > 0; --pending_zeros) number.mantissa *= 10;
        number.mantissa = number.mantissa * 10 + (c - '0');
      }
      pending_zeros = 0;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any_digit) return std::nullopt;
  if (i < text.size()) {
    // An exponent: a number, but not a plain decimal.
    if (text[i] != 'e' && text[i] != 'E') return std::nullopt;
    fits = false;
  }
  if (fits) {
    number.decimal = true;
    number.scale = fraction_digits;
    if (negative) number.mantissa = -number.mantissa;
    constexpr Int128 kExactInDouble = Int128{1} << 53;
    if (number.mantissa < kExactInDouble && -number.mantissa < kExactInDouble) {
      // Both exact in a double, so the one division rounds correctly.
      number.value = static_cast<double>(number.mantissa) /
                     kExactPowersOfTen[static_cast<std::size_t>(number.scale)];
      return number;
    }
  }
  if (!expr::parse_number_into(text, number.value)) return std::nullopt;
  return number;
}

std::optional<ReadNumber> number_of(const Value& value, bool& not_a_number) {
  not_a_number = false;
  switch (value.kind) {
    case Value::Kind::Null:
      return std::nullopt;
    case Value::Kind::Number:
    case Value::Kind::String: {
      std::optional<ReadNumber> number = read_number(value.text);
      if (!number) {
        bool blank = true;
        for (char c : value.text) blank = blank && is_blank(c);
        not_a_number = !blank;
      } else if (!std::isfinite(number->value)) {
        not_a_number = true;
        return std::nullopt;
      }
      return number;
    }
    case Value::Kind::Bool:
    case Value::Kind::Json:
      not_a_number = true;
      return std::nullopt;
  }
  return std::nullopt;
}

// A whole number below 2^53 prints in full (100000, as awk, Miller and DuckDB print it, not
// 1e+05); any other double in its shortest round-trip form.
Value double_number_value(Arena& arena, double value) {
  constexpr double kExactIntegers = 9007199254740992.0;
  if (value == std::trunc(value) && std::fabs(value) < kExactIntegers) {
    return arena_text(arena, std::to_string(static_cast<long long>(value)));
  }
  char buffer[32];
  return arena_text(arena, expr::format_number(value, buffer));
}

std::string decimal_text(Int128 mantissa, int scale) {
  while (scale > 0 && mantissa % 10 == 0) {
    mantissa /= 10;
    --scale;
  }
  std::string digits = int128_text(mantissa < 0 ? -mantissa : mantissa);
  if (scale > 0) {
    if (digits.size() <= static_cast<std::size_t>(scale)) {
      digits.insert(0, static_cast<std::size_t>(scale) + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - static_cast<std::size_t>(scale), 1, '.');
  }
  if (mantissa < 0) digits.insert(0, 1, '-');
  return digits;
}

bool number_less(const ReadNumber& a, const ReadNumber& b) {
  if (a.decimal && b.decimal) {
    Int128 left = a.mantissa;
    Int128 right = b.mantissa;
    const bool aligned = a.scale < b.scale ? multiply_by_power_of_ten(left, b.scale - a.scale)
                                           : multiply_by_power_of_ten(right, a.scale - b.scale);
    if (aligned) return left < right;
  }
  return a.value < b.value;
}

void NumberSummary::add(const ReadNumber& number) {
  if (number.decimal && number.scale > scale_ && (sum_exact_ || squares_exact_)) {
    rescale_to(number.scale);
  }
  // Squares first: leaving exactness there needs the sum before this value.
  if (squares_exact_) {
    Int128 aligned = number.mantissa;
    Int128 square = 0;
    if (!number.decimal || !multiply_by_power_of_ten(aligned, scale_ - number.scale) ||
        __builtin_mul_overflow(aligned, aligned, &square) || !add_checked(squares_, square)) {
      leave_exact_squares();
    }
  }
  if (sum_exact_) {
    Int128 aligned = number.mantissa;
    if (!number.decimal || !multiply_by_power_of_ten(aligned, scale_ - number.scale) ||
        !add_checked(sum_, aligned)) {
      leave_exact_sum();
    }
  }
  if (!sum_exact_) neumaier_add(float_sum_, float_compensation_, number.value);

  ++count_;
  if (!squares_exact_) {
    const double delta = number.value - welford_mean_;
    welford_mean_ += delta / static_cast<double>(count_);
    welford_m2_ += delta * (number.value - welford_mean_);
  }

  if (!has_extremes_) {
    min_ = max_ = number;
    has_extremes_ = true;
  } else {
    if (number_less(number, min_)) min_ = number;
    if (number_less(max_, number)) max_ = number;
  }
}

// Moves the exact parts to a larger scale; a part that would overflow leaves exactness.
bool NumberSummary::rescale_to(int scale) {
  const int by = scale - scale_;
  if (by <= 0) return true;
  Int128 sum = sum_;
  Int128 squares = squares_;
  if (sum_exact_ && !multiply_by_power_of_ten(sum, by)) leave_exact_sum();
  if (squares_exact_ && !multiply_by_power_of_ten(squares, 2 * by)) leave_exact_squares();
  if (sum_exact_) sum_ = sum;
  if (squares_exact_) squares_ = squares;
  scale_ = scale;
  return sum_exact_ && squares_exact_;
}

void NumberSummary::leave_exact_sum() {
  if (!sum_exact_) return;
  float_sum_ = static_cast<double>(to_long_double(sum_, scale_));
  float_compensation_ = 0;
  sum_exact_ = false;
}

void NumberSummary::leave_exact_squares() {
  if (!squares_exact_) return;
  welford_mean_ = float_mean();
  welford_m2_ = float_m2();
  squares_exact_ = false;
}

double NumberSummary::float_sum() const {
  if (sum_exact_) return static_cast<double>(to_long_double(sum_, scale_));
  return float_sum_ + float_compensation_;
}

double NumberSummary::float_mean() const {
  if (count_ == 0) return 0;
  if (sum_exact_) return static_cast<double>(to_long_double(sum_, scale_) / count_);
  const double sum = float_sum();
  // A sum past the doubles' range has a mean within it: Welford's, kept since the squares left
  // exactness (which happens no later than the sum's).
  if (!std::isfinite(sum) && !squares_exact_ && std::isfinite(welford_mean_)) return welford_mean_;
  return sum / static_cast<double>(count_);
}

double NumberSummary::float_m2() const {
  if (!squares_exact_) return welford_m2_;
  if (count_ == 0) return 0;
  const long double sum = sum_exact_ ? to_long_double(sum_, scale_) : float_sum();
  const long double m2 = to_long_double(squares_, 2 * scale_) - sum * sum / count_;
  return m2 > 0 ? static_cast<double>(m2) : 0.0;
}

void NumberSummary::merge(const NumberSummary& other_in) {
  if (other_in.count_ == 0) return;
  NumberSummary other = other_in;
  const int scale = std::max(scale_, other.scale_);
  rescale_to(scale);
  other.rescale_to(scale);

  if (sum_exact_ && other.sum_exact_ && add_checked(sum_, other.sum_)) {
    // done: exact
  } else {
    leave_exact_sum();
    other.leave_exact_sum();
    neumaier_add(float_sum_, float_compensation_, other.float_sum_);
    float_compensation_ += other.float_compensation_;
  }
  if (squares_exact_ && other.squares_exact_ && add_checked(squares_, other.squares_)) {
    // done: exact
  } else {
    leave_exact_squares();
    other.leave_exact_squares();
    combine_moments(welford_mean_, welford_m2_, count_, other.welford_mean_, other.welford_m2_,
                    other.count_);
  }
  count_ += other.count_;

  if (other.has_extremes_) {
    if (!has_extremes_) {
      min_ = other.min_;
      max_ = other.max_;
      has_extremes_ = true;
    } else {
      if (number_less(other.min_, min_)) min_ = other.min_;
      if (number_less(max_, other.max_)) max_ = other.max_;
    }
  }
}

Value NumberSummary::count_value(Arena& arena) const {
  return number_value(arena, count_);
}

Value NumberSummary::sum(Arena& arena) const {
  if (sum_exact_) return arena_text(arena, decimal_text(sum_, scale_));
  return double_number_value(arena, float_sum());
}

Value NumberSummary::mean(Arena& arena) const {
  if (count_ == 0) return Value::null();
  return double_number_value(arena, float_mean());
}

Value NumberSummary::min(Arena& arena) const {
  if (!has_extremes_) return Value::null();
  return arena_text(arena, number_text(min_));
}

Value NumberSummary::max(Arena& arena) const {
  if (!has_extremes_) return Value::null();
  return arena_text(arena, number_text(max_));
}

Value NumberSummary::stddev(Arena& arena) const {
  if (count_ < 2) return Value::null();
  const auto n = static_cast<Int128>(count_);
  Int128 scaled_squares = 0;
  Int128 sum_squared = 0;
  Int128 numerator = 0;
  if (sum_exact_ && squares_exact_ && !__builtin_mul_overflow(n, squares_, &scaled_squares) &&
      !__builtin_mul_overflow(sum_, sum_, &sum_squared) &&
      !__builtin_sub_overflow(scaled_squares, sum_squared, &numerator)) {
    // n·Σx² − (Σx)² is exact, so the variance has no cancellation at all.
    const long double variance =
        to_long_double(numerator, 2 * scale_) / (static_cast<long double>(count_) * (count_ - 1));
    return double_number_value(arena, static_cast<double>(std::sqrt(variance)));
  }
  return double_number_value(arena, std::sqrt(float_m2() / static_cast<double>(count_ - 1)));
}

namespace {

// A double in JSON: its shortest round-trip text, or "inf", "-inf", "nan" as strings (a sum of
// squares of 1e300s overflows), which JSON numbers cannot hold.
void append_double(std::string& out, double value) {
  char buffer[32];
  if (std::isfinite(value)) {
    out += expr::format_number(value, buffer);
  } else {
    out += std::isnan(value) ? "\"nan\"" : value > 0 ? "\"inf\"" : "\"-inf\"";
  }
}

}  // namespace

void NumberSummary::write_json(std::string& out) const {
  out += "{\"n\":";
  out += std::to_string(count_);
  out += ",\"scale\":";
  out += std::to_string(scale_);
  if (sum_exact_) {
    out += ",\"sum\":\"" + int128_text(sum_) + "\"";
  } else {
    out += ",\"fsum\":";
    append_double(out, float_sum_);
    out += ",\"fcomp\":";
    append_double(out, float_compensation_);
  }
  if (squares_exact_) {
    out += ",\"squares\":\"" + int128_text(squares_) + "\"";
  } else {
    out += ",\"wmean\":";
    append_double(out, welford_mean_);
    out += ",\"wm2\":";
    append_double(out, welford_m2_);
  }
  if (has_extremes_) {
    out += ",\"min\":\"" + number_text(min_) + "\",\"max\":\"" + number_text(max_) + "\"";
  }
  out += "}";
}

namespace {

[[noreturn]] void bad_state(std::string_view what) {
  throw std::invalid_argument("a number summary " + std::string(what));
}

double double_member(const simdjson::dom::element& state, const char* key) {
  double value = 0;
  if (state[key].get_double().get(value) == simdjson::SUCCESS) return value;
  std::string_view text;
  if (state[key].get_string().get(text) == simdjson::SUCCESS) {
    if (text == "inf") return HUGE_VAL;
    if (text == "-inf") return -HUGE_VAL;
    if (text == "nan") return std::nan("");
  }
  bad_state(std::string("needs the number '") + key + "'");
}

std::string_view string_member(const simdjson::dom::element& state, const char* key) {
  std::string_view value;
  if (state[key].get_string().get(value) != simdjson::SUCCESS) {
    bad_state(std::string("needs the string '") + key + "'");
  }
  return value;
}

Int128 int128_member(const simdjson::dom::element& state, const char* key) {
  const std::optional<Int128> value = parse_int128(string_member(state, key));
  if (!value) bad_state(std::string("has a malformed '") + key + "'");
  return *value;
}

ReadNumber number_member(const simdjson::dom::element& state, const char* key) {
  const std::optional<ReadNumber> value = read_number(string_member(state, key));
  if (!value) bad_state(std::string("has a malformed '") + key + "'");
  return *value;
}

}  // namespace

NumberSummary NumberSummary::read_json(const simdjson::dom::element& state) {
  NumberSummary summary;
  if (!state.is_object()) bad_state("is not a JSON object");
  std::uint64_t count = 0;
  if (state["n"].get_uint64().get(count) != simdjson::SUCCESS) bad_state("needs the count 'n'");
  std::int64_t scale = 0;
  if (state["scale"].get_int64().get(scale) != simdjson::SUCCESS || scale < 0 ||
      scale > ReadNumber::kMaxScale) {
    bad_state("needs a 'scale' from 0 to 18");
  }
  summary.count_ = count;
  summary.scale_ = static_cast<int>(scale);
  summary.sum_exact_ = !state["sum"].error();
  if (summary.sum_exact_) {
    summary.sum_ = int128_member(state, "sum");
  } else {
    summary.float_sum_ = double_member(state, "fsum");
    summary.float_compensation_ = double_member(state, "fcomp");
  }
  summary.squares_exact_ = !state["squares"].error();
  if (summary.squares_exact_) {
    summary.squares_ = int128_member(state, "squares");
  } else {
    summary.welford_mean_ = double_member(state, "wmean");
    summary.welford_m2_ = double_member(state, "wm2");
  }
  summary.has_extremes_ = !state["min"].error();
  if (summary.has_extremes_) {
    summary.min_ = number_member(state, "min");
    summary.max_ = number_member(state, "max");
  }
  if ((count > 0) != summary.has_extremes_) bad_state("has a count that disagrees with min/max");
  return summary;
}

}  // namespace gpipe::stages
