// CSV and TSV columns: quoting and escaping straight into the output buffer.
#pragma once

#include <string_view>

#include "output/output.hpp"

namespace gpipe {

// A TSV column: tab, newline, carriage return and backslash written as \t \n \r \\, so that
// every line has the same columns (the escapes Miller's --otsv and PostgreSQL's COPY use).
void append_tsv_column(OutputBuffer& out, std::string_view text);

// A CSV column (RFC 4180) quoted only when needed, as Python's csv.QUOTE_MINIMAL and Miller do:
// when it holds the separator, a double quote, "\r" or "\n". Quotes inside are doubled.
// Leading and trailing spaces are data and need no quotes. `alone`: the only column of its row;
// an empty one is then written "" so the row is not a blank line (as Python's csv writer does).
void append_csv_column(OutputBuffer& out, std::string_view text, bool alone);

}  // namespace gpipe
