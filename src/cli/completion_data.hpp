// What the shell completion scripts offer, taken from the stage table and the option table so that
// a new stage or option is completed without touching the scripts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/options.hpp"
#include "gpipe/stage.hpp"

namespace gpipe {

// What may follow a stage's name, read from its synopsis ("grep [-v] [-i] PATTERN",
// "to text|tsv|csv|jsonl [--ofs S]", "write PATH [--append]"): an argument spelled in lower case
// is a word typed as it is (alternatives separated by '|'), one that starts with '-' is an option,
// PATH is a file name, and any other upper-case placeholder is the user's own text.
struct StageCompletion {
  std::string_view name;
  std::string_view summary;
  std::vector<std::string_view> options = {};  // "-v", "--sep"
  std::vector<std::string_view> words = {};    // "text", "tsv", …; "by"
  bool takes_files = false;
};

StageCompletion stage_completion(const StageInfo& stage);
std::vector<StageCompletion> stage_completions();

// Every spelling of every option ("-f", "--file", …), in table order.
std::vector<std::string_view> all_option_spellings();

// The spellings of the options that take a value (whose next word is that value).
std::vector<std::string_view> value_option_spellings();

// Whether the option gives the pipeline as a file (-f), so that no pipeline word follows.
bool gives_pipeline_file(const OptionInfo& option);

// `words` joined by `separator`.
std::string join(const std::vector<std::string_view>& words, std::string_view separator);

// `script` with each "@NAME@" of `fills` replaced by its text: the scripts are written out whole,
// with the parts that come from the tables marked.
struct ScriptFill {
  std::string_view placeholder;  // "@STAGE_NAMES@"
  std::string text;
};
std::string fill_script(std::string_view script, const std::vector<ScriptFill>& fills);

// `text` in single quotes for bash and zsh ('it'\''s').
std::string single_quoted(std::string_view text);

}  // namespace gpipe
