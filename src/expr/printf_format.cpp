#include "expr/printf_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "expr/functions.hpp"
#include "expr/value.hpp"

namespace gpipe::expr {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_known_conversion(char c) {
  constexpr std::string_view kConversions = "sdixXofFeEgG";
  return kConversions.find(c) != std::string_view::npos;
}

// Reads digits at format[i] into `number` (-1 when there are none). False when it is larger than
// kMaxWidth.
bool read_count(std::string_view format, std::size_t& i, int& number) {
  if (i >= format.size() || !is_digit(format[i])) return true;
  number = 0;
  while (i < format.size() && is_digit(format[i])) {
    number = number * 10 + (format[i] - '0');
    if (number > kMaxWidth) return false;
    ++i;
  }
  return true;
}

// Reads the conversion after the '%' at format[i - 1] into `item`; i ends past it.
bool parse_conversion(std::string_view format, std::size_t& i, FormatItem& item,
                      std::string& error) {
  for (; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '-') {
      item.left = true;
    } else if (c == '+') {
      item.plus = true;
    } else if (c == ' ') {
      item.space = true;
    } else if (c == '0') {
      item.zero = true;
    } else if (c == '#') {
      item.alternate = true;
    } else {
      break;
    }
  }
  bool small = read_count(format, i, item.width);
  if (small && i < format.size() && format[i] == '.') {
    ++i;
    item.precision = 0;
    small = read_count(format, i, item.precision);
    if (item.precision < 0) item.precision = 0;  // "%.f" is precision 0, as in C
  }
  if (!small) {
    error = "width and precision are at most " + std::to_string(kMaxWidth);
    return false;
  }
  if (i == format.size()) {
    error = "the format ends inside a conversion";
    return false;
  }
  if (!is_known_conversion(format[i])) {
    error = "unknown conversion '%" + std::string(1, format[i]) +
            "' (known: %s %d %i %x %X %o %f %F %e %E %g %G %%)";
    return false;
  }
  item.conversion = format[i++];
  return true;
}

// Pads `body` (already in `out` from `start`, `length` characters wide) to the item's width.
void pad(std::string& out, std::size_t start, std::size_t length, const FormatItem& item) {
  if (item.width < 0 || length >= static_cast<std::size_t>(item.width)) return;
  const std::size_t fill = static_cast<std::size_t>(item.width) - length;
  if (item.left) {
    out.append(fill, ' ');
  } else {
    out.insert(start, fill, ' ');
  }
}

// %s: the value as text (null is empty); precision and width count characters, not bytes.
void append_text(std::string& out, const Val& value, const FormatItem& item, Arena& arena) {
  std::string_view text = to_text(value, arena).value_or(std::string_view());
  std::size_t length = utf8_length(text);
  if (item.precision >= 0 && length > static_cast<std::size_t>(item.precision)) {
    std::size_t kept = 0;
    std::size_t end = 0;
    for (; end < text.size(); ++end) {
      if ((static_cast<unsigned char>(text[end]) & 0xC0) != 0x80 &&
          kept++ == static_cast<std::size_t>(item.precision)) {
        break;
      }
    }
    text = text.substr(0, end);
    length = static_cast<std::size_t>(item.precision);
  }
  const std::size_t start = out.size();
  out += text;
  pad(out, start, length, item);
}

// The digits of a whole, non-negative number in `base` into `buffer` (at least 320 bytes: a
// double has up to 309 integer digits). False when base 8 or 16 is asked of a number beyond
// 64 bits, which no integer type holds.
bool whole_digits(double magnitude, int base, char* buffer, std::size_t& size) {
  constexpr double kTwoTo64 = 18446744073709551616.0;
  std::to_chars_result result{};
  if (magnitude < kTwoTo64) {
    result = std::to_chars(buffer, buffer + 320, static_cast<unsigned long long>(magnitude), base);
  } else if (base == 10) {
    result = std::to_chars(buffer, buffer + 320, magnitude, std::chars_format::fixed, 0);
  } else {
    return false;
  }
  size = static_cast<std::size_t>(result.ptr - buffer);
  return result.ec == std::errc();
}

// %d %i %x %X %o: the number truncated toward zero. Sign, prefix, precision (least digits) and
// padding are laid out here, as C lays them out, except that a negative number in hexadecimal or
// octal is its magnitude with a '-', as Python prints it, not its two's complement.
bool append_integer(std::string& out, double number, const FormatItem& item) {
  const double whole = std::trunc(number);
  const char c = item.conversion;
  const int base = c == 'x' || c == 'X' ? 16 : c == 'o' ? 8 : 10;
  char digits[320];
  std::size_t size = 0;
  if (!whole_digits(std::fabs(whole), base, digits, size)) return false;
  if (c == 'X') {
    for (std::size_t i = 0; i < size; ++i) {
      if (digits[i] >= 'a' && digits[i] <= 'f')
        digits[i] = static_cast<char>(digits[i] - 'a' + 'A');
    }
  }
  if (item.precision == 0 && whole == 0) size = 0;  // C prints no digits for "%.0d" of 0
  std::string_view sign = whole < 0 ? "-" : item.plus ? "+" : item.space ? " " : "";
  std::string_view prefix;
  if (item.alternate && whole != 0) prefix = c == 'x' ? "0x" : c == 'X' ? "0X" : "";
  std::size_t zeros =
      item.precision > static_cast<int>(size) ? static_cast<std::size_t>(item.precision) - size : 0;
  if (item.alternate && c == 'o' && zeros == 0 && (size == 0 || digits[0] != '0')) zeros = 1;
  std::size_t length = sign.size() + prefix.size() + zeros + size;
  if (item.zero && !item.left && item.precision < 0 && item.width > static_cast<int>(length)) {
    zeros += static_cast<std::size_t>(item.width) - length;
    length = static_cast<std::size_t>(item.width);
  }
  const std::size_t start = out.size();
  out += sign;
  out += prefix;
  out.append(zeros, '0');
  out.append(digits, size);
  pad(out, start, length, item);
  return true;
}

// %f %e %g and their capitals, by snprintf with a format rebuilt from the parsed item, so only
// the checked flags, counts and conversion reach the C library.
void append_floating(std::string& out, double number, const FormatItem& item) {
  char spec[32];
  std::size_t n = 0;
  spec[n++] = '%';
  if (item.left) spec[n++] = '-';
  if (item.plus) spec[n++] = '+';
  if (item.space) spec[n++] = ' ';
  if (item.zero) spec[n++] = '0';
  if (item.alternate) spec[n++] = '#';
  if (item.width >= 0) n += static_cast<std::size_t>(std::snprintf(spec + n, 8, "%d", item.width));
  if (item.precision >= 0) {
    n += static_cast<std::size_t>(std::snprintf(spec + n, 9, ".%d", item.precision));
  }
  spec[n++] = item.conversion;
  spec[n] = '\0';
  // The spec is built from checked parts only (kMaxWidth bounds its numbers).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  const int length = std::snprintf(nullptr, 0, spec, number);
  if (length <= 0) return;
  const std::size_t start = out.size();
  out.resize(start + static_cast<std::size_t>(length) + 1);  // snprintf writes a NUL too
  std::snprintf(out.data() + start, static_cast<std::size_t>(length) + 1, spec, number);
#pragma GCC diagnostic pop
  out.resize(start + static_cast<std::size_t>(length));
}

bool append_conversion(std::string& out, const FormatItem& item, const Val& value, Arena& arena) {
  if (item.conversion == 's') {
    append_text(out, value, item, arena);
    return true;
  }
  const auto number = to_number(value);
  if (!number || !std::isfinite(*number)) return false;
  switch (item.conversion) {
    case 'd':
    case 'i':
    case 'x':
    case 'X':
    case 'o':
      return append_integer(out, *number, item);
    default:
      append_floating(out, *number, item);
      return true;
  }
}

}  // namespace

bool parse_format(std::string_view format, std::vector<FormatItem>& items, std::string& error,
                  std::size_t& error_offset) {
  items.clear();
  FormatItem item;
  std::size_t i = 0;
  while (i < format.size()) {
    if (format[i] != '%') {
      ++i;
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '%') {
      // "%%": the literal runs on to take the first '%', the second is skipped.
      item.literal_size = i + 1 - item.literal_begin;
      items.push_back(item);
      item = FormatItem{};
      item.literal_begin = i + 2;
      i += 2;
      continue;
    }
    const std::size_t percent = i;
    item.literal_size = percent - item.literal_begin;
    ++i;
    if (!parse_conversion(format, i, item, error)) {
      error_offset = percent;
      return false;
    }
    items.push_back(item);
    item = FormatItem{};
    item.literal_begin = i;
  }
  item.literal_size = format.size() - item.literal_begin;
  items.push_back(item);
  return true;
}

std::size_t conversion_count(std::span<const FormatItem> items) {
  std::size_t n = 0;
  for (const FormatItem& item : items) n += item.conversion != 0;
  return n;
}

bool append_formatted(std::string& out, std::string_view format, std::span<const FormatItem> items,
                      std::span<const Val> values, Arena& arena) {
  std::size_t next = 0;
  for (const FormatItem& item : items) {
    out += format.substr(item.literal_begin, item.literal_size);
    if (item.conversion == 0) continue;
    if (next == values.size() || !append_conversion(out, item, values[next++], arena)) return false;
  }
  return true;
}

}  // namespace gpipe::expr
