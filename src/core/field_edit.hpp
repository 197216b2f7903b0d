// What `drop` and `rename` share: the fields they name (positions or names, parsed at start-up)
// and the fields of a record to edit, made of a plain text record's awk fields when positions
// are asked for; and how any stage that reshapes a record (these two, field, select) gives it
// its new fields.
//
// Rules (docs/spec.md §4 is silent; these are gpipe's):
//   - F is a 0-based position or a name. A name matches every top-level field of exactly that
//     name (a CSV column, a JSON key, a kv key, a parse capture, a set field).
//   - A record with fields is edited in its fields. A plain text line (no fields) is left as is
//     for names, and for positions becomes its awk fields (split on runs of spaces and tabs),
//     named "0", "1", … by position, which are then edited: `drop 1` is awk's "remove the second
//     word", and the rest prints joined by a tab.
//   - _file, _line and _offset belong to every record and cannot be dropped or renamed.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/fields.hpp"
#include "gpipe/record.hpp"
#include "gpipe/stage.hpp"

namespace gpipe {

// One F of drop or rename.
struct FieldTarget {
  bool is_position = false;
  std::size_t position = 0;
  std::string name;

  bool matches(std::size_t index, std::string_view field_name) const {
    return is_position ? index == position : field_name == name;
  }
};

// Parses F (the text of `arg`, or `text` when given: rename's OLD). Fails with a caret on
// `arg` for a malformed F or one of _file, _line, _offset. `verb` says what the stage does.
FieldTarget parse_field_target(StageArgs& args, const Argument& arg, std::string_view text,
                               std::string_view verb);

// "0", "1", … kept for the life of the stage, so fields split from text can be named by their
// position without allocating per record.
class PositionNames {
 public:
  std::string_view name(std::size_t position);

 private:
  std::deque<std::string> names_;
};

// Gathers the fields of a record to edit, reusing its buffers.
class FieldEditor {
 public:
  // `split_text`: whether a text record becomes its awk fields (when some F is a position).
  explicit FieldEditor(bool split_text) : split_text_(split_text) {}

  // The record's fields into `out` (cleared first). False for a text record that is left as is.
  bool fields_of(Batch& batch, const Record& record, std::vector<Field>& out);

  // Makes `fields` the record's fields (appended to the batch's), as a reshaped record.
  static void replace_fields(Batch& batch, Record& record, const std::vector<Field>& fields);

 private:
  bool split_text_;
  FieldSplitter splitter_;               // awk's splitting
  std::vector<std::string_view> words_;  // reused for every record
  PositionNames names_;
};

// Sets the field `name` in `fields` to `value`: where a field of that name stands, else added at
// the end (as `set NAME = …` does; running, window and bucket add their results so).
void set_named_field(std::vector<Field>& fields, std::string_view name, Value value);

// Whether any target is a position.
bool has_position(const std::vector<FieldTarget>& targets);

}  // namespace gpipe
