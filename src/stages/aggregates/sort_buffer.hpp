// The records `sort` holds in memory: a run being gathered, sorted when memory is full (then
// written to disk) or when the input ends (then emitted, or merged with the runs on disk).
//
// Records are kept whole as OwnedRecords in slots that are reused from run to run, so a warm
// slot takes a record without allocating; each record's sort key is made once, into one buffer
// of keys, and the sort moves small entries (the key's first 8 bytes as a number, where the key
// is, the slot), not records. What it holds is counted as it grows: the records' bytes and
// objects, the keys and the entries, so that the stage stays within --mem.
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
#include "stages/aggregates/sort_runs.hpp"

namespace gpipe::stages {

class RunBuffer {
 public:
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // The bytes the records of this run take: their slots (with the storage each holds), keys
  // and entries. A run is full when they reach the limit.
  std::size_t bytes() const;
  // The bytes held: bytes(), and the storage kept warm for the rest of the run in the slots an
  // earlier, longer run used.
  std::size_t held_bytes() const;
  // Frees the storage of the slots this run has not reached: held_bytes() comes down to
  // bytes() (and the spare capacity of the keys and entries).
  void release_spare_slots();

  // Copies `record` into the next slot, with its key made by `keys`.
  void add(Batch& batch, const Record& record, const std::shared_ptr<const Origin>& origin,
           SortKeyMaker& keys);
  // Takes `record` (swapped with a slot's), with its key (`key_is_text`: its text is its key).
  void adopt(OwnedRecord& record, std::string_view key, bool key_is_text);

  // Sorts the entries by key, and records of equal keys in the order they were added.
  void sort();
  // After sort(): the i-th record in order, and its key.
  OwnedRecord& record(std::size_t i) { return slot(entries_[i].slot); }
  std::string_view key(std::size_t i) const;
  bool key_is_text(std::size_t i) const { return entries_[i].key_begin == kTextKey; }

  // Writes the sorted records to `writer`.
  void write_to(RunWriter& writer);
  // Empties the buffer for the next run; the slots keep their storage.
  void clear();

 private:
  static constexpr std::uint64_t kTextKey = UINT64_MAX;
  static constexpr std::size_t kSlotsPerChunk = 4096;
  struct Entry {
    std::uint64_t prefix = 0;
    std::uint64_t key_begin = 0;  // in keys_, or kTextKey
    std::uint32_t key_size = 0;
    std::uint32_t slot = 0;
  };

  OwnedRecord& slot(std::size_t i) const { return chunks_[i / kSlotsPerChunk][i % kSlotsPerChunk]; }
  // The next slot, ready to be assigned: a new one, or a warm one whose storage fits a record
  // of about `size` bytes (one far larger than needed is freed, so that a slot that once held a
  // huge record does not keep its memory for every run after).
  OwnedRecord& next_slot(std::size_t size);
  void add_entry(std::size_t slot_bytes_before, bool key_is_text, std::size_t key_begin);

  // Slots in chunks, not one vector: a vector doubling would count (and hold, while it moves)
  // twice the memory the records need.
  std::vector<std::unique_ptr<OwnedRecord[]>> chunks_;
  std::size_t slots_ = 0;            // slots made (in chunks_)
  std::size_t slot_bytes_ = 0;       // heap bytes of every slot, used or kept warm
  std::size_t used_slot_bytes_ = 0;  // heap bytes of the slots of this run's records
  std::string keys_;
  std::vector<Entry> entries_;
};

// A merge source of a sorted buffer's records.
class BufferSource final : public MergeSource {
 public:
  explicit BufferSource(RunBuffer& buffer) : buffer_(buffer) {}
  bool next() override;

 private:
  RunBuffer& buffer_;
  std::size_t next_ = 0;
};

}  // namespace gpipe::stages
