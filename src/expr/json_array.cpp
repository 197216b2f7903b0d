#include "expr/json_array.hpp"

#include <utf8proc.h>

#include <cmath>
#include <cstdint>

namespace gpipe::expr {

namespace {

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void skip_space(std::string_view text, std::size_t& i) {
  while (i < text.size() && is_json_space(text[i])) ++i;
}

// Moves `i` past the string whose opening quote is at text[i]. False when it is not closed.
bool skip_string(std::string_view text, std::size_t& i) {
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      ++i;
      return true;
    }
  }
  return false;
}

// Moves `i` past the JSON value that starts at text[i]: a string, a number or word, or a whole
// array or object. Only its extent is checked (quotes and brackets), not its grammar: the text
// is JSON that gpipe made or already parsed.
bool skip_value(std::string_view text, std::size_t& i) {
  std::size_t depth = 0;
  while (true) {
    skip_space(text, i);
    if (i == text.size()) return false;
    const char c = text[i];
    if (c == '"') {
      if (!skip_string(text, i)) return false;
    } else if (c == '[' || c == '{') {
      ++depth;
      ++i;
    } else if (c == ']' || c == '}') {
      if (depth == 0) return false;
      --depth;
      ++i;
    } else if (c == ',' || c == ':') {
      if (depth == 0) return false;
      ++i;
      continue;
    } else {
      const std::size_t start = i;
      while (i < text.size() && !is_json_space(text[i]) && text[i] != ',' && text[i] != ':' &&
             text[i] != ']' && text[i] != '}') {
        ++i;
      }
      if (i == start) return false;
    }
    if (depth == 0) return true;
  }
}

// Calls on_element(text) for each element of the array in order, until it returns false.
// Returns false when `array` is not an array.
template <class OnElement>
bool for_each_element(std::string_view array, OnElement on_element) {
  std::size_t i = 0;
  skip_space(array, i);
  if (i == array.size() || array[i] != '[') return false;
  ++i;
  skip_space(array, i);
  if (i < array.size() && array[i] == ']') return true;
  while (true) {
    skip_space(array, i);
    const std::size_t start = i;
    if (!skip_value(array, i)) return false;
    if (!on_element(array.substr(start, i - start))) return true;
    skip_space(array, i);
    if (i == array.size()) return false;
    if (array[i] == ']') return true;
    if (array[i] != ',') return false;
    ++i;
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at text[i]; -1 when they are not.
std::int32_t read_hex4(std::string_view text, std::size_t i) {
  if (i + 4 > text.size()) return -1;
  std::int32_t value = 0;
  for (std::size_t k = i; k < i + 4; ++k) {
    const int digit = hex_digit(text[k]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

constexpr std::int32_t kReplacement = 0xFFFD;

// The body of a JSON string (between its quotes) unescaped: the body itself when it has no
// escape, else a copy in the arena (never longer than the body: every escape is at least as
// long as the UTF-8 it stands for).
std::string_view unescape(std::string_view body, Arena& arena) {
  if (body.find('\\') == std::string_view::npos) return body;
  char* const out = arena.allocate(body.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 == body.size()) {
      out[n++] = body[i];
      continue;
    }
    const char e = body[++i];
    if (e != 'u') {
      constexpr std::string_view kFrom = "bfnrt";
      constexpr std::string_view kTo = "\b\f\n\r\t";
      const std::size_t at = kFrom.find(e);
      out[n++] = at == std::string_view::npos ? e : kTo[at];  // \" \\ \/ are the character
      continue;
    }
    std::int32_t code = read_hex4(body, i + 1);
    if (code < 0) {
      out[n++] = e;  // not an escape after all: keep the text
      continue;
    }
    i += 4;
    if (code >= 0xD800 && code < 0xDC00 && i + 2 < body.size() && body[i + 1] == '\\' &&
        body[i + 2] == 'u') {
      const std::int32_t low = read_hex4(body, i + 3);
      if (low >= 0xDC00 && low < 0xE000) {
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        i += 6;
      }
    }
    if (code >= 0xD800 && code < 0xE000) code = kReplacement;  // a lone surrogate
    n += static_cast<std::size_t>(
        utf8proc_encode_char(code, reinterpret_cast<utf8proc_uint8_t*>(out + n)));
  }
  return {out, n};
}

Val element_value(std::string_view element, Arena& arena) {
  switch (element.front()) {
    case '"':
      return Val::of_string(unescape(element.substr(1, element.size() - 2), arena), true);
    case '[':
    case '{': {
      Val v;
      v.kind = Val::Kind::Json;
      v.text = element;
      return v;
    }
    default:
      break;
  }
  if (element == "true" || element == "false") return Val::of_bool(element == "true");
  if (const auto number = parse_number(element)) return Val::of_number(*number, element);
  return Val::null();
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  const auto* const bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      utf8proc_int32_t code = 0;
      const auto length =
          utf8proc_iterate(bytes + i, static_cast<utf8proc_ssize_t>(text.size() - i), &code);
      if (length <= 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, static_cast<std::size_t>(length)));
        i += static_cast<std::size_t>(length);
      }
      continue;
    }
    ++i;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20) {
      out += static_cast<char>(c);
    } else {
      constexpr std::string_view kNamed = "\b\f\n\r\t";
      constexpr std::string_view kLetters = "bfnrt";
      constexpr std::string_view kHex = "0123456789abcdef";
      out += '\\';
      if (const std::size_t at = kNamed.find(static_cast<char>(c)); at != std::string_view::npos) {
        out += kLetters[at];
      } else {
        out += "u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  out += '"';
}

Val json_array_element(std::string_view array, double index, Arena& arena) {
  if (!std::isfinite(index)) return Val::null();
  double position = std::trunc(index);
  if (position < 0) {
    std::size_t count = 0;
    if (!for_each_element(array, [&](std::string_view) { return ++count, true; })) {
      return Val::null();
    }
    position += static_cast<double>(count);
    if (position < 0) return Val::null();
  }
  std::string_view found;
  double at = 0;
  for_each_element(array, [&](std::string_view element) {
    if (at++ < position) return true;
    found = element;
    return false;
  });
  return found.empty() ? Val::null() : element_value(found, arena);
}

}  // namespace gpipe::expr
