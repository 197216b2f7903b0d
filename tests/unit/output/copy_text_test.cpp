// The COPY text the postgres sink sends: one line a row, values escaped as COPY's text format
// reads them back, whatever the value's length and wherever the bytes to escape are in it.
#include "output/db/copy_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gpipe::db {
namespace {

// COPY's escapes one byte at a time, as the format's documentation gives them.
std::string escaped_slowly(std::string_view value) {
  std::string out;
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Cell text_cell(std::uint32_t column, std::string_view text) {
  Cell cell;
  cell.column = column;
  cell.value.type = ColumnType::Text;
  cell.value.text = text;
  return cell;
}

std::string as_copy_value(std::string_view value) {
  std::string out(2 * value.size() + 8, '?');
  char* end = put_copy_value(out.data(), value);
  out.resize(static_cast<std::size_t>(end - out.data()));
  return out;
}

TEST(CopyText, EscapesEveryByteThatNeedsItAtEveryPlaceAndLength) {
  const std::string specials = "\\\t\n\r";
  for (std::size_t length = 0; length <= 24; ++length) {
    const std::string plain(length, 'a');
    EXPECT_EQ(as_copy_value(plain), plain);
    for (std::size_t at = 0; at < length; ++at) {
      for (const char special : specials) {
        std::string value = plain;
        value[at] = special;
        EXPECT_EQ(as_copy_value(value), escaped_slowly(value))
            << "length " << length << ", byte " << int(special) << " at " << at;
      }
    }
  }
}

TEST(CopyText, OtherBytesAreCopiedAsTheyAre) {
  // Control bytes that need no escape, UTF-8, bytes next to the escaped ones in value.
  for (const std::string& value :
       {std::string("\x01\x0b\x0c\x0e\x1f", 5), std::string("Müller ñ ✓"),
        std::string("\x7f\x80\xff[]]^", 7), std::string("\x5b\x5d\x5c\x08", 4)}) {
    EXPECT_EQ(as_copy_value(value), escaped_slowly(value));
  }
}

TEST(CopyText, RowsAreLinesInTheCopysColumnOrder) {
  CopyText copy;
  const std::vector<std::uint32_t> columns = {2, 0, 1};
  // In order, out of order, with a missing column and a null one.
  const std::vector<Cell> in_order = {text_cell(2, "c"), text_cell(0, "a\tb"), text_cell(1, "")};
  const std::vector<Cell> shuffled = {text_cell(0, "x"), text_cell(1, "y\nz"), text_cell(2, "w")};
  Cell null_cell = text_cell(1, "ignored");
  null_cell.value.type = ColumnType::None;
  const std::vector<Cell> sparse = {text_cell(2, "only"), null_cell};
  copy.append_row(in_order, columns, 3);
  copy.append_row(shuffled, columns, 3);
  copy.append_row(sparse, columns, 3);
  copy.append_row({}, columns, 3);
  EXPECT_EQ(copy.text(), "c\ta\\tb\t\nw\tx\ty\\nz\nonly\t\\N\t\\N\n\\N\t\\N\t\\N\n");
  copy.clear();
  EXPECT_EQ(copy.size(), 0u);
  copy.append_row(shuffled, columns, 3);
  EXPECT_EQ(copy.text(), "w\tx\ty\\nz\n");
}

TEST(CopyText, LongRowsGrowTheBuffer) {
  CopyText copy;
  const std::string big(100000, 'v');
  const std::string tabs(50000, '\t');
  const std::vector<std::uint32_t> columns = {0, 1};
  std::string expected;
  for (int i = 0; i < 20; ++i) {
    copy.append_row(std::vector<Cell>{text_cell(0, big), text_cell(1, tabs)}, columns, 2);
    expected += big + "\t" + escaped_slowly(tabs) + "\n";
  }
  EXPECT_EQ(copy.text(), expected);
}

}  // namespace
}  // namespace gpipe::db
