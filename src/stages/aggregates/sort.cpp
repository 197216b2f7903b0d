// `sort [F…] [-r] [-n] [--mem SIZE] [--tmp DIR] [--compress-temp WHEN] [--sep S]`: an external
// merge sort. Records are gathered in memory up to --mem, sorted, and spilled as runs to unnamed
// temporary files (sort_runs.hpp: stored, or compressed once past the page cache), then merged
// k ways; an input that fits is sorted in memory and never
// touches the disk. Before `head N` it keeps only its N best records (the planner says N).
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gpipe/errors.hpp"
#include "gpipe/owned_record.hpp"
#include "output/temp_files.hpp"
#include "stages/aggregates/sort_buffer.hpp"
#include "stages/aggregates/sort_keys.hpp"
#include "stages/aggregates/sort_merge.hpp"
#include "stages/aggregates/sort_runs.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

constexpr std::size_t kDefaultMemory = 256 * kMiB;
constexpr std::size_t kLeastMemory = 64 * kKiB;

struct SortSettings {
  std::vector<SortKey> keys;
  FieldSplitter splitter;
  std::size_t memory = kDefaultMemory;
  std::string directory;  // of the temporary files
  SpillCompression compression = SpillCompression::Auto;
  unsigned threads = 1;  // that sort at once
};

// The memory for records of a sort that may use `memory` bytes and merges `fan_in` runs at
// once: the readers of a merge take their share, the records the rest (at least half).
std::size_t record_memory(std::size_t memory, std::size_t fan_in) {
  const std::size_t readers = fan_in * kRunReaderBytes;
  return memory >= 2 * readers ? memory - readers : memory / 2;
}

// The parts of [0, size) that `threads` threads sort at once: consecutive, in input order, and
// one alone when there are too few records to be worth a thread.
std::vector<std::pair<std::size_t, std::size_t>> parts_of(std::size_t size, unsigned threads) {
  constexpr std::size_t kLeastPerThread = 16 * 1024;
  const std::size_t count = std::clamp<std::size_t>(size / kLeastPerThread, 1, threads);
  std::vector<std::pair<std::size_t, std::size_t>> parts;
  for (std::size_t i = 0; i < count; ++i) {
    parts.emplace_back(size * i / count, size * (i + 1) / count);
  }
  return parts;
}

// Calls work(i) for every i below `count`, at once: 0 on this thread, each other on a thread of
// its own. Rethrows the first exception any of them threw, once all have ended.
template <class Work>
void on_threads(std::size_t count, Work work) {
  std::vector<std::exception_ptr> errors(count);
  const auto guarded = [&](std::size_t i) {
    try {
      work(i);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < count; ++i) threads.emplace_back(guarded, i);
  guarded(0);
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

// Sorts the part [first, last) of `buffer` and writes it as a run.
Run write_run(RunBuffer& buffer, std::size_t first, std::size_t last, SpillPlace& place) {
  buffer.sort(first, last);
  RunWriter writer(place);
  buffer.write_to(writer, first, last);
  return writer.finish();
}

// The parts of a full buffer, sorted and written as runs by threads of their own, while the
// records that come next go into the other buffer.
class BackgroundSpill {
 public:
  BackgroundSpill(RunBuffer& buffer, SpillPlace& place, unsigned threads)
      : parts_(parts_of(buffer.size(), threads)), runs_(parts_.size()), errors_(parts_.size()) {
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      threads_.emplace_back([this, &buffer, &place, i] {
        try {
          runs_[i] = write_run(buffer, parts_[i].first, parts_[i].second, place);
        } catch (...) {
          errors_[i] = std::current_exception();
        }
      });
    }
  }
  ~BackgroundSpill() { join(); }
  BackgroundSpill(const BackgroundSpill&) = delete;
  BackgroundSpill& operator=(const BackgroundSpill&) = delete;

  // The runs, in input order, once all are written. Rethrows what a thread threw.
  std::vector<Run> wait() {
    join();
    for (const std::exception_ptr& error : errors_) {
      if (error) std::rethrow_exception(error);
    }
    std::vector<Run> runs;
    for (std::optional<Run>& run : runs_) runs.push_back(std::move(*run));
    return runs;
  }

 private:
  void join() {
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

  std::vector<std::pair<std::size_t, std::size_t>> parts_;
  std::vector<std::optional<Run>> runs_;
  std::vector<std::exception_ptr> errors_;
  std::vector<std::thread> threads_;
};

// Records gathered in memory and spilled in sorted runs to temporary files when they outgrow
// it; at the end, the runs and what memory still holds merged. A full buffer is cut into one
// part per thread, each sorted and written as a run of its own. With more than one thread,
// memory holds two buffers of half the size: while the threads write one, records go on into
// the other, so reading the input overlaps sorting and compressing.
class ExternalSorter {
 public:
  explicit ExternalSorter(const SortSettings& settings)
      : fan_in_(merge_fan_in(settings.memory)),
        threads_(settings.threads),
        place_(settings.directory, settings.compression),
        runs_(fan_in_, place_) {
    const std::size_t memory = record_memory(settings.memory, fan_in_);
    if (threads_ == 1) {
      buffers_.emplace_back(memory);
    } else {
      buffers_.emplace_back(memory / 2);
      buffers_.emplace_back(memory / 2);
    }
  }

  void add(Batch& batch, const Record& record, const std::shared_ptr<const Origin>& origin,
           SortKeyMaker& keys) {
    buffers_[filling_].add(batch, record, origin, keys, origins_);
    if (buffers_[filling_].full()) spill();
  }
  void add(const OwnedRecord& record, std::string_view key, bool key_is_text) {
    buffers_[filling_].add(record, key, key_is_text, origins_);
    if (buffers_[filling_].full()) spill();
  }

  // The records in order: the first `limit` of them.
  BatchStream sorted(std::uint64_t limit) {
    finish_spill();
    RunBuffer& buffer = buffers_[filling_];
    const auto parts = parts_of(buffer.size(), threads_);
    on_threads(parts.size(), [&](std::size_t i) { buffer.sort(parts[i].first, parts[i].second); });
    // As many runs as leave a reader for each part in memory.
    std::vector<Run> runs = runs_.take(std::max<std::size_t>(fan_in_ - parts.size(), 1));
    if (!runs.empty()) {
      spdlog::debug("sort: merging {} runs with the {} records in memory", runs.size(),
                    buffer.size());
    }
    // Destroyed in reverse: the merge's thread, then the prefetcher's, then the readers.
    std::vector<std::unique_ptr<MergeSource>> owned;
    const RunDecompressor decompressor;
    std::optional<BlockPrefetcher> prefetcher;
    if (threads_ > 1 && !runs.empty()) prefetcher.emplace();
    for (Run& run : runs) {
      owned.push_back(prefetcher ? std::make_unique<RunReader>(std::move(run), *prefetcher)
                                 : std::make_unique<RunReader>(std::move(run), decompressor.get()));
    }
    // The buffer holds the latest records: it comes last, so that equal keys keep input order.
    for (const auto& [first, last] : parts) {
      owned.push_back(std::make_unique<BufferSource>(buffer, first, last));
    }
    std::vector<MergeSource*> sources;
    for (const auto& source : owned) sources.push_back(source.get());
    // The merge gets a thread of its own only beside two others: on two cores, where the
    // prefetcher and the output's reader already take their share, handing each buffer to
    // another thread cost more CPU than the overlap saved (docs/performance.md, "Sort: the
    // final merge on the consumer's thread").
    MergedRecords merged(std::move(sources), threads_ > 2);
    co_yield elements_of(emit_merged(merged, origins_, limit));
  }

 private:
  void spill() {
    RunBuffer& full = buffers_[filling_];
    if (buffers_.size() == 1) {
      const auto parts = parts_of(full.size(), threads_);
      std::vector<std::optional<Run>> runs(parts.size());
      on_threads(parts.size(), [&](std::size_t i) {
        runs[i] = write_run(full, parts[i].first, parts[i].second, place_);
      });
      for (std::optional<Run>& run : runs) keep(std::move(*run));
      full.clear();
      return;
    }
    finish_spill();
    spilling_.emplace(full, place_, threads_);
    filling_ = 1 - filling_;
  }

  // Waits for the buffer being written, and empties it.
  void finish_spill() {
    if (!spilling_) return;
    std::vector<Run> runs = spilling_->wait();
    spilling_.reset();
    for (Run& run : runs) keep(std::move(run));
    buffers_[1 - filling_].clear();
  }

  void keep(Run run) {
    spdlog::debug("sort: a run of {} records written to a temporary file in {} ({} bytes)",
                  run.records, place_.directory(), run.file.size());
    runs_.push(std::move(run));
  }

  std::size_t fan_in_;
  unsigned threads_;
  OriginTable origins_;
  std::vector<RunBuffer> buffers_;  // one, or two taking turns
  std::size_t filling_ = 0;
  SpillPlace place_;
  RunStack runs_;
  // Declared last: destroyed first, it waits for its threads while the buffer they write is
  // still there.
  std::optional<BackgroundSpill> spilling_;
};

// `sort | head N`: the N best records so far, in a heap whose top is the worst of them, so a
// record that does not beat it is dropped at the cost of one comparison of keys. Of equal keys
// the earlier record is the better, so the result is that of a stable sort, cut at N.
class TopRecords {
 public:
  explicit TopRecords(std::uint64_t limit) : limit_(limit) {}

  void add(Batch& batch, const Record& record, const std::shared_ptr<const Origin>& origin,
           SortKeyMaker& keys) {
    const std::uint64_t sequence = next_sequence_++;
    if (limit_ == 0) return;
    const bool key_is_text = keys.key_is_text(record);
    scratch_.clear();
    if (!key_is_text) keys.append_key(batch, record, scratch_);
    const std::string_view key = key_is_text ? record.text : std::string_view(scratch_);
    if (kept_.size() < limit_) {
      kept_.emplace_back();
      keep(kept_.size() - 1, batch, record, origin, key_is_text, sequence);
      heap_.push_back(kept_.size() - 1);
      sift_up(heap_.size() - 1);
      return;
    }
    // Not better than the worst kept: dropped (an equal key came later, so it is worse).
    if (compare_keys(key, key_of(heap_.front())) >= 0) return;
    keep(heap_.front(), batch, record, origin, key_is_text, sequence);
    sift_down(0);
  }

  std::size_t bytes() const { return bytes_ + kept_.capacity() * sizeof(Kept); }

  // The kept records, best first.
  BatchStream sorted() {
    std::vector<std::size_t> order = by(&TopRecords::better);
    std::vector<OwnedRecord> records(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) std::swap(records[i], kept_[order[i]].record);
    co_yield elements_of(emit_owned_records(records));
  }

  // Hands the kept records to `sorter` in input order, and keeps none.
  void move_to(ExternalSorter& sorter) {
    for (std::size_t slot : by(&TopRecords::earlier)) {
      const Kept& kept = kept_[slot];
      sorter.add(kept.record, kept.key, kept.key_is_text);
    }
    kept_.clear();
    heap_.clear();
    bytes_ = 0;
  }

 private:
  struct Kept {
    OwnedRecord record;
    std::string key;
    std::uint64_t sequence = 0;
    bool key_is_text = false;
  };

  // Copies the record, with its key (made in scratch_), into `slot`.
  void keep(std::size_t slot, Batch& batch, const Record& record,
            const std::shared_ptr<const Origin>& origin, bool key_is_text, std::uint64_t sequence) {
    Kept& kept = kept_[slot];
    bytes_ -= kept.record.heap_bytes() + kept.key.capacity();
    kept.record.assign(batch, record, origin);
    kept.key_is_text = key_is_text;
    if (!key_is_text) kept.key.assign(scratch_);
    kept.sequence = sequence;
    bytes_ += kept.record.heap_bytes() + kept.key.capacity();
  }

  std::string_view key_of(std::size_t slot) const {
    const Kept& kept = kept_[slot];
    return kept.key_is_text ? kept.record.text() : std::string_view(kept.key);
  }
  bool better(std::size_t a, std::size_t b) const {
    const int order = compare_keys(key_of(a), key_of(b));
    return order != 0 ? order < 0 : kept_[a].sequence < kept_[b].sequence;
  }
  bool earlier(std::size_t a, std::size_t b) const { return kept_[a].sequence < kept_[b].sequence; }
  // The slots, ordered by `first` (better or earlier).
  std::vector<std::size_t> by(bool (TopRecords::*first)(std::size_t, std::size_t) const) const {
    std::vector<std::size_t> order(kept_.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return (this->*first)(a, b); });
    return order;
  }

  // A max-heap of slots: the worst record on top.
  void sift_up(std::size_t at) {
    while (at != 0) {
      const std::size_t parent = (at - 1) / 2;
      if (!better(heap_[parent], heap_[at])) return;
      std::swap(heap_[parent], heap_[at]);
      at = parent;
    }
  }
  void sift_down(std::size_t at) {
    const std::size_t size = heap_.size();
    while (true) {
      const std::size_t left = 2 * at + 1;
      if (left >= size) return;
      std::size_t worst = left;
      if (left + 1 < size && better(heap_[left], heap_[left + 1])) worst = left + 1;
      if (!better(heap_[at], heap_[worst])) return;
      std::swap(heap_[at], heap_[worst]);
      at = worst;
    }
  }

  std::uint64_t limit_;
  std::uint64_t next_sequence_ = 0;
  std::vector<Kept> kept_;
  std::vector<std::size_t> heap_;
  std::string scratch_;
  std::size_t bytes_ = 0;
};

// The whole sort: every record of the input, then all of them in order. With a limit (head N
// after it), only the best N are kept, in memory, until they outgrow --mem: then they and the
// records after them are sorted as without a limit.
BatchStream sort_records(BatchStream in, std::shared_ptr<const SortSettings> settings,
                         std::optional<std::uint64_t> limit) {
  SortKeyMaker keys(settings->keys, settings->splitter);
  ExternalSorter sorter(*settings);
  std::optional<TopRecords> top;
  if (limit) top.emplace(*limit);
  {
    // The upstream lives in this scope only: once the input has ended, its buffers and files
    // are released before the merge.
    BatchStream upstream = std::move(in);
    OriginKeeper origins;
    for (Batch& batch : upstream) {
      const std::shared_ptr<const Origin>& origin = origins.keep(batch.origin());
      for (const Record& record : batch.records()) {
        if (!top) {
          sorter.add(batch, record, origin, keys);
          continue;
        }
        top->add(batch, record, origin, keys);
        if (top->bytes() >= settings->memory) {
          spdlog::debug("sort: the {} records before head outgrow --mem: sorting them all", *limit);
          top->move_to(sorter);
          top.reset();
        }
      }
    }
  }
  // (Two statements: g++ 12 destroyed the generator of a conditional expression twice here.)
  if (top) {
    co_yield elements_of(top->sorted());
  } else {
    co_yield elements_of(sorter.sorted(limit.value_or(UINT64_MAX)));
  }
}

// -r and -n apply to the key after them; with no key, to the whole record.
std::vector<SortKey> read_keys(StageArgs& args, Context& ctx) {
  std::vector<SortKey> keys;
  SortKey next;
  std::optional<Argument> pending;  // the last -r or -n not yet followed by its key
  for (const Argument& arg : args.rest_in_order()) {
    if (arg.kind != Argument::Kind::Option) {
      next.field = args.needed_field(arg, ctx.demand);
      keys.push_back(next);
      next = SortKey();
      pending.reset();
    } else if (arg.text == "-r" || arg.text == "--reverse") {
      next.descending = true;
      pending = arg;
    } else if (arg.text == "-n" || arg.text == "--numeric") {
      next.numeric = true;
      pending = arg;
    } else {
      args.fail(arg, "unknown option '" + arg.text + "' for 'sort'");
    }
  }
  if (keys.empty()) return {next};  // the whole record
  if (pending) {
    args.fail(*pending, "'" + pending->text +
                            "' applies to the key after it, and none follows (sort " +
                            pending->text + " F)");
  }
  return keys;
}

std::string read_directory(StageArgs& args) {
  const std::optional<Argument> tmp = args.option({"--tmp"});
  if (!tmp) return default_temp_directory();
  struct stat info {};
  if (::stat(tmp->text.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    args.fail(*tmp, "--tmp needs a directory, and '" + tmp->text + "' is not one");
  }
  if (::access(tmp->text.c_str(), W_OK | X_OK) != 0) {
    args.fail(*tmp, "--tmp: cannot write in '" + tmp->text + "'");
  }
  return tmp->text;
}

SpillCompression read_compression(StageArgs& args) {
  const std::optional<Argument> when = args.option({"--compress-temp"});
  if (!when || when->text == "auto") return SpillCompression::Auto;
  if (when->text == "always") return SpillCompression::Always;
  if (when->text == "never") return SpillCompression::Never;
  args.fail(*when, "--compress-temp is auto, always or never, not '" + when->text + "'");
}

BuiltStage build(StageArgs& args, Context& ctx) {
  auto settings = std::make_shared<SortSettings>();
  if (const auto separator = args.separator_option()) {
    settings->splitter = FieldSplitter(separator->text);
  }
  if (const auto memory = args.option({"--mem"})) {
    settings->memory = args.size_argument(*memory);
    if (settings->memory < kLeastMemory) {
      args.fail(*memory, "--mem must be at least 64KiB, got '" + memory->text + "'");
    }
  }
  settings->directory = read_directory(args);
  settings->compression = read_compression(args);
  // -j N, else every core, but at most a few: the merge reads a run per thread of each spill.
  constexpr unsigned kMostThreads = 8;
  const unsigned threads =
      ctx.options.threads != 0 ? ctx.options.threads : std::thread::hardware_concurrency();
  settings->threads = std::clamp(threads, 1u, kMostThreads);
  settings->keys = read_keys(args, ctx);
  BuiltStage built;
  built.transform = [settings](BatchStream in) {
    return sort_records(std::move(in), settings, std::nullopt);
  };
  built.transform_first = [settings](BatchStream in, std::uint64_t n) {
    return sort_records(std::move(in), settings, n);
  };
  return built;
}

}  // namespace

const StageInfo kSort{
    .name = "sort",
    .role = StageRole::Transform,
    .synopsis = "sort [[-r] [-n] F…] [--mem SIZE] [--tmp DIR] [--compress-temp WHEN] [--sep S]",
    .summary = "sorts records, spilling to temporary files beyond --mem",
    .details =
        "Sorts records by the keys F… (positions or names, as in `field`; --sep S to split text\n"
        "on S), the first key first. The sort is stable: records with equal keys keep their\n"
        "input order. Records come out whole, as they went in: a JSON line as written, a CSV\n"
        "row with its columns and header, with their _file, _line and _offset.\n"
        "\n"
        "A key compares as text, byte for byte (as LC_ALL=C sort does). -n before a key compares\n"
        "it as a number: a decimal with an optional sign, fraction and exponent, blanks around\n"
        "it allowed (not hex, inf or nan), as a double, and integers beyond 2^53 exactly, up to\n"
        "64 bits. Numbers come first, then values that are not numbers (in text order), then\n"
        "records where the key is missing or null. -r before a key reverses it (-rn: both):\n"
        "`sort -r 1 -n 3` is key 1 descending as text, then key 3 ascending as a number. Missing\n"
        "and null values come last in either direction, so `sort -r -n F | head` gives the\n"
        "largest numbers.\n"
        "\n"
        "With no F, the whole record is the key: a line or a JSON value by its text (so `sort`\n"
        "of lines equals LC_ALL=C sort -s), a record of fields (a CSV row, kv pairs) by its\n"
        "values in order; `sort -r` and `sort -n` apply to it.\n"
        "\n"
        "Records are held in memory up to --mem (default 256MiB, at least 64KiB), then sorted\n"
        "and written to temporary files in --tmp DIR (default $TMPDIR, else /tmp); at the end\n"
        "they are merged, 8 to 128 files at a time, the number --mem allows. The files have no\n"
        "name: nothing is left behind, whatever ends the run. --compress-temp auto (the\n"
        "default) writes them as they are while they fit in half the memory the system has\n"
        "available (and a quarter of the free space in DIR), where the page cache holds them\n"
        "and compressing costs more than it saves, and compressed with zstd after (always or\n"
        "never to choose). With -j N (default: the cores, at most 8) N threads sort and write,\n"
        "while the input goes on into a second half of --mem, and the merge reads on a thread\n"
        "of its own; -j 1 sorts on one thread. Before `head N`, sort keeps only its N best\n"
        "records, in memory, and writes no file.\n"
        "\n"
        "  read sample-data/access.log | sort -r -n 9 | head 3\n"
        "  read sample-data/users.csv | csv | sort country name\n"
        "  read sample-data/tweets.jsonl | json | sort -r -n retweet_count | head 2",
    .build = build,
    .memory = MemoryUse::Bounded,
    .memory_bound = "--mem (default 256MiB), then temporary files",
};

}  // namespace gpipe::stages
