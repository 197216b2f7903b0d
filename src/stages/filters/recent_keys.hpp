// The keys `dedup` has seen: whole keys (never only a hash, so two keys that share a hash are
// both kept and a good record is never dropped for a collision), in an open-addressing table.
// With a limit, the least recently seen key is forgotten for each new one past the limit, so
// memory stays bounded and the most active keys are the ones kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gpipe::stages {

class RecentKeys {
 public:
  explicit RecentKeys(std::size_t limit = 0);  // 0: no limit

  // True when `key` is one of the keys kept; else keeps it, forgetting the least recently seen
  // key first when the limit is reached. Either way `key` is now the most recently seen.
  bool seen_before(std::string_view key);

  std::size_t size() const { return entries_.size(); }
  std::uint64_t forgotten() const { return forgotten_; }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  struct Entry {
    std::string key;
    std::uint64_t hash = 0;
    std::uint32_t newer = kNone;  // the recency list, with a limit only
    std::uint32_t older = kNone;
  };

  std::size_t home(std::uint64_t hash) const { return static_cast<std::size_t>(hash) & mask_; }
  // A slot holds an entry's index and the high half of its hash, so that a probe past other
  // keys compares them there, without a cache miss on each of their entries.
  static std::uint64_t slot_of(std::uint32_t entry, std::uint64_t hash) {
    return (hash & 0xFFFF'FFFF'0000'0000) | entry;
  }
  static std::uint32_t entry_of(std::uint64_t slot) { return static_cast<std::uint32_t>(slot); }
  void insert_slot(std::uint32_t entry);
  void erase_slot(std::uint32_t entry);
  void grow();
  void unlink(std::uint32_t entry);
  void link_newest(std::uint32_t entry);

  std::size_t limit_;
  std::vector<Entry> entries_;
  // slot_of() each entry (kEmptySlot: none), linear probing, at most half full.
  static constexpr std::uint64_t kEmptySlot = UINT64_MAX;  // no entry's index is kNone
  std::vector<std::uint64_t> slots_ = std::vector<std::uint64_t>(16, kEmptySlot);
  std::size_t mask_ = 15;
  std::uint32_t newest_ = kNone;
  std::uint32_t oldest_ = kNone;
  std::uint64_t forgotten_ = 0;
};

}  // namespace gpipe::stages
