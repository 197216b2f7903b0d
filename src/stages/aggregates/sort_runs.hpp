// The runs of `sort` on disk, and the merge of sorted runs.
//
// A run is records in sorted order, each with its sort key (none when the key is the record's
// text), written as OwnedRecord bytes into blocks of about kRunBlockBytes, each compressed alone
// with zstd (its checksum on), in an unnamed temporary file (output/temp_files.hpp: nothing is
// left behind on any exit). A reader holds one block of its run at a time, so a merge of many
// runs needs little memory beside the records it emits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/owned_record.hpp"
#include "gpipe/record.hpp"
#include "output/temp_files.hpp"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace gpipe::stages {

inline constexpr std::size_t kRunBlockBytes = 64 * 1024;
// What a reader of a run holds: a block as read and as decompressed (a block that holds one
// larger record is larger).
inline constexpr std::size_t kRunReaderBytes = 2 * kRunBlockBytes;

struct Run {
  UnnamedTempFile file;
  std::uint64_t records = 0;
};

// A record and its sort key, as a merge takes them from one of its sources.
class MergeSource {
 public:
  virtual ~MergeSource() = default;
  // Moves to the next record; false when there is none left.
  virtual bool next() = 0;
  // The current record's sort key: `key_is_text` says it is the record's text.
  std::string_view key() const { return key_is_text_ ? record_->text() : key_; }
  bool key_is_text() const { return key_is_text_; }
  std::uint64_t prefix() const { return prefix_; }
  // The current record. A merge may swap it out (for a record of the same type whose storage the
  // source then reuses): the source must not need it after next().
  OwnedRecord& record() const { return *record_; }

 protected:
  std::string_view key_;
  std::uint64_t prefix_ = 0;
  OwnedRecord* record_ = nullptr;
  bool key_is_text_ = false;
};

// Writes a run: records in order, with their keys.
class RunWriter {
 public:
  RunWriter(const std::string& directory, OriginTable& origins);
  ~RunWriter();
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;

  void add(std::string_view key, bool key_is_text, const OwnedRecord& record);
  Run finish();

 private:
  void write_block();

  Run run_;
  OriginTable& origins_;
  ZSTD_CCtx_s* context_;
  std::string block_;
  std::string compressed_;
};

// Reads a run back, one record after the other.
class RunReader final : public MergeSource {
 public:
  // `context` decompresses; one serves every reader of a merge, as they read in turn.
  RunReader(Run run, const OriginTable& origins, ZSTD_DCtx_s* context);
  bool next() override;

 private:
  bool read_block();

  Run run_;
  const OriginTable& origins_;
  ZSTD_DCtx_s* context_;
  std::uint64_t file_offset_ = 0;
  std::string compressed_;
  std::string block_;
  std::size_t block_offset_ = 0;
  OwnedRecord current_;
};

// A decompression context for the readers of one merge.
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

// The k-way merge: the sources' records in the order of their keys; of equal keys, the record of
// the source listed first (sources are listed in input order: the merge is stable).
class Merge {
 public:
  // The sources must have been started (next() called once): those that are empty are dropped.
  explicit Merge(std::vector<MergeSource*> sources);

  bool done() const { return heap_.empty(); }
  // The source whose record comes next. Call advance() once its record is taken.
  MergeSource& top() const { return *sources_[heap_.front()]; }
  void advance();

 private:
  bool before(std::size_t a, std::size_t b) const;
  void sift_down(std::size_t at);

  std::vector<MergeSource*> sources_;
  std::vector<std::size_t> heap_;  // indexes of sources_ with a record, a binary min-heap
};

// The number of runs merged at once, for a sort that may use `memory` bytes: readers take
// kRunReaderBytes each, and an eighth of the memory goes to them; at least 8, at most 128 runs
// (open descriptors stay few).
std::size_t merge_fan_in(std::size_t memory);

// Merges runs (in input order) into one run.
Run merge_runs(std::vector<Run> runs, const std::string& directory, OriginTable& origins);

// The runs on disk, in input order, merged as they come so that few files are open at once:
// when the last `fan_in` runs are of one level (0: written from memory; L + 1: merged from runs
// of level L), they become one run of the next level. Each record is written about
// log(runs)/log(fan_in) times, and at most fan_in - 1 runs of each level are open.
class RunStack {
 public:
  RunStack(std::size_t fan_in, std::string directory, OriginTable& origins);

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
  std::string directory_;
  OriginTable& origins_;
  std::vector<LeveledRun> runs_;
};

}  // namespace gpipe::stages
