#include "exec/parallel/parallel.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gpipe/context.hpp"
#include "io/file_range.hpp"
#include "io/mapped_file.hpp"
#include "simd/newline_count.hpp"

namespace gpipe {

namespace {

// What `read` left to the threads in the batch, if that is a range or a skipped line.
const FileRange* range_in(const Batch& batch) {
  return batch.for_threads() != nullptr ? batch.for_threads()->range() : nullptr;
}
const SkippedLine* skipped_line_in(const Batch& batch) {
  return batch.for_threads() != nullptr ? batch.for_threads()->skipped_line() : nullptr;
}

// Late numbering: the batch's lines were numbered from 1 at its chunk's start; `by` makes the
// numbers the file's. (Its pending block's too, which its records split from later.)
void shift_line_numbers(Batch& batch, std::uint64_t by) {
  if (batch.lines_pending()) {
    batch.set_pending_lines(batch.pending_block(), batch.pending_first_line() + by,
                            batch.pending_offset(), batch.pending_owner());
  }
  for (Record& record : batch.raw_records()) record.line += by;
}

// Big enough that a chunk's fixed costs (a batch, a coroutine switch per stage, a hand-over
// between threads) are noise; small enough that 2N+1 of them in flight stay a few MiB.
constexpr std::size_t kChunkBytes = 256 * kKiB;
// A chunk that views a mapped file costs no copy and no memory of its own, so it can be larger:
// each hand-over between threads (a futex wake-up, tens of microseconds in a VM) is spread over
// more bytes, and it still fits a core's L2.
constexpr std::size_t kMappedChunkBytes = kMiB;

// Framed chunks (csv) leave this much room in front of their lines, where the worker puts the
// file's prelude and the rows carried over from the chunk before (see frame_chunk): a header
// row and a partial row fit, so they join the chunk's lines without a copy of the lines.
constexpr std::size_t kFramedFront = 4 * kKiB;

// A line `read` skipped as overlong (a gap) in a file cut into framed chunks. A row open before
// it goes on after it, as in one pass, where the csv stage never sees the line: the row is
// carried across the gap to the chunk that holds its end, which reports the skipped line where
// it falls among its rows. `at`: where the bytes after the gap start in the rows (after the
// prelude); `resume_offset`: their file offset, set once a chunk with them joins the row.
struct Gap {
  std::size_t at = 0;
  std::uint64_t resume_offset = 0;
  std::string reason;
  std::string head;  // the line's first bytes
};

struct Chunk {
  std::uint64_t seq = 0;
  const Origin* origin = nullptr;
  bool started = false;  // holds lines of `origin`
  // Of the first line after the prelude. Framed: the worker moves it back over carried rows.
  mutable std::uint64_t first_line = 0;
  std::uint64_t offset = 0;  // in the file, of the first byte after the prelude
  // Framed: lines()[0, prelude_size) is the file's prelude (see ChunkFraming), set by the worker.
  mutable std::size_t prelude_size = 0;
  mutable std::uint64_t prelude_lines = 0;
  bool stands_alone = false;  // framed by a ChunkFraming (Batch::starts_chunk)
  // Complete lines (the last may lack '\n' at the end of a file), after `front` spare bytes.
  // Mutable: the worker of a framed chunk writes the prelude and carried rows into the front.
  mutable std::string text;
  std::size_t front = 0;
  // Framed: whether the chunk's lines start its file (its prelude is found in them, nothing is
  // carried into it), and whether nothing of its file follows it: then it keeps all its rows,
  // the last one open or not.
  bool file_start = false;
  bool file_end = false;
  // Framed, once the worker has joined them: the prelude, the carried rows and the chunk's
  // lines up to its last row end; and the file offset of the first byte after the prelude.
  mutable bool framed = false;
  mutable std::string_view framed_rows;
  mutable std::uint64_t framed_offset = 0;
  mutable std::string framed_copy;  // the rows, when prelude and carry outgrow the front
  mutable std::vector<Gap> gaps;    // in framed_rows, in order: the chunk reports them
  mutable std::vector<std::size_t> prelude_breaks;  // see FramedLink
  // A block of a mapped file is not copied: the chunk views it and holds its window instead.
  std::string_view mapped_lines;
  std::shared_ptr<const void> mapped_window;
  // Lines counted by the worker (see parallel.hpp); first_line is 0 until then, unless the
  // chunk starts its file.
  bool numbered_by_worker = false;
  // A line `read` skipped as overlong, unnumbered: `text` holds its first bytes.
  bool skipped_line = false;
  std::string skipped_reason;
  // A range of a plain file, read by its worker (load_file_range) before anything else looks
  // at its lines.
  std::shared_ptr<const FileRange> file_range;  // a copy of the batch's
  mutable LoadedRange loaded;

  std::string_view lines() const {
    if (framed) return framed_rows;
    if (file_range) return loaded.lines;
    return mapped_window ? mapped_lines : std::string_view(text).substr(front);
  }
  std::uint64_t lines_offset() const {
    if (framed) return framed_offset;
    return file_range ? loaded.offset : offset;
  }
  std::size_t body_size() const { return lines().size() - prelude_size; }

  // Framed, before the worker joins anything to them: the chunk's own lines (copied, or read
  // from a range), their offset in the file, and the spare bytes right before them.
  std::string_view own_lines() const {
    if (skipped_line) return {};  // `text` holds the skipped line's head
    return file_range ? loaded.lines : std::string_view(text).substr(front);
  }
  std::uint64_t own_offset() const { return file_range ? loaded.offset : offset; }
  std::size_t room_before_own() const {
    if (!file_range) return front;
    return loaded.lines.empty()
               ? 0
               : static_cast<std::size_t>(loaded.lines.data() - loaded.buffer.get());
  }
  char* own_begin() const {
    return file_range ? loaded.buffer.get() + room_before_own() : text.data() + front;
  }
  // Framed: the gap right after its own lines, if any: the skipped line it is, or its range's
  // overlong last line; `at` is still to be set.
  std::optional<Gap> own_gap() const {
    if (skipped_line) return Gap{0, 0, skipped_reason, text};
    if (loaded.overlong)
      return Gap{0, 0, file_range->file->overlong_reason(), loaded.overlong_head};
    return std::nullopt;
  }
  // Nothing of its file follows its lines: the file's end, or the file shrinking. Then it keeps
  // all its rows, the last one open or not.
  bool ends_file() const { return file_end || loaded.shrank; }
};

// The lines in a chunk, counted by its worker: after processing it when the lines are numbered
// late (the bytes are then in cache), before when early.
// (Framed: its rows and the gaps among them.)
std::uint64_t lines_in(const Chunk& chunk) {
  if (chunk.skipped_line && !chunk.framed) return 1;
  const std::string_view body = chunk.lines().substr(chunk.prelude_size);
  const std::uint64_t lines = count_newlines(body.data(), body.data() + body.size());
  if (chunk.framed) return lines + chunk.gaps.size();
  return lines + (chunk.loaded.overlong ? 1 : 0);  // a range's skipped last line
}

struct Result {
  std::vector<Batch> batches;
  std::shared_ptr<const Chunk> chunk;  // the text the batches view
  std::exception_ptr error;
  HeldBadRecords bad_records;  // for the consumer to report, in input order
  // By batch: the bad records held when it came out of the worker (the consumer reports those
  // before it gets the batch, as one pass reports a stage's bad records before its batch goes
  // on: a stage after the prefix that stops early, such as head, has seen them all). One per
  // batch: the worker records one for each batch it keeps (work()).
  std::vector<HeldBadRecords::Mark> held_before;
  // Numbered late: the chunk's lines were numbered from 1 (its records and bad records); the
  // consumer, which knows where the chunk before ended, shifts them. line_count: the chunk's.
  bool numbered_late = false;
  std::uint64_t line_count = 0;
};

// The batches a framed chunk makes at most: its 512 KiB (a range, or two 256 KiB blocks copied;
// and a little over, to the end of a row) in 64 KiB pieces (see worker_source).
constexpr std::size_t kFramedPieceBytes = 64 * kKiB;
constexpr std::size_t kBatchesPerFramedChunk = kFramedRangeBytes / kFramedPieceBytes + 2;

// What a framed chunk passes on to the next: the file's prelude, once found, and the rows after
// its last row end, which end in a later chunk.
struct FramedLink {
  std::string prelude;
  std::uint64_t prelude_lines = 0;
  // Where gaps fell inside the prelude (a header row across a skipped line): the stage must see
  // its lines apart there, so that it joins them with "\n" as one pass did, not as written
  // ("x\r\r\n" is "x\r" then "\n" in one pass; as contiguous text, "x\r" then "\r\n").
  std::vector<std::size_t> prelude_breaks;
  // The rows after the last row end, and the file offset of their first byte; after a gap, the
  // next chunk's lines continue them.
  std::string carry;
  std::uint64_t carry_offset = 0;
  std::vector<Gap> gaps;           // in the carry, or at its end
  bool carry_starts_file = false;  // the carry is its file's start (its prelude not found yet)
  std::size_t carry_scanned = 0;   // how much of the carry was scanned and found to hold no end
};

// Chunks to the workers, results back, in one lock (taken a few times per MiB of input).
class Pool {
 public:
  // `spare_batches`: as many as are in flight at once, kept for reuse (a new batch is new
  // pages, slow to touch first in a virtual machine: see ChunkTexts).
  // `framed`: the chunks are framed (their ranges are smaller, with room in front).
  Pool(bool number_late, std::size_t spare_batches, std::size_t max_line, unsigned threads,
       bool framed)
      : number_late_(number_late),
        spare_batches_limit_(spare_batches),
        max_line_(max_line),
        range_buffers_(make_range_buffers(threads, framed ? kFramedRangeBytes : kFileRangeBytes,
                                          framed ? kFramedFront : 0)) {}

  // File ranges: read by the workers into these buffers, with this --max-line.
  ReadBufferPool& range_buffers() { return *range_buffers_; }
  std::size_t max_line() const { return max_line_; }

  // Whether the worker of the chunk numbers its lines from 1, and the consumer shifts them.
  bool numbered_late(const Chunk& chunk) const { return number_late_ && chunk.numbered_by_worker; }

  void submit(std::shared_ptr<const Chunk> chunk) {
    const std::lock_guard lock(mutex_);
    queue_.push_back(std::move(chunk));
    work_changed_.notify_one();
  }

  // The worker's next chunk, or null when the run is over. First the worker lets go of the
  // chunks the consumer retired, outside the lock and before it waits, so that no window
  // stays mapped while it is idle.
  std::shared_ptr<const Chunk> next() {
    release_retired();
    std::unique_lock lock(mutex_);
    work_changed_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return nullptr;
    std::shared_ptr<const Chunk> chunk = std::move(queue_.front());
    queue_.pop_front();
    return chunk;
  }

  // A chunk the consumer is done with. The last chunk of a mapped window unmaps it when it is
  // let go, and unmapping a window's pages is kernel work worth a tenth of the run on the
  // thread that does it: the workers do it, not the reading thread.
  void retire(std::shared_ptr<const Chunk> chunk) {
    const std::lock_guard lock(mutex_);
    retired_.push_back(std::move(chunk));
  }

  // A batch for a worker to fill: one the consumer is done with (its vectors and arena keep
  // their capacity, so a chunk's fields cost no allocation and no page faults), or a new one.
  Batch spare_batch() {
    const std::lock_guard lock(mutex_);
    if (spare_batches_.empty()) return Batch{};
    Batch batch = std::move(spare_batches_.back());
    spare_batches_.pop_back();
    return batch;
  }

  void recycle(std::vector<Batch>& batches) {
    const std::lock_guard lock(mutex_);
    for (Batch& batch : batches) {
      if (spare_batches_.size() >= spare_batches_limit_) break;
      spare_batches_.push_back(std::move(batch));
    }
    batches.clear();
  }

  void publish(std::uint64_t seq, Result result) {
    const std::lock_guard lock(mutex_);
    results_.emplace(seq, std::move(result));
    if (seq == awaited_) result_ready_.notify_one();
  }

  Result take(std::uint64_t seq) {
    std::unique_lock lock(mutex_);
    awaited_ = seq;
    result_ready_.wait(lock, [&] { return results_.contains(seq); });
    Result result = std::move(results_.at(seq));
    results_.erase(seq);
    return result;
  }

  // The number of the chunk's first line, when the lines are numbered early. For a chunk
  // numbered by its worker, counts its lines and passes on the number after them; waits for
  // the chunk before to do the same.
  std::uint64_t number_lines(const Chunk& chunk) {
    if (!chunk.numbered_by_worker) return chunk.first_line;
    const std::uint64_t count = lines_in(chunk);
    std::unique_lock lock(mutex_);
    std::uint64_t first = chunk.first_line;
    if (first == 0) {
      numbers_changed_.wait(lock, [&] { return finished_ || line_after_.contains(chunk.seq - 1); });
      if (finished_) throw RunOver{};
      first = line_after_.at(chunk.seq - 1);
    }
    line_after_.erase(chunk.seq - 1);  // (its successor's, or left by a file's last chunk)
    line_after_[chunk.seq] = first + count;
    numbers_changed_.notify_all();
    return first;
  }

  // Thrown to a worker waiting for a line number or a link that will not come: the run ended
  // (an error).
  struct RunOver {};

  // Framed chunks: what the chunk before chunk `seq` passed on, once it has (see frame_chunk).
  FramedLink take_link(std::uint64_t seq) {
    std::unique_lock lock(mutex_);
    links_changed_.wait(lock, [&] { return finished_ || links_.contains(seq - 1); });
    if (finished_) throw RunOver{};
    FramedLink link = std::move(links_.at(seq - 1));
    links_.erase(seq - 1);
    return link;
  }

  void pass_link(std::uint64_t seq, FramedLink link) {
    const std::lock_guard lock(mutex_);
    links_.emplace(seq, std::move(link));
    links_changed_.notify_all();
  }

  // No more chunks: workers finish what they have and stop.
  void close() {
    const std::lock_guard lock(mutex_);
    closed_ = true;
    work_changed_.notify_all();
  }

  // The consumer is done with every batch: workers may destroy their stages.
  void finish() {
    const std::lock_guard lock(mutex_);
    closed_ = finished_ = true;
    work_changed_.notify_all();
    numbers_changed_.notify_all();
    links_changed_.notify_all();
    run_finished_.notify_all();
  }

  // -j with an aggregate: a worker is out of its loop, and its partial state is complete.
  void worker_done() {
    const std::lock_guard lock(mutex_);
    ++workers_done_;
    workers_changed_.notify_all();
  }

  void wait_workers_done(unsigned workers) {
    std::unique_lock lock(mutex_);
    workers_changed_.wait(lock, [&] { return workers_done_ == workers; });
  }

  void wait_finished() {
    std::unique_lock lock(mutex_);
    run_finished_.wait(lock, [&] { return finished_; });
  }

 private:
  void release_retired() {
    std::vector<std::shared_ptr<const Chunk>> retired;
    {
      const std::lock_guard lock(mutex_);
      retired.swap(retired_);
    }
    retired.clear();  // unmaps the windows no one else holds
  }

  const bool number_late_;
  const std::size_t spare_batches_limit_;
  const std::size_t max_line_;
  const std::shared_ptr<ReadBufferPool> range_buffers_;
  std::mutex mutex_;
  // One condition per kind of waiter, each woken only for what it waits for: a wake-up costs
  // tens of microseconds here, and one condition for all woke every thread for every change.
  std::condition_variable work_changed_;     // workers: a chunk queued, or the run closing
  std::condition_variable result_ready_;     // the consumer: the result it waits for
  std::condition_variable numbers_changed_;  // workers: a chunk's line numbers passed on
  std::condition_variable links_changed_;    // workers: a framed chunk's link passed on
  // Workers done early (an error) wait here, not on work_changed_, so that a chunk's one
  // wake-up never goes to a worker that will not take it.
  std::condition_variable run_finished_;
  std::condition_variable workers_changed_;  // the consumer: a worker done (worker_done)
  unsigned workers_done_ = 0;
  std::uint64_t awaited_ = 0;  // the result the consumer waits for
  // One queue for all workers, taken in input order by whichever is free: with N workers on N
  // cores beside the reading thread, a fixed chunk-to-worker split left the worker sharing a
  // core with it a fifth behind (json: 53% and 40% of the samples).
  std::deque<std::shared_ptr<const Chunk>> queue_;
  std::map<std::uint64_t, Result> results_;
  std::vector<std::shared_ptr<const Chunk>> retired_;
  std::vector<Batch> spare_batches_;
  std::map<std::uint64_t, std::uint64_t> line_after_;  // by chunk: the number after its lines
  std::map<std::uint64_t, FramedLink> links_;          // by chunk: what it passed on
  bool closed_ = false;
  bool finished_ = false;
};

struct WorkerState {
  std::shared_ptr<const Chunk> chunk;             // the chunk being processed
  std::vector<Batch> out;                         // what came out of it so far
  HeldBadRecords bad_records;                     // and the bad records it held
  std::vector<HeldBadRecords::Mark> held_before;  // by batch in `out` (see Result)
  std::vector<Batch> spent;                       // with an aggregate: batches it added, to recycle
};

// What came out of the worker's chunk so far (all of it, unless `error`).
Result take_result(const Pool& pool, WorkerState& state, std::exception_ptr error) {
  Result result{std::move(state.out), state.chunk, std::move(error), std::move(state.bad_records),
                std::move(state.held_before)};
  state.held_before.clear();
  state.out.clear();
  state.bad_records = HeldBadRecords{};
  result.numbered_late = pool.numbered_late(*state.chunk);
  if (result.numbered_late && !result.error) result.line_count = lines_in(*state.chunk);
  return result;
}

// Framed chunks (csv) are cut between rows by their workers, one after the other in input order:
// a worker takes what the chunk before passed on, joins the file's prelude, the carried rows and
// the chunk's own lines, finds the last row end in them with the framing's scan, and passes the
// rows after it on before it parses the rest, so that the next worker's scan overlaps this
// one's parse. Why: the reading thread did the scan (and joined every chunk), which held the csv
// task on 2 threads to about the speed of one (1.0-1.3 s against 1.08 s at -j1, 1 GB).
// A row longer than the chunk is carried whole; the framing's --max-line rule ends it.

// A row longer than a chunk is carried on whole; its bytes are scanned again only once they have
// doubled since the last scan, so that the scans of a row as long as --max-line (a quote that
// never closes) add up to a few times its length, not its square. (Scanning at every chunk took
// 30 s instead of 1 s for such a row in 440 MB on 2 threads.) Cutting later is as good (every
// row end the scan finds is one), but not much later: past --max-line the row can end, and the
// rows after it would all be parsed with it, by one worker at once.
bool keep_carrying(const Pool& pool, const Chunk& chunk, const FramedLink& in,
                   std::size_t own_size) {
  const std::size_t joined_body = in.carry.size() + own_size;
  return !chunk.ends_file() && in.carry.size() > kChunkBytes &&
         joined_body < 2 * in.carry_scanned && joined_body <= pool.max_line();
}

// The prelude, the carried rows and the chunk's own lines as one text: written into the room in
// front of its lines when they fit there, else joined in its framed_copy.
std::span<char> join_rows(const Chunk& chunk, std::string_view prelude, std::string_view carry) {
  const std::string_view own = chunk.own_lines();
  const std::size_t joined = prelude.size() + carry.size();
  if (joined <= chunk.room_before_own()) {
    char* const start = chunk.own_begin() - joined;
    std::copy(prelude.begin(), prelude.end(), start);
    std::copy(carry.begin(), carry.end(), start + prelude.size());
    return {start, joined + own.size()};
  }
  chunk.framed_copy.assign(prelude);
  chunk.framed_copy += carry;
  chunk.framed_copy += own;
  return {chunk.framed_copy.data(), chunk.framed_copy.size()};
}

// One pass joins the lines on either side of a gap with "\n": the line source strips "\r\n" and
// "\n" alike, and across a gap the offsets show no "\r\n" between them. So the '\r' of a
// "\r\n" right before a gap goes: the framing's scan counts a row's bytes against --max-line
// (a CRLF row exactly that long was cut), and a header row across a gap is passed on as text.
// `text[from, size)`: the rows that end at the gap. Returns their new end.
// Not when a gap is there already (its '\r' went), and not when the line's text ends in '\r'
// ("x\r\r\n": one pass keeps "x\r", and no bytes say that to the stage): there the scan is told
// not to count it (uncounted_before_gaps).
std::size_t drop_cr_before_gap(char* text, std::size_t size, std::size_t from, bool gap_there) {
  if (gap_there || size - from < 2 || text[size - 2] != '\r' || text[size - 1] != '\n') {
    return size;
  }
  if (size - from > 2 && text[size - 3] == '\r') return size;
  text[size - 2] = '\n';
  return size - 1;
}

// The prelude passed on: at a file's start, the one found at the start of its rows (false when
// it is not complete yet, and then every row is carried on); elsewhere, the one passed in,
// moved, not copied: a header row can be as long as a chunk.
// (With the positions of the gaps inside it: see FramedLink::prelude_breaks.)
bool pass_prelude(const ChunkFraming& framing, std::string_view body, bool at_file_start,
                  const std::vector<Gap>& gaps, FramedLink& in, FramedLink& out) {
  if (!at_file_start) {
    out.prelude = std::move(in.prelude);
    out.prelude_lines = in.prelude_lines;
    out.prelude_breaks = std::move(in.prelude_breaks);
    return true;
  }
  const std::optional<std::size_t> found = framing.prelude(body);
  out.prelude.assign(body.substr(0, found.value_or(0)));
  out.prelude_lines = count_newlines(out.prelude.data(), out.prelude.data() + out.prelude.size());
  for (const Gap& gap : gaps) {
    if (gap.at < out.prelude.size()) out.prelude_breaks.push_back(gap.at);
  }
  return found.has_value();
}

// The file offset of body[pos], for a body that starts at `body_offset` with these gaps in it.
std::uint64_t offset_in_body(std::uint64_t body_offset, const std::vector<Gap>& gaps,
                             std::size_t pos) {
  std::uint64_t offset = body_offset;
  std::size_t from = 0;
  for (const Gap& gap : gaps) {
    if (gap.at > pos) break;
    offset = gap.resume_offset;
    from = gap.at;
  }
  return offset + (pos - from);
}

// The "\r" of each "\r\n" left before a gap (after a line whose text ends in "\r": see
// drop_cr_before_gap): the stage never sees it, so the framing's scan does not count it.
std::vector<std::size_t> uncounted_before_gaps(std::string_view body,
                                               const std::vector<Gap>& gaps) {
  std::vector<std::size_t> positions;
  for (const Gap& gap : gaps) {
    if (gap.at < 2 || body.substr(gap.at - 2, 2) != "\r\n") continue;
    if (positions.empty() || positions.back() != gap.at - 2) positions.push_back(gap.at - 2);
  }
  return positions;
}

// The gaps up to `cut` stay with the chunk (those after its rows it reports after them); those
// after it go on with the carried rows.
void split_gaps(std::vector<Gap>&& gaps, std::size_t cut, const Chunk& chunk, FramedLink& out) {
  for (Gap& gap : gaps) {
    if (gap.at <= cut) {
      chunk.gaps.push_back(std::move(gap));
    } else {
      gap.at -= cut;
      out.gaps.push_back(std::move(gap));
    }
  }
}

void frame_chunk(Pool& pool, const ChunkFraming& framing, const Chunk& chunk) {
  FramedLink in = chunk.seq == 0 ? FramedLink{} : pool.take_link(chunk.seq);
  if (chunk.file_start) {
    in = FramedLink{};
    in.carry_starts_file = true;
  }
  const std::string_view own = chunk.own_lines();
  chunk.framed = true;
  if (in.carry.empty()) in.carry_offset = chunk.own_offset();
  for (auto gap = in.gaps.rbegin(); !own.empty() && gap != in.gaps.rend(); ++gap) {
    if (gap->at != in.carry.size()) break;
    gap->resume_offset = chunk.own_offset();  // the bytes after the gaps at the carry's end
  }
  chunk.framed_offset = in.carry_offset;
  std::optional<Gap> own_gap = chunk.own_gap();
  // A gap of the carry's is right before the chunk's own (it has no lines): its '\r' went.
  const bool gap_at_carry_end =
      own.empty() && !in.gaps.empty() && in.gaps.back().at == in.carry.size();
  if (keep_carrying(pool, chunk, in, own.size())) {
    in.carry += own;
    if (own_gap) {
      in.carry.resize(drop_cr_before_gap(in.carry.data(), in.carry.size(), 0, gap_at_carry_end));
      own_gap->at = in.carry.size();
      in.gaps.push_back(std::move(*own_gap));
    }
    pool.pass_link(chunk.seq, std::move(in));
    return;  // no rows of its own: framed_rows stays empty
  }
  // Lines `read` counted: the number is of the chunk's own first line (or of its own gap); the
  // carried rows and the gaps among them come before it.
  if (!chunk.numbered_by_worker && chunk.first_line != 0) {
    chunk.first_line -=
        count_newlines(in.carry.data(), in.carry.data() + in.carry.size()) + in.gaps.size();
  }
  const bool at_file_start = in.carry_starts_file;
  const std::string_view prelude =
      at_file_start ? std::string_view() : std::string_view(in.prelude);
  const std::span<char> joined = join_rows(chunk, prelude, in.carry);
  const std::string_view rows(
      joined.data(),
      own_gap ? drop_cr_before_gap(joined.data(), joined.size(), prelude.size(), gap_at_carry_end)
              : joined.size());
  const std::string_view body = rows.substr(prelude.size());
  std::vector<Gap> gaps = std::move(in.gaps);
  if (own_gap) {
    own_gap->at = body.size();
    gaps.push_back(std::move(*own_gap));
  }
  FramedLink out;
  // After this, `prelude` (which may view in.prelude, now moved) is used only for its size.
  const bool carry_all =
      !pass_prelude(framing, body, at_file_start, gaps, in, out) && !chunk.ends_file();
  std::size_t cut = body.size();
  if (carry_all) {
    cut = 0;
  } else if (!chunk.ends_file()) {
    cut = framing.whole_records(body, at_file_start, uncounted_before_gaps(body, gaps));
  }
  out.carry.assign(body.substr(cut));
  out.carry_offset = offset_in_body(in.carry_offset, gaps, cut);
  out.carry_starts_file = at_file_start && cut == 0;
  out.carry_scanned = cut == 0 ? body.size() : 0;
  split_gaps(std::move(gaps), cut, chunk, out);
  chunk.prelude_size = cut == 0 ? 0 : prelude.size();
  if (chunk.prelude_size != 0) chunk.prelude_breaks = out.prelude_breaks;
  chunk.prelude_lines = cut == 0 || at_file_start ? 0 : in.prelude_lines;
  chunk.framed_rows = cut == 0 ? std::string_view() : rows.substr(0, prelude.size() + cut);
  pool.pass_link(chunk.seq, std::move(out));
}

// Where the batch of a chunk's lines that starts at `pos` ends: after the line that reaches
// `pos + bytes`, or at the chunk's end.
std::size_t piece_end(std::string_view lines, std::size_t pos, std::size_t bytes) {
  if (bytes >= lines.size() - pos) return lines.size();
  const std::size_t newline = lines.find('\n', pos + bytes);
  return newline == std::string_view::npos ? lines.size() : newline + 1;
}

// The batches of a chunk's lines: one, or for a chunk that stands alone (framed csv) one per
// 64 KiB (see worker_source).
BatchStream chunk_batches(Pool& pool, const Chunk& chunk, std::uint64_t first_line,
                          ErrorPolicy& errors) {
  // The prelude's own line numbers and offsets are never seen: the stage takes it as the
  // header, as it took the file's first row.
  std::uint64_t line = first_line - chunk.prelude_lines;
  const std::uint64_t offset = chunk.lines_offset() - chunk.prelude_size;
  const std::string_view lines = chunk.lines();
  // (A piece may end inside a row, even inside the prelude: the stage carries an open row
  // on to the next batch, as between the blocks `read` makes. So a piece ends at each gap,
  // which is reported there, and the bytes after it have their own offsets.)
  const std::size_t piece_bytes = chunk.stands_alone ? kFramedPieceBytes : lines.size();
  const std::vector<Gap>& gaps = chunk.gaps;
  std::size_t next_gap = 0;
  std::uint64_t past_gaps = 0;  // the bytes the gaps so far hold: what the offsets skip
  const std::vector<std::size_t>& breaks = chunk.prelude_breaks;
  std::size_t next_break = 0;
  for (std::size_t pos = 0;;) {
    // A break in the prelude: its next line's offset moves two on, so the stage never sees
    // its line 2 bytes after the end of the line before ("\r\n" between them) and joins
    // the two with "\n"; back after the prelude (whose offsets are never seen).
    if (next_break < breaks.size() && breaks[next_break] == pos) {
      past_gaps += 2;
      ++next_break;
    }
    if (!breaks.empty() && pos == chunk.prelude_size) past_gaps = 0;
    for (; next_gap < gaps.size() && chunk.prelude_size + gaps[next_gap].at == pos; ++next_gap) {
      const Gap& gap = gaps[next_gap];
      errors.report(BadRecord{chunk.origin, line++, 0, gap.reason, gap.head, /*raw_cut=*/true});
      if (pos < lines.size()) past_gaps = gap.resume_offset - (offset + pos);
    }
    if (pos == lines.size()) break;
    std::size_t end = piece_end(lines, pos, piece_bytes);
    if (next_gap < gaps.size()) end = std::min(end, chunk.prelude_size + gaps[next_gap].at);
    if (next_break < breaks.size()) end = std::min(end, breaks[next_break]);
    if (!breaks.empty() && pos < chunk.prelude_size) end = std::min(end, chunk.prelude_size);
    if (end < pos) throw std::logic_error("-j: the gaps of a csv chunk are out of order");
    const bool last = end == lines.size() && next_gap == gaps.size();
    const std::string_view piece = lines.substr(pos, end - pos);
    Batch batch = pool.spare_batch();
    batch.reset(chunk.origin, RecordKind::Line);
    batch.set_pending_lines(piece, line, offset + pos + past_gaps);
    if (chunk.stands_alone && pos == 0) batch.set_starts_chunk();
    if (chunk.stands_alone && last) batch.set_ends_chunk();
    if (!last) line += count_newlines(piece.data(), piece.data() + piece.size());
    pos = end;
    co_yield batch;
  }
  if (chunk.stands_alone && !lines.empty() && !gaps.empty() &&
      chunk.prelude_size + gaps.back().at == lines.size()) {
    // Rows end after the gaps at the chunk's end, as in one pass: an open row is reported
    // after them.
    Batch batch = pool.spare_batch();
    batch.reset(chunk.origin, RecordKind::Line);
    batch.set_pending_lines(lines.substr(lines.size()), line, offset + lines.size());
    batch.set_ends_chunk();
    co_yield batch;
  }
}

// A worker's source: the lines of each chunk as batches of pending lines, one per chunk, or for
// a framed chunk (csv) one per 64 KiB. Why: a framed chunk's batches hold every field of every
// row, about three times its text, and the stages after the csv stage pass over them again.
// In one batch per 256 KiB chunk the csv task took a quarter more CPU time on 2 threads (1 GB,
// medians of 5: 2.63 s user against 2.10 s in pieces; 1.68 s wall against 1.39 s), though one
// pass over 256 KiB blocks gains only 5% from 64 KiB ones. Cache misses between the cores are
// the likely cause; this VM has no hardware counters to say. The json and grep tasks lose by
// the split, so it is only for framed chunks. When the stages after it ask for more after a
// chunk's last batch, everything that came from that chunk has come out (they are per-batch
// stages), so its result is complete.
BatchStream worker_source(Pool& pool, const ChunkFraming* framing, WorkerState& state,
                          ErrorPolicy& errors) {
  while ((state.chunk = pool.next()) != nullptr) {
    const Chunk& chunk = *state.chunk;
    if (chunk.file_range) {
      chunk.loaded = load_file_range(*chunk.file_range, pool.max_line(), pool.range_buffers(),
                                     framing != nullptr ? kFramedFront : 0);
    }
    if (framing != nullptr) frame_chunk(pool, *framing, chunk);
    // Before the first pass over it: the reading thread handed the pages over unread
    // (LineReader::hand_over_blocks).
    if (chunk.mapped_window) read_in_pages(chunk.lines());
    const std::uint64_t first_line = pool.numbered_late(chunk) ? 1 : pool.number_lines(chunk);
    state.bad_records.set_stable(chunk.lines());
    if (chunk.skipped_line && !chunk.framed) {
      errors.report(BadRecord{chunk.origin, first_line, 0, chunk.skipped_reason, chunk.text,
                              /*raw_cut=*/true});
    } else {
      co_yield elements_of(chunk_batches(pool, chunk, first_line, errors));
      if (chunk.loaded.overlong && !chunk.framed) {  // the range's last line, after the others
        const std::string_view body = chunk.lines().substr(chunk.prelude_size);
        const std::uint64_t overlong_line =
            first_line + count_newlines(body.data(), body.data() + body.size());
        errors.report(BadRecord{chunk.origin, overlong_line, 0,
                                chunk.file_range->file->overlong_reason(),
                                chunk.loaded.overlong_head, /*raw_cut=*/true});
      }
      // After the lines read before the end, as in one pass.
      if (chunk.loaded.shrank) throw IoError(shrank_message(chunk.file_range->file->name()));
    }
    pool.recycle(state.spent);
    pool.publish(chunk.seq, take_result(pool, state, nullptr));
  }
}

// `aggregate`: where the worker adds what comes out of its chunks, when an aggregate follows the
// prefix (else it keeps the batches for the consumer).
void work(Pool& pool, const std::vector<TransformFactory>& prefix, const ChunkFraming* framing,
          PartialAggregate* aggregate, ErrorPolicy& errors) {
  WorkerState state;
  ErrorPolicy::hold_on_this_thread(&state.bad_records);
  BatchStream stream = worker_source(pool, framing, state, errors);
  try {
    for (const TransformFactory& stage : prefix) stream = stage(std::move(stream));
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
    if (state.chunk)
      pool.publish(state.chunk->seq, take_result(pool, state, std::current_exception()));
  }
  pool.worker_done();
  pool.wait_finished();  // `stream` (and the names its stages own) outlives every batch
  ErrorPolicy::hold_on_this_thread(nullptr);
}

// The consumer's side of late numbering: what to add to the line numbers of the chunk's
// records and bad records. `next_line`: the number after the chunk before's lines.
std::uint64_t line_shift(const Result& result, std::uint64_t& next_line) {
  if (!result.numbered_late) return 0;
  const std::uint64_t first = result.chunk->first_line != 0 ? result.chunk->first_line : next_line;
  next_line = first + result.line_count;
  return first - 1;
}

// The chunk's error, unless it is the stop at a held bad record (reported, so thrown, already).
void rethrow_unless_held(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const HeldBadRecordStop&) {
  }
}

// The texts of chunks let go, kept for the next chunks: a new 512 KiB buffer is new pages, and
// where page tables are shadowed (a virtual machine) the first touch of each traps to the
// hypervisor. 1 GB of the json task on 2 threads spent 0.43 s in the kernel with a new buffer
// per chunk. Shared: a chunk may outlive the Chunker (a result the consumer still holds).
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

// A chunk whose text goes back to `texts` when the chunk is destroyed.
std::shared_ptr<Chunk> make_chunk(const std::shared_ptr<ChunkTexts>& texts) {
  auto* chunk = new Chunk;
  chunk->text = texts->take();
  return std::shared_ptr<Chunk>(chunk, [texts](Chunk* done) {
    texts->give_back(std::move(done->text));
    delete done;
  });
}

// Whether the source's batch continues the chunk's lines: the same file, with no gap (a gap is
// an overlong line that was skipped).
bool continues(Batch& batch, const Chunk& chunk) {
  return batch.lines_pending() && batch.origin() == chunk.origin &&
         batch.pending_offset() == chunk.offset + chunk.body_size();
}

// Appends the source's batch to the chunk if it continues it; false if it starts a new one.
bool append_to_chunk(Batch& batch, Chunk& chunk) {
  if (!batch.lines_pending()) {
    // Not a block of lines (no source but `read` runs in parallel; kept correct anyway).
    if (chunk.started || skipped_line_in(batch) != nullptr) return false;
    // Taken whole by Chunker::take_file_range, before this is called.
    if (range_in(batch) != nullptr)
      throw std::logic_error("-j: a file range where lines were expected");
    chunk.origin = batch.origin();
    for (const Record& record : batch.records()) {
      if (!chunk.started) {
        chunk.first_line = record.line;
        chunk.offset = record.offset;
        chunk.started = true;
      }
      chunk.text.append(record.text);
      chunk.text += '\n';
    }
    return true;
  }
  if (chunk.started && !continues(batch, chunk)) return false;
  if (!chunk.started) {
    chunk.origin = batch.origin();
    chunk.first_line = batch.pending_first_line();
    chunk.offset = batch.pending_offset();
    chunk.started = true;
  }
  chunk.text.append(batch.pending_block());
  return true;
}

// Cuts the source's blocks of lines into chunks of about kChunkBytes of one file each. With a
// framing (csv), the chunk leaves room in front of its lines and says whether it starts its
// file and whether its file goes on after it; its worker cuts it between rows (frame_chunk).
class Chunker {
 public:
  Chunker(BatchStream& source, const ChunkFraming* framing)
      : source_(source), it_(source.begin()), framing_(framing) {}

  // The next chunk, or null when the source is done.
  std::shared_ptr<Chunk> next(std::uint64_t seq) {
    std::shared_ptr<Chunk> chunk = make_chunk(texts_);
    chunk->seq = seq;
    if (take_skipped_line(*chunk) || take_file_range(*chunk) ||
        (framing_ == nullptr && take_mapped_block(*chunk))) {
      return chunk;
    }
    if (framing_ != nullptr) {
      chunk->stands_alone = true;
      chunk->front = kFramedFront;
    }
    chunk->text.reserve(chunk->front + kChunkBytes + 256 * kKiB);
    chunk->text.resize(chunk->front);
    while (it_ != source_.end() && chunk->text.size() < chunk->front + kChunkBytes &&
           append_to_chunk(*it_, *chunk)) {
      ++it_;
    }
    if (!chunk->started) return nullptr;
    if (framing_ != nullptr) {
      chunk->file_start = chunk->origin != previous_origin_;
      chunk->file_end =
          it_ == source_.end() || !(continues(*it_, *chunk) || skipped_in(*it_, *chunk));
    }
    number_by_worker(*chunk, chunk->first_line);
    previous_origin_ = chunk->origin;
    return chunk;
  }

 private:
  // A block that views a mapped file (LineReader makes them about kChunkBytes) becomes a chunk
  // as it is, without a copy. (Framed chunks are still copied: they join a prelude, carried
  // lines and blocks.)
  bool take_mapped_block(Chunk& chunk) {
    if (it_ == source_.end()) return false;
    Batch& batch = *it_;
    if (!batch.lines_pending() || batch.pending_owner() == nullptr) return false;
    chunk.origin = batch.origin();
    chunk.offset = batch.pending_offset();
    number_by_worker(chunk, batch.pending_first_line());
    chunk.started = true;
    chunk.mapped_lines = batch.pending_block();
    chunk.mapped_window = batch.pending_owner();
    // The blocks that follow in the same window are the bytes right after: the chunk grows
    // over them, to kMappedChunkBytes, so that threads hand over a chunk per MiB, not per block.
    while (++it_ != source_.end() && chunk.mapped_lines.size() < kMappedChunkBytes) {
      Batch& next = *it_;
      if (!next.lines_pending() || next.pending_owner() != chunk.mapped_window ||
          next.pending_block().data() != chunk.mapped_lines.data() + chunk.mapped_lines.size()) {
        break;
      }
      chunk.mapped_lines = std::string_view(
          chunk.mapped_lines.data(), chunk.mapped_lines.size() + next.pending_block().size());
    }
    return true;
  }

  // A range of a plain file is a chunk as it is: its worker reads it.
  bool take_file_range(Chunk& chunk) {
    if (it_ == source_.end()) return false;
    Batch& batch = *it_;
    if (range_in(batch) == nullptr) return false;
    chunk.origin = batch.origin();
    chunk.file_range = std::make_shared<const FileRange>(*range_in(batch));
    chunk.offset = chunk.file_range->begin;
    chunk.started = true;
    number_by_worker(chunk, 0);
    ++it_;
    if (framing_ != nullptr) {
      chunk.stands_alone = true;
      chunk.file_start = chunk.file_range->begin == 0;
      // (Its worker also ends the file's rows where the file shrank; across its overlong last
      // line, if any, they go on: Chunk::own_gap.)
      chunk.file_end = it_ == source_.end() || range_in(*it_) == nullptr ||
                       range_in(*it_)->file != chunk.file_range->file;
    }
    previous_origin_ = chunk.origin;
    return true;
  }

  // Whether the batch is a line skipped in the chunk's file: framed, the file goes on after
  // the chunk (the gap may be inside a row).
  static bool skipped_in(Batch& batch, const Chunk& chunk) {
    return skipped_line_in(batch) != nullptr && batch.origin() == chunk.origin;
  }

  // A line that `read` skipped as overlong is a chunk of its own, so that its worker reports
  // it in turn (numbering it first, when `read` could not). (Framed, it is a gap in its file's
  // rows: see Gap.)
  bool take_skipped_line(Chunk& chunk) {
    if (it_ == source_.end()) return false;
    Batch& batch = *it_;
    const SkippedLine* const skipped = skipped_line_in(batch);
    if (skipped == nullptr) return false;
    chunk.origin = batch.origin();
    chunk.offset = skipped->offset;
    number_by_worker(chunk, skipped->line);
    chunk.started = true;
    chunk.skipped_line = true;
    chunk.text = skipped->head;
    chunk.skipped_reason = skipped->reason;
    ++it_;
    if (framing_ != nullptr) {
      chunk.stands_alone = true;
      chunk.file_start = chunk.origin != previous_origin_;
      chunk.file_end =
          it_ == source_.end() ||
          !(((*it_).lines_pending() && (*it_).origin() == chunk.origin) || skipped_in(*it_, chunk));
      previous_origin_ = chunk.origin;
    }
    return true;
  }

  // `first_line` 0: the lines are not numbered yet; the worker numbers them, and only a chunk
  // at the start of its file knows its first line.
  static void number_by_worker(Chunk& chunk, std::uint64_t first_line) {
    chunk.first_line = first_line;
    if (first_line != 0) return;
    chunk.numbered_by_worker = true;
    if (chunk.offset == 0) chunk.first_line = 1;
  }

  BatchStream& source_;
  decltype(std::declval<BatchStream&>().begin()) it_;
  const ChunkFraming* framing_;
  std::shared_ptr<ChunkTexts> texts_ = std::make_shared<ChunkTexts>();
  const Origin* previous_origin_ = nullptr;
};

// Ends the run on every path out of run_parallel (end, exception, the consumer stopping early):
// declared after the workers, so it runs before their threads are joined.
struct FinishOnExit {
  Pool& pool;
  ~FinishOnExit() { pool.finish(); }
};

}  // namespace

BatchStream run_parallel(BatchStream source, std::vector<TransformFactory> prefix,
                         std::shared_ptr<const ChunkFraming> framing,
                         std::shared_ptr<const AggregateSplit> aggregate, unsigned threads,
                         bool number_late, ErrorPolicy& errors, std::size_t max_line) {
  // Chunks in flight: each worker's, one result each waiting for the consumer, and the next
  // one. Framed chunks' batches hold every field of every row (csv: 2 MiB or so each), so
  // they keep to one per worker and the next: 26 MB peak for the csv benchmark (copied chunks
  // then; 18 MB with ranges), where 2N+1 of them took 34 MB, at no measured cost in time.
  const std::uint64_t window =
      framing != nullptr ? std::uint64_t{threads} + 1 : 2 * std::uint64_t{threads} + 1;
  const std::size_t batches_per_chunk = framing != nullptr ? kBatchesPerFramedChunk : 1;
  Pool pool(number_late, window * batches_per_chunk, max_line, threads, framing != nullptr);
  // One partial state per worker (declared before the workers: they use it until joined).
  std::vector<std::unique_ptr<PartialAggregate>> partials;
  for (unsigned i = 0; aggregate != nullptr && i < threads; ++i) {
    partials.push_back(aggregate->make_partial());
  }
  std::vector<std::jthread> workers;
  for (unsigned i = 0; i < threads; ++i) {
    PartialAggregate* partial = aggregate != nullptr ? partials[i].get() : nullptr;
    workers.emplace_back([&pool, &prefix, framing = framing.get(), partial, &errors] {
      work(pool, prefix, framing, partial, errors);
    });
  }
  const FinishOnExit finish_on_exit{pool};
  std::uint64_t submitted = 0;
  std::uint64_t taken = 0;
  Chunker chunker(source, framing.get());
  bool source_done = false;
  std::uint64_t next_line = 1;  // late numbering: the number after the last chunk's lines
  for (;;) {
    while (!source_done && submitted - taken < window) {
      std::shared_ptr<Chunk> chunk = chunker.next(submitted);
      if (chunk == nullptr) {
        source_done = true;
        pool.close();
        break;
      }
      pool.submit(std::move(chunk));
      ++submitted;
    }
    if (taken == submitted) break;
    Result result = pool.take(taken++);
    const std::uint64_t shift = line_shift(result, next_line);
    HeldBadRecords::Mark reported;
    for (std::size_t i = 0; i < result.batches.size(); ++i) {
      result.bad_records.report_to(errors, shift, reported, result.held_before[i]);
      Batch& batch = result.batches[i];
      if (shift != 0) shift_line_numbers(batch, shift);
      co_yield batch;
    }
    result.bad_records.report_to(errors, shift, reported, result.bad_records.mark());
    if (result.error) rethrow_unless_held(result.error);
    pool.recycle(result.batches);  // the consumer asked for more: it is done with them
    pool.retire(std::move(result.chunk));
  }
  if (aggregate == nullptr) co_return;
  // Every chunk is in a partial state once the workers are out of their loops (they are: no
  // chunk is left, and none failed, or its error would have been thrown above).
  pool.wait_workers_done(threads);
  co_yield elements_of(aggregate->merge(std::move(partials)));
}

}  // namespace gpipe
