#include "cli/cli.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli_errors.hpp"
#include "cli/completions.hpp"
#include "cli/help.hpp"
#include "cli/man_page.hpp"
#include "cli/markdown.hpp"
#include "cli/options.hpp"
#include "cli/progress.hpp"
#include "exec/pipeline.hpp"
#include "exec/stage_hints.hpp"
#include "gpipe/context.hpp"
#include "gpipe/errors.hpp"
#include "gpipe/language.hpp"
#include "io/input_meter.hpp"
#include "io/mapped_file.hpp"
#include "output/temp_files.hpp"
#include "state/input_state.hpp"

namespace gpipe {

namespace {

void setup_logging() {
  // Through the sink that clears a progress line before each message.
  auto logger = std::make_shared<spdlog::logger>("gpipe", progress_log_sink());
  logger->set_pattern("gpipe: %^%l%$: %v");
  spdlog::set_default_logger(logger);
}

// --log-file: the lines for the start and end of the run, written to the log file only (the
// terminal or cron's mail needs no "started" line); null without --log-file.
std::shared_ptr<spdlog::logger> run_log;

constexpr std::string_view kLogFilePattern = "%Y-%m-%dT%H:%M:%S.%e%z gpipe[%P] %l: %v";

// Every message also goes to the log file, appended, with a timestamp and the pid (cron runs
// of one job overlap in one file only when a lock refused one of them, which says so).
void add_log_file(const std::string& path, int argc, char** argv) {
  // Opened once here first: spdlog would make missing directories, which hides a mistyped path.
  std::FILE* probe = std::fopen(path.c_str(), "a");
  if (probe == nullptr) throw IoError(errno_message("cannot open log file", path, errno));
  std::fclose(probe);
  std::shared_ptr<spdlog::sinks::basic_file_sink_st> file;
  try {
    file = std::make_shared<spdlog::sinks::basic_file_sink_st>(path, /*truncate=*/false);
  } catch (const spdlog::spdlog_ex&) {
    throw IoError(errno_message("cannot open log file", path, errno));
  }
  file->set_pattern(std::string(kLogFilePattern));
  spdlog::default_logger()->sinks().push_back(file);
  run_log = std::make_shared<spdlog::logger>("gpipe-run", file);
  run_log->set_pattern(std::string(kLogFilePattern));
  run_log->flush_on(spdlog::level::trace);
  spdlog::default_logger()->flush_on(spdlog::level::trace);
  std::string command = "start:";
  for (int i = 1; i < argc; ++i) {
    command += ' ';
    command += argv[i];
  }
  run_log->info("{}", command);
}

void log_run_end(int status, std::uint64_t records) {
  if (run_log) run_log->info("end: exit {}, {} records out", status, records);
}

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

Variables parse_sets(const std::vector<std::string>& sets) {
  Variables vars;
  for (const std::string& s : sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw UsageError("--set expects name=value, got '" + s + "'");
    }
    vars[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return vars;
}

ErrorPolicy::Mode parse_on_error(const std::string& text, std::string& dead_letter_path) {
  if (text == "fail") return ErrorPolicy::Mode::Fail;
  if (text == "skip") return ErrorPolicy::Mode::Skip;
  constexpr std::string_view kDeadLetter = "dead-letter=";
  if (text.starts_with(kDeadLetter) && text.size() > kDeadLetter.size()) {
    dead_letter_path = text.substr(kDeadLetter.size());
    return ErrorPolicy::Mode::DeadLetter;
  }
  throw UsageError("--on-error expects fail, skip or dead-letter=PATH, got '" + text + "'");
}

// --max-error-rate only means something when bad records do not stop the run at once: under
// `fail` the first one already exits 4, so asking for a rate there is a mistake worth naming.
void set_max_error_rate(const std::string& text, ErrorPolicy& errors) {
  if (text.empty()) return;
  double rate = 0;
  if (!parse_rate(text, rate)) {
    throw UsageError(
        "--max-error-rate expects a fraction from 0 to 1 or a percentage such as 5%, got '" + text +
        "'");
  }
  if (errors.mode() == ErrorPolicy::Mode::Fail) {
    throw UsageError("--max-error-rate needs --on-error skip or dead-letter=PATH");
  }
  errors.set_max_rate(rate);
}

PipelineSource load_pipeline(const CliOptions& o) {
  if (!o.pipeline_file.empty()) {
    if (!o.positionals.empty()) {
      throw UsageError("give the pipeline either with -f or as an argument, not both");
    }
    std::ifstream in(o.pipeline_file, std::ios::binary);
    if (!in) throw UsageError(errno_message("cannot read pipeline file", o.pipeline_file, errno));
    std::ostringstream text;
    text << in.rdbuf();
    return PipelineSource{text.str(), o.pipeline_file};
  }
  if (o.positionals.empty()) throw UsageError("no pipeline given (try 'gpipe help')");
  if (o.positionals.size() > 1) {
    throw UsageError(
        "the pipeline must be one argument: quote it, as in "
        "gpipe 'read app.log | grep ERROR'");
  }
  return PipelineSource{o.positionals.front(), ""};
}

bool asks_for_document(const CliOptions& o) {
  return o.man_page || o.markdown || !o.completions_for.empty();
}

// help --man, --markdown or --completions SHELL: one whole document, for no particular stage.
int print_document(const CliOptions& o) {
  if (o.positionals.size() != 1 || (o.man_page + o.markdown + !o.completions_for.empty()) != 1) {
    throw UsageError(
        "--man, --markdown and --completions go alone with help, as in 'gpipe help --man'");
  }
  if (o.man_page) {
    std::cout << man_page();
  } else if (o.markdown) {
    std::cout << stage_reference_markdown();
  } else {
    const std::string script = completion_script(o.completions_for);
    if (script.empty()) {
      throw UsageError("--completions expects bash, zsh or fish, got '" + o.completions_for + "'");
    }
    std::cout << script;
  }
  return kExitOk;
}

int run_help(const CliOptions& o) {
  if (asks_for_document(o)) return print_document(o);
  const std::vector<std::string>& positionals = o.positionals;
  if (positionals.size() == 1) {
    std::cout << help_overview();
    return kExitOk;
  }
  const std::string text = help_for_stage(positionals[1]);
  if (text.empty()) {
    spdlog::error("no stage '{}' ({})", positionals[1], unknown_stage_hint(positionals[1]));
    return kExitUsage;
  }
  std::cout << text;
  return kExitOk;
}

void report_skipped(const ErrorPolicy& errors) {
  if (errors.count() == 0 || errors.mode() == ErrorPolicy::Mode::Fail) return;
  spdlog::warn("{} bad record{} skipped", errors.count(), errors.count() == 1 ? "" : "s");
  for (const std::string& message : errors.first_messages()) spdlog::warn("  {}", message);
}

// "text" or "json" for --explain and --stats ("" when not given).
std::string watch_format(const std::string& given, std::string_view option) {
  const std::string format = flag_value(given, "text");
  if (format.empty() || format == "text" || format == "json") return format;
  throw UsageError(std::string(option) + " takes no value or =json, got '" + given + "'");
}

// The progress line is on by default when stderr is a terminal and standard output is not (on
// one screen, data and the line would take turns on the same row); -q turns it off too.
bool wants_progress(const CliOptions& o) {
  if (o.no_progress) return false;
  if (o.progress) return true;
  return !o.quiet && ::isatty(STDERR_FILENO) == 1 && ::isatty(STDOUT_FILENO) != 1;
}

// The inputs' total size, when every one is known (for a percentage).
std::optional<std::uint64_t> known_total(const PlanDescription& plan) {
  std::uint64_t total = 0;
  if (plan.inputs.empty()) return std::nullopt;
  for (const InputFacts& input : plan.inputs) {
    if (!input.size || input.compression == "?") return std::nullopt;
    total += *input.size;
  }
  return total;
}

// What watches a run: the progress line while it runs, the --stats report when it ends (on
// every path out, errors too: where the records went matters most when a run failed).
class RunWatch {
 public:
  RunWatch(const Plan& plan, bool progress, std::string stats_format)
      : plan_(plan), stats_format_(std::move(stats_format)) {
    if (progress)
      progress_ = std::make_unique<ProgressLine>(known_total(plan.description), plan.written);
  }
  ~RunWatch() {
    progress_.reset();
    if (plan_.stats == nullptr) return;
    const std::string report = stats_format_ == "json" ? plan_.stats->json(plan_.description)
                                                       : plan_.stats->text(plan_.description);
    std::fwrite(report.data(), 1, report.size(), stderr);
  }
  RunWatch(const RunWatch&) = delete;
  RunWatch& operator=(const RunWatch&) = delete;

 private:
  const Plan& plan_;
  std::string stats_format_;
  std::unique_ptr<ProgressLine> progress_;
};

int run_pipeline(const CliOptions& o) {
  const PipelineSource source = load_pipeline(o);
  const std::string explain = watch_format(o.explain, "--explain");
  const std::string stats = watch_format(o.stats, "--stats");
  const bool progress = explain.empty() && wants_progress(o);
  if (explain.empty() && (!stats.empty() || progress || o.verbose)) InputMeters::enable();
  Context ctx;
  if (!parse_size(o.max_line, ctx.options.max_line) || ctx.options.max_line == 0) {
    throw UsageError("--max-line expects a size such as 64MiB, got '" + o.max_line + "'");
  }
  ctx.options.quiet = o.quiet;
  ctx.options.partial = o.partial;
  ctx.options.partial_keyed = o.keyed;
  if (o.keyed && !o.partial) throw UsageError("--keyed goes with --partial");
  if (o.mmap && o.no_mmap) throw UsageError("--mmap and --no-mmap contradict each other");
  using ReadPath = RunOptions::ReadPath;
  ctx.options.read_path = o.mmap ? ReadPath::Map : o.no_mmap ? ReadPath::Copy : ReadPath::Probe;
  ctx.options.map_files = o.mmap;
  if (o.mmap) ctx.options.read_path_why = "mapped: --mmap";
  if (o.no_mmap) ctx.options.read_path_why = "read: --no-mmap";
  ctx.options.line_buffered = o.line_buffered;
  if (o.threads < 0)
    throw UsageError("-j expects a number of threads, got " + std::to_string(o.threads));
  ctx.options.threads = static_cast<unsigned>(o.threads);
  if (!o.state_file.empty()) {
    // The committed positions are those of the records the output has, in input order.
    if (o.threads > 1) throw UsageError("--state reads on one thread: leave out -j");
    ctx.options.threads = 1;
  }
  std::string dead_letter_path;
  const ErrorPolicy::Mode mode = parse_on_error(o.on_error, dead_letter_path);
  std::destroy_at(&ctx.errors);
  std::construct_at(&ctx.errors, mode, dead_letter_path);
  set_max_error_rate(o.max_error_rate, ctx.errors);

  std::unique_ptr<InputState> state;
  std::uint64_t written = 0;
  try {
    if (!o.state_file.empty() && explain.empty()) {
      state = std::make_unique<InputState>(o.state_file);  // locked: one run at a time
      ctx.input_state = state.get();
    }
    const std::vector<StageCall> calls = parse_pipeline(source.text, parse_sets(o.sets));
    Plan plan = plan_pipeline(
        calls, ctx,
        PlanMode{.stats = explain.empty() && !stats.empty(), .explain_only = !explain.empty()});
    if (!explain.empty()) {
      std::cout << (explain == "json" ? explain_json(plan.description)
                                      : explain_text(plan.description));
      return kExitOk;
    }
    if (!ctx.options.read_path_why.empty()) spdlog::debug("input {}", ctx.options.read_path_why);
    if (spdlog::should_log(spdlog::level::debug)) {
      std::istringstream lines(explain_text(plan.description));
      for (std::string line; std::getline(lines, line);) spdlog::debug("{}", line);
    }
    {
      const RunWatch watch(plan, progress, stats);
      written = run_plan(plan, ctx, ::isatty(STDOUT_FILENO) == 1);
    }
    report_skipped(ctx.errors);
    if (const std::string too_many = ctx.errors.rate_exceeded(written); !too_many.empty()) {
      spdlog::error("{}", too_many);
      log_run_end(kExitBadRecord, written);
      return kExitBadRecord;
    }
    const int status = (o.expect_output && written == 0) ? kExitNoOutput : kExitOk;
    log_run_end(status, written);
    return status;
  } catch (const PipelineError& e) {
    spdlog::error("{}", format_pipeline_error(e, source));
    log_run_end(kExitUsage, written);
    return kExitUsage;
  } catch (const OutputClosed&) {
    log_run_end(kExitOk, written);
    return kExitOk;  // the reader of our output is gone: stop quietly
  } catch (const BadRecordError& e) {
    spdlog::error("{}", e.what());
    log_run_end(kExitBadRecord, written);
    return kExitBadRecord;
  } catch (const IoError& e) {
    report_skipped(ctx.errors);
    spdlog::error("{}", e.what());
    log_run_end(kExitIo, written);
    return kExitIo;
  }
}

}  // namespace

int run_cli(int argc, char** argv) {
  // A closed pipe must be an EPIPE we can act on (stop quietly), not a signal that kills us.
  std::signal(SIGPIPE, SIG_IGN);
  // A file past the size limit (ulimit -f) must be an EFBIG we report (exit 3, the file named,
  // the temporary file removed), not a signal that kills us and leaves it.
  std::signal(SIGXFSZ, SIG_IGN);
  install_temp_file_cleanup();  // Ctrl-C or kill never leaves a half-written temporary file
  install_truncation_guard();   // a mapped input that shrinks is an input error, not a crash
  setup_logging();

  CliOptions o;
  CLI::App app{
      "gpipe: streams logs, JSON lines and CSV through pipelines of stages.\n"
      "Run 'gpipe help' for the stages.",
      "gpipe"};
  app.add_option("pipeline", o.positionals,
                 "the pipeline, one quoted argument ('help' for stages)");
  add_options(app, o);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;  // --help, --version: printed by CLI11
  } catch (const CLI::ParseError& e) {
    const std::span<const char* const> args(argv + 1, static_cast<std::size_t>(argc - 1));
    spdlog::error("{}", command_line_error(e, args));
    return kExitUsage;
  }
  if (o.quiet) spdlog::set_level(spdlog::level::err);
  if (o.verbose) spdlog::set_level(spdlog::level::debug);

  try {
    if (!o.log_file.empty()) add_log_file(o.log_file, argc, argv);
    if (!o.positionals.empty() && o.positionals.front() == "help") return run_help(o);
    if (asks_for_document(o)) {
      throw UsageError(
          "--man, --markdown and --completions go with help, as in 'gpipe help --man'");
    }
    return run_pipeline(o);
  } catch (const UsageError& e) {
    spdlog::error("{}", e.what());
    return kExitUsage;
  } catch (const IoError& e) {
    spdlog::error("{}", e.what());
    return kExitIo;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return kExitIo;
  }
}

}  // namespace gpipe
