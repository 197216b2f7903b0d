#include "stages/filters/recent_keys.hpp"

#include <stdexcept>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace gpipe::stages {

RecentKeys::RecentKeys(std::size_t limit) : limit_(limit) {
  if (limit_ >= kNone) throw std::invalid_argument("too many keys");
}

bool RecentKeys::seen_before(std::string_view key) {
  const std::uint64_t hash = XXH3_64bits(key.data(), key.size());
  const std::uint64_t tag = slot_of(0, hash);
  for (std::size_t slot = home(hash); slots_[slot] != kEmptySlot; slot = (slot + 1) & mask_) {
    if ((slots_[slot] & 0xFFFF'FFFF'0000'0000) != tag) continue;
    const std::uint32_t index = entry_of(slots_[slot]);
    if (entries_[index].hash == hash && entries_[index].key == key) {
      if (limit_ != 0 && index != newest_) {
        unlink(index);
        link_newest(index);
      }
      return true;
    }
  }
  std::uint32_t index = 0;
  if (limit_ != 0 && entries_.size() == limit_) {
    // Full: the oldest entry takes the new key, its string's storage reused.
    index = oldest_;
    erase_slot(index);
    unlink(index);
    ++forgotten_;
  } else {
    if (entries_.size() >= kNone - 1) throw std::length_error("dedup: too many distinct keys");
    index = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry& entry = entries_[index];
  entry.key.assign(key);
  entry.hash = hash;
  insert_slot(index);
  if (limit_ != 0) link_newest(index);
  if (entries_.size() * 2 > slots_.size()) grow();
  return false;
}

void RecentKeys::insert_slot(std::uint32_t entry) {
  const std::uint64_t hash = entries_[entry].hash;
  std::size_t slot = home(hash);
  while (slots_[slot] != kEmptySlot) slot = (slot + 1) & mask_;
  slots_[slot] = slot_of(entry, hash);
}

void RecentKeys::erase_slot(std::uint32_t entry) {
  std::size_t hole = home(entries_[entry].hash);
  while (entry_of(slots_[hole]) != entry) hole = (hole + 1) & mask_;
  // Backward-shift deletion: each later entry of the run that may move into the hole does, so
  // that no probe stops early at it and no tombstone is needed.
  for (std::size_t next = (hole + 1) & mask_; slots_[next] != kEmptySlot;
       next = (next + 1) & mask_) {
    const std::size_t wanted = home(entries_[entry_of(slots_[next])].hash);
    // The entry stays when its home lies cyclically in (hole, next].
    const bool stays =
        hole <= next ? (hole < wanted && wanted <= next) : (hole < wanted || wanted <= next);
    if (!stays) {
      slots_[hole] = slots_[next];
      hole = next;
    }
  }
  slots_[hole] = kEmptySlot;
}

void RecentKeys::grow() {
  slots_.assign(slots_.size() * 2, kEmptySlot);
  mask_ = slots_.size() - 1;
  for (std::uint32_t i = 0; i < entries_.size(); ++i) insert_slot(i);
}

void RecentKeys::unlink(std::uint32_t entry) {
  Entry& e = entries_[entry];
  if (e.newer != kNone) {
    entries_[e.newer].older = e.older;
  } else {
    newest_ = e.older;
  }
  if (e.older != kNone) {
    entries_[e.older].newer = e.newer;
  } else {
    oldest_ = e.newer;
  }
  e.newer = e.older = kNone;
}

void RecentKeys::link_newest(std::uint32_t entry) {
  Entry& e = entries_[entry];
  e.older = newest_;
  e.newer = kNone;
  if (newest_ != kNone) entries_[newest_].newer = entry;
  newest_ = entry;
  if (oldest_ == kNone) oldest_ = entry;
}

}  // namespace gpipe::stages
