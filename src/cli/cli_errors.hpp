// CLI11's parse errors in gpipe's voice: "unknown option '--x' (did you mean '--set'?)" rather
// than "The following argument was not expected: --x / Run with --help". cli.cpp prints the
// message as every other error ("gpipe: error: …", exit 2).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace CLI {
class ParseError;
}

namespace gpipe {

// The message for a parse error of the command line `args` (argv without the program name).
std::string command_line_error(const CLI::ParseError& error, std::span<const char* const> args);

// The option of the table nearest to `word` ("--stat" gives "--stats"), or "" when none is.
std::string closest_option(std::string_view word);

}  // namespace gpipe
