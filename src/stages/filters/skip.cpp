// `skip N`: all but the first N records.
#include "stages/filters/transforms.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

BatchStream skip_records(BatchStream in, std::uint64_t count) {
  std::uint64_t remaining = count;
  for (Batch& batch : in) {
    if (remaining != 0) {
      // A batch skipped whole is never split: a block of lines is only counted.
      const std::uint64_t records = record_count(batch);
      if (records <= remaining) {
        remaining -= records;
        // Passed on empty: a tick or the end of a load batch must reach the sink.
        if (batch.lines_pending()) batch.take_pending_block();
        batch.raw_records().clear();
        co_yield batch;
        continue;
      }
      std::vector<Record>& kept = batch.records();
      kept.erase(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(remaining));
      remaining = 0;
    }
    co_yield batch;  // once done skipping, batches pass untouched (pending lines stay unsplit)
  }
}

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
    .build = [](StageArgs& args, Context&) { return build_with_count(args, skip_records); },
};

}  // namespace gpipe::stages
