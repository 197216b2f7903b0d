// The F… arguments of field, select and uniq: which fields of a record to take.
//
// An F made of digits is a 0-based position: the n-th awk-style (or --sep) field of a text
// record, or the n-th field of a record that already has fields (CSV, JSON, an earlier `field`).
// Any other F is a name: a field of that name, or one of `_file`, `_line`, `_offset`, which
// every record has; otherwise it is missing. A missing field is null, never an error.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "gpipe/fields.hpp"
#include "gpipe/record.hpp"

namespace gpipe {

class FieldSelection {
 public:
  FieldSelection(const std::vector<std::string>& specs, FieldSplitter splitter);

  // The selected fields of `record`, in the order asked for, into `out` (cleared first, its
  // capacity kept). Each is named as its F was written; values view the record's text, the
  // batch's fields or its arena, so they live as long as the batch.
  void select(Batch& batch, const Record& record, std::vector<Field>& out);

  std::size_t size() const { return selectors_.size(); }

 private:
  struct Selector {
    std::string name;
    std::optional<std::size_t> position;
  };
  Value named_value(Batch& batch, const Record& record, std::string_view name);

  std::vector<Selector> selectors_;
  FieldSplitter splitter_;
  std::size_t split_limit_ = 0;          // 1 + the largest position: split no further
  std::vector<std::string_view> split_;  // reused for every record
};

}  // namespace gpipe
