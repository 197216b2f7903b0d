// The JSON number grammar, shared by the parser (json_fields.cpp: a number's text is checked
// before it is taken as written) and the JSON printer (a number field prints bare only if it is
// one), so that both agree on what a JSON number is.
#pragma once

#include <string_view>

namespace gpipe {

// True when `text` is a number as JSON writes it (RFC 8259: -?int frac? exp?).
bool is_json_number(std::string_view text);

}  // namespace gpipe
