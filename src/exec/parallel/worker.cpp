#include "exec/parallel/worker.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <variant>

#include "exec/parallel/csv_framing.hpp"
#include "gpipe/errors.hpp"
#include "io/file_range.hpp"
#include "io/mapped_file.hpp"
#include "simd/newline_count.hpp"

namespace gpipe::parallel {

namespace {

struct WorkerState {
  std::shared_ptr<Chunk> chunk;                   // the chunk being processed
  ChunkLines lines;                               // what its stages run over
  std::vector<Batch> out;                         // what came out of it so far
  HeldBadRecords bad_records;                     // and the bad records it held
  std::vector<HeldBadRecords::Mark> held_before;  // by batch in `out` (see ChunkResult)
  std::vector<Batch> spent;                       // with an aggregate: batches it added, to recycle
};

// Whether the worker numbers the chunk's lines from 1, and the consumer shifts them.
bool numbered_late(const WorkerSetup& setup, const Chunk& chunk) {
  return setup.number_late && chunk.numbered_by_worker;
}

// The lines in a chunk, counted by its worker: after processing it when the lines are numbered
// late (the bytes are then in cache), before when early. (Framed: its rows and the gaps among
// them.)
std::uint64_t lines_in(const Chunk& chunk, const ChunkLines& lines) {
  if (chunk.skipped_line() != nullptr && !chunk.framed) return 1;
  const std::string_view body = lines.body();
  const std::uint64_t newlines = count_newlines(body.data(), body.data() + body.size());
  if (chunk.framed) return newlines + lines.gaps.size();
  const RangeLines* const range = chunk.range();
  return newlines + (range != nullptr && range->loaded.overlong ? 1 : 0);  // its skipped last line
}

// The number of the chunk's first line, when the lines are numbered early. A chunk numbered by
// its worker waits for the chunk before to pass on the number after its lines, and passes on
// the number after its own.
std::uint64_t number_lines(Pool& pool, const Chunk& chunk, const ChunkLines& lines) {
  if (!chunk.numbered_by_worker) return lines.first_line;
  return pool.number_lines(chunk.seq, lines.first_line, lines_in(chunk, lines));
}

// What came out of the worker's chunk so far (all of it, unless `error`).
ChunkResult take_result(const WorkerSetup& setup, WorkerState& state, std::exception_ptr error) {
  ChunkResult result;
  result.numbered_late = numbered_late(setup, *state.chunk);
  if (result.numbered_late && !error) result.line_count = lines_in(*state.chunk, state.lines);
  result.batches = std::exchange(state.out, {});
  result.chunk = state.chunk;
  result.lines = std::exchange(state.lines, {});
  result.error = std::move(error);
  result.bad_records = std::exchange(state.bad_records, {});
  result.held_before = std::exchange(state.held_before, {});
  return result;
}

// A range's lines, read into its chunk before anything looks at them.
void read_range(const WorkerSetup& setup, Chunk& chunk) {
  if (RangeLines* const range = std::get_if<RangeLines>(&chunk.payload)) {
    range->loaded = load_file_range(range->range, setup.max_line, setup.range_buffers,
                                    setup.framing != nullptr ? kFramedFront : 0);
  }
}

// Where the batch of a chunk's lines that starts at `pos` ends: after the line that reaches
// `pos + bytes`, or at the chunk's end.
std::size_t piece_end(std::string_view lines, std::size_t pos, std::size_t bytes) {
  if (bytes >= lines.size() - pos) return lines.size();
  const std::size_t newline = lines.find('\n', pos + bytes);
  return newline == std::string_view::npos ? lines.size() : newline + 1;
}

// The batches of a chunk's lines: one, or for a framed chunk one per kFramedPieceBytes. Why: a
// framed chunk's batches hold every field of every row, about three times its text, and the
// stages after the csv stage pass over them again: in one batch per chunk the csv task took
// clearly more CPU time on two threads, likely from cache misses between the cores, though one
// pass gains little from smaller blocks (see docs/performance.md, 'Framed chunks
// in pieces'). The json and grep tasks lose by the split, so it is only for framed chunks.
BatchStream chunk_batches(Pool& pool, const Chunk& chunk, const ChunkLines& lines,
                          std::uint64_t first_line, ErrorPolicy& errors) {
  // The prelude's own line numbers and offsets are never seen: the stage takes it as the
  // header, as it took the file's first row.
  std::uint64_t line = first_line - lines.prelude_lines;
  const std::uint64_t offset = lines.offset - lines.prelude_size;
  const std::string_view text = lines.text;
  const std::size_t prelude_size = lines.prelude_size;
  // (A piece may end inside a row, even inside the prelude: the stage carries an open row
  // on to the next batch, as between the blocks `read` makes. So a piece ends at each gap,
  // which is reported there, and the bytes after it have their own offsets.)
  const std::size_t piece_bytes = chunk.framed ? kFramedPieceBytes : text.size();
  const std::vector<Gap>& gaps = lines.gaps;
  std::size_t next_gap = 0;
  std::uint64_t past_gaps = 0;  // the bytes the gaps so far hold: what the offsets skip
  const std::vector<std::size_t>& breaks = lines.prelude_breaks;
  std::size_t next_break = 0;
  for (std::size_t pos = 0;;) {
    // A break in the prelude: its next line's offset moves two on, so the stage never sees
    // its line 2 bytes after the end of the line before ("\r\n" between them) and joins
    // the two with "\n"; back after the prelude (whose offsets are never seen).
    if (next_break < breaks.size() && breaks[next_break] == pos) {
      past_gaps += 2;
      ++next_break;
    }
    if (!breaks.empty() && pos == prelude_size) past_gaps = 0;
    for (; next_gap < gaps.size() && prelude_size + gaps[next_gap].at == pos; ++next_gap) {
      const Gap& gap = gaps[next_gap];
      errors.report(BadRecord{chunk.origin, line++, 0, gap.reason, gap.head, /*raw_cut=*/true});
      if (pos < text.size()) past_gaps = gap.resume_offset - (offset + pos);
    }
    if (pos == text.size()) break;
    std::size_t end = piece_end(text, pos, piece_bytes);
    if (next_gap < gaps.size()) end = std::min(end, prelude_size + gaps[next_gap].at);
    if (next_break < breaks.size()) end = std::min(end, breaks[next_break]);
    if (!breaks.empty() && pos < prelude_size) end = std::min(end, prelude_size);
    if (end < pos) throw std::logic_error("-j: the gaps of a csv chunk are out of order");
    const bool last = end == text.size() && next_gap == gaps.size();
    const std::string_view piece = text.substr(pos, end - pos);
    Batch batch = pool.spare_batch();
    batch.reset(chunk.origin, RecordKind::Line);
    batch.set_pending_lines(piece, line, offset + pos + past_gaps);
    if (chunk.framed && pos == 0) batch.set_starts_chunk();
    if (chunk.framed && last) batch.set_ends_chunk();
    if (!last) line += count_newlines(piece.data(), piece.data() + piece.size());
    pos = end;
    co_yield batch;
  }
  if (chunk.framed && !text.empty() && !gaps.empty() &&
      prelude_size + gaps.back().at == text.size()) {
    // Rows end after the gaps at the chunk's end, as in one pass: an open row is reported
    // after them.
    Batch batch = pool.spare_batch();
    batch.reset(chunk.origin, RecordKind::Line);
    batch.set_pending_lines(text.substr(text.size()), line, offset + text.size());
    batch.set_ends_chunk();
    co_yield batch;
  }
}

// A worker's source: the batches of each chunk the Pool gives it. When the stages after it ask
// for more after a chunk's last batch, everything that came from that chunk has come out (they
// are per-batch stages), so its result is complete.
BatchStream worker_source(Pool& pool, const WorkerSetup& setup, WorkerState& state) {
  while ((state.chunk = pool.next()) != nullptr) {
    Chunk& chunk = *state.chunk;
    read_range(setup, chunk);
    if (setup.framing != nullptr) {
      FramedLink out;
      state.lines = frame_chunk(*setup.framing, chunk,
                                chunk.seq == 0 ? FramedLink{} : pool.take_link(chunk.seq),
                                setup.max_line, out);
      pool.pass_link(chunk.seq, std::move(out));
    } else {
      state.lines = lines_as_they_are(chunk);
    }
    // Before the first pass over it: the reading thread handed the pages over unread
    // (LineReader::hand_over_blocks).
    if (const auto* const mapped = std::get_if<MappedLines>(&chunk.payload)) {
      read_in_pages(mapped->lines);
    }
    const std::uint64_t first_line =
        numbered_late(setup, chunk) ? 1 : number_lines(pool, chunk, state.lines);
    const SkippedLine* const skipped = chunk.framed ? nullptr : chunk.skipped_line();
    state.bad_records.set_stable(skipped != nullptr ? std::string_view(skipped->head)
                                                    : state.lines.text);
    if (skipped != nullptr) {
      setup.errors.report(
          BadRecord{chunk.origin, first_line, 0, skipped->reason, skipped->head, /*raw_cut=*/true});
    } else {
      co_yield elements_of(chunk_batches(pool, chunk, state.lines, first_line, setup.errors));
      const RangeLines* const range = chunk.range();
      if (range != nullptr && range->loaded.overlong && !chunk.framed) {
        // The range's last line, after the others.
        const std::string_view body = state.lines.body();
        const std::uint64_t overlong_line =
            first_line + count_newlines(body.data(), body.data() + body.size());
        setup.errors.report(BadRecord{chunk.origin, overlong_line, 0,
                                      range->range.file->overlong_reason(),
                                      range->loaded.overlong_head, /*raw_cut=*/true});
      }
      // After the lines read before the end, as in one pass.
      if (range != nullptr && range->loaded.shrank) {
        throw IoError(shrank_message(range->range.file->name()));
      }
    }
    pool.recycle(state.spent);
    pool.publish(chunk.seq, take_result(setup, state, nullptr));
  }
}

}  // namespace

void work(Pool& pool, const WorkerSetup& setup, PartialAggregate* aggregate) {
  WorkerState state;
  ErrorPolicy::hold_on_this_thread(&state.bad_records);
  BatchStream stream = worker_source(pool, setup, state);
  try {
    for (const TransformFactory& stage : setup.prefix) stream = stage(std::move(stream));
    for (Batch& batch : stream) {
      if (aggregate == nullptr) {
        state.held_before.push_back(state.bad_records.mark());
        state.out.push_back(std::move(batch));
        continue;
      }
      aggregate->add(batch, state.chunk->seq);
      state.spent.push_back(std::move(batch));
    }
  } catch (...) {
    // What came out of the chunk before the error goes out before it, as it would in one pass.
    if (state.chunk) {
      pool.publish(state.chunk->seq, take_result(setup, state, std::current_exception()));
    }
  }
  pool.worker_done();
  pool.wait_finished();  // `stream` (and the names its stages own) outlives every batch
  ErrorPolicy::hold_on_this_thread(nullptr);
}

}  // namespace gpipe::parallel
