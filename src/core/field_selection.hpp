// The F… arguments of field, select and uniq: which fields of a record to take.
//
// An F made of digits is a 0-based position: the n-th awk-style (or --sep) field of a text
// record, or the n-th field of a record that already has fields (CSV, JSON, an earlier `field`).
// A negative one counts from the end: -1 is the last field.
// Any other F is a name or JSON path, looked up as lookup_field() does (field_ref.hpp). A missing
// field is null, never an error.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/field_ref.hpp"
#include "gpipe/fields.hpp"
#include "gpipe/record.hpp"

namespace gpipe {

class FieldSelection {
 public:
  FieldSelection(std::vector<FieldRef> refs, FieldSplitter splitter);

  // The selected fields of `record`, in the order asked for, into `out` (cleared first, its
  // capacity kept). Each is named as its F was written, except that a position on a record
  // with fields keeps the name of the field it picks (`select 0` of a JSON object keeps its
  // first key); values view the record's text, the batch's fields or its arena, so they live
  // as long as the batch.
  void select(Batch& batch, const Record& record, std::vector<Field>& out);

  // The selected values of `record` as one key in `key` (cleared first, its capacity kept):
  // distinct lists of values give distinct keys (each value's kind and length go first, so a
  // null differs from an empty string and no separator can be confused with data). The key
  // uniq and dedup compare with F….
  std::string_view key(Batch& batch, const Record& record, std::string& key);

  std::size_t size() const { return refs_.size(); }
  const std::vector<FieldRef>& refs() const { return refs_; }

 private:
  std::vector<FieldRef> refs_;
  FieldSplitter splitter_;
  bool split_text_ = false;              // some F is a position: split text records
  std::size_t split_limit_ = 0;          // 1 + the largest position (0: all, for -1)
  std::vector<std::string_view> split_;  // reused for every record
  std::vector<Field> selected_;          // reused by key()
};

// Appends one value to a key so that distinct lists of values give distinct keys: its kind and
// length first, then its text.
void append_value_key(std::string& key, const Value& value);

}  // namespace gpipe
