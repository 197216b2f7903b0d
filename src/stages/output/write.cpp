// write: sends the output to a file instead of standard output.
#include <optional>
#include <string>

#include "output/compressing_sinks.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

int compression_level(StageArgs& args, const Argument& level_arg, const std::string& path) {
  const std::size_t level = args.positional_number(level_arg, "--level");
  if (!is_compressed_path(path)) {
    args.fail(level_arg, "--level applies to a compressed PATH (.zst, .gz)");
  }
  const bool zstd = path.ends_with(".zst");
  const int most = zstd ? kMaxZstdLevel : kMaxGzipLevel;
  if (level < 1 || level > static_cast<std::size_t>(most)) {
    args.fail(level_arg, std::string("expected a level from 1 to ") + std::to_string(most) +
                             (zstd ? " for zstd" : " for gzip"));
  }
  return static_cast<int>(level);
}

BuiltStage build(StageArgs& args, Context&) {
  const bool append = args.flag({"--append"});
  const std::optional<Argument> level_arg = args.option({"--level"});
  const std::optional<Argument> split_lines = args.option({"--split-lines"});
  const std::optional<Argument> split_bytes = args.option({"--split-bytes"});
  const Argument& path_arg = args.positional("PATH");
  if (path_arg.text.empty()) args.fail(path_arg, "empty file name");
  // `-` is standard output, as it is standard input for `read`; an empty path says so to the
  // output. Appending is the shell's choice there (`>>`), so the flag would do nothing.
  const bool to_stdout = path_arg.text == "-";
  if (to_stdout && append) {
    args.fail(path_arg, "--append does not apply to standard output ('-'); use the shell's >>");
  }
  OutputSpec settings;
  if (level_arg) settings.level = compression_level(args, *level_arg, path_arg.text);
  const auto check_split = [&](const Argument& arg) {
    if (to_stdout) args.fail(arg, "standard output ('-') cannot be split into files");
    if (append) args.fail(arg, "--append does not go with --split-*: each part is a new file");
  };
  if (split_lines) {
    check_split(*split_lines);
    settings.split_lines = args.positional_number(*split_lines, "N");
    if (settings.split_lines == 0) args.fail(*split_lines, "--split-lines must be at least 1");
  }
  if (split_bytes) {
    check_split(*split_bytes);
    settings.split_bytes = args.size_argument(*split_bytes);
    if (settings.split_bytes == 0) args.fail(*split_bytes, "--split-bytes must be more than 0");
  }
  BuiltStage built;
  built.configure_output = [path = to_stdout ? std::string() : path_arg.text, append,
                            settings](OutputSpec& spec) {
    spec.path = path;
    spec.append = append;
    spec.level = settings.level;
    spec.split_lines = settings.split_lines;
    spec.split_bytes = settings.split_bytes;
  };
  return built;
}

}  // namespace

const StageInfo kWrite{
    .name = "write",
    .role = StageRole::Sink,
    .synopsis = "write PATH [--append] [--level N] [--split-lines N] [--split-bytes SIZE]",
    .summary = "writes to a file; .zst/.gz compress; synced and renamed into place on success",
    .details =
        "Writes the records to PATH instead of standard output, in the format `to` chose.\n"
        "\n"
        "The file is written under a temporary name beside it (.NAME.gpipe-XXXXXX) and renamed\n"
        "to PATH only when the whole run succeeded, so a failed or interrupted run never leaves\n"
        "a half file under the real name (an existing PATH is kept as it was). Before the\n"
        "rename its data is flushed to the disk (fsync), and after it the directory is, so\n"
        "once gpipe exits 0 the file survives a crash of the machine. An error (a full disk:\n"
        "exit 3, naming the file) or SIGINT/SIGTERM removes the temporary file; SIGKILL or a\n"
        "crash cannot, and leaves it under its temporary name, never the real one (a rerun\n"
        "is not disturbed by it; remove .NAME.gpipe-* at leisure). A new file gets the usual\n"
        "permissions (0666 less the umask); a replaced one keeps its own.\n"
        "\n"
        "A PATH ending in .zst is compressed with zstd (level 3; on several cores by zstd\n"
        "worker threads, one core left to the pipeline), one ending in .gz with gzip (level\n"
        "6). --level N sets the level: 1 to 19 for zstd, 1 to 9 for gzip.\n"
        "`write -` writes to standard output, as if there were no `write` (a file named - is\n"
        "`write ./-`).\n"
        "\n"
        "--split-lines N, --split-bytes SIZE write parts PATH-0001.EXT, PATH-0002.EXT, ...\n"
        "(the number goes before the first extension: out.jsonl.zst gives out-0001.jsonl.zst)\n"
        "of N records each, or closed at the first record that takes a part to SIZE bytes\n"
        "(before compression). Each part is complete in itself (its own zstd frame, CSV\n"
        "header, JSON array) and is committed (synced, renamed) as soon as it is full: when\n"
        "a later part fails, the parts already renamed stay, whole, and the failing one is\n"
        "never under its name. Parts of an earlier run past the last one written are left.\n"
        "\n"
        "--append adds to the end of PATH (creating it if needed) instead of replacing it; a\n"
        "compressed PATH gets a new zstd frame or gzip member, which zstdcat and zcat read as\n"
        "one stream. Appending writes to PATH directly, so a failed run may leave part of its\n"
        "output appended (what was appended is synced on success).\n"
        "\n"
        "  read sample-data/app*.log | grep ERROR | write errors.log.zst\n"
        "  read sample-data/app-api.log | write --split-lines 100 --level 9 api.log.gz\n"
        "  read - | write --append all.log",
    .build = build,
};

}  // namespace gpipe::stages
