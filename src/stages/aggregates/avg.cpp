// `avg F [by G…]`: the mean of a field's numbers, per group.
#include "stages/aggregates/numeric_aggregate.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

const StageInfo kAvg{
    .name = "avg",
    .role = StageRole::Transform,
    .synopsis = "avg F [by G…]",
    .summary = "the mean of a field's numbers, per group",
    .details =
        "The arithmetic mean of the numbers of field F, in all or per group of the `by` fields\n"
        "(the `by` fields, then `avg`). The mean of no numbers is null (an empty cell).\n"
        "\n" GPIPE_NUMERIC_INPUT_HELP
        "\n"
        "  read sample-data/access.log | avg 9 by 8\n"
        "  read sample-data/tweets.jsonl | json | avg favorite_count by lang",
    .build = [](StageArgs& args,
                Context& ctx) { return build_numeric_aggregate(args, ctx, NumericResults::Avg); },
    .memory = MemoryUse::GrowsWithGroups,
    .memory_bound = "its key and a fixed-size summary",
};

}  // namespace gpipe::stages
