// `stats F [by G…]`: count, mean, min, max and standard deviation of a field, per group.
#include "stages/aggregates/numeric_aggregate.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

const StageInfo kStats{
    .name = "stats",
    .role = StageRole::Transform,
    .synopsis = "stats F [by G…]",
    .summary = "count, mean, min, max and standard deviation of a field, per group",
    .details =
        "In one pass, per group of the `by` fields (or in all): `count` (of the numbers),\n"
        "`mean`, `min`, `max` and `stddev`, the standard deviation of a sample (n - 1, as\n"
        "Python's statistics.stdev, DuckDB's stddev and Miller's stats1; null for fewer than two\n"
        "numbers). The `by` fields come first.\n"
        "\n" GPIPE_NUMERIC_INPUT_HELP
        "\n"
        "  read sample-data/access.log | stats 9 by 8\n"
        "  read sample-data/tweets.jsonl | json | stats favorite_count by lang",
    .build = [](StageArgs& args,
                Context& ctx) { return build_numeric_aggregate(args, ctx, NumericResults::Stats); },
    .memory = MemoryUse::GrowsWithGroups,
    .memory_bound = "its key and a fixed-size summary",
};

}  // namespace gpipe::stages
