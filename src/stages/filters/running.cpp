// `running sum|avg|count|min|max… [F]`: each record, with statistics of F over every record so
// far. The state is a few numbers kept in the coroutine frame between yields.
#include <optional>
#include <string>
#include <vector>

#include "core/field_edit.hpp"
#include "stages/filters/running_values.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

constexpr Statistic kAllowed[] = {Statistic::Sum, Statistic::Avg, Statistic::Count, Statistic::Min,
                                  Statistic::Max};

struct RunningState {
  ExactSum sum;
  std::uint64_t numbers = 0;  // records whose F held a number
  std::uint64_t present = 0;  // records whose F held a value (count F)
  std::uint64_t records = 0;  // records passed on (count)
  std::optional<Number> min;
  std::optional<Number> max;

  void take(ValueRead read, const Number& number) {
    ++records;
    if (read != ValueRead::Missing) ++present;
    if (read != ValueRead::Number) return;
    sum.add(number);
    ++numbers;
    if (!min || number.exact() < min->exact()) min = number;
    if (!max || number.exact() > max->exact()) max = number;
  }

  Value result(Statistic statistic, bool of_field, Arena& arena) const {
    switch (statistic) {
      case Statistic::Sum:
        return sum.as_value(arena);
      case Statistic::Avg:
        if (numbers == 0) return Value::null();
        return real_value(arena,
                          static_cast<double>(sum.value() / static_cast<long double>(numbers)));
      case Statistic::Count:
        return integer_value(arena, static_cast<std::int64_t>(of_field ? present : records));
      case Statistic::Min:
        return min ? value_of(arena, *min) : Value::null();
      case Statistic::Max:
        return max ? value_of(arena, *max) : Value::null();
    }
    return Value::null();
  }
};

BuiltStage build(StageArgs& args, Context& ctx) {
  StatisticsRequest request = read_statistics(args, ctx, "running", "running_", kAllowed);
  BuiltStage built;
  built.transform = [request = std::move(request), context = &ctx](BatchStream in) {
    return with_statistics(std::move(in), request, context, RunningState{});
  };
  return built;
}

}  // namespace

const StageInfo kRunning{
    .name = "running",
    .role = StageRole::Transform,
    .synopsis = "running sum|avg|count|min|max… [F]",
    .summary = "each record with running statistics of a field",
    .details =
        "Passes on each record with statistics of the field F over every record so far, this\n"
        "one included, added as fields at its end (as `set` adds one): running_sum,\n"
        "running_avg, running_count, running_min, running_max, in the order asked for. One\n"
        "stage can ask for several (running sum avg latency_ms); F, a name or a position as\n"
        "for `field`, is the last word. `running count` without F numbers the records 1, 2, 3.\n"
        "A text record becomes its fields, as with set, and prints them joined by a tab\n"
        "(seq 1..4 | running avg 0 prints 1 1, 2 1.5, 3 2, 4 2.5); `| field running_avg`\n"
        "keeps the value alone.\n"
        "\n"
        "Numbers are JSON numbers and strings written as numbers (CSV, kv and text fields). A\n"
        "sum of integers is exact however large it grows (128 bits) and prints as an integer;\n"
        "once a decimal number is in it, it is a double, added with compensation so that it\n"
        "does not drift over billions of records. avg is a double; min and max print the\n"
        "number they found. Doubles print in their shortest form, with no exponent from 1e-5\n"
        "to 1e16 (1.5, not 1.500; 100000, not 1e+05).\n"
        "\n"
        "A missing value (F absent or null, or an empty string) is skipped: it adds nothing to\n"
        "the sum (0 until a number comes), is not counted by `count F` or by avg, and avg,\n"
        "min and max are empty (null) until a number comes. A value that is not a number\n"
        "(\"abc\", true, an object) is a bad record (see --on-error), reported as\n"
        "`running sum latency_ms: \"abc\" is not a number`, and is not passed on; `count F`\n"
        "alone takes any value and counts the records that have one.\n"
        "\n"
        "  seq 1..4 | running avg 0\n"
        "  read sample-data/access.log | running sum 9 | field 0 9 running_sum | tail 3\n"
        "  read sample-data/tweets.jsonl | json | running count | running max retweet_count | "
        "head 5 | select id running_count running_max",
    .build = build,
    .memory_bound = "(a few numbers between records)",
};

}  // namespace gpipe::stages
