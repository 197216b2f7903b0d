// `seq [FIRST[..[LAST]]] [--step N]`: numbers, endless or up to LAST.
#include <charconv>
#include <string_view>

#include "stages/sources/sources.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

// Records per batch: enough that coroutine switches cost nothing next to formatting.
constexpr std::size_t kNumbersPerBatch = 1024;

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

struct Range {
  std::int64_t first = 1;
  std::optional<std::int64_t> last;
};

// "N" is 1..N (as Unix seq N), "A.." is endless from A, "A..B" is A to B inclusive.
std::optional<Range> parse_range(std::string_view text) {
  const std::size_t dots = text.find("..");
  if (dots == std::string_view::npos) {
    const auto last = parse_integer(text);
    if (!last) return std::nullopt;
    return Range{1, *last};
  }
  const auto first = parse_integer(text.substr(0, dots));
  if (!first) return std::nullopt;
  const std::string_view last_text = text.substr(dots + 2);
  if (last_text.empty()) return Range{*first, std::nullopt};
  const auto last = parse_integer(last_text);
  if (!last) return std::nullopt;
  return Range{*first, *last};
}

BuiltStage build(StageArgs& args, Context&) {
  std::int64_t step = 1;
  if (const auto step_argument = args.option({"--step"})) {
    const auto parsed = parse_integer(step_argument->text);
    if (!parsed || *parsed == 0) {
      args.fail(*step_argument,
                "expected a nonzero integer step, got '" + step_argument->text + "'");
    }
    step = *parsed;
  }
  Range range;
  if (const auto range_argument = args.optional_positional()) {
    const auto parsed = parse_range(range_argument->text);
    if (!parsed)
      args.fail(*range_argument, "expected FIRST..LAST, got '" + range_argument->text + "'");
    range = *parsed;
  }
  BuiltStage built;
  built.source = [range, step] { return count_numbers(range.first, range.last, step); };
  return built;
}

// Whether `value` has gone past `last` in the direction of `step`.
bool beyond(std::int64_t value, std::int64_t last, std::int64_t step) {
  return step > 0 ? value > last : value < last;
}

}  // namespace

BatchStream count_numbers(std::int64_t first, std::optional<std::int64_t> last, std::int64_t step) {
  static const Origin origin{"seq"};
  Batch batch;
  std::int64_t value = first;
  std::uint64_t index = 0;
  // A step that leads away from LAST never reaches it: nothing to emit (as Unix seq).
  bool done = last.has_value() && beyond(first, *last, step);
  while (!done) {
    batch.reset(&origin, RecordKind::Line);
    std::vector<Record>& records = batch.raw_records();
    for (std::size_t i = 0; i < kNumbersPerBatch && !done; ++i) {
      char digits[24];
      const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
      Record record;
      record.text =
          batch.arena().store(std::string_view(digits, static_cast<std::size_t>(end - digits)));
      record.line = ++index;
      records.push_back(record);
      // Stop at LAST, or at the end of the 64-bit range rather than wrapping around.
      done = __builtin_add_overflow(value, step, &value) ||
             (last.has_value() && beyond(value, *last, step));
    }
    co_yield batch;
  }
}

const StageInfo kSeq{
    .name = "seq",
    .role = StageRole::Source,
    .synopsis = "seq [FIRST[..[LAST]]] [--step N]",
    .summary = "numbers; endless without LAST",
    .details =
        "Makes one record per number, as text.\n"
        "\n"
        "  seq            1, 2, 3, … without end (use with head)\n"
        "  seq 5..        5, 6, 7, … without end\n"
        "  seq 1..100     1 to 100, both included\n"
        "  seq 10         1 to 10: a single number is LAST, as with Unix seq\n"
        "  seq 10..1 --step -1   10, 9, …, 1\n"
        "\n"
        "--step N is a nonzero integer and may be negative. A step that moves away from LAST\n"
        "makes no records (seq 10..1 is empty). Numbers are 64-bit; an endless sequence stops\n"
        "at the largest (or smallest) 64-bit integer instead of wrapping. _line is the record's\n"
        "position in the sequence (from 1).\n"
        "\n"
        "  seq | head 3\n"
        "  seq 10..1 --step -1 | skip 2 | head 3",
    .build = build,
};

}  // namespace gpipe::stages
