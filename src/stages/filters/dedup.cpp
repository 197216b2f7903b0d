// `dedup [F…] [--sep S] [--max N]`: drops any repeat, adjacent or not.
#include <spdlog/spdlog.h>

#include <optional>
#include <string>

#include "core/field_selection.hpp"
#include "gpipe/owned_record.hpp"
#include "stages/filters/recent_keys.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

void warn_limit_reached(std::size_t max_keys) {
  spdlog::warn(
      "dedup: --max {} distinct keys reached; from here on each new key forgets the least "
      "recently seen one, so a repeat that comes more than {} distinct keys after its last "
      "sighting passes again",
      max_keys, max_keys);
}

BatchStream drop_repeats(BatchStream in, std::optional<FieldSelection> selection,
                         std::size_t max_keys) {
  RecentKeys keys(max_keys);
  std::string key;  // reused for every record
  bool warned = false;
  for (Batch& batch : in) {
    std::vector<Record>& records = batch.records();
    std::size_t kept = 0;
    for (const Record& record : records) {
      if (selection) {
        selection->key(batch, record, key);
      } else {
        identity_key(batch, record, key);
      }
      if (keys.seen_before(key)) continue;
      if (!warned && keys.forgotten() != 0) {
        warn_limit_reached(max_keys);
        warned = true;
      }
      records[kept++] = record;
    }
    records.resize(kept);
    co_yield batch;  // even empty: a tick or the end of a load batch (docs/design.md, Ticks)
  }
}

BuiltStage build(StageArgs& args, Context& ctx) {
  FieldSplitter splitter;
  if (const auto separator = args.separator_option()) splitter = FieldSplitter(separator->text);
  std::size_t max_keys = 0;
  if (const auto max = args.option({"--max"})) {
    max_keys = args.positional_number(*max, "--max");
    if (max_keys == 0) args.fail(*max, "--max must be at least 1 key");
    if (max_keys >= UINT32_MAX) args.fail(*max, "--max must be below 4294967295 keys");
  }
  std::vector<FieldRef> refs = args.needed_fields(args.rest(), ctx.demand);
  std::optional<FieldSelection> selection;
  if (!refs.empty()) selection.emplace(std::move(refs), splitter);
  BuiltStage built;
  built.transform = [selection, max_keys](BatchStream in) {
    return drop_repeats(std::move(in), selection, max_keys);
  };
  return built;
}

}  // namespace

const StageInfo kDedup{
    .name = "dedup",
    .role = StageRole::Transform,
    .synopsis = "dedup [F…] [--sep S] [--max N]",
    .summary = "drops any repeat",
    .details =
        "Drops each record that repeats any record before it, keeping the first of each, in\n"
        "input order, as `awk '!seen[$0]++'` does (`uniq` drops only adjacent repeats).\n"
        "Records are compared whole, as `uniq` compares them: a line or a JSON value by its\n"
        "text, a record made of fields (a CSV row, kv pairs, a reshaped record) by its fields'\n"
        "names and values. With F… (positions or names, as in `field`; --sep S to split text\n"
        "on S), only those fields' values are compared, and the whole first record of each\n"
        "key is kept.\n"
        "\n"
        "Every distinct key is kept whole (never only a hash of it, so a collision can never\n"
        "drop a record that is not a repeat): memory grows with the number of distinct keys.\n"
        "--max N bounds it to N keys: once N are kept, each new key forgets the least recently\n"
        "seen one (a repeat makes its key recent again), and a warning says so, once. A repeat\n"
        "whose key was forgotten, because more than N other distinct keys came since it was\n"
        "last seen, passes again; repeats closer together are still dropped.\n"
        "\n"
        "  read sample-data/app-*.log | field 3 | dedup\n"
        "  read sample-data/access.log | dedup 0 --max 100000 | count\n"
        "  read sample-data/users.csv | csv | dedup country | select country name",
    .build = build,
    .memory = MemoryUse::GrowsWithGroups,
    .memory_bound = "its key, whole; --max N keeps at most N",
};

}  // namespace gpipe::stages
