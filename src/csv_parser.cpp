#include "csv_parser.hpp"

#include <algorithm>
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

namespace {

// Scans for row ends from `text`'s start (a row start) to the last one, or to the first one
// when `first_only`. See whole_rows_length.
class RowEndScanner {
 public:
  RowEndScanner(std::string_view text, char sep, std::size_t max_line, std::size_t first_field)
      : text_(text),
        sep_(sep),
        max_line_(max_line),
        first_field_(std::min(first_field, text.size())) {}

  std::size_t scan(bool first_only) {
    std::size_t pos = first_field_;
    for (;;) {
      const std::size_t quote = text_.find(kQuote, pos);
      if (row_end_before(pos, quote == kNone ? text_.size() : quote, first_only)) return last_end_;
      if (quote == kNone) return last_end_;
      pos = quote + 1;
      // A quote opens a quoted field only at a field's start; elsewhere it is a plain byte.
      const bool opens = quote == row_start_ || (row_start_ == 0 && quote == first_field_) ||
                         text_[quote - 1] == sep_;
      if (opens && !skip_quoted(pos)) return last_end_;
      if (first_only && last_end_ != 0) return last_end_;
    }
  }

 private:
  // Outside quotes every line end in [pos, stop) ends a row. True when scanning should stop.
  bool row_end_before(std::size_t pos, std::size_t stop, bool first_only) {
    const char* const data = text_.data();
    const void* newline = first_only ? std::memchr(data + pos, '\n', stop - pos)
                                     : ::memrchr(data + pos, '\n', stop - pos);
    if (newline == nullptr) return false;
    last_end_ = row_start_ = static_cast<std::size_t>(static_cast<const char*>(newline) - data) + 1;
    return first_only;
  }

  // Inside a quoted field from `pos`: moves `pos` past its closing quote and returns true, or
  // returns false when the text ends inside it. A row that the --max-line rule ends inside
  // the field also returns true, with `pos` just after that line.
  bool skip_quoted(std::size_t& pos) {
    for (;;) {
      const std::size_t quote = text_.find(kQuote, pos);
      const std::size_t stop = quote == kNone ? text_.size() : quote;
      if (stop - row_start_ > max_line_) {
        if (const std::size_t cut = overlong_row_end(pos, stop); cut != kNone) {
          last_end_ = row_start_ = pos = cut;
          return true;
        }
      }
      if (quote == kNone) return false;
      if (quote + 1 < text_.size() && text_[quote + 1] == kQuote) {
        pos = quote + 2;  // "" inside quotes
        continue;
      }
      pos = quote + 1;
      return true;
    }
  }

  // The first line end in [pos, stop) at which the open row is longer than max_line (its text
  // as the csv stage gathers it: without the byte order mark and the last line's terminator).
  std::size_t overlong_row_end(std::size_t pos, std::size_t stop) const {
    const std::size_t bom = row_start_ == 0 ? first_field_ : 0;
    for (;;) {
      const void* found = std::memchr(text_.data() + pos, '\n', stop - pos);
      if (found == nullptr) return kNone;
      const auto newline = static_cast<std::size_t>(static_cast<const char*>(found) - text_.data());
      const std::size_t cr = newline > 0 && text_[newline - 1] == '\r' ? 1 : 0;
      // The stage checks when it adds a line to an open row, so never at the row's first line
      // (which the line reader keeps within max_line anyway).
      const bool first_line =
          std::memchr(text_.data() + row_start_, '\n', newline - row_start_) == nullptr;
      if (!first_line && newline - cr - row_start_ - bom > max_line_) return newline + 1;
      pos = newline + 1;
    }
  }

  std::string_view text_;
  char sep_;
  std::size_t max_line_;
  std::size_t first_field_;
  std::size_t row_start_ = 0;
  std::size_t last_end_ = 0;
};

// Whether the row text[begin, end) (end just past its '\n') is blank: the csv stage skips it.
bool blank_row(std::string_view text, std::size_t begin, std::size_t end) {
  std::size_t length = end - begin;
  if (length > 0 && text[end - 1] == '\n') --length;
  if (length > 0 && text[begin + length - 1] == '\r') --length;
  return length == 0;
}

}  // namespace

std::size_t whole_rows_length(std::string_view text, char sep, std::size_t max_line,
                              std::size_t first_field) {
  return RowEndScanner(text, sep, max_line, first_field).scan(false);
}

std::size_t first_row_length(std::string_view text, char sep, std::size_t max_line,
                             std::size_t first_field) {
  std::size_t start = 0;
  for (;;) {
    const std::string_view rest = text.substr(start);
    const std::size_t field = start == 0 ? first_field : 0;
    const std::size_t length = RowEndScanner(rest, sep, max_line, field).scan(true);
    if (length == 0) return 0;
    if (!blank_row(text, start + field, start + length)) return start + length;
    start += length;
  }
}

}  // namespace gpipe::csv
