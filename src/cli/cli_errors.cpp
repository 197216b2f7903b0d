#include "cli/cli_errors.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <vector>

#include "cli/options.hpp"
#include "gpipe/language.hpp"

namespace gpipe {

namespace {

std::string_view without_dashes(std::string_view word) {
  while (word.starts_with('-')) word.remove_prefix(1);
  return word;
}

// The words CLI11 named after `prefix` in its message ("…not expected: --x --y").
std::vector<std::string> words_after(std::string_view message, std::string_view prefix) {
  std::vector<std::string> words;
  const std::size_t at = message.find(prefix);
  if (at == std::string_view::npos) return words;
  std::string_view rest = message.substr(at + prefix.size());
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    if (space != 0) words.emplace_back(rest.substr(0, space));
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
  return words;
}

// The first of `unexpected` as it comes on the command line (CLI11 lists them in reverse).
std::string first_in_order(const std::vector<std::string>& unexpected,
                           std::span<const char* const> args) {
  for (const char* arg : args) {
    if (std::find(unexpected.begin(), unexpected.end(), arg) != unexpected.end()) return arg;
  }
  return unexpected.empty() ? std::string() : unexpected.back();
}

std::string unknown_option_message(const std::string& word) {
  if (!word.starts_with('-')) {
    return "unexpected argument '" + word +
           "': the pipeline must be one argument (quote it, as in gpipe 'read app.log | grep "
           "ERROR')";
  }
  std::string message = "unknown option '" + word + "'";
  if (const std::string option = closest_option(word); !option.empty()) {
    return message + " (did you mean '" + option + "'?)";
  }
  return message + " (gpipe --help lists the options)";
}

// The table's spellings of the option CLI11 calls `name` ("--threads"): "-j/--threads".
std::string spelled(std::string_view name) {
  for (const OptionInfo& info : option_table()) {
    const std::vector<std::string_view> spellings = option_spellings(info);
    if (std::find(spellings.begin(), spellings.end(), name) == spellings.end()) continue;
    std::string joined;
    for (std::string_view s : spellings) joined += (joined.empty() ? "" : "/") + std::string(s);
    return joined;
  }
  return std::string(name);
}

// "--threads: 1 required N missing" gives "option '-j/--threads' needs a value (N)".
std::string missing_value_message(std::string_view message) {
  const std::size_t colon = message.find(": ");
  const std::size_t required = message.find(" required ");
  const std::size_t missing = message.rfind(" missing");
  if (colon == std::string_view::npos || required == std::string_view::npos ||
      missing == std::string_view::npos || missing < required) {
    return std::string(message);
  }
  const std::string_view value = message.substr(required + 10, missing - required - 10);
  return "option '" + spelled(message.substr(0, colon)) + "' needs a value (" + std::string(value) +
         ")";
}

// "Could not convert: --threads = x" gives "option '-j/--threads' expects a number, got 'x'"
// (the only options CLI11 converts are numbers; the rest are strings gpipe reads itself).
std::string conversion_message(std::string_view message) {
  constexpr std::string_view kPrefix = "Could not convert: ";
  const std::size_t equals = message.find(" = ");
  if (!message.starts_with(kPrefix) || equals == std::string_view::npos) {
    return std::string(message);
  }
  const std::string_view name = message.substr(kPrefix.size(), equals - kPrefix.size());
  return "option '" + spelled(name) + "' expects a number, got '" +
         std::string(message.substr(equals + 3)) + "'";
}

// Anything else CLI11 says, as a sentence of ours: no capital, no "Run with --help".
std::string plain(std::string_view message) {
  std::string out(message);
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

}  // namespace

std::string closest_option(std::string_view word) {
  const std::string_view name = without_dashes(word.substr(0, word.find('=')));
  if (name.empty()) return "";
  std::string best;
  std::size_t best_distance = 3;  // within two edits, and less than half the word
  for (const OptionInfo& info : option_table()) {
    for (const std::string_view spelling : option_spellings(info)) {
      const std::string_view other = without_dashes(spelling);
      if (other.size() < 2) continue;  // a one-letter option is no one's misspelling
      const bool prefix = name.size() >= 3 && other.starts_with(name);
      const std::size_t d = prefix ? 1 : edit_distance(name, other);
      if (d * 2 >= std::max(name.size(), other.size()) && !prefix) continue;
      if (d < best_distance) {
        best_distance = d;
        best = spelling;
      }
    }
  }
  return best;
}

std::string command_line_error(const CLI::ParseError& error, std::span<const char* const> args) {
  const std::string_view message = error.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
    std::vector<std::string> unexpected = words_after(message, "expected: ");
    return unknown_option_message(first_in_order(unexpected, args));
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr) {
    return missing_value_message(message);
  }
  if (dynamic_cast<const CLI::ConversionError*>(&error) != nullptr) {
    return conversion_message(message);
  }
  return plain(message);
}

}  // namespace gpipe
