// JSON lines output (`to jsonl`, and the default for JSON input): escaping straight into the
// output buffer, with no string built per record.
#pragma once

#include <string_view>

#include "gpipe/record.hpp"
#include "output/output.hpp"

namespace gpipe {

// Appends `text` as a JSON string literal, quotes included: '"' and '\' escaped, control bytes
// as \n \t \r \b \f or \u00XX, valid UTF-8 passed through as it is. Each invalid UTF-8 sequence
// (a stray continuation byte, a truncated or overlong sequence, a surrogate, a code point above
// U+10FFFF; its longest valid-looking prefix counts as one) becomes \ufffd, the replacement
// character, as Python's errors="replace" does: the output is always valid JSON.
void append_json_string(OutputBuffer& out, std::string_view text);

// Prints one record as a line of JSON:
// - whole_json (a value from `json`/`items`, not reshaped): its text, untouched;
// - with fields: an object {"name": value, …} in field order; a string value as a JSON string,
//   a number as written (numbers stay numbers), true/false, null, nested JSON as its text;
// - a text line without fields: a JSON string of the line, as `jq -R .` prints it.
void print_json_record(OutputBuffer& out, Batch& batch, const Record& record);

}  // namespace gpipe
