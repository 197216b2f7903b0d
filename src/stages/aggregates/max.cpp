// `max F [by G…]`: the largest of a field's numbers, per group.
#include "stages/aggregates/numeric_aggregate.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

const StageInfo kMax{
    .name = "max",
    .role = StageRole::Transform,
    .synopsis = "max F [by G…]",
    .summary = "the largest of a field's numbers, per group",
    .details =
        "The largest number of field F, in all or per group of the `by` fields (the `by`\n"
        "fields, then `max`), compared as numbers and printed as a number. Null when there is\n"
        "none.\n"
        "\n" GPIPE_NUMERIC_INPUT_HELP
        "\n"
        "  read sample-data/access.log | max 9 by 8\n"
        "  read sample-data/tweets.jsonl | json | max retweet_count by lang",
    .build = [](StageArgs& args,
                Context& ctx) { return build_numeric_aggregate(args, ctx, NumericResults::Max); },
    .memory = MemoryUse::GrowsWithGroups,
    .memory_bound = "its key and a fixed-size summary",
};

}  // namespace gpipe::stages
