// A reference to a field, as stages and expressions name it (docs/spec.md §3), parsed once at
// start-up, and the one lookup every stage uses to find a field's value in a record.
//
//   3, 0          a position: the n-th field of a record that has fields (CSV, JSON, an earlier
//                 `field`), else the n-th awk-style field of its text
//   -1, -2        a position counted from the end, as Python counts: -1 is the last field
//                 (a key named -1 is written quoted: ."-1")
//   _file _line _offset   where the record came from; every record has them
//   name          a field of that name: a CSV column, a `kv` key, a `parse` capture, a `set` field
//   user.screen_name, entities.hashtags[0].text, ."user name".id
//                 a JSON path; a leading '.' is allowed; keys that are not plain words are quoted
//
// name() is the reference as written without a leading '.': it is the name the `json` stage
// gives the field it makes for this path, and the name other sources are matched against, so a
// CSV column "user name" is `select 'user name'`.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/fields.hpp"
#include "gpipe/record.hpp"

namespace gpipe {

// One step of a JSON path: an object key or an array index.
struct PathStep {
  std::string key;
  std::size_t index = 0;
  bool is_index = false;
};

class FieldRef {
 public:
  // PositionFromEnd is a kind of its own, not a flag on Position, so that code which reads
  // position() of a Position (fast paths that split a line only up to it) cannot mistake -1 for
  // 1; it is found by lookup_field like every other kind.
  enum class Kind { Position, PositionFromEnd, File, Line, Offset, Name };

  // Throws std::invalid_argument with the reason ("unterminated quote in field name") when
  // `text` is not a field reference; builders turn that into a PipelineError with a caret.
  static FieldRef parse(std::string_view text);

  Kind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  // Position: 0-based from the start. PositionFromEnd: how far from the end, 1 for the last.
  std::size_t position() const { return position_; }
  // The name as a JSON path: one step for a plain key, several for `a.b[0]`.
  std::span<const PathStep> path() const { return path_; }

 private:
  Kind kind_ = Kind::Name;
  std::string name_;
  std::size_t position_ = 0;
  std::vector<PathStep> path_;
};

// Splits "a.b[0].\"c d\"" into steps. Returns false (and a reason) on a malformed path.
bool parse_json_path(std::string_view text, std::vector<PathStep>& steps, std::string& reason);

// The value of `ref` in `record`, or null when it is not there (never an error). Values view the
// record's text, the batch's fields or its arena, so they live as long as the batch.
//
// Lookup order for a name: a field of exactly that name; else, for a path of several steps, the
// rest of the path inside a field named by its first step that holds JSON; else, when the record
// is whole JSON text, the path resolved in that text (the slow path, for references the planner
// did not see). `splitter` splits text records for positions.
Value lookup_field(Batch& batch, const Record& record, const FieldRef& ref,
                   const FieldSplitter& splitter = FieldSplitter());

// A number as a Value whose text lives in `arena` (_line, _offset, counts of aggregates).
Value number_value(Arena& arena, std::uint64_t number);

// The value at `path` inside the JSON text `json` (an object or array), or null. Strings are
// unescaped into `arena`; numbers keep their text as written; objects and arrays are compact JSON.
// Invalid JSON gives null.
Value resolve_json_path(std::string_view json, std::span<const PathStep> path, Arena& arena);

}  // namespace gpipe
