// The command-line options (docs/spec.md §5) as one table. cli.cpp registers them into CLI11 from
// it, and `gpipe --help`, the man page and the shell completions all print from it, so an option
// added here is parsed, documented and completed at once.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace CLI {
class App;
}

namespace gpipe {

// Where the options put what they were given.
struct CliOptions {
  std::vector<std::string> positionals;
  std::string pipeline_file;
  std::vector<std::string> sets;
  std::string max_line = "64MiB";
  std::string on_error = "fail";
  std::string max_error_rate;  // empty: no limit
  int threads = 0;             // -j; 0: as many as there are cores, where it helps
  bool expect_output = false;  // -e
  bool quiet = false;
  bool verbose = false;
  std::string explain;          // --explain[=json]: "text" or "json"; empty: run
  std::string stats;            // --stats[=json]: "text" or "json"; empty: none
  bool progress = false;        // --progress
  bool no_progress = false;     // --no-progress
  bool mmap = false;            // --mmap
  bool no_mmap = false;         // --no-mmap
  bool partial = false;         // --partial
  bool keyed = false;           // --keyed
  std::string state_file;       // --state; empty: none
  bool line_buffered = false;   // --line-buffered
  std::string log_file;         // --log-file; empty: none
  bool man_page = false;        // help --man
  bool markdown = false;        // help --markdown
  std::string completions_for;  // help --completions SHELL; empty: not asked for
};

// The headings options are listed under, in this order.
enum class OptionGroup { Pipeline, Running, BadRecords, Watching, Exit, Help };

std::string_view option_group_heading(OptionGroup group);

// What a shell offers for an option's value.
enum class ValueCompletion { Nothing, Files, Choices };

// CLI11's own --help and --version: they print and exit while parsing.
struct PrintsHelp {};
struct PrintsVersion {};

// A flag that may take a value after '=' (`--stats`, `--stats=json`): alone it sets `alone`.
struct FlagOrValue {
  std::string CliOptions::*target;
  std::string_view alone;
};

// The CliOptions member an option sets; its type says how it is registered: a bool is a flag, a
// vector an option that may be repeated, anything else an option with one value.
using OptionTarget =
    std::variant<PrintsHelp, PrintsVersion, bool CliOptions::*, int CliOptions::*,
                 std::string CliOptions::*, std::vector<std::string> CliOptions::*, FlagOrValue>;

struct OptionInfo {
  std::string_view names;            // as CLI11 takes them: "-f,--file"
  std::string_view value_name = {};  // "FILE"; empty for a flag
  std::string_view help;             // one line
  OptionGroup group;
  OptionTarget target;
  ValueCompletion completes = ValueCompletion::Nothing;
  std::string_view choices = {};  // with Choices: the words offered, separated by spaces
};

// What a FlagOrValue option was given as: its value, or `alone` when it came alone; "" when it
// was not given.
std::string flag_value(const std::string& given, std::string_view alone);

// The table, in the order `gpipe --help` and the man page list it.
std::span<const OptionInfo> option_table();

// The spellings of an option: "-f,--file" gives "-f" and "--file".
std::vector<std::string_view> option_spellings(const OptionInfo& option);

// The words of a Choices option's `choices`.
std::vector<std::string_view> option_choices(const OptionInfo& option);

// Registers every option of the table into `app`, writing into `options`.
void add_options(CLI::App& app, CliOptions& options);

}  // namespace gpipe
