#include "csv_parser.hpp"

#include <cstring>

// The parser's own threads are not wanted: only the unescaping below is used.
#define CSV_IO_NO_THREAD
#include <libfccp/csv.h>

namespace gpipe::csv {

namespace {

constexpr std::size_t kNone = std::string_view::npos;

// `quoted` is a whole quoted field, both quotes included; `after` is the text between its
// closing quote and the separator (normally empty). fccp's unescape drops the outer quotes and
// turns each "" into " in place, so it gets a copy in the arena. (Its separator parameter is
// not used by unescape: ',' serves for any --sep.)
std::string_view unescape_quoted(std::string_view quoted, std::string_view after, Arena& arena) {
  char* const copy = arena.allocate(quoted.size() + after.size());
  std::memcpy(copy, quoted.data(), quoted.size());
  char* begin = copy;
  char* end = copy + quoted.size();
  io::double_quote_escape<',', kQuote>::unescape(begin, end);
  if (!after.empty()) std::memcpy(end, after.data(), after.size());
  return {begin, static_cast<std::size_t>(end - begin) + after.size()};
}

// Where the quoted field starting at `open` (the opening quote) closes, or kNone when it is
// still open at the end of `row`. Sets `doubled` when it holds "".
std::size_t closing_quote(std::string_view row, std::size_t open, bool& doubled) {
  std::size_t i = open + 1;
  for (;;) {
    const std::size_t q = row.find(kQuote, i);
    if (q == kNone) return kNone;
    if (q + 1 < row.size() && row[q + 1] == kQuote) {
      doubled = true;
      i = q + 2;
      continue;
    }
    return q;
  }
}

// A row without any quote: every separator splits.
void split_plain(std::string_view row, char sep, std::vector<std::string_view>& values) {
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = row.find(sep, start);
    if (end == kNone) {
      values.push_back(row.substr(start));
      return;
    }
    values.push_back(row.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

bool split_row(std::string_view row, char sep, Arena& arena,
               std::vector<std::string_view>& values) {
  values.clear();
  if (std::memchr(row.data(), kQuote, row.size()) == nullptr) {
    split_plain(row, sep, values);
    return true;
  }
  std::size_t start = 0;
  for (;;) {
    std::size_t end;  // the separator after this field, or kNone at the end of the row
    if (start < row.size() && row[start] == kQuote) {
      bool doubled = false;
      const std::size_t close = closing_quote(row, start, doubled);
      if (close == kNone) return false;
      end = row.find(sep, close + 1);
      const std::size_t after_end = end == kNone ? row.size() : end;
      if (!doubled && after_end == close + 1) {
        values.push_back(row.substr(start + 1, close - start - 1));
      } else {
        values.push_back(unescape_quoted(row.substr(start, close + 1 - start),
                                         row.substr(close + 1, after_end - close - 1), arena));
      }
    } else {
      end = row.find(sep, start);
      values.push_back(row.substr(start, end == kNone ? kNone : end - start));
    }
    if (end == kNone) return true;
    start = end + 1;
  }
}

bool ends_in_quotes(std::string_view line, char sep, bool starts_in_quotes) {
  std::size_t i = 0;
  bool in_quotes = starts_in_quotes;
  for (;;) {
    if (in_quotes) {
      const std::size_t q = line.find(kQuote, i);
      if (q == kNone) return true;
      if (q + 1 < line.size() && line[q + 1] == kQuote) {
        i = q + 2;
        continue;
      }
      i = q + 1;
      in_quotes = false;
    } else if (i < line.size() && line[i] == kQuote) {
      ++i;
      in_quotes = true;
      continue;
    }
    // In an unquoted field, or after a closing quote: quotes are plain bytes up to the separator.
    const std::size_t end = line.find(sep, i);
    if (end == kNone) return false;
    i = end + 1;
  }
}

}  // namespace gpipe::csv
