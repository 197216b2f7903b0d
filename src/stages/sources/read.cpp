// `read PATH…`: lines from files, globs and standard input.
#include <spdlog/spdlog.h>

#include <deque>
#include <memory>

#include "io/file_range.hpp"
#include "io/input_meter.hpp"
#include "io/io.hpp"
#include "io/line_reader.hpp"
#include "stages/sources/line_batches.hpp"
#include "stages/sources/sources.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

// -j: a plain file as ranges for the threads to read, to its end (read on if it grew).
BatchStream cut_into_ranges(const ByteSource::Mappable& file, const Origin& origin,
                            const std::string& overlong_reason, std::size_t range_bytes,
                            Batch& batch) {
  std::uint64_t size = file.size - file.begin;
  const auto ranged =
      std::make_shared<const RangedFile>(file.fd, origin.name, file.begin, size, overlong_reason);
  for (std::uint64_t at = 0;;) {
    if (at >= size) {
      const std::uint64_t now = current_file_size(file.fd);
      size = std::max(size, now > file.begin ? now - file.begin : 0);
      if (at >= size) co_return;
    }
    const std::uint64_t end = std::min<std::uint64_t>(at + range_bytes, size);
    batch.reset(&origin, RecordKind::Line);
    batch.set_for_threads(
        std::make_shared<const LinesForThreads>(LinesForThreads{FileRange{ranged, at, end}}));
    co_yield batch;
    at = end;
  }
}

void log_done(const Origin& origin, const char* how) {
  spdlog::debug("{}: done ({})", origin.name, how);
}

// One file's lines. Each LineReader block goes out whole as pending lines, so a literal grep
// can search the raw block and split lines only around its matches. The file is opened when
// this generator first runs and closed when it is destroyed, i.e. as soon as the file is done.
BatchStream read_file(const std::string& path, const Origin& origin, Batch& batch, Context& ctx) {
  const std::unique_ptr<ByteSource> source = open_input(path);
  if (const std::optional<ByteSource::Mappable> file = source->mappable();
      file && ctx.threads_range_bytes != 0 &&
      file_ranges_fit(ctx.options.max_line, ctx.threads_range_bytes)) {
    spdlog::debug("{}: cut into ranges of {} for the threads", origin.name,
                  human_size(ctx.threads_range_bytes));
    co_yield elements_of(
        cut_into_ranges(*file, origin, overlong_line_reason(ctx), ctx.threads_range_bytes, batch));
    log_done(origin, "every range handed to the threads");
    co_return;
  }
  LineReader reader(*source, ctx.options.read_buffer, ctx.options.max_line, origin.name,
                    ctx.options.map_files ? LineReader::kMapWindow : 0);
  reader.hand_over_blocks(ctx.threads_number_lines, ctx.threads_read_in_pages);
  reader.set_idle_tick(ctx.idle_tick);
  if (reader.mapped()) spdlog::debug("{}: mapped", origin.name);
  co_yield elements_of(line_batches(
      reader, origin, batch, ctx,
      {.mapped_meter = reader.mapped() ? InputMeters::find_or_add(origin.name) : nullptr,
       .overlong_to_threads = ctx.threads_number_lines}));
  log_done(origin, "end of input");
}

// read --follow PATTERN…: globs are kept as patterns (they are matched again as files come),
// and one that matches nothing yet is not an error.
BuiltStage build_follow(StageArgs& args, Context& ctx) {
  std::vector<std::string> patterns;
  for (const Argument& argument : args.rest()) {
    if (argument.text == "-") {
      args.fail(argument,
                "--follow follows files; for standard input use 'tail -F FILE | gpipe "
                "--line-buffered …'");
    }
    patterns.push_back(argument.text);
  }
  if (patterns.empty()) args.positional("PATH");  // reports the missing path
  ctx.follows_input = true;
  BuiltStage built;
  built.source = [patterns = std::move(patterns), &ctx] { return follow_lines(patterns, ctx); };
  return built;
}

BuiltStage build(StageArgs& args, Context& ctx) {
  if (args.flag({"--follow"})) return build_follow(args, ctx);
  BuiltStage built;
  std::vector<std::string> paths = input_path_arguments(args, ctx);
  // Only the first input is looked at: a glob of thousands of files is not opened twice for
  // a guess.
  // The first plain file also decides between mapped and copied reads, unless an option did.
  using ReadPath = RunOptions::ReadPath;
  ReadPathChoice choice;
  const bool probe = ctx.options.read_path == ReadPath::Probe;
  built.reads_plain_file =
      !paths.empty() && is_mappable_input(paths.front(), probe ? &choice : nullptr);
  if (probe) {
    ctx.options.map_files = built.reads_plain_file && choice.map;
    ctx.options.read_path_why = built.reads_plain_file ? choice.why : "read: not a plain file";
  }
  built.inputs = paths;
  built.source = [paths = std::move(paths), &ctx] { return read_lines(paths, ctx); };
  return built;
}

}  // namespace

std::vector<std::string> input_path_arguments(StageArgs& args, Context& ctx) {
  const std::vector<Argument> arguments = args.rest();
  if (arguments.empty()) args.positional("PATH");  // reports the missing path
  std::vector<std::string> patterns;
  for (const Argument& argument : arguments) {
    if (argument.text == "-") {
      if (ctx.stdin_taken) args.fail(argument, "standard input can only be read once");
      ctx.stdin_taken = true;
    }
    patterns.push_back(argument.text);
  }
  // Expanded while planning, so a glob that matches nothing stops the run before any input is
  // read.
  return expand_input_paths(patterns);
}

BatchStream read_lines(std::vector<std::string> paths, Context& ctx) {
  if (ctx.input_state != nullptr) {
    co_yield elements_of(read_lines_incrementally(std::move(paths), ctx));
    co_return;
  }
  Batch batch;
  for (const std::string& path : paths) {
    const Origin& origin = ctx.origins.emplace_back(Origin{display_name(path)});
    co_yield elements_of(read_file(path, origin, batch, ctx));
  }
}

std::string human_size(std::size_t bytes) {
  struct Unit {
    std::size_t size;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{kMiB * kKiB, "GiB"}, {kMiB, "MiB"}, {kKiB, "KiB"}};
  for (const Unit& unit : kUnits) {
    if (bytes >= unit.size && bytes % unit.size == 0) {
      return std::to_string(bytes / unit.size) + " " + unit.name;
    }
  }
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

const StageInfo kRead{
    .name = "read",
    .role = StageRole::Source,
    .synopsis = "read [--follow] PATH…",
    .summary = "lines from files and globs; - is standard input; .zst/.gz by magic bytes",
    .details =
        "Reads each PATH in turn and makes one record per line. The line terminator is not part\n"
        "of the record: both \"\\n\" and \"\\r\\n\" (CRLF) endings are stripped, and a last line\n"
        "without a newline is still a record.\n"
        "\n"
        "Compressed files are decompressed as they stream, recognised by their first bytes, never\n"
        "by their name: zstd (including long windows, `zstd --long=31`, and several frames) and\n"
        "gzip (including several concatenated members).\n"
        "\n"
        "`-` is standard input (it can be read once per pipeline). A PATH with * ? or [ is a glob\n"
        "that gpipe expands itself, in sorted order; a glob that matches nothing is an error\n"
        "before anything is read. Files are opened one at a time and closed when done.\n"
        "\n"
        "A line longer than --max-line is a bad record (see --on-error); reading goes on after "
        "it.\n"
        "Each record carries _file, _line and _offset (its byte offset in the decompressed file).\n"
        "\n"
        "--follow reads the files, then waits for more as `tail -F` does: lines appended come\n"
        "out as they are written (woken by inotify, else within a fifth of a second), a file\n"
        "renamed away and created again is read to its end and the new one from its start, a\n"
        "file truncated in place (copytruncate) is read again from its start, and new files\n"
        "matching a glob are picked up (a glob may match nothing at the start). A last line\n"
        "without its newline waits for it. SIGINT or SIGTERM ends the run as the end of the\n"
        "input would: the output is written out (and --state committed), exit status 0.\n"
        "Output is written out after every batch. Not for standard input: use\n"
        "`tail -F FILE | gpipe --line-buffered …` there.\n"
        "\n"
        "With --state (gpipe --help; docs/scheduled-jobs.md) each file is read from where the\n"
        "last run's committed records end, rotated and truncated files are recognised, and a\n"
        "last line without its newline is left for the next run.\n"
        "\n"
        "  read sample-data/app-*.log.* | grep ERROR\n"
        "  zcat sample-data/app-2026-11-20.log.gz | gpipe 'read - | grep -F timeout'",
    .build = build,
};

}  // namespace gpipe::stages
