// -j N (SPEC 8): the stateless prefix of a pipeline on N threads over chunks of its input, with
// the output in input order.
//
// The source (`read`) runs on the calling thread and cuts its blocks of lines into chunks of
// about 1 MiB. Chunk i goes to worker i % N. Each worker runs its own instance of the prefix's
// stages (one call of each TransformFactory) for the whole run, over the chunks it is given, and
// keeps the batches that come out of each chunk. The calling thread yields those batches chunk
// by chunk, in input order, to the rest of the pipeline, which runs on it as usual.
//
// Lifetimes: a result owns its chunk's text (which the records view) and its batches (arenas and
// fields move with them); field names may view a worker's stage frames, so workers keep their
// stages alive until the consumer is done (destroying the returned generator ends the run).
// Errors: an exception in a worker (a bad record under --on-error=fail) is rethrown at the
// consumer when it reaches that chunk, so the first bad record in input order is the one
// reported. At most 2N+1 chunks are in flight: memory stays bounded.
#pragma once

#include <vector>

#include "gpipe/record.hpp"
#include "gpipe/stage.hpp"

namespace gpipe {

BatchStream run_parallel(BatchStream source, std::vector<TransformFactory> prefix,
                         unsigned threads);

}  // namespace gpipe
