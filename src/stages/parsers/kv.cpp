// `kv [--sep =]`: key=value / logfmt pairs of each record's text become its fields.
#include "formats/kv/kv_parser.hpp"
#include "gpipe/errors.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

// Replaces each record's fields with the pairs of its text; a record with a malformed quoted
// value goes to the error policy instead.
BatchStream kv_pairs(BatchStream in, std::string separator, Context* ctx) {
  std::vector<Field> pairs;  // reused for every record: no allocation once warm
  for (Batch& batch : in) {
    std::vector<Record>& records = batch.records();
    std::size_t kept = 0;
    for (Record record : records) {
      KvError error;
      if (!parse_kv_pairs(record.text, separator, batch.arena(), pairs, error)) {
        ctx->errors.report(
            BadRecord{batch.origin(), record.line, error.column, error.reason, record.text});
        continue;
      }
      record.first_field = batch.add_fields(pairs);
      record.field_count = static_cast<std::uint32_t>(pairs.size());
      record.whole_json = false;
      records[kept++] = record;
    }
    records.resize(kept);
    ctx->errors.count_good(kept);
    batch.set_format(DataFormat::Text);
    co_yield batch;  // even empty: a tick or the end of a load batch (docs/design.md, Ticks)
  }
}

BuiltStage build(StageArgs& args, Context& ctx) {
  std::string separator = "=";
  if (const auto option = args.separator_option()) {
    if (option->text.find_first_of(" \t\"") != std::string::npos) {
      args.fail(*option, "the separator must not hold a space, a tab or a '\"'");
    }
    separator = option->text;
  }
  BuiltStage built;
  built.transform = [separator, context = &ctx](BatchStream in) {
    return kv_pairs(std::move(in), separator, context);
  };
  return built;
}

}  // namespace

const StageInfo kKv{
    .name = "kv",
    .role = StageRole::Transform,
    .synopsis = "kv [--sep =]",
    .summary = "key=value / logfmt pairs as fields",
    .details =
        "The key=value pairs of each record's text become its fields, named by their keys, in\n"
        "the order they appear: logfmt lines (`level=info msg=\"hello world\" dur=12ms`) and\n"
        "the pairs inside semi-structured logs (`… cache lookup order=64937 latency_ms=171`).\n"
        "\n"
        "  - Words are separated by spaces and tabs. A word holding the separator is a pair:\n"
        "    the key is what comes before the first separator, the value what follows.\n"
        "    `key=` has the empty string as its value.\n"
        "  - A value starting with '\"' runs to the closing quote, spaces and separators\n"
        "    included; \\\" \\\\ \\n \\t \\r are unescaped; anything after the closing quote\n"
        "    up to the next blank (`tag=\"View Lock\",`) is skipped. A missing closing quote\n"
        "    makes the record bad: see --on-error.\n"
        "  - Any other word (`flag`, `DEBUG`, `[worker-4]`, a quoted phrase) is not a pair and\n"
        "    is skipped: unlike go-logfmt, a bare `flag` is not a field.\n"
        "  - A key seen twice gives two fields; a lookup by name finds the first.\n"
        "\n"
        "Values are strings; where compares number-looking ones with numbers numerically.\n"
        "The record keeps its text (grep still sees the line), but its fields are now the\n"
        "pairs: text output prints their values joined by a tab, and `field 0` is the first\n"
        "pair's value. Use `field`/`select` to pick the pairs to print.\n"
        "\n"
        "  --sep S   the separator between key and value (default '='), e.g. ':'\n"
        "\n"
        "  read sample-data/app-api.log | kv | where latency_ms > 500 | field order user\n"
        "  read events.log | kv --sep : | field user",
    .build = build,
    .parallel = true,
};

}  // namespace gpipe::stages
