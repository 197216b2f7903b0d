// A set of 64-bit hashes by open addressing (linear probing), for the exact (sparse) mode of
// DistinctSketch: the hashes are already uniform, so they index the table as they are.
#pragma once

#include <cstdint>
#include <vector>

namespace gpipe::sketches {

class HashSet {
 public:
  // Adds `hash`; false when it was there. Grows (doubling) past three quarters full.
  bool insert(std::uint64_t hash) {
    if (hash == 0) {
      const bool added = !has_zero_;
      has_zero_ = true;
      size_ += added ? 1 : 0;
      return added;
    }
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
      if (slots_[at] == hash) return false;
      if (slots_[at] == 0) {
        slots_[at] = hash;
        ++size_;
        return true;
      }
    }
  }
  bool contains(std::uint64_t hash) const;
  std::size_t size() const { return size_; }
  // The hashes in ascending order.
  std::vector<std::uint64_t> sorted() const;
  template <class Visit>
  void for_each(Visit visit) const {
    if (has_zero_) visit(std::uint64_t{0});
    for (const std::uint64_t hash : slots_) {
      if (hash != 0) visit(hash);
    }
  }
  void clear();
  std::size_t memory_bytes() const { return slots_.capacity() * sizeof(std::uint64_t); }

 private:
  void grow();

  std::vector<std::uint64_t> slots_;  // 0: empty (the hash 0 is has_zero_)
  std::size_t size_ = 0;
  bool has_zero_ = false;
};

}  // namespace gpipe::sketches
