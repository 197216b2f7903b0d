// `uniq [F…] [--sep S]`: drops adjacent repeats.
#include "gpipe/owned_record.hpp"
#include "stages/filters/transforms.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

BuiltStage build(StageArgs& args, Context& ctx) {
  FieldSplitter splitter;
  if (const auto separator = args.separator_option()) splitter = FieldSplitter(separator->text);
  std::vector<FieldRef> refs = args.needed_fields(args.rest(), ctx.demand);
  std::optional<FieldSelection> selection;
  if (!refs.empty()) selection.emplace(std::move(refs), splitter);
  BuiltStage built;
  built.transform = [selection](BatchStream in) {
    return drop_adjacent_repeats(std::move(in), selection);
  };
  return built;
}

}  // namespace

BatchStream drop_adjacent_repeats(BatchStream in, std::optional<FieldSelection> selection) {
  // Storage that keeps its capacity: no allocation per record once warm.
  OwnedRecord previous;  // without a selection: the last record kept from an earlier batch
  OriginKeeper origins;
  std::string previous_key;  // with a selection: the last kept record's selected values
  std::string key;
  bool have_previous = false;
  for (Batch& batch : in) {
    std::vector<Record>& records = batch.records();
    std::size_t kept = 0;
    for (const Record& record : records) {
      if (selection) {
        const std::string_view this_key = selection->key(batch, record, key);
        if (have_previous && this_key == previous_key) continue;
        previous_key.assign(this_key);
      } else if (kept != 0) {
        // The previous record is still in this batch: compare in place, copy nothing.
        if (same_record(batch, records[kept - 1], record)) continue;
      } else if (have_previous && previous.same_as(batch, record)) {
        continue;
      }
      have_previous = true;
      records[kept++] = record;
    }
    records.resize(kept);
    // Only the batch's last kept record is copied, for the next batch to compare with.
    if (!selection && kept != 0) {
      previous.assign(batch, records.back(), origins.keep(batch.origin()));
    }
    co_yield batch;  // even empty: a tick or the end of a load batch (docs/design.md, Ticks)
  }
}

const StageInfo kUniq{
    .name = "uniq",
    .role = StageRole::Transform,
    .synopsis = "uniq [F…] [--sep S]",
    .summary = "drops adjacent repeats",
    .details =
        "Drops each record that repeats the one just before it, keeping the first of each run,\n"
        "as Unix uniq does (repeats that are not adjacent stay; `count by F…` counts each value).\n"
        "\n"
        "Records are compared whole, as they print. A line of text and a JSON value from\n"
        "`json` or `items` are compared by their text, byte for byte (two JSON\n"
        "lines are repeats when their text is equal). A record made of fields (a CSV row, kv\n"
        "pairs, parse captures, or any record reshaped by field, select, set, drop or rename)\n"
        "is compared by its fields' names and values, as it prints: the CSV rows `\"a\",b`\n"
        "and `a,b` are repeats.\n"
        "\n"
        "With F… (positions or names, as in `field`; --sep S to split text on S,\n"
        "tab or \\t for a tab), only those fields' values are compared, and the whole first\n"
        "record of each run is kept.\n"
        "\n"
        "  read sample-data/app-api.log | field 1 | uniq\n"
        "  read sample-data/access.log | uniq 0",
    .build = build,
    .memory_bound = "and keeps the last record it passed on",
};

}  // namespace gpipe::stages
