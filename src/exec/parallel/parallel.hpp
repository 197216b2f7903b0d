// -j N (docs/spec.md §8): the stateless prefix of a pipeline on N threads over chunks of its input,
// with the output in input order.
//
// The source (`read`) runs on the calling thread and cuts its blocks of lines into chunks of
// about 256 KiB. The next free worker takes the next chunk. Each worker runs its own instance of
// the prefix's stages (one call of each TransformFactory) for the whole run, over the chunks it is
// given, and keeps the batches that come out of each chunk. The calling thread yields those batches
// chunk by chunk, in input order, to the rest of the pipeline, which runs on it as usual; the
// batches it is done with go back to the workers, to be filled again without allocating.
//
// csv (rows that span lines, a header per file) runs there too: its ChunkFraming says where rows
// end. The workers cut the chunks there, one after the other in input order (the rows after a
// chunk's last row end go to the next chunk's worker, which scans while the one before parses),
// and every chunk of a file but its first starts with the file's header row, so each stands
// alone.
//
// Lifetimes: a result owns its chunk's text (which the records view) and its batches (arenas and
// fields move with them); field names may view a worker's stage frames, so workers keep their
// stages alive until the consumer is done (destroying the returned generator ends the run).
//
// Line numbers: read input comes numbered (the reading thread counts a block right after
// read(2) put it in cache), and chunks are copies of it, in buffers that are reused. A mapped
// file's blocks (--mmap) and a plain file's ranges come unnumbered (counting them was the
// reading thread's biggest cost), and their chunks view the mapping or are read by the workers.
// Their chunks are numbered late: the worker numbers a chunk's lines from 1, processes it, then
// counts its lines (the bytes are in cache by then, where counting first is the first pass over
// them from memory: see docs/performance.md, 'Late numbering'); the consumer,
// which takes the chunks in order, knows where each begins and shifts its records' and bad
// records' numbers. When a stage of the prefix reads _line (`number_late` false), the worker
// counts first instead, takes its first number from the chunk before (waiting, if need be, for
// that chunk's worker to do the same), and passes on the number after its last line before it
// processes the chunk, so the wait is one count long.
//
// Errors: the workers hold their bad records (ErrorPolicy::hold_on_this_thread); the consumer
// reports them after the chunk's batches, so they are counted, kept and dead-lettered in input
// order, as in one pass. An exception in a worker (a bad record under --on-error=fail, whose
// report then throws at the consumer) is rethrown at the consumer when it reaches that chunk,
// after what the chunk gave before it, so the first bad record in input order is the one
// reported. At most 2N+1 chunks (N+1 framed ones) are in flight: memory stays bounded.
//
// Aggregates (count): when one follows the prefix, each worker adds what comes out of its
// chunks to a partial state of its own, and nothing else goes to the consumer but the held
// bad records. At the end the consumer merges the partial states (AggregateSplit), so the
// threads share the aggregate's work per record too. A group's first appearance (its chunk)
// is kept, so the merged groups come out in the order of one pass.
//
// The parts, each in a file of its own in this folder: chunk.hpp (a chunk and the lines a worker
// makes of it), chunker.hpp (the source cut into chunks), pool.hpp (what the threads share: the
// queue, the reorder buffer, the hand-offs between chunks, batch recycling), csv_framing.hpp
// (framed chunks cut between rows), worker.hpp (a worker's run) and parallel.cpp (the consumer).
#pragma once

#include <memory>
#include <vector>

#include "gpipe/context.hpp"
#include "gpipe/record.hpp"
#include "gpipe/stage.hpp"

namespace gpipe {

// `framing`: how the first stage of the prefix needs its chunks cut (null: at any line end).
// `aggregate`: the split of an aggregate that follows the prefix (null: none), whose merged
// records are then all that comes out. `number_late`: no stage of the prefix (or the aggregate)
// reads _line (see above). `errors`: where the workers' bad records are reported. `max_line`:
// --max-line, for the file ranges `read` leaves to the workers (src/io/file_range.hpp).
BatchStream run_parallel(BatchStream source, std::vector<TransformFactory> prefix,
                         std::shared_ptr<const ChunkFraming> framing,
                         std::shared_ptr<const AggregateSplit> aggregate, unsigned threads,
                         bool number_late, ErrorPolicy& errors, std::size_t max_line);

}  // namespace gpipe
