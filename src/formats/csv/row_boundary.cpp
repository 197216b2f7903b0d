#include "formats/csv/row_boundary.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "formats/csv/quote_masks.hpp"
#include "formats/csv/row_splitter.hpp"
#include "simd/bitmask.hpp"
#include "simd/dispatch.hpp"

namespace gpipe::csv {

namespace {

constexpr std::size_t kNone = std::string_view::npos;

// Scans for row ends from `text`'s start (a row start) to the last one, or to the first one
// when `first_only`. See whole_rows_length.
class RowEndScanner {
 public:
  // `uncounted`: positions of bytes the stage does not count, in the text of which `text`
  // starts at `base`.
  RowEndScanner(std::string_view text, char sep, std::size_t max_line, std::size_t first_field,
                std::span<const std::size_t> uncounted = {}, std::size_t base = 0)
      : text_(text),
        sep_(sep),
        max_line_(max_line),
        first_field_(std::min(first_field, text.size())),
        uncounted_(uncounted),
        base_(base) {}

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
    if (stop <= pos) return false;  // nothing to search (and an empty text's data may be null)
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
      const std::size_t length =
          newline - cr - row_start_ - bom - uncounted_in(row_start_, newline - cr);
      if (!first_line && length > max_line_) return newline + 1;
      pos = newline + 1;
    }
  }

  // How many uncounted bytes are in text_[begin, end).
  std::size_t uncounted_in(std::size_t begin, std::size_t end) const {
    if (uncounted_.empty()) return 0;
    const auto first = std::lower_bound(uncounted_.begin(), uncounted_.end(), base_ + begin);
    const auto last = std::lower_bound(first, uncounted_.end(), base_ + end);
    return static_cast<std::size_t>(last - first);
  }

  std::string_view text_;
  char sep_;
  std::size_t max_line_;
  std::size_t first_field_;
  std::span<const std::size_t> uncounted_;
  std::size_t base_;
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

// -j cuts every chunk with this scan, on the one thread that also reads the input
// and writes the output, so it is done 64 bytes at a time as BlockSplitter does: the last line
// end outside the quoted regions. Where the regions may not be the ones the rules make (an
// undecided quote, see QuoteState), or where the --max-line rule could end a row inside a
// quoted field (a line end inside quotes, more than max_line bytes into its row),
// RowEndScanner takes over from the start of that row.
template <class Isa>
[[gnu::always_inline]] inline std::size_t whole_rows_with(std::string_view text, char sep,
                                                          std::size_t max_line,
                                                          std::size_t first_field,
                                                          std::span<const std::size_t> uncounted) {
  const std::size_t size = text.size();
  std::size_t row_start = 0;  // after the last row end found
  std::size_t pos = std::min(first_field, size);
  for (;;) {
    QuoteState quotes;  // at a row start
    for (; pos < size; pos += 64) {
      const std::size_t n = std::min<std::size_t>(64, size - pos);
      const Masks64 masks = masks_of<Isa>(text.data() + pos, n, sep);
      const QuoteState::Window window = quotes.advance(masks, n);
      if ((masks.newlines & window.quoted) != 0 && pos + n - row_start > max_line) break;
      if (window.undecided != 0) {
        const std::uint64_t undecided = window.undecided & -window.undecided;
        if (const std::uint64_t before = window.row_ends & (undecided - 1); before != 0) {
          row_start = pos + simd::highest_bit(before) + 1;
        }
        break;
      }
      if (window.row_ends != 0) {
        row_start = pos + simd::highest_bit(window.row_ends) + 1;
      }
    }
    if (pos >= size) return row_start;
    // The row at row_start is one the masks cannot decide: the byte-wise rules find its end,
    // and the 64-byte scan goes on after it (one stray quote must not slow the whole chunk).
    // (Uncounted bytes only make a row shorter: the masks' length test above is safe.)
    const std::size_t row = RowEndScanner(text.substr(row_start), sep, max_line,
                                          row_start == 0 ? first_field : 0, uncounted, row_start)
                                .scan(/*first_only=*/true);
    if (row == 0) return row_start;  // it does not end in `text`
    row_start += row;
    pos = row_start;
  }
}

}  // namespace

std::size_t whole_rows_length(std::string_view text, char sep, std::size_t max_line,
                              std::size_t first_field, std::span<const std::size_t> uncounted) {
  return simd::dispatch([&]<class Isa>(std::type_identity<Isa>) {
    return whole_rows_with<Isa>(text, sep, max_line, first_field, uncounted);
  });
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
