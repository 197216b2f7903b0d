// The csv stage's fast path: the rows of a block of lines split 64 bytes at a time, with
// split_row (row_splitter.hpp) for the rows it declines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "gpipe/record.hpp"

namespace gpipe::csv {

// Splits the rows of a block of whole lines (Batch::pending_block) straight from the block,
// without cutting it into lines first. Why: with rows of 60-100 bytes, finding each line's end
// (a memchr per line), making a record of it and then scanning it again for separators cost
// as much as the splitting itself. Here one pass marks the separators, quotes and line ends of
// 64 bytes at a time, and the quoted regions come from a prefix XOR of the quote bits (as
// simdjson and simdcsv find strings).
//
// That XOR matches the rules of split_row only while every quote that opens a region is at a
// field's start or right after a closing quote (a "" inside a quoted field). Any other quote
// (a"b, "ab"c"d) makes the row one the splitter declines: the caller then takes that row's
// lines one by one with split_row and ends_in_quotes, and restarts the splitter after them.
// So it does with a row still open at the end of the block, one that spans lines and is longer
// than `max_line` (the csv stage decides what that row is line by line), and one whose width
// is not the number of names (the csv stage reports it).
//
// Column projection: told to make only the first `made` columns (the later stages read no
// other), it makes those and only counts the rest: the separators' bits up to the row's end
// in each window, without a value made of them. The scan of quotes and line ends is the same, so
// rows end where they do when every column is made, and a row of another width is declined all the
// same.
class BlockSplitter {
 public:
  struct Row {
    std::size_t start = 0;     // where it starts in the block
    std::size_t text_end = 0;  // the row's text is block[start, text_end): no "\r\n" or "\n"
    std::size_t next = 0;      // where the next row starts
    std::uint64_t lines = 0;   // the lines it spans
    std::size_t values = 0;    // the row's width: names.size(), or 0 when blank
    std::size_t made = 0;      // values appended to the fields: the first `made` of restart()
  };

  BlockSplitter(char sep, std::size_t max_line) : sep_(sep), max_line_(max_line) {}

  // Starts on `block` at `start`, the start of a line and of a row, for rows named `names`
  // (which must stay valid while next() is used), of which only the first `made` (at most
  // names.size()) are made fields.
  void restart(std::string_view block, std::size_t start, std::span<const std::string_view> names,
               std::size_t made);
  void restart(std::string_view block, std::size_t start, std::span<const std::string_view> names) {
    restart(block, start, names, names.size());
  }

  // Splits the row at the current start as split_row(…, names, fields) would split its text
  // (its first `made` values), and moves on to the next one. False, with `fields` as it was, at
  // the end of the block and for a row it declines (see above).
  bool next(Arena& arena, std::vector<Field>& fields, Row& row);

  // Where the row that next() declined starts (the block's size at its end).
  std::size_t row_start() const { return start_; }

 private:
  static constexpr std::size_t kNoPosition = static_cast<std::size_t>(-1);

  bool scan_window();
  template <class Isa>
  bool scan_window_with();
  void skip_doubled_before(std::size_t end);
  std::optional<std::string_view> unusual_quoted(std::size_t begin, std::size_t end, Arena& arena);

  char sep_;
  std::size_t max_line_;
  // A row's fields before their values: the names, each with an empty string. A row starts as
  // a copy of it (one memcpy) and each value is then two words stored into it.
  std::vector<Field> named_row_;
  std::size_t width_ = 0;  // the number of names: a row of another width is declined
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t start_ = 0;    // the current row's start
  std::size_t scanned_ = 0;  // the block is scanned up to here
  // The quote state at scanned_ (see QuoteState in quote_masks.hpp).
  std::uint64_t in_quotes_ = 0;
  std::uint64_t after_start_ = 1;
  std::uint64_t after_quote_ = 0;
  std::size_t first_bad_ = kNoPosition;  // the first quote the XOR cannot decide
  // The window last scanned, block[base_, base_ + 64): bit i of ends_ is a field's end outside
  // quotes not yet taken (a separator or line end), of row_ends_ a line end outside quotes.
  std::size_t base_ = 0;
  std::uint64_t ends_ = 0;
  std::uint64_t row_ends_ = 0;
  // The rare positions found so far, in order, from the `taken` one on: the second quotes of
  // "" pairs, and line ends inside quotes. next_doubled_ is the first one not taken yet.
  std::vector<std::size_t> doubled_;
  std::size_t doubled_taken_ = 0;
  std::size_t next_doubled_ = kNoPosition;
  std::vector<std::size_t> quoted_newlines_;
  std::size_t quoted_newlines_taken_ = 0;
};

}  // namespace gpipe::csv
