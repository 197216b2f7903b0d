// to: picks the output format of the records that reach the sink.
#include <optional>

#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

OutputFormat parse_format(StageArgs& args, const Argument& arg) {
  if (arg.text == "text") return OutputFormat::Text;
  if (arg.text == "tsv") return OutputFormat::Tsv;
  if (arg.text == "csv") return OutputFormat::Csv;
  if (arg.text == "jsonl") return OutputFormat::Jsonl;
  if (arg.text == "json-array") return OutputFormat::JsonArray;
  args.fail(arg, "unknown output format '" + arg.text +
                     "' (expected text, tsv, csv, jsonl or json-array)");
}

BuiltStage build(StageArgs& args, Context& ctx) {
  const std::optional<Argument> ofs = args.separator_option("--ofs");
  const Argument& format_arg =
      args.positional("output format (text, tsv, csv, jsonl or json-array)");
  const OutputFormat format = parse_format(args, format_arg);
  // TSV's and CSV's separators are fixed by the format; another one would make it not TSV/CSV.
  if (ofs && format != OutputFormat::Text) args.fail(*ofs, "--ofs applies only to 'to text'");
  // A CSV or TSV row is every field of a record: JSON records must bring all their top-level
  // fields, not only the ones other stages asked for. (JSON lines print a whole JSON record's
  // own text, so they need nothing more.)
  if (format == OutputFormat::Csv || format == OutputFormat::Tsv) ctx.demand.need_all();
  BuiltStage built;
  // Raw blocks (`chunks`) print as they are, which is text; the other formats are made of
  // fields and lines a block does not have.
  built.needs_records = format != OutputFormat::Text;
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
    .synopsis = "to text|tsv|csv|jsonl|json-array [--ofs S]",
    .summary = "output format",
    .details =
        "Sets how records are printed by the sink (standard output, or `write`). It comes last,\n"
        "or just before `write`. Without it the output follows the input: text in, text out;\n"
        "CSV in (`csv`), CSV out; JSON in (`json`, `items`), JSON lines out.\n"
        "\n"
        "text   a record's text as it is; a record with several fields prints them joined by a\n"
        "       tab, or by S with --ofs S (tab or \\t: a tab). A missing (null) field\n"
        "       prints as empty.\n"
        "tsv    fields joined by tabs, one record per line, with tab, newline, carriage return\n"
        "       and backslash inside a value written as \\t \\n \\r \\\\ so that every line has\n"
        "       the same columns. Nothing is quoted. `csv --sep tab` reads it back to the same\n"
        "       values (a record with one empty field prints a blank line, which csv skips).\n"
        "csv    RFC 4180: a value is quoted only when it holds a comma, a double quote or a line\n"
        "       break, and quotes inside are doubled; lines end in \\n. Null prints as empty,\n"
        "       nested JSON as its compact text.\n"
        "jsonl  one JSON value per line: a JSON record as it came in (untouched), a record with\n"
        "       fields as an object {\"name\":value,...} in field order (numbers stay numbers,\n"
        "       null stays null), a plain text line as a JSON string (as jq -R does). Invalid\n"
        "       UTF-8 becomes \\ufffd, so the output is always valid JSON.\n"
        "json-array  the same JSON values as elements of an array, one array per line: one\n"
        "       per load batch after `batch N` (printed, and flushed, as each batch closes),\n"
        "       else one array of all the records, as `jq -s` makes (no records: []). It is\n"
        "       printed as the records come, never held whole in memory.\n"
        "\n"
        "Header rows (tsv, csv): printed before the first record, from its field names, when\n"
        "the fields have names (CSV columns, JSON keys, parse captures, kv keys, _file, ...).\n"
        "Fields known only by position (`field 0 3`, `csv --no-header`) and lines without\n"
        "fields get no header. When the names change (records of another shape), a blank line\n"
        "and a new header row follow, as Miller does.\n"
        "\n"
        "Raw blocks from `chunks` are written as they are by `to text` (and with no `to`);\n"
        "tsv, csv and jsonl need records, so after `chunks` they are an error.\n"
        "\n"
        "  read sample-data/app-api.log | field 0 3 | to text --ofs ,\n"
        "  read sample-data/app-api.log | field 0 3 | to tsv | write fields.tsv\n"
        "  read sample-data/tweets.jsonl | json | select user.screen_name retweet_count | to csv\n"
        "  read sample-data/users.csv | csv | to jsonl\n"
        "  read sample-data/users.csv | csv | batch 2 | to json-array",
    .build = build,
};

}  // namespace gpipe::stages
