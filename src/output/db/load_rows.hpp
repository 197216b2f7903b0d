// One batch's records as rows of typed cells, read before any of them is sent, so that the
// table can be created, given new columns and widened first (DDL between batches, never
// between rows).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "output/db/load_columns.hpp"

namespace gpipe::db {

struct Cell {
  std::uint32_t column = 0;  // index in TableColumns
  TypedValue value;
};

struct Row {
  std::uint32_t first_cell = 0;
  std::uint32_t cell_count = 0;
  std::uint32_t record = 0;  // index in the batch's records
};

class BatchRows {
 public:
  // How values are typed for a database.
  struct Typing {
    bool bool_as_integer = false;  // booleans are integers (SQLite has no boolean)
    // A value for a column that holds text already (or that gpipe does not widen) is sent as
    // written (PostgreSQL's COPY), so it is not typed: it is text, or null. SQLite binds values
    // by their type, and types them all.
    bool text_columns_untyped = false;
  };
  // Reads the batch: each record's columns are looked up in `table` (a name not there yet is
  // added with type None), and `needed[c]` becomes the join of the types of column c's values
  // in this batch (grown to table.size()). A name that comes twice in one record: the last
  // value wins, as in a JSON object.
  void read(Batch& batch, ColumnNamer& namer, TableColumns& table, const Typing& typing,
            std::vector<ColumnType>& needed);

  std::span<const Cell> cells(const Row& row) const {
    return std::span<const Cell>(cells_).subspan(row.first_cell, row.cell_count);
  }
  const std::vector<Row>& rows() const { return rows_; }

 private:
  struct BatchTyping {
    Typing asked;
    bool infer_from_text = false;
    bool empty_is_null = false;
  };
  bool same_shape(const Batch& batch, const Record& record) const;
  std::uint32_t column_of(std::size_t i, std::string_view name, TableColumns& table,
                          std::vector<ColumnType>& needed);
  void add_cell(Row& row, std::uint32_t index, const Value& value, const BatchTyping& typing,
                const TableColumns& table, std::vector<ColumnType>& needed);

  std::vector<Cell> cells_;
  std::vector<Row> rows_;
  std::vector<ColumnNamer::Column> columns_;
  // The names of the record read last and their columns: rows of one shape (CSV) skip the
  // lookup.
  std::vector<std::string_view> last_names_;
  std::vector<std::uint32_t> last_columns_;
  // The field names of the record whose columns were looked up last, and those columns: the
  // next records whose fields view the same names (a CSV file's rows all view its header) are
  // not looked up again.
  std::vector<std::string_view> shape_names_;
  std::vector<std::uint32_t> shape_columns_;
  std::vector<std::uint32_t> seen_in_row_;  // per column: 1 + the row that has it, for repeats
};

}  // namespace gpipe::db
