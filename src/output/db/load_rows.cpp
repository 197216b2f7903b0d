#include "output/db/load_rows.hpp"

#include "simd/equal_bytes.hpp"

namespace gpipe::db {

// Whether `record`'s fields are named by the very names (the same bytes of the batch) of the
// record whose columns were looked up last: then they are the same columns, in the same order.
bool BatchRows::same_shape(const Batch& batch, const Record& record) const {
  if (!record.has_fields() || record.field_count == 0 ||
      record.field_count != shape_names_.size()) {
    return false;
  }
  const Field* fields = batch.fields().data() + record.first_field;
  for (std::size_t i = 0; i < shape_names_.size(); ++i) {
    if (fields[i].name.data() != shape_names_[i].data() ||
        fields[i].name.size() != shape_names_[i].size()) {
      return false;
    }
  }
  return true;
}

std::uint32_t BatchRows::column_of(std::size_t i, std::string_view name, TableColumns& table,
                                   std::vector<ColumnType>& needed) {
  if (i < last_names_.size() && equal_bytes(last_names_[i], name)) return last_columns_[i];
  std::size_t found = table.find(name);
  if (found == TableColumns::npos) {
    found = table.add(name, ColumnType::None);
    if (needed.size() < table.size()) needed.resize(table.size(), ColumnType::None);
    if (seen_in_row_.size() < table.size()) seen_in_row_.resize(table.size(), 0);
  }
  const auto index = static_cast<std::uint32_t>(found);
  if (i < last_names_.size()) {
    last_names_[i] = name;
    last_columns_[i] = index;
  } else {
    last_names_.push_back(name);
    last_columns_.push_back(index);
  }
  return index;
}

void BatchRows::add_cell(Row& row, std::uint32_t index, const Value& value,
                         const BatchTyping& typing, const TableColumns& table,
                         std::vector<ColumnType>& needed) {
  TypedValue typed;
  const ColumnType column_type = table[index].type;
  if (typing.asked.text_columns_untyped &&
      (column_type == ColumnType::Text || column_type == ColumnType::Foreign)) {
    // Whatever the value's type, the column stays as it is (join_types gives Text, or Foreign).
    typed.text = value.text;
    const bool null =
        value.kind == Value::Kind::Null ||
        (value.kind == Value::Kind::String && value.text.empty() && typing.empty_is_null);
    typed.type = null ? ColumnType::None : column_type;
  } else {
    typed = type_value(value, typing.infer_from_text, typing.empty_is_null);
  }
  if (typing.asked.bool_as_integer && typed.type == ColumnType::Bool) {
    typed.type = ColumnType::Integer;
  }
  needed[index] = join_types(needed[index], typed.type);
  const auto row_stamp = static_cast<std::uint32_t>(rows_.size() + 1);
  if (seen_in_row_[index] == row_stamp) {
    for (std::size_t c = row.first_cell; c < cells_.size(); ++c) {
      if (cells_[c].column == index) cells_[c].value = typed;
    }
    return;
  }
  seen_in_row_[index] = row_stamp;
  cells_.push_back({index, typed});
}

void BatchRows::read(Batch& batch, ColumnNamer& namer, TableColumns& table, const Typing& typing,
                     std::vector<ColumnType>& needed) {
  cells_.clear();
  rows_.clear();
  last_names_.clear();
  last_columns_.clear();
  // The shape is the batch's own: another batch's names may lie at the same addresses.
  shape_names_.clear();
  shape_columns_.clear();
  if (needed.size() < table.size()) needed.resize(table.size(), ColumnType::None);
  if (seen_in_row_.size() < table.size()) seen_in_row_.resize(table.size(), 0);
  const BatchTyping batch_typing{.asked = typing,
                                 .infer_from_text = batch.format() != DataFormat::Json,
                                 .empty_is_null = batch.format() == DataFormat::Csv};
  std::vector<Record>& records = batch.records();
  for (std::size_t r = 0; r < records.size(); ++r) {
    const Record& record = records[r];
    Row row;
    row.first_cell = static_cast<std::uint32_t>(cells_.size());
    row.record = static_cast<std::uint32_t>(r);
    if (same_shape(batch, record)) {
      // The rows of a CSV file: no names to look at.
      const Field* fields = batch.fields().data() + record.first_field;
      for (std::size_t i = 0; i < shape_columns_.size(); ++i) {
        add_cell(row, shape_columns_[i], fields[i].value, batch_typing, table, needed);
      }
    } else {
      namer.columns(batch, record, columns_);
      for (std::size_t i = 0; i < columns_.size(); ++i) {
        const std::uint32_t index = column_of(i, columns_[i].name, table, needed);
        add_cell(row, index, columns_[i].value, batch_typing, table, needed);
      }
      // A record of fields has a column a field, in their order (ColumnNamer::columns).
      if (record.has_fields() && record.field_count != 0) {
        const Field* fields = batch.fields().data() + record.first_field;
        shape_names_.assign(record.field_count, {});
        for (std::size_t i = 0; i < record.field_count; ++i) shape_names_[i] = fields[i].name;
        shape_columns_.assign(last_columns_.begin(), last_columns_.begin() + record.field_count);
      }
    }
    row.cell_count = static_cast<std::uint32_t>(cells_.size() - row.first_cell);
    rows_.push_back(row);
  }
  // The stamps are per batch: rows of the next one count from 1 again.
  std::fill(seen_in_row_.begin(), seen_in_row_.end(), 0);
  if (needed.size() < table.size()) needed.resize(table.size(), ColumnType::None);
}

}  // namespace gpipe::db
