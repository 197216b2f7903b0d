// Writing roff for the man page (man(7) macros): text escaped so that no character of the help
// texts is read as markup.
#pragma once

#include <string>
#include <string_view>

namespace gpipe {

// `text` as roff text: a backslash, a hyphen (a minus, so that options copy as they read),
// quotes, ^ and ~ (which groff would print as other characters) become escapes, and so does any
// character outside ASCII (\[uXXXX]), so no input encoding need be assumed.
std::string roff_escape(std::string_view text);

// Appends one line of roff text, already escaped; a line that would start with a dot (a request)
// is guarded with \&.
void append_roff_line(std::string& out, std::string_view escaped_line);

// Appends help text (paragraphs separated by blank lines, see TextBlock): each paragraph starts
// with `paragraph_macro` (.PP, or .IP to stay indented under a .TP), prose is left to roff to
// fill, with `quoted` spans in bold, and preformatted paragraphs keep their lines.
void append_roff_text(std::string& out, std::string_view text, std::string_view paragraph_macro);

}  // namespace gpipe
