// The text form of an aggregate's mergeable state (`--partial`, `merge`; docs/spec.md §8): one
// JSON line per group,
//   {"gpipe_partial":1,"stage":"stats ms by path","key":["/api"],"state":{…}}
// versioned, with the aggregate's call as written (so `merge` can rebuild it), the group's key
// and the state. Key values are exact: a string is a JSON string (or {"hex":…} when it is not
// UTF-8), a number {"n":"text as written"}, a boolean true/false, JSON {"json":"text"}.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/generator.hpp"
#include "gpipe/language.hpp"
#include "gpipe/record.hpp"

namespace simdjson::dom {
class element;
class parser;
}  // namespace simdjson::dom

namespace gpipe::stages {

inline constexpr int kPartialVersion = 1;

// --partial --keyed: each partial line as `KEY<tab>LINE`, KEY its "key" array as compact JSON,
// which Hadoop Streaming sorts and groups lines by. `merge` reads both forms.
BatchStream keyed_partial_lines(BatchStream in);

// A value as JSON, exactly (the key encoding above), and back; read_key_value stores its text in
// `arena` and throws std::invalid_argument on anything else.
void append_key_value(std::string& out, const Value& value);
Value read_key_value(const simdjson::dom::element& element, Arena& arena);

// The call as it can be parsed again: "stats ms by path".
std::string call_text(const StageCall& call);

// Starts a partial line up to and including `"state":`; the caller appends the state and "}".
void start_partial_line(std::string& out, std::string_view stage, std::span<const Value> key);

// A parsed partial line. Key values view `arena`; `state` views the parser's document.
struct PartialLine {
  std::string_view stage;
  std::vector<Value> key;
  const simdjson::dom::element* state = nullptr;
};

// Reads partial lines, one at a time (each one's views last until the next).
class PartialLineReader {
 public:
  PartialLineReader();
  ~PartialLineReader();
  PartialLineReader(const PartialLineReader&) = delete;
  PartialLineReader& operator=(const PartialLineReader&) = delete;
  // Throws std::invalid_argument saying what is wrong with the line.
  const PartialLine& read(std::string_view line, Arena& arena);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gpipe::stages
