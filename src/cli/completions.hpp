// `gpipe help --completions SHELL`: a completion script for bash, zsh or fish, made from the stage
// table and the option table (completion_data.hpp). The pipeline is one shell word, usually in
// quotes, so each script completes inside it: the stage names after '|' (or at its start), a
// stage's options after '-', file names after a stage that reads or writes a PATH, and the words
// its synopsis spells out (`to`'s formats).
#pragma once

#include <string>
#include <string_view>

namespace gpipe {

// The script for `shell` ("bash", "zsh" or "fish"); empty for any other.
std::string completion_script(std::string_view shell);

std::string bash_completion_script();
std::string zsh_completion_script();
std::string fish_completion_script();

}  // namespace gpipe
