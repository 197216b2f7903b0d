// The records `sort` holds in memory: a run being gathered, sorted when memory is full (then
// written to disk) or when the input ends (then emitted, or merged with the runs on disk).
//
// Each record is kept whole as a unit (sort_runs.hpp: its sort key, made once, then its
// OwnedRecord bytes), in blocks of memory that are reused from run to run, so that gathering a
// run allocates nothing once warm; a unit is a record's text plus a dozen bytes, with no object
// or allocation of its own. The sort moves small entries (the key's first 16 bytes as numbers,
// where the unit is), not records, and spilling copies units into blocks as they are. Every
// byte held is counted, so that the stage stays within --mem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/owned_record.hpp"
#include "gpipe/record.hpp"
#include "stages/aggregates/sort_keys.hpp"
#include "stages/aggregates/sort_memory.hpp"
#include "stages/aggregates/sort_runs.hpp"

namespace gpipe::stages {

class RunBuffer {
 public:
  // A buffer that holds at most about `limit` bytes.
  explicit RunBuffer(std::size_t limit);

  std::size_t size() const { return entry_count_; }
  bool empty() const { return entry_count_ == 0; }
  // Whether it has reached its limit: the run is to be written out before a record more.
  bool full() const { return full_; }
  // The bytes held: the blocks of units and the entries.
  std::size_t bytes() const;
  // The bytes kept in memory, those of earlier runs included: at most the limit and a
  // sixteenth (and a block or a page of entries being added).
  std::size_t resident_bytes() const;

  // Adds `record`, with its key made by `keys` and its origin numbered in `origins`.
  void add(Batch& batch, const Record& record, const std::shared_ptr<const Origin>& origin,
           SortKeyMaker& keys, OriginTable& origins);
  // Adds a kept record with its key (`key_is_text`: its text is its key).
  void add(const OwnedRecord& record, std::string_view key, bool key_is_text, OriginTable& origins);

  // Sorts the units [first, last) (in the order they were added) by key, and units of equal
  // keys in the order they were added. Parts that do not overlap may be sorted at once on
  // several threads; each is then a run of its own.
  void sort(std::size_t first, std::size_t last);
  // After sort(): the i-th unit in order, of a part that ends at `last`.
  Unit unit(std::size_t i, std::size_t last) const;
  // Writes the units [first, last), in order, to `writer`.
  void write_to(RunWriter& writer, std::size_t first, std::size_t last) const;
  // Empties the buffer for the next run; its blocks are kept.
  void clear();

 private:
  struct Entry {
    // The key's first 16 bytes (at the depth being sorted), as numbers that order as they do.
    std::uint64_t prefix = 0;
    std::uint64_t next_prefix = 0;
    const char* unit = nullptr;
    std::uint32_t unit_size = 0;
    std::uint32_t key_offset = 0;  // from the unit's start
    std::uint32_t key_size = 0;
    std::uint32_t index = 0;  // the order in which it was added
  };

  // Adds the entry of the unit of `size` bytes at `unit`, whose key, at `key_offset` in it or
  // elsewhere while this runs, is `key`.
  void add_entry(const char* unit, std::size_t size, std::size_t key_offset, std::string_view key);
  // Room for `size` bytes in the blocks: the current block, a fresh one, or one of its own for a
  // unit larger than a block.
  char* allocate(std::size_t size);
  // The entries, in entry_area_.
  Entry* entries() const { return reinterpret_cast<Entry*>(entry_area_.data()); }
  static std::size_t entry_room(std::size_t limit);
  static MappedArea entry_area(std::size_t limit);
  // Gives back blocks no unit of this run is in, or entry pages past this run's entries, while
  // what is kept outgrows the limit (over_limit).
  bool over_limit() const;
  void give_back_spare_blocks();
  void give_back_spare_entries();
  static void sort_from(Entry* first, Entry* last, std::size_t depth);
  static void set_prefixes(Entry& entry, std::string_view key);
  // Asks for the unit a few after the i-th (of a part that ends at `last`) to be read into the
  // cache.
  void prefetch(std::size_t i, std::size_t last) const;

  std::size_t limit_;
  std::size_t block_size_;
  std::vector<MappedArea> blocks_;              // kept from run to run
  std::size_t block_ = 0;                       // the block being filled
  std::size_t block_used_ = 0;                  // its bytes used
  std::vector<std::unique_ptr<char[]>> large_;  // units larger than a block, freed by clear()
  std::size_t large_bytes_ = 0;
  MappedArea entry_area_;
  std::size_t entry_count_ = 0;
  std::size_t entry_capacity_;
  std::size_t entries_touched_ = 0;  // the bytes of entries written in this run or an earlier
  std::string scratch_;              // a kept record's bytes before they become a unit
  std::string key_;                  // and its key
  bool full_ = false;
};

// A merge source of a sorted buffer's units.
class BufferSource final : public MergeSource {
 public:
  // The units [first, last), sorted.
  BufferSource(const RunBuffer& buffer, std::size_t first, std::size_t last)
      : buffer_(buffer), next_(first), last_(last) {}
  bool next() override;

 private:
  const RunBuffer& buffer_;
  std::size_t next_;
  std::size_t last_;
};

}  // namespace gpipe::stages
