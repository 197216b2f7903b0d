// write: sends the output to a file instead of standard output.
#include <string>

#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

BuiltStage build(StageArgs& args, Context&) {
  const bool append = args.flag({"--append"});
  const Argument& path_arg = args.positional("PATH");
  if (path_arg.text.empty()) args.fail(path_arg, "empty file name");
  // `-` is standard output, as it is standard input for `read`; an empty path says so to the
  // output. Appending is the shell's choice there (`>>`), so the flag would do nothing.
  const bool to_stdout = path_arg.text == "-";
  if (to_stdout && append) {
    args.fail(path_arg, "--append does not apply to standard output ('-'); use the shell's >>");
  }
  BuiltStage built;
  built.configure_output = [path = to_stdout ? std::string() : path_arg.text,
                            append](OutputSpec& spec) {
    spec.path = path;
    spec.append = append;
  };
  return built;
}

}  // namespace

const StageInfo kWrite{
    .name = "write",
    .role = StageRole::Sink,
    .synopsis = "write PATH [--append]",
    .summary = "writes to a file; .zst/.gz compress; renamed into place on success",
    .details =
        "Writes the records to PATH instead of standard output, in the format `to` chose.\n"
        "\n"
        "The file is written under a temporary name beside it (.NAME.gpipe-XXXXXX) and renamed\n"
        "to PATH only when the whole run succeeded, so a failed or interrupted run never leaves\n"
        "a half file under the real name (an existing PATH is kept as it was) and leaves no\n"
        "temporary file behind. A new file gets the usual permissions (0666 less the umask); a\n"
        "replaced one keeps its own.\n"
        "\n"
        "A PATH ending in .zst is compressed with zstd (level 3), one ending in .gz with gzip.\n"
        "`write -` writes to standard output, as if there were no `write` (a file named - is\n"
        "`write ./-`).\n"
        "\n"
        "--append adds to the end of PATH (creating it if needed) instead of replacing it; a\n"
        "compressed PATH gets a new zstd frame or gzip member, which zstdcat and zcat read as\n"
        "one stream. Appending writes to PATH directly, so a failed run may leave part of its\n"
        "output appended.\n"
        "\n"
        "  read sample-data/app*.log | grep ERROR | write errors.log.zst\n"
        "  read - | write --append all.log",
    .build = build,
};

}  // namespace gpipe::stages
