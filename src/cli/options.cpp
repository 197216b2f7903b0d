#include "cli/options.hpp"

#include <CLI/CLI.hpp>
#include <array>

#include "cli/doc_text.hpp"

namespace gpipe {

std::string_view option_group_heading(OptionGroup group) {
  switch (group) {
    case OptionGroup::Pipeline:
      return "The pipeline";
    case OptionGroup::Running:
      return "Reading and running";
    case OptionGroup::BadRecords:
      return "Bad records";
    case OptionGroup::Watching:
      return "Watching a run";
    case OptionGroup::Exit:
      return "Messages and exit status";
    case OptionGroup::Help:
      return "Help";
  }
  return "";
}

std::span<const OptionInfo> option_table() {
  using enum OptionGroup;
  static const std::array kTable = {
      OptionInfo{.names = "-f,--file",
                 .value_name = "FILE",
                 .help = "read the pipeline from a .gp file",
                 .group = Pipeline,
                 .target = &CliOptions::pipeline_file,
                 .completes = ValueCompletion::Files},
      OptionInfo{.names = "--set",
                 .value_name = "NAME=VALUE",
                 .help = "set ${NAME} in the pipeline; repeatable",
                 .group = Pipeline,
                 .target = &CliOptions::sets},
      OptionInfo{.names = "--max-line",
                 .value_name = "SIZE",
                 .help = "longest line before it is a bad record (64MiB)",
                 .group = Running,
                 .target = &CliOptions::max_line},
      OptionInfo{.names = "-j,--threads",
                 .value_name = "N",
                 .help = "threads for the stateless start of the pipeline, and for sort "
                         "(default: the cores, where it helps; 1: none)",
                 .group = Running,
                 .target = &CliOptions::threads},
      OptionInfo{.names = "--mmap",
                 .help = "map input files rather than read them (default: whichever a probe of "
                         "the first file finds faster)",
                 .group = Running,
                 .target = &CliOptions::mmap},
      OptionInfo{.names = "--no-mmap",
                 .help = "read input files with read(2), never map them",
                 .group = Running,
                 .target = &CliOptions::no_mmap},
      OptionInfo{.names = "--partial",
                 .help = "the final aggregate prints its mergeable state (JSON lines) for 'merge' "
                         "to combine: workers of GNU parallel, Hadoop, Slurm",
                 .group = Running,
                 .target = &CliOptions::partial},
      OptionInfo{.names = "--keyed",
                 .help = "with --partial: each line starts with its group's key and a tab, the key "
                         "Hadoop Streaming sorts by (then 'merge --sorted')",
                 .group = Running,
                 .target = &CliOptions::keyed},
      OptionInfo{.names = "--state",
                 .value_name = "FILE",
                 .help = "incremental job: read each input file from where the last run's "
                         "committed records end; exactly once with write --append, sqlite and "
                         "postgres (docs/scheduled-jobs.md)",
                 .group = Running,
                 .target = &CliOptions::state_file,
                 .completes = ValueCompletion::Files},
      OptionInfo{.names = "--line-buffered",
                 .help = "write the output out after every record (for a pipe read as it "
                         "comes: tail -F app.log | gpipe --line-buffered …)",
                 .group = Running,
                 .target = &CliOptions::line_buffered},
      OptionInfo{.names = "--on-error",
                 .value_name = "MODE",
                 .help = "bad records: fail (default: exit 4), skip, dead-letter=PATH",
                 .group = BadRecords,
                 .target = &CliOptions::on_error,
                 .completes = ValueCompletion::Choices,
                 .choices = "fail skip dead-letter="},
      OptionInfo{.names = "--max-error-rate",
                 .value_name = "RATE",
                 .help = "with skip or dead-letter: exit 4 at the end when more than this "
                         "fraction (0.01 or 1%) of the records were bad",
                 .group = BadRecords,
                 .target = &CliOptions::max_error_rate},
      OptionInfo{.names = "--explain",
                 .help = "print the plan (stages, threads, inputs, memory) and run nothing; "
                         "--explain=json for a program",
                 .group = Watching,
                 .target = FlagOrValue{&CliOptions::explain, "text"}},
      OptionInfo{.names = "--stats",
                 .help = "at the end, print per stage records in and out, time and bad records, "
                         "and per input file bytes and records, to stderr; --stats=json",
                 .group = Watching,
                 .target = FlagOrValue{&CliOptions::stats, "text"}},
      OptionInfo{.names = "--progress",
                 .help = "show bytes read, percent, rate and ETA on stderr (default when stderr "
                         "is a terminal)",
                 .group = Watching,
                 .target = &CliOptions::progress},
      OptionInfo{.names = "--no-progress",
                 .help = "no progress line, even on a terminal",
                 .group = Watching,
                 .target = &CliOptions::no_progress},
      OptionInfo{.names = "-e",
                 .help = "exit 1 when no record came out",
                 .group = Exit,
                 .target = &CliOptions::expect_output},
      OptionInfo{.names = "-q,--quiet",
                 .help = "print errors only",
                 .group = Exit,
                 .target = &CliOptions::quiet},
      OptionInfo{.names = "--log-file",
                 .value_name = "PATH",
                 .help = "also append every message, with a timestamp, to PATH (for cron), "
                         "with a line for the start and the end of the run",
                 .group = Exit,
                 .target = &CliOptions::log_file,
                 .completes = ValueCompletion::Files},
      OptionInfo{.names = "-v,--verbose",
                 .help = "print debug messages",
                 .group = Exit,
                 .target = &CliOptions::verbose},
      OptionInfo{.names = "-h,--help",
                 .help = "print the options and exit ('gpipe help' lists the stages)",
                 .group = Help,
                 .target = PrintsHelp{}},
      OptionInfo{.names = "--version",
                 .help = "print the version and exit",
                 .group = Help,
                 .target = PrintsVersion{}},
      OptionInfo{.names = "--man",
                 .help = "with help: print the manual page (roff)",
                 .group = Help,
                 .target = &CliOptions::man_page},
      OptionInfo{.names = "--markdown",
                 .help = "with help: print the stage reference as Markdown",
                 .group = Help,
                 .target = &CliOptions::markdown},
      OptionInfo{.names = "--completions",
                 .value_name = "SHELL",
                 .help = "with help: print the completion script for bash, zsh or fish",
                 .group = Help,
                 .target = &CliOptions::completions_for,
                 .completes = ValueCompletion::Choices,
                 .choices = "bash zsh fish"},
  };
  return kTable;
}

std::string flag_value(const std::string& given, std::string_view alone) {
  if (given == "true") return std::string(alone);
  return given;
}

std::vector<std::string_view> option_spellings(const OptionInfo& option) {
  return split_on(option.names, ',');
}

std::vector<std::string_view> option_choices(const OptionInfo& option) {
  return split_on(option.choices, ' ');
}

namespace {

// Registers one option according to the type of what it sets.
class OptionRegistrar {
 public:
  OptionRegistrar(CLI::App& app, CliOptions& options, const OptionInfo& info)
      : app_(app), options_(options), names_(info.names), help_(info.help) {}

  CLI::Option* operator()(PrintsHelp) const { return app_.set_help_flag(names_, help_); }
  CLI::Option* operator()(PrintsVersion) const {
    return app_.set_version_flag(names_, std::string("gpipe ") + GPIPE_VERSION, help_);
  }
  CLI::Option* operator()(bool CliOptions::*flag) const {
    return app_.add_flag(names_, options_.*flag, help_);
  }
  CLI::Option* operator()(std::vector<std::string> CliOptions::*values) const {
    // One value each time the option is given, all of them kept. CLI11 lets a vector option take
    // every word that follows it, the pipeline too (`--set a=1 'read …'`), until told otherwise.
    return app_.add_option(names_, options_.*values, help_)
        ->expected(1)
        ->allow_extra_args(false)
        ->take_all();
  }
  CLI::Option* operator()(FlagOrValue flag) const {
    // `--stats=json` gives "json"; `--stats` alone CLI11's "true", read as `alone` by
    // flag_value. (A default in braces, "--stats{text}", would show in --help.)
    return app_.add_flag(names_, options_.*flag.target, help_);
  }
  template <typename Value>
  CLI::Option* operator()(Value CliOptions::*value) const {
    return app_.add_option(names_, options_.*value, help_);
  }

 private:
  CLI::App& app_;
  CliOptions& options_;
  std::string names_;
  std::string help_;
};

}  // namespace

void add_options(CLI::App& app, CliOptions& options) {
  for (const OptionInfo& info : option_table()) {
    CLI::Option* added = std::visit(OptionRegistrar(app, options, info), info.target);
    added->group(std::string(option_group_heading(info.group)));
    if (!info.value_name.empty()) added->type_name(std::string(info.value_name));
  }
}

}  // namespace gpipe
