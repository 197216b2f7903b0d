// The values an expression computes with: small, copied by value, never owning. Strings are
// views into the record, the batch's arena or the compiled expression (literals), so evaluating a
// comparison or a number allocates nothing.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

#include "gpipe/record.hpp"

namespace gpipe::expr {

struct Val {
  enum class Kind : std::uint8_t { Null, Bool, Number, String, Json };
  Kind kind = Kind::Null;
  bool boolean = false;
  // A string read from a record (awk's "strnum"): two of them that both look like numbers
  // compare as numbers, as awk compares two numeric-looking fields.
  bool from_field = false;
  double number = 0;
  // String: its bytes. Number: its text as written in the input (empty when computed).
  // Json: compact JSON text of an object or array. Bool: "true"/"false".
  std::string_view text;

  static Val null() { return {}; }
  static Val of_bool(bool b) {
    Val v;
    v.kind = Kind::Bool;
    v.boolean = b;
    v.text = b ? "true" : "false";
    return v;
  }
  // A number computed by the expression (no written text) that overflowed to infinity or is
  // not a number is null: there is no JSON or CSV spelling for it, and "inf" printed as a
  // field would read back as a string. A number read from the input keeps its written text
  // (1e999 in a JSON file prints as 1e999), even when it is too large for a double.
  static Val of_number(double n, std::string_view written = {}) {
    if (written.empty() && !std::isfinite(n)) return null();
    Val v;
    v.kind = Kind::Number;
    v.number = n;
    v.text = written;
    return v;
  }
  static Val of_string(std::string_view s, bool from_field = false) {
    Val v;
    v.kind = Kind::String;
    v.text = s;
    v.from_field = from_field;
    return v;
  }
  bool is_null() const { return kind == Kind::Null; }
};

// A number written in decimal (awk's idea of a numeric string): optional blanks, an optional
// sign, digits with an optional fraction (".5" and "5." too), an optional exponent, optional
// blanks. No hex, inf or nan. Returns the number, or nothing.
// The optional is made inline: returned from a function, GCC built it on the stack with a
// one-byte store read back as eight (a stalled store forward), most of the time parse_number
// took for `where retweet_count > 100` (see docs/performance.md, "Expressions: numbers without
// a stall").
bool parse_number_into(std::string_view text, double& out);
inline std::optional<double> parse_number(std::string_view text) {
  if (double number = 0; parse_number_into(text, number)) return number;
  return std::nullopt;
}

// The shortest text that reads back as the same double (std::to_chars): 100, 0.1, 1e+20.
// Writes into `buffer` (at least 32 bytes) and returns a view of it.
std::string_view format_number(double n, char* buffer);

// The value as a number: numbers, numeric-looking strings, booleans (1/0); else nothing.
// A number is returned inline: out of line, the optional came back through the stack with a
// one-byte store read as eight, a stall that `where retweet_count > 100` pays per record (see
// docs/performance.md, "Expressions: numbers without a stall").
std::optional<double> to_number_parsed(const Val& v);
inline std::optional<double> to_number(const Val& v) {
  if (v.kind == Val::Kind::Number) return v.number;
  return to_number_parsed(v);
}

// The value as text, for string functions and matching: a number's text (formatted into the
// arena when it has none), a bool's "true"/"false", JSON text. Null gives nothing.
std::optional<std::string_view> to_text(const Val& v, Arena& arena);

// Truthiness for `where`: true, a non-zero number, a non-empty string, any JSON; not null,
// false, 0 or "".
bool truthy(const Val& v);

// A record's field value as an expression value (numbers parsed, strings marked as fields).
Val from_field_value(const Value& value);

// The value as a record field (for `set`): numbers keep their written text or are formatted
// into the arena.
Value to_field_value(const Val& v, Arena& arena);

}  // namespace gpipe::expr
