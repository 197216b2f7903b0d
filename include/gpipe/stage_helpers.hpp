// The per-record form of a transform, for stages that need no more than one record at a time.
// Both keep the batch-at-a-time flow: one coroutine switch per batch, records edited in place.
#pragma once

#include <utility>

#include "gpipe/record.hpp"

namespace gpipe {

// Keeps the records for which keep(batch, record) is true. A batch left empty is passed on all
// the same: it may be a tick or close a load batch (docs/design.md, "Ticks").
template <class Keep>
BatchStream filter_records(BatchStream in, Keep keep) {
  for (Batch& batch : in) {
    auto& records = batch.records();
    std::size_t kept = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (keep(batch, records[i])) records[kept++] = records[i];
    }
    records.resize(kept);
    co_yield batch;
  }
}

// Calls edit(batch, record) on every record (it may change the record's text or fields).
template <class Edit>
BatchStream edit_records(BatchStream in, Edit edit) {
  for (Batch& batch : in) {
    for (Record& record : batch.records()) edit(batch, record);
    co_yield batch;
  }
}

}  // namespace gpipe
