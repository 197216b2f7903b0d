// The records of `sort` as bytes, the runs on disk, and the merge of sorted runs.
//
// A record `sort` holds is a unit of bytes, the same in memory and on disk: its sort key, then
// the record in the byte form of OwnedRecord (write_to, read_from), whole. A run is units in
// sorted order, written into blocks of about kRunBlockBytes, each compressed alone with zstd
// (its checksum on) or stored as it is (with a checksum of its own: SpillPlace decides), in an
// unnamed temporary file (output/temp_files.hpp: nothing is left behind on any exit). A reader
// holds one block of its run at a time, so a merge of many runs needs little memory; merging runs
// into a run copies units, and never makes a record of them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gpipe/owned_record.hpp"
#include "gpipe/record.hpp"
#include "output/temp_files.hpp"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace gpipe::stages {

// A unit: a varint (0 when the record's text is its key, else the key's size + 1), the key, a
// varint (the size of the record's bytes), the record's bytes.
struct Unit {
  std::string_view bytes;   // the whole unit
  std::string_view key;     // the record's text when it is the key
  std::string_view record;  // OwnedRecord bytes
};

// The size of a unit of a record's bytes `record` and its key (none if the text is the key).
std::size_t unit_size(std::string_view key, bool key_is_text, std::string_view record);
// Writes a unit at `out`, which has unit_size() bytes.
void write_unit(char* out, std::string_view key, bool key_is_text, std::string_view record);
// Reads the unit at the start of `in`; throws IoError when it is not a whole one.
Unit read_unit(std::string_view in);

inline constexpr std::size_t kRunBlockBytes = 64 * 1024;
// A block on disk: the size of its bytes on disk (with kStoredBlock set when they are the
// block's bytes as they are, not compressed), its size, and the XXH3 hash of a stored block's
// bytes (8 bytes each); then the bytes.
inline constexpr std::size_t kRunBlockHeaderBytes = 24;
inline constexpr std::uint64_t kStoredBlock = std::uint64_t{1} << 63;

// Whether the blocks of a sort's runs are compressed: `auto` stores them as they are while the
// runs written fit in the page cache (see SpillPlace), and compresses after.
enum class SpillCompression { Auto, Always, Never };

// Where a sort's runs go, and whether each block is compressed. Compressing a block and reading
// it back costs more CPU than writing and reading it as it is while the page cache holds the
// file; past memory, the runs go to the disk, where fewer bytes are faster and take less room.
// So `auto` stores blocks as they are until the runs written add up to half the memory the
// system had available when the sort began (a quarter of the free space of the directory if
// that is less), and compresses every block after.
class SpillPlace {
 public:
  SpillPlace(std::string directory, SpillCompression compression);
  const std::string& directory() const { return directory_; }
  // Whether the next block, of `bytes`, is to be compressed. Threads may ask at once.
  bool compress_next(std::size_t bytes);

 private:
  std::string directory_;
  SpillCompression compression_;
  std::atomic<std::uint64_t> stored_bytes_left_{0};
};
// What a reader of a run holds: a block as read, as decompressed, and the next one decompressed
// ahead (a block that holds one larger record is larger).
inline constexpr std::size_t kRunReaderBytes = 3 * kRunBlockBytes;

struct Run {
  UnnamedTempFile file;
  std::uint64_t records = 0;
};

// Units in order, as a merge takes them from one of its sources.
class MergeSource {
 public:
  virtual ~MergeSource() = default;
  // Moves to the next unit; false when there is none left. The unit before is gone.
  virtual bool next() = 0;
  const Unit& unit() const { return unit_; }
  // The key's first 24 bytes, 8 at a time, as numbers that order as the bytes do (key_prefix):
  // log lines that begin with a timestamp share their first 16 bytes within a minute.
  static constexpr std::size_t kPrefixes = 3;
  std::uint64_t prefix(std::size_t i) const { return prefixes_[i]; }

 protected:
  void set(const Unit& unit);

 private:
  Unit unit_;
  std::uint64_t prefixes_[kPrefixes] = {};
};

// Writes a run: units in order.
class RunWriter {
 public:
  explicit RunWriter(SpillPlace& place);
  ~RunWriter();
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;

  void add(std::string_view unit);
  Run finish();

 private:
  // The bytes of the open block (0 when none is open).
  std::size_t block_size() const;
  void write_block();
  void flush();

  Run run_;
  SpillPlace& place_;
  ZSTD_CCtx_s* context_;
  // Blocks with their headers, ready to be written to the file in few writes; the last may be
  // the open block, from block_at_ (its header's room, then its units).
  std::string pending_;
  std::size_t block_at_ = 0;
  bool block_open_ = false;
  std::string compressed_;  // a block compressed, before it goes into pending_
};

// A decompression context for the readers of one merge, which read in turn.
class RunDecompressor {
 public:
  RunDecompressor();
  ~RunDecompressor();
  RunDecompressor(const RunDecompressor&) = delete;
  RunDecompressor& operator=(const RunDecompressor&) = delete;
  ZSTD_DCtx_s* get() const { return context_; }

 private:
  ZSTD_DCtx_s* context_;
};

class BlockPrefetcher;

// Reads a run back, one unit after the other.
class RunReader final : public MergeSource {
 public:
  // Decompresses with `context` as it reads.
  RunReader(Run run, ZSTD_DCtx_s* context);
  // Has `prefetcher` read and decompress each block while it reads the one before.
  RunReader(Run run, BlockPrefetcher& prefetcher);
  bool next() override;

 private:
  friend class BlockPrefetcher;
  bool next_block();
  // Reads the next block of the file into `into`; false at the end of the file.
  bool read_block(std::string& into, ZSTD_DCtx_s* context);

  Run run_;
  ZSTD_DCtx_s* context_ = nullptr;
  BlockPrefetcher* prefetcher_ = nullptr;
  std::uint64_t file_offset_ = 0;           // of the next block
  char header_[kRunBlockHeaderBytes] = {};  // the next block's, read with the block before it
  std::string compressed_;
  std::string block_;
  std::size_t block_offset_ = 0;
  // With a prefetcher: the block after block_, and what became of asking for it. While a
  // request is pending, the prefetcher's thread has the file's state and spare_.
  std::string spare_;
  bool requested_ = false;
  bool pending_ = false;
  bool spare_full_ = false;
  std::exception_ptr error_;
};

// Reads and decompresses the next block of each run a merge reads, on a thread of its own,
// while the merge works on the blocks before: the merge's thread only merges.
class BlockPrefetcher {
 public:
  BlockPrefetcher();
  // Stops the thread. Destroy it before its readers.
  ~BlockPrefetcher();
  BlockPrefetcher(const BlockPrefetcher&) = delete;
  BlockPrefetcher& operator=(const BlockPrefetcher&) = delete;

  // Asks for the reader's next block, into its spare.
  void request(RunReader& reader);
  // Waits for the reader's request; rethrows what reading it threw.
  void wait(RunReader& reader);

 private:
  void run();

  RunDecompressor decompressor_;
  std::mutex mutex_;
  std::condition_variable requested_;  // the thread waits for a request
  std::condition_variable finished_;   // the merge waits for its block
  std::deque<RunReader*> queue_;
  bool stop_ = false;
  std::thread thread_;
};

// The k-way merge: the sources' units in the order of their keys; of equal keys, the unit of
// the source listed first (sources are listed in input order: the merge is stable). A loser
// tree: each unit taken costs one comparison per level of the tree, half what a binary heap
// costs.
class Merge {
 public:
  // Starts the sources (next() on each); those without a unit are left out.
  explicit Merge(std::vector<MergeSource*> sources);

  bool done() const { return sources_.empty() || !live_[winner_]; }
  // The source whose unit comes next. Call advance() once its unit is taken.
  const MergeSource& top() const { return *sources_[winner_]; }
  void advance();

 private:
  // Whether source a's unit comes before source b's: a source that has ended comes after all.
  bool before(std::size_t a, std::size_t b) const;

  std::vector<MergeSource*> sources_;
  std::vector<char> live_;           // per source: it still has a unit
  std::vector<std::size_t> losers_;  // per inner node 1..k-1: the source that lost there
  std::size_t winner_ = 0;
};

// The number of runs merged at once, for a sort that may use `memory` bytes: readers take
// kRunReaderBytes each, and an eighth of the memory goes to them; at least 8, at most 128 runs
// (open descriptors stay few).
std::size_t merge_fan_in(std::size_t memory);

// Merges runs (in input order) into one run.
Run merge_runs(std::vector<Run> runs, SpillPlace& place);

// The runs on disk, in input order, merged as they come so that few files are open at once:
// when the last `fan_in` runs are of one level (0: written from memory; L + 1: merged from runs
// of level L), they become one run of the next level. Each record is written about
// log(runs)/log(fan_in) times, and at most fan_in - 1 runs of each level are open.
class RunStack {
 public:
  RunStack(std::size_t fan_in, SpillPlace& place);

  void push(Run run);
  std::size_t size() const { return runs_.size(); }
  // All the runs, in input order, merged (consecutive ones, in passes) down to at most `most`.
  std::vector<Run> take(std::size_t most);

 private:
  struct LeveledRun {
    Run run;
    unsigned level = 0;
  };

  std::size_t fan_in_;
  SpillPlace& place_;
  std::vector<LeveledRun> runs_;
};

}  // namespace gpipe::stages
