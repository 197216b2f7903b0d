// `head N`: the first N records, then stop reading.
#include "stages/filters/transforms.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

BatchStream first_records(BatchStream in, std::uint64_t count) {
  if (count == 0) co_return;  // never begins the upstream: nothing is opened or read
  {
    // The upstream lives in this scope only, so leaving it destroys the whole upstream chain:
    // files close and reading stops at once, before the consumer even sees our end.
    BatchStream upstream = std::move(in);
    std::uint64_t remaining = count;
    for (Batch& batch : upstream) {
      // A batch that fits is passed on whole: a block of lines unsplit.
      std::uint64_t taken = record_count(batch);
      if (taken > remaining) {
        batch.records().resize(remaining);
        taken = remaining;
      }
      remaining -= taken;
      co_yield batch;  // even empty: a tick or the end of a load batch (docs/design.md, Ticks)
      if (remaining == 0) break;
    }
  }
}

namespace {

BuiltStage build_head(StageArgs& args, Context&) {
  const std::uint64_t count = args.positional_number(args.positional("N"), "N");
  BuiltStage built;
  built.transform = [count](BatchStream in) { return first_records(std::move(in), count); };
  // The stage before it needs to give at most N records (sort then keeps only its N best).
  built.passes_at_most = count;
  return built;
}

}  // namespace

const StageInfo kHead{
    .name = "head",
    .role = StageRole::Transform,
    .synopsis = "head N",
    .summary = "the first N records, then stops reading",
    .details =
        "Passes on the first N records. Once it has them it stops reading its input at once:\n"
        "every stage before it is shut down and every input file closed, so `head` on an endless\n"
        "source (`seq`, or `read -` on a pipe that never ends) or a huge file ends the run\n"
        "promptly. `head 0` reads nothing at all.\n"
        "\n"
        "  read sample-data/app-*.log | grep ERROR | head 10\n"
        "  seq | head 3",
    .build = build_head,
};

}  // namespace gpipe::stages
