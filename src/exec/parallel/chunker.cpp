#include "exec/parallel/chunker.hpp"

#include <mutex>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "gpipe/context.hpp"
#include "io/file_range.hpp"

namespace gpipe::parallel {

namespace {

// A chunk that views a mapped file costs no copy and no memory of its own, so it can be larger:
// each hand-over between threads (a futex wake-up, costly in a virtual machine: see
// docs/performance.md, 'Wake-ups') is spread over more bytes, and it still fits a
// core's L2.
constexpr std::size_t kMappedChunkBytes = kMiB;

// What `read` left to the threads in the batch, if that is a range or a skipped line.
const FileRange* range_in(const Batch& batch) {
  return batch.for_threads() != nullptr ? batch.for_threads()->range() : nullptr;
}
const SkippedLine* skipped_line_in(const Batch& batch) {
  return batch.for_threads() != nullptr ? batch.for_threads()->skipped_line() : nullptr;
}

// Whether the batch is a line skipped in the chunk's file: framed, the file goes on after the
// chunk (the gap may be inside a row).
bool skipped_in(const Batch& batch, const Chunk& chunk) {
  return skipped_line_in(batch) != nullptr && batch.origin() == chunk.origin;
}

// Whether the source's batch continues the chunk's lines: the same file, with no gap (a gap is
// an overlong line that was skipped).
bool continues(const Batch& batch, const Chunk& chunk) {
  return batch.lines_pending() && batch.origin() == chunk.origin &&
         batch.pending_offset() == chunk.offset + chunk.own_lines().size();
}

// `first_line` 0: the lines are not numbered yet; the worker numbers them, and only a chunk at
// the start of its file knows its first line.
void number_by_worker(Chunk& chunk, std::uint64_t first_line) {
  chunk.first_line = first_line;
  if (first_line != 0) return;
  chunk.numbered_by_worker = true;
  if (chunk.offset == 0) chunk.first_line = 1;
}

// Appends the source's batch to the chunk's copied lines if it continues them; false if it
// starts a new chunk. `started`: the chunk holds lines already.
bool append_to_chunk(Batch& batch, Chunk& chunk, std::string& text, bool& started) {
  if (!batch.lines_pending()) {
    // Not a block of lines (no source but `read` runs in parallel; kept correct anyway).
    if (started || skipped_line_in(batch) != nullptr) return false;
    // Taken whole by Chunker::take_file_range, before this is called.
    if (range_in(batch) != nullptr) {
      throw std::logic_error("-j: a file range where lines were expected");
    }
    chunk.origin = batch.origin();
    for (const Record& record : batch.records()) {
      if (!started) {
        chunk.first_line = record.line;
        chunk.offset = record.offset;
        started = true;
      }
      text.append(record.text);
      text += '\n';
    }
    return true;
  }
  if (started && !continues(batch, chunk)) return false;
  if (!started) {
    chunk.origin = batch.origin();
    chunk.first_line = batch.pending_first_line();
    chunk.offset = batch.pending_offset();
    started = true;
  }
  text.append(batch.pending_block());
  return true;
}

}  // namespace

// The texts of chunks let go, kept for the next chunks: a new 512 KiB buffer is new pages, and
// where page tables are shadowed (a virtual machine) the first touch of each traps to the
// hypervisor (see docs/performance.md, 'Reused buffers'). Shared: a chunk may
// outlive the Chunker (a result the consumer still holds).
class ChunkTexts {
 public:
  std::string take() {
    const std::lock_guard lock(mutex_);
    if (spare_.empty()) return {};
    std::string text = std::move(spare_.back());
    spare_.pop_back();
    return text;
  }

  void give_back(std::string&& text) {
    text.clear();  // keeps its capacity
    const std::lock_guard lock(mutex_);
    if (spare_.size() < kKept) spare_.push_back(std::move(text));
  }

 private:
  static constexpr std::size_t kKept = 16;  // more than are ever in flight (2N+1 chunks)
  std::mutex mutex_;
  std::vector<std::string> spare_;
};

namespace {

// A chunk whose copied text, if any, goes back to `texts` when the chunk is destroyed.
std::shared_ptr<Chunk> make_chunk(const std::shared_ptr<ChunkTexts>& texts) {
  return std::shared_ptr<Chunk>(new Chunk, [texts](Chunk* done) {
    if (auto* const copied = std::get_if<CopiedLines>(&done->payload)) {
      texts->give_back(std::move(copied->text));
    }
    delete done;
  });
}

}  // namespace

Chunker::Chunker(BatchStream& source, const ChunkFraming* framing)
    : source_(source),
      it_(source.begin()),
      framing_(framing),
      texts_(std::make_shared<ChunkTexts>()) {}

std::shared_ptr<Chunk> Chunker::next(std::uint64_t seq) {
  std::shared_ptr<Chunk> chunk = make_chunk(texts_);
  chunk->seq = seq;
  chunk->framed = framing_ != nullptr;
  if (take_skipped_line(*chunk) || take_file_range(*chunk) ||
      (!chunk->framed && take_mapped_block(*chunk))) {
    return chunk;
  }
  if (!copy_lines(*chunk)) return nullptr;
  if (chunk->framed) {
    chunk->file_start = chunk->origin != previous_origin_;
    chunk->file_end =
        it_ == source_.end() || !(continues(*it_, *chunk) || skipped_in(*it_, *chunk));
  }
  number_by_worker(*chunk, chunk->first_line);
  previous_origin_ = chunk->origin;
  return chunk;
}

// Blocks of lines, copied into the chunk's text up to about kChunkBytes (framed: after room in
// front). False when the source has none left.
bool Chunker::copy_lines(Chunk& chunk) {
  CopiedLines& copied = std::get<CopiedLines>(chunk.payload);
  copied.text = texts_->take();
  copied.front = chunk.framed ? kFramedFront : 0;
  copied.text.reserve(copied.front + kChunkBytes + 256 * kKiB);
  copied.text.resize(copied.front);
  bool started = false;
  while (it_ != source_.end() && copied.text.size() < copied.front + kChunkBytes &&
         append_to_chunk(*it_, chunk, copied.text, started)) {
    ++it_;
  }
  return started;
}

// A block that views a mapped file (LineReader makes them about kChunkBytes) becomes a chunk as
// it is, without a copy. (Framed chunks are still copied: they join a prelude, carried lines and
// blocks.)
bool Chunker::take_mapped_block(Chunk& chunk) {
  if (it_ == source_.end()) return false;
  Batch& batch = *it_;
  if (!batch.lines_pending() || batch.pending_owner() == nullptr) return false;
  chunk.origin = batch.origin();
  chunk.offset = batch.pending_offset();
  number_by_worker(chunk, batch.pending_first_line());
  MappedLines& mapped =
      chunk.payload.emplace<MappedLines>(MappedLines{batch.pending_block(), batch.pending_owner()});
  // The blocks that follow in the same window are the bytes right after: the chunk grows over
  // them, to kMappedChunkBytes, so that threads hand over a chunk per MiB, not per block.
  while (++it_ != source_.end() && mapped.lines.size() < kMappedChunkBytes) {
    Batch& next = *it_;
    if (!next.lines_pending() || next.pending_owner() != mapped.window ||
        next.pending_block().data() != mapped.lines.data() + mapped.lines.size()) {
      break;
    }
    mapped.lines =
        std::string_view(mapped.lines.data(), mapped.lines.size() + next.pending_block().size());
  }
  return true;
}

// A range of a plain file is a chunk as it is: its worker reads it.
bool Chunker::take_file_range(Chunk& chunk) {
  if (it_ == source_.end()) return false;
  const FileRange* const range = range_in(*it_);
  if (range == nullptr) return false;
  chunk.origin = (*it_).origin();
  chunk.offset = range->begin;
  // A copy: the batch lets go of its range when the source goes on.
  const RangeLines& lines = chunk.payload.emplace<RangeLines>(RangeLines{*range, {}});
  number_by_worker(chunk, 0);
  ++it_;
  if (chunk.framed) {
    chunk.file_start = lines.range.begin == 0;
    // (Its worker also ends the file's rows where the file shrank; across its overlong last
    // line, if any, they go on: Chunk::own_gap.)
    const FileRange* const next = it_ == source_.end() ? nullptr : range_in(*it_);
    chunk.file_end = next == nullptr || next->file != lines.range.file;
  }
  previous_origin_ = chunk.origin;
  return true;
}

// A line that `read` skipped as overlong is a chunk of its own, so that its worker reports it in
// turn (numbering it first, when `read` could not). (Framed, it is a gap in its file's rows: see
// Gap.)
bool Chunker::take_skipped_line(Chunk& chunk) {
  if (it_ == source_.end()) return false;
  const SkippedLine* const skipped = skipped_line_in(*it_);
  if (skipped == nullptr) return false;
  chunk.origin = (*it_).origin();
  chunk.offset = skipped->offset;
  number_by_worker(chunk, skipped->line);
  chunk.payload = *skipped;
  ++it_;
  if (chunk.framed) {
    chunk.file_start = chunk.origin != previous_origin_;
    chunk.file_end =
        it_ == source_.end() ||
        !(((*it_).lines_pending() && (*it_).origin() == chunk.origin) || skipped_in(*it_, chunk));
    previous_origin_ = chunk.origin;
  }
  return true;
}

}  // namespace gpipe::parallel
