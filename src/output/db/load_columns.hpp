// What a record becomes in a table: its columns (names and values) and the type each value asks
// of its column, shared by the sqlite and postgres loaders.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gpipe/record.hpp"

namespace gpipe::db {

// The type a column holds, from narrow to wide. None: only nulls so far. Foreign: a column of
// a table made before the run whose type gpipe does not widen (it sends the values as text).
enum class ColumnType : std::uint8_t { None, Bool, Integer, Real, Text, Json, Foreign };

// The narrowest type that holds values of both `a` and `b`: integers and reals make REAL; any
// other mix makes TEXT (a boolean and a number, JSON and a number, anything and text).
ColumnType join_types(ColumnType a, ColumnType b);

// A value typed for a column: its type, and its number when it is one.
struct TypedValue {
  ColumnType type = ColumnType::None;
  std::int64_t integer = 0;
  double real = 0;
  std::string_view text;  // the value as written (an integer, a real, the text, compact JSON)
};

// Types a value. `infer_from_text`: a string may be a number (CSV, text, kv); a JSON string stays
// a string. An integer is one written as JSON writes it (no leading zero, no plus sign) that fits
// in 64 bits; a real one written as a JSON number with at most 15 significant digits (what a
// double keeps exactly) and finite. Anything else is text, exact: 007, 1.50000000000000001,
// 12345678901234567890. `empty_is_null`: an empty CSV value is NULL (CSV cannot say null).
TypedValue type_value(const Value& value, bool infer_from_text, bool empty_is_null);

// Names a record's columns: fields by name; a field known by position (`field 0 3`,
// `csv --no-header`) or with an empty name as c0, c3; a line without fields as one column `line`;
// a JSON value that is not an object as one column `value`.
class ColumnNamer {
 public:
  struct Column {
    std::string_view name;
    Value value;
  };
  // Fills `out` with the record's columns, in its order. Views stay valid while the batch does.
  void columns(const Batch& batch, const Record& record, std::vector<Column>& out);

 private:
  std::string_view position_name(std::string_view digits);
  // "c0", "c1", … made once each; a deque, so that the views handed out stay put as it grows
  std::deque<std::string> by_position_;
  // Positions too large to index by_position_, each named once (a map: its names stay put, and a
  // position repeated on every record costs no new string).
  std::map<std::string, std::string, std::less<>> long_names_;
};

// An identifier as SQL quotes it: "name", with a quote inside doubled.
std::string quote_identifier(std::string_view name);

// The columns of a table as the loaders know them, and each record's columns mapped to them.
struct TableColumn {
  std::string name;
  ColumnType type = ColumnType::None;
};

class TableColumns {
 public:
  // SQLite's names are the same in any ASCII case ("Name" is "name"); PostgreSQL's quoted ones
  // are not.
  explicit TableColumns(bool fold_case) : fold_case_(fold_case) {}
  std::size_t size() const { return columns_.size(); }
  const TableColumn& operator[](std::size_t i) const { return columns_[i]; }
  TableColumn& operator[](std::size_t i) { return columns_[i]; }
  // The index of the column named `name`, or npos.
  std::size_t find(std::string_view name) const;
  std::size_t add(std::string_view name, ColumnType type);

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::string key(std::string_view name) const;
  bool fold_case_;
  std::vector<TableColumn> columns_;
  mutable std::string key_;  // the folded name looked up last
  std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> index_;
};

}  // namespace gpipe::db
