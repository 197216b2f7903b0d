// The row-end scan behind `-j` for csv (csv::whole_rows_length, csv::first_row_length) against
// the csv stage's own way of finding rows: line by line, with split_row/ends_in_quotes and its
// --max-line rule. Random texts of quotes, separators, CR, LF and a byte order mark put quotes
// in every position the rules distinguish.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "formats/csv/csv_parser.hpp"

namespace gpipe::csv {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

struct ReferenceRows {
  std::vector<std::size_t> ends;  // just past the '\n' of each row's last line
  std::size_t first_nonblank_end = 0;
};

// Rows as the csv stage makes them from the lines of `text` (which ends in '\n').
ReferenceRows reference_rows(std::string_view text, char sep, std::size_t max_line, bool bom) {
  ReferenceRows rows;
  bool open = false;
  std::size_t row_size = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t newline = text.find('\n', start);
    std::string_view line = text.substr(start, newline - start);
    const bool crlf = !line.empty() && line.back() == '\r';
    if (crlf) line.remove_suffix(1);
    if (start == 0 && bom && line.starts_with(kBom)) line.remove_prefix(kBom.size());
    bool ends = false;
    bool blank = false;
    if (!open) {
      blank = line.empty();
      open = !blank && ends_in_quotes(line, sep, false);
      row_size = line.size();
      ends = !open;
    } else {
      const std::size_t previous_end = start - 1;
      const bool previous_crlf = previous_end > 0 && text[previous_end - 1] == '\r';
      row_size += (previous_crlf ? 2 : 1) + line.size();
      open = ends_in_quotes(line, sep, true);
      if (open && row_size > max_line) open = false;
      ends = !open;
    }
    start = newline + 1;
    if (ends) {
      rows.ends.push_back(start);
      if (!blank && rows.first_nonblank_end == 0) rows.first_nonblank_end = start;
    }
  }
  return rows;
}

std::string random_csv(std::mt19937& rng, bool bom) {
  static constexpr std::string_view kAlphabet = "ab,,\"\"\"\n\n\r;";
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::uniform_int_distribution<std::size_t> length(0, 120);
  std::string text = bom ? std::string(kBom) : std::string();
  const std::size_t n = length(rng);
  for (std::size_t i = 0; i < n; ++i) text += kAlphabet[pick(rng)];
  return text + "\n";
}

TEST(CsvFramingTest, RowEndsAreTheOnesTheCsvStageFindsLineByLine) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20000; ++round) {
    const bool bom = round % 5 == 0;
    const std::string text = random_csv(rng, bom);
    const char sep = round % 7 == 0 ? ';' : ',';
    const std::size_t max_line = round % 3 == 0 ? 8 : 1000;
    const std::size_t first_field = bom ? kBom.size() : 0;
    const ReferenceRows rows = reference_rows(text, sep, max_line, bom);
    // Every prefix of whole lines: the last row end in it, and the first non-blank row's end.
    for (std::size_t end = 0; end <= text.size(); ++end) {
      if (end != 0 && text[end - 1] != '\n') continue;
      const std::string_view prefix = std::string_view(text).substr(0, end);
      std::size_t expected = 0;
      for (std::size_t row_end : rows.ends) {
        if (row_end <= end) expected = row_end;
      }
      const std::size_t expected_first =
          rows.first_nonblank_end <= end ? rows.first_nonblank_end : 0;
      ASSERT_EQ(whole_rows_length(prefix, sep, max_line, first_field), expected)
          << "text " << ::testing::PrintToString(text) << " prefix " << end << " max_line "
          << max_line << " sep " << sep << " bom " << bom;
      ASSERT_EQ(first_row_length(prefix, sep, max_line, first_field), expected_first)
          << "text '" << text << "' prefix " << end;
    }
  }
}

// -j: the "\r" of a line end before a skipped line, after a line whose text ends in "\r", is a
// byte the stage never sees: left out, the row below is exactly --max-line (10) long at its
// second line and goes on; counted, it was cut there.
TEST(CsvFramingTest, UncountedBytesDoNotCountAgainstMaxLine) {
  const std::string text = "x,\"a\r\r\nBBBB\r\nend\",z";
  EXPECT_EQ(whole_rows_length(text, ',', 10, 0), 13u);
  const std::size_t uncounted[] = {5};
  EXPECT_EQ(whole_rows_length(text, ',', 10, 0, uncounted), 0u);
  EXPECT_EQ(whole_rows_length(text + "\n", ',', 10, 0, uncounted), text.size() + 1);
}

TEST(CsvFramingTest, QuotedLineBreaksAndStrayQuotes) {
  // Rows: header; a quoted field over two lines; a stray quote inside a value; "" inside quotes.
  const std::string text = "id,notes\n1,\"a\nb\"\n2,x\"y\n3,\"say \"\"hi\"\"\nbye\"\n";
  EXPECT_EQ(first_row_length(text, ',', 1000, 0), 9u);
  EXPECT_EQ(whole_rows_length(text, ',', 1000, 0), text.size());
  // Cut inside the quoted field: the row is not whole yet.
  EXPECT_EQ(whole_rows_length(std::string_view(text).substr(0, 14), ',', 1000, 0), 9u);
  // A quote after the byte order mark opens the header's first field.
  const std::string with_bom = std::string(kBom) + "\"a\nb\",c\n1,2\n";
  EXPECT_EQ(first_row_length(with_bom, ',', 1000, 3), with_bom.size() - 4);
  // Blank lines before the header belong to it.
  EXPECT_EQ(first_row_length("\n\r\nh\n1\n", ',', 1000, 0), 5u);
}

}  // namespace
}  // namespace gpipe::csv
