// `sum F [by G…]`: the sum of a field's numbers, per group.
#include "stages/aggregates/numeric_aggregate.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

const StageInfo kSum{
    .name = "sum",
    .role = StageRole::Transform,
    .synopsis = "sum F [by G…]",
    .summary = "the sum of a field's numbers, per group",
    .details =
        "The sum of the numbers of field F: in all (one record, `sum`), or per group of the\n"
        "values of the `by` fields (one record per group, in the order the groups first\n"
        "appeared: the `by` fields, then `sum`). A sum of no numbers is 0.\n"
        "\n" GPIPE_NUMERIC_INPUT_HELP
        "\n"
        "  read sample-data/access.log | sum 9\n"
        "  read sample-data/tweets.jsonl | json | sum retweet_count by lang",
    .build = [](StageArgs& args,
                Context& ctx) { return build_numeric_aggregate(args, ctx, NumericResults::Sum); },
    .memory = MemoryUse::GrowsWithGroups,
    .memory_bound = "its key and a fixed-size summary",
};

}  // namespace gpipe::stages
