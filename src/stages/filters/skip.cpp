// `skip N`: all but the first N records.
#include "stages/stages.hpp"
#include "stages/filters/transforms.hpp"

namespace gpipe::stages {

BatchStream skip_records(BatchStream in, std::uint64_t count) {
  std::uint64_t remaining = count;
  for (Batch& batch : in) {
    if (remaining != 0 && batch.lines_pending()) {
      // A block that is skipped whole is never split.
      const std::uint64_t lines = pending_line_count(batch);
      if (lines <= remaining) {
        remaining -= lines;
        continue;
      }
    }
    if (remaining != 0) {
      std::vector<Record>& records = batch.records();
      const auto dropped =
          static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(remaining, records.size()));
      records.erase(records.begin(), records.begin() + dropped);
      remaining -= static_cast<std::uint64_t>(dropped);
      if (records.empty()) continue;
    }
    co_yield batch;  // once done skipping, batches pass untouched (pending lines stay unsplit)
  }
}

namespace {

BuiltStage build(StageArgs& args, Context&) {
  const std::uint64_t count = args.positional_number(args.positional("N"), "N");
  BuiltStage built;
  built.transform = [count](BatchStream in) { return skip_records(std::move(in), count); };
  return built;
}

}  // namespace

const StageInfo kSkip{
    .name = "skip",
    .role = StageRole::Transform,
    .synopsis = "skip N",
    .summary = "drops the first N records",
    .details =
        "Drops the first N records and passes on the rest, like `tail -n +N+1`. With `head`,\n"
        "it picks a range: `skip 100 | head 10` gives records 101 to 110.\n"
        "\n"
        "  read sample-data/users.csv | skip 1\n"
        "  seq 5.. | skip 2 | head 2",
    .build = build,
};

}  // namespace gpipe::stages
