// What sum, avg, min, max and stats share: a field's numbers summarised per group
// (NumberSummary), and which results each prints.
#pragma once

#include "gpipe/context.hpp"
#include "gpipe/stage.hpp"
#include "stages/aggregates/grouped_aggregate.hpp"
#include "stages/aggregates/number_summary.hpp"

namespace gpipe::stages {

enum class NumericResults { Sum, Avg, Min, Max, Stats };

// The number of field `field` of a record: Value; Empty for null, missing and empty values; Bad
// (reported to `errors` with the field and its value) for anything else.
ReadResult read_field_number(Batch& batch, const Record& record, const FieldRef& field,
                             ErrorPolicy& errors, ReadNumber& number);

// `NAME F [by G…]` built into an aggregate stage printing `results`.
BuiltStage build_numeric_aggregate(StageArgs& args, Context& ctx, NumericResults results);

// What every numeric aggregate's help says of its input (one text, so they cannot drift apart).
#define GPIPE_NUMERIC_FIELD_HELP                                                               \
  "F is a position or a name, as for `field`, and so are the `by` fields. Null, missing and\n" \
  "empty values are skipped (a group of only those still appears); any other value that is\n"  \
  "not a number (`abc`, true, an object) makes its record a bad record, left out under\n"      \
  "--on-error=skip.\n"
#define GPIPE_NUMERIC_INPUT_HELP                                                                \
  GPIPE_NUMERIC_FIELD_HELP                                                                      \
  "Integers and decimals (up to 36 digits, 18 after the point) are summed exactly, so sums\n"   \
  "of ids stay integers and -j, --partial and one pass print the same bytes; a number with\n"   \
  "an exponent, or a sum past 10^38, moves its group to doubles (compensated sums, Welford's\n" \
  "moments merged by Chan's formula), whose last digits may then differ between -j runs,\n"     \
  "--partial and one pass, as the parts are added in another order.\n"

}  // namespace gpipe::stages
