#include "cli/completion_data.hpp"

#include <algorithm>
#include <cctype>

#include "cli/doc_text.hpp"

namespace gpipe {

namespace {

// A synopsis argument without the brackets and the ellipsis around it: "[--sep" gives "--sep",
// "F…]" gives "F".
std::string_view bare_argument(std::string_view argument) {
  constexpr std::string_view kEllipsis = "\u2026";
  while (!argument.empty() && (argument.front() == '[' || argument.front() == '(')) {
    argument.remove_prefix(1);
  }
  for (bool trimmed = true; trimmed && !argument.empty();) {
    trimmed = false;
    if (argument.back() == ']' || argument.back() == ')') {
      argument.remove_suffix(1);
      trimmed = true;
    } else if (argument.ends_with(kEllipsis)) {
      argument.remove_suffix(kEllipsis.size());
      trimmed = true;
    }
  }
  return argument;
}

// Lower-case words, | between choices; a hyphen inside a word (json-array), not first (an option).
bool is_typed_word(std::string_view argument) {
  return !argument.empty() && argument.front() != '-' &&
         std::ranges::all_of(argument,
                             [](char c) { return std::islower(c) != 0 || c == '|' || c == '-'; });
}

void add_once(std::vector<std::string_view>& list, std::string_view item) {
  if (std::ranges::find(list, item) == list.end()) list.push_back(item);
}

}  // namespace

StageCompletion stage_completion(const StageInfo& stage) {
  StageCompletion completion{.name = stage.name, .summary = stage.summary};
  const std::vector<std::string_view> arguments = split_on(stage.synopsis, ' ');
  for (std::size_t i = 1; i < arguments.size(); ++i) {  // [0] is the stage's name
    const std::string_view argument = bare_argument(arguments[i]);
    if (argument.empty()) continue;
    if (argument.front() == '-') {
      add_once(completion.options, argument);
    } else if (argument == "PATH") {
      completion.takes_files = true;
    } else if (is_typed_word(argument)) {
      for (std::string_view word : split_on(argument, '|')) add_once(completion.words, word);
    }
  }
  return completion;
}

std::vector<StageCompletion> stage_completions() {
  std::vector<StageCompletion> completions;
  for (const StageInfo& stage : stage_table()) completions.push_back(stage_completion(stage));
  return completions;
}

std::vector<std::string_view> all_option_spellings() {
  std::vector<std::string_view> spellings;
  for (const OptionInfo& option : option_table()) {
    for (std::string_view spelling : option_spellings(option)) spellings.push_back(spelling);
  }
  return spellings;
}

std::vector<std::string_view> value_option_spellings() {
  std::vector<std::string_view> spellings;
  for (const OptionInfo& option : option_table()) {
    if (option.value_name.empty()) continue;
    for (std::string_view spelling : option_spellings(option)) spellings.push_back(spelling);
  }
  return spellings;
}

bool gives_pipeline_file(const OptionInfo& option) {
  const auto* member = std::get_if<std::string CliOptions::*>(&option.target);
  return member != nullptr && *member == &CliOptions::pipeline_file;
}

std::string join(const std::vector<std::string_view>& words, std::string_view separator) {
  std::string out;
  for (std::string_view word : words) {
    if (!out.empty()) out += separator;
    out += word;
  }
  return out;
}

std::string fill_script(std::string_view script, const std::vector<ScriptFill>& fills) {
  std::string out(script);
  for (const ScriptFill& fill : fills) {
    for (std::size_t at = out.find(fill.placeholder); at != std::string::npos;
         at = out.find(fill.placeholder, at + fill.text.size())) {
      out.replace(at, fill.placeholder.size(), fill.text);
    }
  }
  return out;
}

std::string single_quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

}  // namespace gpipe
