// Splitting one CSV row (RFC 4180) into field values, and the quote state a row carries from
// one line to the next; and TSV rows as `to tsv` writes them. The `csv` stage joins the lines of
// a row and calls these; they know nothing of headers or batches.
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
// it is (see unescape_quoted in row_splitter.cpp), and tests/unit/formats/csv_test.cpp checks
// that on well-formed single-line rows the values here are exactly fccp's.
#pragma once

#include <cstddef>
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

// Whether a quoted field is still open at the end of `line`, scanning it from inside a quoted
// field (`starts_in_quotes`, a continuation line of a row) or from the start of a field.
bool ends_in_quotes(std::string_view line, char sep, bool starts_in_quotes);

// TSV as `to tsv` writes it (as Miller's TSV and PostgreSQL's COPY text format have it): a line
// is a row, every tab separates, quotes are ordinary bytes, and \t \n \r \\ in a value stand
// for a tab, a line feed, a carriage return and a backslash; any other backslash is kept as it
// is. A value without a backslash views `row`; one with a backslash is unescaped into `arena`.
// The same two forms as split_row; a TSV row never goes on on the next line.
void split_tsv_row(std::string_view row, Arena& arena, std::vector<std::string_view>& values);
std::size_t split_tsv_row(std::string_view row, Arena& arena,
                          std::span<const std::string_view> names, std::vector<Field>& fields);

}  // namespace gpipe::csv
