// Values as hashable byte keys for the aggregates that count values (distinct, top): the kind
// (one byte) then the text, so that the number 1 and the string "1" stay apart, as they print.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "gpipe/record.hpp"
#include "stages/aggregates/partial_state.hpp"

namespace gpipe::stages {

// `value` as a key in `out` (cleared first).
inline void value_key(const Value& value, std::string& out) {
  out.clear();
  out += static_cast<char>(value.kind);
  out += value.text;
}

// The value a key holds; its text views the key.
inline Value key_value(std::string_view key) {
  return {static_cast<Value::Kind>(key.front()), key.substr(1)};
}

// Hash sets and maps of keys that a string_view can look up, so that a value already counted
// costs no allocation.
struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};
using KeySet = std::unordered_set<std::string, KeyHash, std::equal_to<>>;
template <class Mapped>
using KeyMap = std::unordered_map<std::string, Mapped, KeyHash, std::equal_to<>>;

// A key as JSON (the exact encoding of partial lines), and back.
inline void append_key_json(std::string& out, std::string_view key) {
  append_key_value(out, key_value(key));
}
inline std::string key_from_json(const simdjson::dom::element& element) {
  Arena arena;
  std::string key;
  value_key(read_key_value(element, arena), key);
  return key;
}

}  // namespace gpipe::stages
