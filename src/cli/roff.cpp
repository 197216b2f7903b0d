#include "cli/roff.hpp"

#include <algorithm>
#include <cstdio>

#include "cli/doc_text.hpp"

namespace gpipe {

namespace {

// The code point of the UTF-8 sequence at the start of `text`, and its length; a length of 0
// when it is not valid UTF-8.
struct CodePoint {
  char32_t value = 0;
  std::size_t length = 0;
};

CodePoint decode_utf8(std::string_view text) {
  const auto lead = static_cast<unsigned char>(text.front());
  std::size_t length = 0;
  char32_t value = 0;
  if ((lead & 0xE0U) == 0xC0U) {
    length = 2;
    value = lead & 0x1FU;
  } else if ((lead & 0xF0U) == 0xE0U) {
    length = 3;
    value = lead & 0x0FU;
  } else if ((lead & 0xF8U) == 0xF0U) {
    length = 4;
    value = lead & 0x07U;
  } else {
    return {};
  }
  if (text.size() < length) return {};
  for (std::size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[i]);
    if ((next & 0xC0U) != 0x80U) return {};
    value = (value << 6U) | (next & 0x3FU);
  }
  return {value, length};
}

std::string_view ascii_escape(char c) {
  switch (c) {
    case '\\':
      return "\\e";
    case '-':
      return "\\-";
    case '\'':
      return "\\(aq";
    case '`':
      return "\\(ga";
    case '^':
      return "\\(ha";
    case '~':
      return "\\(ti";
    default:
      return {};
  }
}

// Prose: backquoted spans (`grep -E`) in bold, when the backquotes pair up.
void append_filled(std::string& out, const TextBlock& block) {
  std::size_t backquotes = 0;
  for (std::string_view line : block.lines) backquotes += std::ranges::count(line, '`');
  const bool embolden = backquotes % 2 == 0;
  bool bold = false;
  for (std::string_view line : block.lines) {
    if (!embolden) {
      append_roff_line(out, roff_escape(line));
      continue;
    }
    std::string escaped;
    std::size_t start = 0;
    for (std::size_t tick = line.find('`'); tick != std::string_view::npos;
         tick = line.find('`', start)) {
      escaped += roff_escape(line.substr(start, tick - start));
      escaped += bold ? "\\fR" : "\\fB";
      bold = !bold;
      start = tick + 1;
    }
    escaped += roff_escape(line.substr(start));
    append_roff_line(out, escaped);
  }
}

void append_preformatted(std::string& out, const TextBlock& block) {
  out += ".nf\n";
  for (std::string_view line : block.lines) append_roff_line(out, roff_escape(line));
  out += ".fi\n";
}

}  // namespace

std::string roff_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const char c = text.front();
    if (static_cast<unsigned char>(c) < 0x80) {
      const std::string_view escape = ascii_escape(c);
      if (escape.empty()) {
        out += c;
      } else {
        out += escape;
      }
      text.remove_prefix(1);
      continue;
    }
    const CodePoint point = decode_utf8(text);
    if (point.length == 0) {  // not UTF-8: passed on as it is
      out += c;
      text.remove_prefix(1);
      continue;
    }
    char name[16];
    std::snprintf(name, sizeof name, "\\[u%04X]", static_cast<unsigned>(point.value));
    out += name;
    text.remove_prefix(point.length);
  }
  return out;
}

void append_roff_line(std::string& out, std::string_view escaped_line) {
  if (escaped_line.starts_with('.')) out += "\\&";
  out += escaped_line;
  out += '\n';
}

void append_roff_text(std::string& out, std::string_view text, std::string_view paragraph_macro) {
  for (const TextBlock& block : text_blocks(text)) {
    out += paragraph_macro;
    out += '\n';
    if (block.preformatted) {
      append_preformatted(out, block);
    } else {
      append_filled(out, block);
    }
  }
}

}  // namespace gpipe
