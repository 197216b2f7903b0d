#include "stages/aggregates/sketches/hash_set.hpp"

#include <algorithm>

namespace gpipe::sketches {

bool HashSet::contains(std::uint64_t hash) const {
  if (hash == 0) return has_zero_;
  if (slots_.empty()) return false;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
    if (slots_[at] == hash) return true;
    if (slots_[at] == 0) return false;
  }
}

std::vector<std::uint64_t> HashSet::sorted() const {
  std::vector<std::uint64_t> hashes;
  hashes.reserve(size_);
  for_each([&](std::uint64_t hash) { hashes.push_back(hash); });
  std::sort(hashes.begin(), hashes.end());
  return hashes;
}

void HashSet::clear() {
  std::vector<std::uint64_t>().swap(slots_);
  size_ = 0;
  has_zero_ = false;
}

void HashSet::grow() {
  constexpr std::size_t kFirstSlots = 16;
  std::vector<std::uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? kFirstSlots : 2 * old.size(), 0);
  const std::size_t mask = slots_.size() - 1;
  for (const std::uint64_t hash : old) {
    if (hash == 0) continue;
    std::size_t at = hash & mask;
    while (slots_[at] != 0) at = (at + 1) & mask;
    slots_[at] = hash;
  }
}

}  // namespace gpipe::sketches
