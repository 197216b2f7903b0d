// What sum, avg, min, max and stats share: a field's numbers summarised per group
// (NumberSummary), and which results each prints.
#pragma once

#include "gpipe/context.hpp"
#include "gpipe/stage.hpp"

namespace gpipe::stages {

enum class NumericResults { Sum, Avg, Min, Max, Stats };

// `NAME F [by G…]` built into an aggregate stage printing `results`.
BuiltStage build_numeric_aggregate(StageArgs& args, Context& ctx, NumericResults results);

// What every numeric aggregate's help says of its input (one text, so they cannot drift apart).
#define GPIPE_NUMERIC_INPUT_HELP                                                               \
  "F is a position or a name, as for `field`, and so are the `by` fields. Null, missing and\n" \
  "empty values are skipped (a group of only those still appears); any other value that is\n"  \
  "not a number (`abc`, true, an object) makes its record a bad record, left out under\n"      \
  "--on-error=skip. Integers and decimals (up to 36 digits, 18 after the point) are summed\n"  \
  "exactly, so sums of ids stay integers and -j, --partial and one pass print the same\n"      \
  "bytes; a number with an exponent, or a sum past 10^38, moves its group to doubles\n"        \
  "(compensated sums, Welford's moments merged by Chan's formula).\n"

}  // namespace gpipe::stages
