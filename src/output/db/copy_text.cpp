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

std::uint64_t load_word(const char* p) {
  std::uint64_t word = 0;
  std::memcpy(&word, p, sizeof word);
  return word;
}

std::uint32_t load_half(const char* p) {
  std::uint32_t half = 0;
  std::memcpy(&half, p, sizeof half);
  return half;
}

void store_word(char* out, std::uint64_t word) {
  std::memcpy(out, &word, sizeof word);
}
void store_half(char* out, std::uint32_t half) {
  std::memcpy(out, &half, sizeof half);
}

char* put_escaped(char* out, std::string_view value) {
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

}  // namespace

// Values are looked at and copied eight bytes a step (the last step overlapping the one before
// it), four for a short value: no byte of the value is read twice into a word through memory,
// and no call to memcpy is made for a few bytes.
char* put_copy_value(char* out, std::string_view value) {
  const char* const p = value.data();
  const std::size_t n = value.size();
  if (n >= sizeof(std::uint64_t)) {
    std::size_t i = 0;
    for (; i + sizeof(std::uint64_t) <= n; i += sizeof(std::uint64_t)) {
      const std::uint64_t word = load_word(p + i);
      if (may_escape_word(word)) return put_escaped(out, value);
      store_word(out + i, word);
    }
    if (i < n) {
      const std::uint64_t last = load_word(p + n - sizeof last);
      if (may_escape_word(last)) return put_escaped(out, value);
      store_word(out + n - sizeof last, last);
    }
    return out + n;
  }
  if (n >= sizeof(std::uint32_t)) {
    const std::uint32_t first = load_half(p);
    const std::uint32_t last = load_half(p + n - sizeof last);
    if (may_escape_word(first | (std::uint64_t{last} << 32))) return put_escaped(out, value);
    store_half(out, first);
    store_half(out + n - sizeof last, last);
    return out + n;
  }
  return put_escaped(out, value);
}

void CopyText::append_row(std::span<const Cell> cells, std::span<const std::uint32_t> columns,
                          std::size_t column_count) {
  // Room for the row at its longest: a separator and \N a column, the newline, and every value
  // with each byte escaped. Then it is written without a check per value.
  std::size_t longest = 3 * columns.size() + 1;
  for (const Cell& cell : cells) longest += 2 * cell.value.text.size();
  char* out = buffer_.room(longest);
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
  buffer_.commit(out);
}

}  // namespace gpipe::db
