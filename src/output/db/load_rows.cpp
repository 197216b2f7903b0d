#include "output/db/load_rows.hpp"

namespace gpipe::db {

void BatchRows::read(Batch& batch, ColumnNamer& namer, TableColumns& table, bool bool_as_integer,
                     std::vector<ColumnType>& needed) {
  cells_.clear();
  rows_.clear();
  last_names_.clear();
  last_columns_.clear();
  const bool infer_from_text = batch.format() != DataFormat::Json;
  const bool empty_is_null = batch.format() == DataFormat::Csv;
  std::vector<Record>& records = batch.records();
  for (std::size_t r = 0; r < records.size(); ++r) {
    namer.columns(batch, records[r], columns_);
    Row row;
    row.first_cell = static_cast<std::uint32_t>(cells_.size());
    row.record = static_cast<std::uint32_t>(r);
    const auto row_stamp = static_cast<std::uint32_t>(rows_.size() + 1);
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      const ColumnNamer::Column& column = columns_[i];
      std::uint32_t index = 0;
      if (i < last_names_.size() && last_names_[i] == column.name) {
        index = last_columns_[i];
      } else {
        std::size_t found = table.find(column.name);
        if (found == TableColumns::npos) found = table.add(column.name, ColumnType::None);
        index = static_cast<std::uint32_t>(found);
        if (i < last_names_.size()) {
          last_names_[i] = column.name;
          last_columns_[i] = index;
        } else {
          last_names_.push_back(column.name);
          last_columns_.push_back(index);
        }
      }
      if (needed.size() < table.size()) needed.resize(table.size(), ColumnType::None);
      if (seen_in_row_.size() < table.size()) seen_in_row_.resize(table.size(), 0);
      TypedValue typed = type_value(column.value, infer_from_text, empty_is_null);
      if (bool_as_integer && typed.type == ColumnType::Bool) typed.type = ColumnType::Integer;
      needed[index] = join_types(needed[index], typed.type);
      if (seen_in_row_[index] == row_stamp) {
        for (std::size_t c = row.first_cell; c < cells_.size(); ++c) {
          if (cells_[c].column == index) cells_[c].value = typed;
        }
        continue;
      }
      seen_in_row_[index] = row_stamp;
      cells_.push_back({index, typed});
    }
    row.cell_count = static_cast<std::uint32_t>(cells_.size() - row.first_cell);
    rows_.push_back(row);
  }
  // The stamps are per batch: rows of the next one count from 1 again.
  std::fill(seen_in_row_.begin(), seen_in_row_.end(), 0);
  if (needed.size() < table.size()) needed.resize(table.size(), ColumnType::None);
}

}  // namespace gpipe::db
