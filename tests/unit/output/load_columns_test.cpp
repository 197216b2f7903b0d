// The types the sqlite and postgres sinks give values, and the names they give columns.
#include "output/db/load_columns.hpp"

#include <gtest/gtest.h>

#include "output/db/load_rows.hpp"

namespace gpipe::db {
namespace {

ColumnType type_of_text(std::string_view text) {
  return type_value(Value::string(text), /*infer_from_text=*/true, /*empty_is_null=*/true).type;
}

TEST(LoadColumns, IntegersThatFit64BitsExactly) {
  EXPECT_EQ(type_of_text("0"), ColumnType::Integer);
  EXPECT_EQ(type_of_text("-42"), ColumnType::Integer);
  EXPECT_EQ(type_of_text("9223372036854775807"), ColumnType::Integer);
  EXPECT_EQ(type_of_text("-9223372036854775808"), ColumnType::Integer);
  const TypedValue max = type_value(Value::string("9223372036854775807"), true, true);
  EXPECT_EQ(max.integer, INT64_MAX);
  // Beyond 64 bits, or not as JSON writes an integer: text, as written.
  EXPECT_EQ(type_of_text("9223372036854775808"), ColumnType::Text);
  EXPECT_EQ(type_of_text("12345678901234567890"), ColumnType::Text);
  EXPECT_EQ(type_of_text("007"), ColumnType::Text);
  EXPECT_EQ(type_of_text("-0"), ColumnType::Text);
  EXPECT_EQ(type_of_text("+5"), ColumnType::Text);
  EXPECT_EQ(type_of_text("5 "), ColumnType::Text);
}

TEST(LoadColumns, IntegersReadExactlyAtEveryLength) {
  // Up to 18 digits and from 19 on (two ways of reading them), each sign, every length.
  std::string digits;
  for (int length = 1; length <= 19; ++length) {
    digits += static_cast<char>('0' + (length % 9) + 1);
    for (const std::string& text : {digits, "-" + digits}) {
      const TypedValue typed = type_value(Value::string(text), true, true);
      EXPECT_EQ(typed.type, ColumnType::Integer) << text;
      EXPECT_EQ(typed.integer, std::stoll(text)) << text;
    }
  }
  EXPECT_EQ(type_value(Value::string("0"), true, true).integer, 0);
  EXPECT_EQ(type_of_text("00"), ColumnType::Text);
  EXPECT_EQ(type_of_text("-"), ColumnType::Text);
  EXPECT_EQ(type_of_text("-01"), ColumnType::Text);
  EXPECT_EQ(type_of_text("12a"), ColumnType::Text);
  EXPECT_EQ(type_of_text("2026-04-08"), ColumnType::Text);
  EXPECT_EQ(type_of_text("-999999999999999999"), ColumnType::Integer);
  EXPECT_EQ(type_of_text("1.5"), ColumnType::Real);
  EXPECT_EQ(type_of_text("1e3"), ColumnType::Real);
}

TEST(LoadColumns, RealsOnlyWhenADoubleKeepsThem) {
  EXPECT_EQ(type_of_text("1.5"), ColumnType::Real);
  EXPECT_EQ(type_of_text("-0.25"), ColumnType::Real);
  EXPECT_EQ(type_of_text("1e10"), ColumnType::Real);
  EXPECT_EQ(type_of_text("2.5E-3"), ColumnType::Real);
  EXPECT_EQ(type_of_text("123456789012.345"), ColumnType::Real);         // 15 digits
  EXPECT_EQ(type_of_text("1234567890123.4567"), ColumnType::Text);       // 17 digits
  EXPECT_EQ(type_of_text("0.000000000000000000001"), ColumnType::Real);  // leading zeros
  EXPECT_EQ(type_of_text("1e400"), ColumnType::Text);
  EXPECT_EQ(type_of_text(".5"), ColumnType::Text);
  EXPECT_EQ(type_of_text("1."), ColumnType::Text);
  EXPECT_EQ(type_of_text("NaN"), ColumnType::Text);
  EXPECT_EQ(type_of_text("inf"), ColumnType::Text);
}

TEST(LoadColumns, KindsOfValues) {
  EXPECT_EQ(type_value(Value::null(), true, true).type, ColumnType::None);
  EXPECT_EQ(type_of_text(""), ColumnType::None);  // an empty CSV value
  EXPECT_EQ(type_value(Value::string(""), false, false).type, ColumnType::Text);  // JSON ""
  // A JSON string of digits is a string.
  EXPECT_EQ(type_value(Value::string("12"), false, false).type, ColumnType::Text);
  EXPECT_EQ(type_value(Value{Value::Kind::Number, "12"}, false, false).type, ColumnType::Integer);
  EXPECT_EQ(type_value(Value{Value::Kind::Number, "123456789012345678901234"}, false, false).type,
            ColumnType::Text);
  const TypedValue yes = type_value(Value{Value::Kind::Bool, "true"}, false, false);
  EXPECT_EQ(yes.type, ColumnType::Bool);
  EXPECT_EQ(yes.integer, 1);
  EXPECT_EQ(type_value(Value{Value::Kind::Json, "[1]"}, false, false).type, ColumnType::Json);
}

TEST(LoadColumns, JoinWidens) {
  EXPECT_EQ(join_types(ColumnType::None, ColumnType::Integer), ColumnType::Integer);
  EXPECT_EQ(join_types(ColumnType::Integer, ColumnType::None), ColumnType::Integer);
  EXPECT_EQ(join_types(ColumnType::Integer, ColumnType::Real), ColumnType::Real);
  EXPECT_EQ(join_types(ColumnType::Real, ColumnType::Integer), ColumnType::Real);
  EXPECT_EQ(join_types(ColumnType::Real, ColumnType::Text), ColumnType::Text);
  EXPECT_EQ(join_types(ColumnType::Bool, ColumnType::Integer), ColumnType::Text);
  EXPECT_EQ(join_types(ColumnType::Json, ColumnType::Integer), ColumnType::Text);
  EXPECT_EQ(join_types(ColumnType::Json, ColumnType::Json), ColumnType::Json);
  EXPECT_EQ(join_types(ColumnType::Foreign, ColumnType::Text), ColumnType::Foreign);
}

TEST(LoadColumns, QuotesIdentifiers) {
  EXPECT_EQ(quote_identifier("a"), "\"a\"");
  EXPECT_EQ(quote_identifier("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(quote_identifier("select"), "\"select\"");
}

TEST(LoadColumns, NamesRecordsColumns) {
  static const Origin origin{"test"};
  Batch batch;
  batch.reset(&origin, RecordKind::Line);
  const Field positional[] = {{"0", Value::string("a")}, {"3", Value::string("b")}};
  const Field named[] = {
      {"x", Value::string("1")}, {"", Value::string("2")}, {"x", Value::string("3")}};
  Record line;
  line.text = "a line";
  Record by_position;
  by_position.first_field = batch.add_fields(positional);
  by_position.field_count = 2;
  Record by_name;
  by_name.first_field = batch.add_fields(named);
  by_name.field_count = 3;
  Record array;
  array.text = " [1,2] ";
  array.whole_json = true;
  array.field_count = 0;
  Record empty_object = array;
  empty_object.text = "{}";
  batch.raw_records() = {line, by_position, by_name, array, empty_object};

  ColumnNamer namer;
  std::vector<ColumnNamer::Column> columns;
  auto names = [&](const Record& record) {
    namer.columns(batch, record, columns);
    std::string out;
    for (const auto& column : columns)
      out += std::string(column.name) + "=" + std::string(column.value.text) + ";";
    return out;
  };
  EXPECT_EQ(names(line), "line=a line;");
  EXPECT_EQ(names(by_position), "c0=a;c3=b;");
  EXPECT_EQ(names(by_name), "x=1;c1=2;x=3;");
  EXPECT_EQ(names(array), "value=[1,2];");
  EXPECT_EQ(names(empty_object), "");

  // Rows: a name twice in a record keeps the last value; new names become columns.
  TableColumns table(/*fold_case=*/true);
  table.add("X", ColumnType::Integer);
  BatchRows rows;
  std::vector<ColumnType> needed;
  batch.set_format(DataFormat::Csv);
  rows.read(batch, namer, table, BatchRows::Typing{.bool_as_integer = true}, needed);
  ASSERT_EQ(rows.rows().size(), 5U);
  const auto cells = rows.cells(rows.rows()[2]);
  ASSERT_EQ(cells.size(), 2U);
  EXPECT_EQ(cells[0].column, 0U);  // x is X: SQLite's names ignore ASCII case
  EXPECT_EQ(cells[0].value.text, "3");
  EXPECT_EQ(table.size(), 6U);  // X, line, c0, c3, c1, value
  EXPECT_EQ(needed[0], ColumnType::Integer);
  EXPECT_EQ(needed[table.find("c0")], ColumnType::Text);
}

// Cells of a batch as text: "column=value:type" a cell, rows by "|".
std::string cells_of(const BatchRows& rows) {
  std::string out;
  for (const Row& row : rows.rows()) {
    if (!out.empty()) out += "|";
    for (const Cell& cell : rows.cells(row)) {
      out += std::to_string(cell.column) + "=" + std::string(cell.value.text) + ":" +
             std::to_string(static_cast<int>(cell.value.type)) + ";";
    }
  }
  return out;
}

TEST(LoadColumns, RowsOfOneHeaderReadAsRowsOfTheirOwnNames) {
  // CSV rows view their file's header (the same names, the same bytes); rows of JSON view names
  // of their own. Both give the same cells, a name twice in a row included.
  static const Origin origin{"test"};
  const std::string shared_names[] = {"id", "name", "id"};
  std::vector<std::string> own_names;
  const char* values[][3] = {{"1", "a", "7"}, {"2", "", "x"}, {"3", "c", "9"}};
  Batch shared;
  Batch own;
  for (Batch* batch : {&shared, &own}) {
    batch->reset(&origin, RecordKind::Line);
    batch->set_format(DataFormat::Csv);
  }
  own_names.reserve(9);
  std::vector<Record> shared_records, own_records;
  for (const auto& row : values) {
    std::vector<Field> fields, own_fields;
    for (int i = 0; i < 3; ++i) {
      fields.push_back({shared_names[i], Value::string(row[i])});
      own_names.push_back(shared_names[i]);
      own_fields.push_back({own_names.back(), Value::string(row[i])});
    }
    Record record;
    record.field_count = 3;
    record.first_field = shared.add_fields(fields);
    shared_records.push_back(record);
    record.first_field = own.add_fields(own_fields);
    own_records.push_back(record);
  }
  shared.raw_records() = shared_records;
  own.raw_records() = own_records;
  ColumnNamer namer;
  TableColumns table(/*fold_case=*/false);
  BatchRows rows;
  std::vector<ColumnType> needed;
  rows.read(shared, namer, table, BatchRows::Typing{}, needed);
  const std::string from_shared = cells_of(rows);
  const std::vector<ColumnType> needed_shared = needed;
  rows.read(own, namer, table, BatchRows::Typing{}, needed);
  EXPECT_EQ(cells_of(rows), from_shared);
  EXPECT_EQ(needed, needed_shared);
  // id: its last value in each row (7, x, 9: text); name: a, null, c.
  EXPECT_EQ(from_shared, "0=7:2;1=a:4;|0=x:4;1=:0;|0=9:2;1=c:4;");
  EXPECT_EQ(needed[0], ColumnType::Text);
}

TEST(LoadColumns, TextColumnsUntypedForPostgres) {
  // A column that holds text already takes any value as written; only nulls are told apart.
  // A column of integers still types its values, so that a real or a word widens it.
  static const Origin origin{"test"};
  Batch batch;
  batch.reset(&origin, RecordKind::Line);
  batch.set_format(DataFormat::Csv);
  const Field first[] = {{"n", Value::string("12")}, {"t", Value::string("34")}};
  const Field second[] = {{"n", Value::string("1.5")}, {"t", Value::string("")}};
  Record a;
  a.field_count = 2;
  a.first_field = batch.add_fields(first);
  Record b = a;
  b.first_field = batch.add_fields(second);
  batch.raw_records() = {a, b};
  ColumnNamer namer;
  TableColumns table(/*fold_case=*/false);
  table.add("n", ColumnType::Integer);
  table.add("t", ColumnType::Text);
  BatchRows rows;
  std::vector<ColumnType> needed(2, ColumnType::None);
  rows.read(batch, namer, table, BatchRows::Typing{.text_columns_untyped = true}, needed);
  EXPECT_EQ(cells_of(rows), "0=12:2;1=34:4;|0=1.5:3;1=:0;");
  EXPECT_EQ(needed[0], ColumnType::Real);
  EXPECT_EQ(needed[1], ColumnType::Text);
  // Typed, "34" is an integer (SQLite binds it as one).
  rows.read(batch, namer, table, BatchRows::Typing{}, needed);
  EXPECT_EQ(cells_of(rows), "0=12:2;1=34:2;|0=1.5:3;1=:0;");
}

}  // namespace
}  // namespace gpipe::db
