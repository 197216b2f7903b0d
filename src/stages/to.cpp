// to: picks the output format of the records that reach the sink.
#include <optional>

#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

OutputFormat parse_format(StageArgs& args, const Argument& arg) {
  if (arg.text == "text") return OutputFormat::Text;
  if (arg.text == "tsv") return OutputFormat::Tsv;
  args.fail(arg, "unknown output format '" + arg.text + "' (expected text or tsv)");
}

BuiltStage build(StageArgs& args, Context&) {
  const std::optional<Argument> ofs = args.option({"--ofs"});
  const Argument& format_arg = args.positional("output format (text or tsv)");
  const OutputFormat format = parse_format(args, format_arg);
  // TSV's separator is the tab by definition; another one would make it not TSV.
  if (ofs && format != OutputFormat::Text) args.fail(*ofs, "--ofs applies only to 'to text'");
  BuiltStage built;
  built.configure_output = [format, ofs](OutputSpec& spec) {
    spec.format = format;
    if (ofs) spec.ofs = ofs->text;
  };
  return built;
}

}  // namespace

const StageInfo kTo{
    .name = "to",
    .role = StageRole::Format,
    .synopsis = "to text|tsv [--ofs S]",
    .summary = "output format",
    .details =
        "Sets how records are printed by the sink (standard output, or `write`). It comes last,\n"
        "or just before `write`.\n"
        "\n"
        "text  a record's text as it is; a record with several fields prints them joined by a\n"
        "      tab, or by S with --ofs S. A missing (null) field prints as empty.\n"
        "tsv   fields joined by tabs, one record per line, with tab, newline, carriage return\n"
        "      and backslash inside a value written as \\t \\n \\r \\\\ so that every line has\n"
        "      the same columns.\n"
        "\n"
        "Raw blocks from `chunks` are written as they are in every format.\n"
        "\n"
        "  read app.log | field 0 3 | to text --ofs ,\n"
        "  read app.log | field 0 3 | to tsv | write fields.tsv",
    .build = build,
};

}  // namespace gpipe::stages
