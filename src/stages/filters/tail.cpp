// `tail N`: the last N records, kept whole in a ring of OwnedRecords.
#include "gpipe/owned_record.hpp"
#include "stages/filters/transforms.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

BatchStream last_records(BatchStream in, std::uint64_t count) {
  if (count == 0) co_return;
  std::vector<OwnedRecord> ring;  // grows to `count` slots, then each new record overwrites
  std::size_t oldest = 0;         // once full, the slot holding the oldest record
  OriginKeeper origins;
  for (Batch& batch : in) {
    const std::shared_ptr<const Origin>& origin = origins.keep(batch.origin());
    for (const Record& record : batch.records()) {
      if (ring.size() < count) {
        ring.emplace_back().assign(batch, record, origin);
      } else {
        ring[oldest].assign(batch, record, origin);
        oldest = (oldest + 1) % ring.size();
      }
    }
  }
  const std::span<const OwnedRecord> all(ring);
  co_yield elements_of(emit_owned_records(all.subspan(oldest), all.first(oldest)));
}

const StageInfo kTail{
    .name = "tail",
    .role = StageRole::Transform,
    .synopsis = "tail N",
    .summary = "the last N records",
    .details =
        "Passes on the last N records, once its input has ended, as they were: a JSON line\n"
        "prints as written, a CSV row keeps its columns and header, and _file, _line and\n"
        "_offset are the original's. It keeps a ring of the last N records, so its memory is\n"
        "bounded by N records, never by the input.\n"
        "\n"
        "  read sample-data/app-api.log | grep ERROR | tail 20\n"
        "  read sample-data/users.csv | csv | tail 2",
    .build = [](StageArgs& args, Context&) { return build_with_count(args, last_records); },
    .memory = MemoryUse::Bounded,
    .memory_bound = "N records",
};

}  // namespace gpipe::stages
