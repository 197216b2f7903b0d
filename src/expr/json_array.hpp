// Arrays as expression values: split() makes one as compact JSON text in the batch's arena, and
// `value[i]` reads an element of one (made by split() or read from a JSON record) by scanning its
// text, so neither needs a parser or allocates per record.
#pragma once

#include <string>
#include <string_view>

#include "expr/value.hpp"
#include "gpipe/record.hpp"

namespace gpipe::expr {

// Appends `text` as a JSON string literal, quotes included: '"' and '\' escaped, control bytes as
// \n \t \r \b \f or \u00XX, valid UTF-8 as it is and each byte of invalid UTF-8 as \ufffd (the
// replacement character), so that the array is valid JSON.
void append_json_string(std::string& out, std::string_view text);

// Element `index` of the JSON array `array` (0-based; a negative index counts from the end, -1
// the last) as a value: strings unescaped (into the arena when they hold escapes), numbers with
// their text as written, nested arrays and objects as their JSON text. Null when `array` is not
// an array or has no such element.
Val json_array_element(std::string_view array, double index, Arena& arena);

}  // namespace gpipe::expr
