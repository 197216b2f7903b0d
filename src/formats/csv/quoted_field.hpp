// The parts of a quoted CSV field that the row splitter and the block splitter share: where it
// closes, and its value. Inline: the block splitter calls them for each field with "" inside.
#pragma once

#include <cstddef>
#include <string_view>

#include "formats/csv/row_splitter.hpp"
#include "gpipe/record.hpp"

namespace gpipe::csv {

// `quoted` is a whole quoted field, both quotes included; `after` is the text between its
// closing quote and the separator (normally empty): the value with the outer quotes dropped,
// each "" made one ", and `after` appended, unescaped into `arena`.
std::string_view unescape_quoted(std::string_view quoted, std::string_view after, Arena& arena);

// Where the quoted field starting at `open` (its opening quote) in `text` closes, or npos when
// it is still open at the end of `text`. Sets `doubled` when it holds "".
inline std::size_t closing_quote(std::string_view text, std::size_t open, bool& doubled) {
  std::size_t i = open + 1;
  for (;;) {
    const std::size_t q = text.find(kQuote, i);
    if (q == std::string_view::npos || q + 1 >= text.size() || text[q + 1] != kQuote) return q;
    doubled = true;
    i = q + 2;
  }
}

// The value of the quoted field `field`: from its opening quote to the separator or the row's
// end, its closing quote at `close`. A view inside the quotes when there is nothing to
// unescape (no "", no text after the closing quote), else unescaped into `arena`.
inline std::string_view quoted_value(std::string_view field, std::size_t close, bool doubled,
                                     Arena& arena) {
  if (!doubled && close + 1 == field.size()) return field.substr(1, close - 1);
  return unescape_quoted(field.substr(0, close + 1), field.substr(close + 1), arena);
}

}  // namespace gpipe::csv
