// `min F [by G…]`: the smallest of a field's numbers, per group.
#include "stages/aggregates/numeric_aggregate.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

const StageInfo kMin{
    .name = "min",
    .role = StageRole::Transform,
    .synopsis = "min F [by G…]",
    .summary = "the smallest of a field's numbers, per group",
    .details =
        "The smallest number of field F, in all or per group of the `by` fields (the `by`\n"
        "fields, then `min`), compared as numbers and printed as a number (`007` prints 7).\n"
        "Null when there is none.\n"
        "\n" GPIPE_NUMERIC_INPUT_HELP
        "\n"
        "  read sample-data/access.log | min 9 by 8\n"
        "  read sample-data/users.csv | csv | min id by country",
    .build = [](StageArgs& args,
                Context& ctx) { return build_numeric_aggregate(args, ctx, NumericResults::Min); },
    .memory = MemoryUse::GrowsWithGroups,
    .memory_bound = "its key and a fixed-size summary",
};

}  // namespace gpipe::stages
