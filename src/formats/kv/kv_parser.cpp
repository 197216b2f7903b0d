#include "formats/kv/kv_parser.hpp"

#include <cstring>

namespace gpipe {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::size_t skip_blanks(std::string_view text, std::size_t i) {
  while (i < text.size() && is_blank(text[i])) ++i;
  return i;
}

std::size_t word_end(std::string_view text, std::size_t i) {
  while (i < text.size() && !is_blank(text[i])) ++i;
  return i;
}

// Where the '"' closing a quoted string whose first byte is at `i` is (backslash escapes
// skipped), or npos. Sets `has_escape` when a backslash was seen.
std::size_t closing_quote(std::string_view text, std::size_t i, bool& has_escape) {
  has_escape = false;
  while (i < text.size()) {
    if (text[i] == '\\') {
      has_escape = true;
      i += 2;
    } else if (text[i] == '"') {
      return i;
    } else {
      ++i;
    }
  }
  return std::string_view::npos;
}

char unescaped(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    default:
      return c;  // \" and \\ (others are kept with their backslash by the caller)
  }
}

// The content of a quoted value with its escapes resolved, in the arena (never longer).
std::string_view unescape(std::string_view raw, Arena& arena) {
  char* const out = arena.allocate(raw.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c != '\\' || i + 1 == raw.size()) {
      out[n++] = c;
      continue;
    }
    const char next = raw[++i];
    if (std::strchr("\"\\ntr", next) == nullptr) out[n++] = '\\';
    out[n++] = unescaped(next);
  }
  return {out, n};
}

}  // namespace

bool parse_kv_pairs(std::string_view text, std::string_view separator, Arena& arena,
                    std::vector<Field>& out, KvError& error) {
  out.clear();
  std::size_t i = skip_blanks(text, 0);
  while (i < text.size()) {
    const std::size_t start = i;
    std::size_t end = word_end(text, i);
    if (text[start] == '"') {  // a quoted word of free text: skipped whole
      bool has_escape = false;
      const std::size_t close = closing_quote(text, start + 1, has_escape);
      if (close != std::string_view::npos) end = word_end(text, close + 1);
      i = skip_blanks(text, end);
      continue;
    }
    const std::size_t sep = text.substr(start, end - start).find(separator);
    if (sep == std::string_view::npos || sep == 0) {  // not a pair
      i = skip_blanks(text, end);
      continue;
    }
    const std::string_view key = text.substr(start, sep);
    const std::size_t value_start = start + sep + separator.size();
    if (value_start < text.size() && text[value_start] == '"') {
      bool has_escape = false;
      const std::size_t close = closing_quote(text, value_start + 1, has_escape);
      if (close == std::string_view::npos) {
        error = {value_start + 1, "unterminated quoted value"};
        return false;
      }
      const std::string_view raw = text.substr(value_start + 1, close - value_start - 1);
      out.push_back({key, Value::string(has_escape ? unescape(raw, arena) : raw)});
      end = word_end(text, close + 1);  // `tag="View Lock",`: the comma is not the value's
    } else {
      out.push_back({key, Value::string(text.substr(value_start, end - value_start))});
    }
    i = skip_blanks(text, end);
  }
  return true;
}

}  // namespace gpipe
