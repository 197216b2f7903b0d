// Splitting CSV rows (RFC 4180) into field values, and the quote state a row carries from one
// line to the next. The `csv` stage joins the lines of a row and calls these; they know nothing
// of headers or batches.
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

// Whether a quoted field is still open at the end of `line`, scanning it from inside a quoted
// field (`starts_in_quotes`, a continuation line of a row) or from the start of a field.
bool ends_in_quotes(std::string_view line, char sep, bool starts_in_quotes);

// Where rows end, for -j: the csv stage's input is cut into chunks only between rows. `text` is
// whole lines of one file starting at a row start (`first_field` is 3 when it starts with the
// file's byte order mark, else 0). The scan follows split_row and ends_in_quotes exactly, and
// the csv stage's --max-line rule (a quoted field still open at a line end, in a row longer
// than max_line, ends the row there), so the rows are the ones the stage would make reading
// the file through. Only quotes and line ends are looked at, with memchr-class scans.
//
// The length of the longest prefix of `text` made of whole rows (0: none ends in it).
std::size_t whole_rows_length(std::string_view text, char sep, std::size_t max_line,
                              std::size_t first_field);
// The length of the first row that is not blank, with the blank lines before it (0 when it
// does not end in `text`): a file's header row.
std::size_t first_row_length(std::string_view text, char sep, std::size_t max_line,
                             std::size_t first_field);

}  // namespace gpipe::csv
