// RecordSink: the push end of a pipeline, for a sink that takes records rather than bytes
// (sqlite, postgres, a tee branch): batches are sent into it as values are sent into a running
// Python generator, and it ends with finish().
#pragma once

#include <functional>
#include <memory>

#include "gpipe/record.hpp"

namespace gpipe {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Takes one batch. The batch is valid only during the call (gpipe/record.hpp, LIFETIME RULE):
  // what the sink keeps past it, it keeps as OwnedRecords. A batch that closes a load batch
  // (Batch::closes_load_batch, set by `batch N`) is where the sink commits what it has (a
  // transaction, a file); without `batch` upstream the sink commits by its own --batch count.
  virtual void consume(Batch& batch) = 0;
  // The end of the input: commits what is left. The run succeeds only if it returns; a sink
  // destroyed without finish() (an error upstream, a signal) commits nothing more.
  virtual void finish() = 0;
};

using RecordSinkFactory = std::function<std::unique_ptr<RecordSink>()>;

}  // namespace gpipe
