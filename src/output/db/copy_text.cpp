#include "output/db/copy_text.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace gpipe::db {

namespace {

// What COPY's text format needs escaped in a value: the backslash, and the tab, newline and
// carriage return that would end the column or the row. A table: one look-up a byte, rather
// than four comparisons.
constexpr std::array<char, 256> kCopyEscapes = [] {
  std::array<char, 256> escapes{};
  escapes['\\'] = '\\';
  escapes['\t'] = 't';
  escapes['\n'] = 'n';
  escapes['\r'] = 'r';
  return escapes;
}();

constexpr std::uint64_t kOnes = 0x0101010101010101;
constexpr std::uint64_t kHighs = 0x8080808080808080;

// Whether any byte of `word` is below 0x0E (the tab, newline and carriage return are; so are
// other control bytes, which are then looked at one by one) or is a backslash. Eight bytes a
// step: most values need no escape, and are then copied whole.
bool may_escape_word(std::uint64_t word) {
  const std::uint64_t below = (word - kOnes * 0x0E) & ~word & kHighs;
  const std::uint64_t backslash = word ^ (kOnes * '\\');
  const std::uint64_t is_backslash = (backslash - kOnes) & ~backslash & kHighs;
  return (below | is_backslash) != 0;
}

bool may_need_escape(std::string_view value) {
  const char* p = value.data();
  std::size_t left = value.size();
  std::uint64_t word = 0;
  for (; left >= sizeof word; p += sizeof word, left -= sizeof word) {
    std::memcpy(&word, p, sizeof word);
    if (may_escape_word(word)) return true;
  }
  if (left == 0) return false;
  word = kOnes * 'A';  // the bytes past the value: ones that need no escape
  std::memcpy(&word, p, left);
  return may_escape_word(word);
}

}  // namespace

char* put_copy_value(char* out, std::string_view value) {
  if (!may_need_escape(value)) {
    std::memcpy(out, value.data(), value.size());
    return out + value.size();
  }
  for (const char byte : value) {
    const char escape = kCopyEscapes[static_cast<unsigned char>(byte)];
    if (escape == 0) {
      *out++ = byte;
    } else {
      *out++ = '\\';
      *out++ = escape;
    }
  }
  return out;
}

char* CopyText::room(std::size_t bytes) {
  if (buffer_.size() - size_ < bytes) buffer_.resize(std::max(2 * buffer_.size(), size_ + bytes));
  return buffer_.data() + size_;
}

void CopyText::append_row(std::span<const Cell> cells, std::span<const std::uint32_t> columns,
                          std::size_t column_count) {
  // Room for the row at its longest: a separator and \N a column, the newline, and every value
  // with each byte escaped. Then it is written without a check per value.
  std::size_t longest = 3 * columns.size() + 1;
  for (const Cell& cell : cells) longest += 2 * cell.value.text.size();
  char* out = room(longest);
  const auto put = [&](std::size_t i, const Cell* cell) {
    if (i != 0) *out++ = '\t';
    if (cell == nullptr || cell->value.type == ColumnType::None) {
      *out++ = '\\';
      *out++ = 'N';
      return;
    }
    out = put_copy_value(out, cell->value.text);
  };
  // The rows of a CSV file have every column, in the COPY's order: no look-up.
  const bool in_order =
      cells.size() == columns.size() &&
      std::equal(cells.begin(), cells.end(), columns.begin(),
                 [](const Cell& cell, std::uint32_t column) { return cell.column == column; });
  if (in_order) {
    for (std::size_t i = 0; i < cells.size(); ++i) put(i, &cells[i]);
  } else {
    if (cell_of_column_.size() < column_count) cell_of_column_.resize(column_count, 0);
    for (std::size_t c = 0; c < cells.size(); ++c) {
      cell_of_column_[cells[c].column] = static_cast<std::uint32_t>(c + 1);
    }
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const std::uint32_t cell = cell_of_column_[columns[i]];
      put(i, cell == 0 ? nullptr : &cells[cell - 1]);
    }
    for (const Cell& cell : cells) cell_of_column_[cell.column] = 0;
  }
  *out++ = '\n';
  size_ = static_cast<std::size_t>(out - buffer_.data());
}

}  // namespace gpipe::db
