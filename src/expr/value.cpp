#include "expr/value.hpp"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace gpipe::expr {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// True when `text` (no blanks) is [+-]digits[.digits][(e|E)[+-]digits] with a digit somewhere
// in the mantissa.
bool is_decimal(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t mantissa_digits = 0;
  while (i < text.size() && is_digit(text[i])) ++i, ++mantissa_digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const std::size_t exponent_start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == exponent_start) return false;
  }
  return i == text.size();
}

// Integers of up to 15 digits, with an optional sign: exactly representable in a double, so
// summing their digits gives what from_chars gives. Why: filters such as `where retweet_count >
// 100` parse one short integer per record, and the general path (grammar check, then
// from_chars) was a visible share of the json task (see docs/performance.md, "Expressions:
// numbers without a stall").
constexpr std::size_t kExactIntegerDigits = 15;

bool parse_short_integer(std::string_view text, double& out) {
  std::size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) i = 1;
  const std::size_t digits = text.size() - i;
  if (digits == 0 || digits > kExactIntegerDigits) return false;
  std::uint64_t value = 0;
  for (; i < text.size(); ++i) {
    if (!is_digit(text[i])) return false;
    value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  const auto magnitude = static_cast<double>(value);
  out = negative ? -magnitude : magnitude;  // "-0" is -0.0, as from_chars reads it
  return true;
}

}  // namespace

bool parse_number_into(std::string_view text, double& out) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  if (parse_short_integer(text, out)) return true;
  if (!is_decimal(text)) return false;
  if (text.front() == '+') text.remove_prefix(1);  // from_chars takes no '+'
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error == std::errc::result_out_of_range) {
    // Beyond a double's range: round as strtod does (to infinity or zero). Rare, so a copy is
    // fine here.
    out = std::strtod(std::string(text).c_str(), nullptr);
    return true;
  }
  return error == std::errc() && end == text.data() + text.size();
}

std::string_view format_number(double n, char* buffer) {
  const auto [end, error] = std::to_chars(buffer, buffer + 32, n);
  static_cast<void>(error);  // the shortest form of a double always fits 32 bytes
  return {buffer, static_cast<std::size_t>(end - buffer)};
}

std::optional<double> to_number_parsed(const Val& v) {
  switch (v.kind) {
    case Val::Kind::Number:
      return v.number;
    case Val::Kind::String:
      return parse_number(v.text);
    case Val::Kind::Bool:
      return v.boolean ? 1.0 : 0.0;
    case Val::Kind::Null:
    case Val::Kind::Json:
      break;
  }
  return std::nullopt;
}

std::optional<std::string_view> to_text(const Val& v, Arena& arena) {
  if (v.is_null()) return std::nullopt;
  if (v.kind == Val::Kind::Number && v.text.empty()) {
    char buffer[32];
    return arena.store(format_number(v.number, buffer));
  }
  return v.text;
}

bool truthy(const Val& v) {
  switch (v.kind) {
    case Val::Kind::Null:
      return false;
    case Val::Kind::Bool:
      return v.boolean;
    case Val::Kind::Number:
      return v.number != 0;
    case Val::Kind::String:
      return !v.text.empty();
    case Val::Kind::Json:
      return true;
  }
  return false;
}

Val from_field_value(const Value& value) {
  switch (value.kind) {
    case Value::Kind::Null:
      return Val::null();
    case Value::Kind::Bool:
      return Val::of_bool(value.text == "true");
    case Value::Kind::Number:
      if (const auto n = parse_number(value.text)) return Val::of_number(*n, value.text);
      return Val::of_string(value.text, true);
    case Value::Kind::String:
      return Val::of_string(value.text, true);
    case Value::Kind::Json: {
      Val v;
      v.kind = Val::Kind::Json;
      v.text = value.text;
      return v;
    }
  }
  return Val::null();
}

Value to_field_value(const Val& v, Arena& arena) {
  switch (v.kind) {
    case Val::Kind::Null:
      return Value::null();
    case Val::Kind::Bool:
      return Value{Value::Kind::Bool, v.boolean ? "true" : "false"};
    case Val::Kind::Number:
      return Value{Value::Kind::Number, *to_text(v, arena)};
    case Val::Kind::String:
      return Value::string(v.text);
    case Val::Kind::Json:
      return Value{Value::Kind::Json, v.text};
  }
  return Value::null();
}

}  // namespace gpipe::expr
