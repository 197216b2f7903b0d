// Rows in the text format of PostgreSQL's COPY, as the postgres sink sends them: one line a row,
// values between tabs, \N for a null, and in a value the backslash, tab, newline and carriage
// return escaped, so that a line is always exactly one row. The buffer holds every row of the
// open COPY: a refused COPY is sent again by its lines, split, to find the rows it refuses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "output/db/growing_bytes.hpp"
#include "output/db/load_rows.hpp"

namespace gpipe::db {

class CopyText {
 public:
  // Appends one row: the values of `cells` in the order of `columns`; a column without a cell,
  // or with a null one, is \N. Every cell's column is below `column_count`.
  void append_row(std::span<const Cell> cells, std::span<const std::uint32_t> columns,
                  std::size_t column_count);

  std::string_view text() const { return buffer_.view(); }
  std::size_t size() const { return buffer_.size(); }
  // Empties it, keeping its storage for the next COPY.
  void clear() { buffer_.clear(); }

 private:
  GrowingBytes buffer_;
  std::vector<std::uint32_t> cell_of_column_;  // per column: 1 + the row's cell, or 0
};

// Appends `value` to `out` with COPY's escapes; `out` has room for twice its size. Returns the
// end of what it wrote.
char* put_copy_value(char* out, std::string_view value);

}  // namespace gpipe::db
