// Memory that `sort` maps for the records it holds: mapped on its own, aligned to huge pages and
// marked for them, so that the first fill of a buffer faults once a huge page rather than once
// every 4 KiB page, and so that an array can grow in place up to what it reserved.
#pragma once

#include <cstddef>

namespace gpipe::stages {

class MappedArea {
 public:
  MappedArea() = default;
  // Maps `size` bytes, rounded up to whole pages (untouched pages take no memory), with huge
  // pages where the kernel gives them for the asking (2 MiB and more). Throws std::bad_alloc
  // when it cannot.
  explicit MappedArea(std::size_t size);
  ~MappedArea();
  MappedArea(MappedArea&& other) noexcept;
  MappedArea& operator=(MappedArea&& other) noexcept;
  MappedArea(const MappedArea&) = delete;
  MappedArea& operator=(const MappedArea&) = delete;

  char* data() const { return data_; }
  std::size_t size() const { return size_; }  // whole pages
  // Gives back the pages from `offset` (rounded up to a page) to the end: they take no memory
  // until touched again, and read as zeros then.
  void release_from(std::size_t offset);

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace gpipe::stages
