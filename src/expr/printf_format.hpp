// The formats of sprintf() / format(): printf-style conversions, parsed and carried out here
// rather than handed to the C library, so no format text a user writes ever reaches snprintf
// (only formats rebuilt from the checked parts do), and every mistake is found when the format
// is parsed: at start-up for a literal format.
//
//   %[flags][width][.precision]conversion
//   flags       - (left-justify)  + (always a sign)  space (a space for the sign)
//               0 (pad with zeros)  # (a 0x prefix for x, a leading 0 for o)
//   width       the least number of characters
//   precision   digits after the point (f e), significant digits (g), least digits (d x o),
//               most characters (s); width and precision are at most kMaxWidth
//   conversion  s (any value as text; null is empty), d i (integer, truncated toward zero),
//               x X o (hexadecimal, octal; a negative number keeps its sign, as Python prints
//               it), f F e E g G (floating point), %% (a percent sign)
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpipe {
class Arena;
}

namespace gpipe::expr {

struct Val;

// One piece of a format: literal text, then one conversion, or none (the format's tail, and the
// text up to a "%%", whose first '%' the literal takes).
struct FormatItem {
  std::size_t literal_begin = 0;  // in the format text
  std::size_t literal_size = 0;
  char conversion = 0;     // 0: none
  bool left = false;       // '-'
  bool plus = false;       // '+'
  bool space = false;      // ' '
  bool zero = false;       // '0'
  bool alternate = false;  // '#'
  int width = -1;          // -1: none
  int precision = -1;      // -1: none
};

inline constexpr int kMaxWidth = 1000;

// Splits `format` into items (reusing `items`' capacity). On a malformed format returns false
// with a reason ("unknown conversion '%c'") and, in `error_offset`, where in the format it is.
bool parse_format(std::string_view format, std::vector<FormatItem>& items, std::string& error,
                  std::size_t& error_offset);

// The number of values the format takes.
std::size_t conversion_count(std::span<const FormatItem> items);

// Appends the format with `values` converted, one per conversion (the count must match).
// Returns false when a value cannot be converted: a number conversion of null, of a string that
// is not a number, of a number too large for its conversion, or of infinity.
bool append_formatted(std::string& out, std::string_view format, std::span<const FormatItem> items,
                      std::span<const Val> values, Arena& arena);

}  // namespace gpipe::expr
