// Splitting CSV rows (RFC 4180) into field values, and the quote state a row carries from one
// line to the next. The `csv` stage joins the lines of a row and calls these, or hands a block
// of lines to BlockSplitter; they know nothing of headers or batches.
//
// Rules (RFC 4180, and where it is silent, Python's csv module with strict=False):
//   - A field is quoted when its first byte is '"'. Inside, the separator and newlines are
//     data and "" is one '"'.
//   - A '"' anywhere else is an ordinary byte: a"b is the three bytes a"b. Text after a quoted
//     field's closing quote is kept as is: "ab"cd is abcd.
//   - No trimming: spaces around a value are part of it.
//
// Why not fast-cpp-csv-parser (libfccp) for the splitting: its io::detail::parse_line does take
// a runtime column count, but it needs a writable NUL-terminated copy of every line (it cuts
// and unescapes in place, so no value could be a view of the input), its separator is a
// template parameter (ours is --sep at run time), it throws on every row of the wrong width
// without saying how wide the row was, it throws on a quote left open at the end of a line
// (the normal case for a row that spans lines), and it treats a '"' in the middle of an
// unquoted field as the start of a quoted section. Its unescaping of a quoted field is used as
// it is (see unescape_quoted in csv_parser.cpp), and tests/csv_test.cpp checks that on
// well-formed single-line rows the values here are exactly fccp's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "gpipe/record.hpp"

namespace gpipe::csv {

inline constexpr char kQuote = '"';

// Splits one row into `values` (cleared first). Unquoted values and quoted ones without ""
// view `row`; a quoted value with "" (or text after its closing quote) is unescaped into
// `arena`. Returns false, leaving `values` incomplete, when a quoted field is still open at
// the end of `row`: the row goes on on the next line.
bool split_row(std::string_view row, char sep, Arena& arena, std::vector<std::string_view>& values);

// The same split, with the values appended to `fields` as string fields: the i-th is named
// names[i], or has an empty name past the end of `names`. Returns the number of values, or
// nullopt (leaving `fields` as it was) when the row goes on on the next line.
std::optional<std::size_t> split_row(std::string_view row, char sep, Arena& arena,
                                     std::span<const std::string_view> names,
                                     std::vector<Field>& fields);

// TSV as `to tsv` writes it (as Miller's TSV and PostgreSQL's COPY text format have it): a line
// is a row, every tab separates, quotes are ordinary bytes, and \t \n \r \\ in a value stand
// for a tab, a line feed, a carriage return and a backslash; any other backslash is kept as it
// is. A value without a backslash views `row`; one with a backslash is unescaped into `arena`.
// The same two forms as split_row; a TSV row never goes on on the next line.
void split_tsv_row(std::string_view row, Arena& arena, std::vector<std::string_view>& values);
std::size_t split_tsv_row(std::string_view row, Arena& arena,
                          std::span<const std::string_view> names, std::vector<Field>& fields);

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
class BlockSplitter {
 public:
  struct Row {
    std::size_t start = 0;     // where it starts in the block
    std::size_t text_end = 0;  // the row's text is block[start, text_end): no "\r\n" or "\n"
    std::size_t next = 0;      // where the next row starts
    std::uint64_t lines = 0;   // the lines it spans
    std::size_t values = 0;    // values appended to the fields: names.size(), or 0 when blank
  };

  BlockSplitter(char sep, std::size_t max_line) : sep_(sep), max_line_(max_line) {}

  // Starts on `block` at `start`, the start of a line and of a row, for rows named `names`
  // (which must stay valid while next() is used).
  void restart(std::string_view block, std::size_t start, std::span<const std::string_view> names);

  // Splits the row at the current start as split_row(…, names, fields) would split its text,
  // and moves on to the next one. False, with `fields` as it was, at the end of the block and
  // for a row it declines (see above).
  bool next(Arena& arena, std::vector<Field>& fields, Row& row);

  // Where the row that next() declined starts (the block's size at its end).
  std::size_t row_start() const { return start_; }

 private:
  static constexpr std::size_t kNoPosition = static_cast<std::size_t>(-1);

  bool scan_window();
  bool scan_window_baseline();
  bool scan_window_avx2();
  template <class Bytes>
  bool scan_window_with();
  std::optional<std::string_view> unusual_quoted(std::size_t begin, std::size_t end, Arena& arena);

  char sep_;
  std::size_t max_line_;
  // A row's fields before their values: the names, each with an empty string. A row starts as
  // a copy of it (one memcpy) and each value is then two words stored into it.
  std::vector<Field> named_row_;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t start_ = 0;    // the current row's start
  std::size_t scanned_ = 0;  // the block is scanned up to here
  // The quote state at scanned_ (see QuoteState in csv_parser.cpp).
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

// Whether a quoted field is still open at the end of `line`, scanning it from inside a quoted
// field (`starts_in_quotes`, a continuation line of a row) or from the start of a field.
bool ends_in_quotes(std::string_view line, char sep, bool starts_in_quotes);

// Where rows end, for -j: the csv stage's input is cut into chunks only between rows. `text` is
// whole lines of one file starting at a row start (`first_field` is 3 when it starts with the
// file's byte order mark, else 0). The scan follows split_row and ends_in_quotes exactly, and
// the csv stage's --max-line rule (a quoted field still open at a line end, in a row longer
// than max_line, ends the row there), so the rows are the ones the stage would make reading
// the file through. It scans 64 bytes at a time as BlockSplitter does, and byte by byte where
// that scan cannot decide.
//
// The length of the longest prefix of `text` made of whole rows (0: none ends in it).
// `uncounted`: positions in `text`, in order, of bytes the stage does not count in a row's
// length (see ChunkFraming::whole_records).
std::size_t whole_rows_length(std::string_view text, char sep, std::size_t max_line,
                              std::size_t first_field, std::span<const std::size_t> uncounted = {});
// The length of the first row that is not blank, with the blank lines before it (0 when it
// does not end in `text`): a file's header row.
std::size_t first_row_length(std::string_view text, char sep, std::size_t max_line,
                             std::size_t first_field);

}  // namespace gpipe::csv
