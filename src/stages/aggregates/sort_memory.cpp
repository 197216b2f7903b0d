#include "stages/aggregates/sort_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <new>
#include <utility>

namespace gpipe::stages {

namespace {

// The size of a huge page on x86-64 and arm64 with 4 KiB pages.
constexpr std::size_t kHugePageBytes = 2 * 1024 * 1024;

}  // namespace

// On a virtual machine each page fault is dear: the faults of the first two fills of sort's
// buffers were a large part of its time (docs/performance.md, "Sort: fewer copies, huge
// pages, one-load prefixes"). Where transparent huge pages are off, the advice does nothing.
// The area is mapped on its own: aligned blocks from the heap left gaps between them that
// other allocations filled, which held more memory than --mem allows.
MappedArea::MappedArea(std::size_t size) {
  if (size == 0) return;
  // Whole pages: munmap takes page-aligned ranges, and a tail cut at an odd size stayed mapped.
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  size_ = (size + page - 1) / page * page;
  constexpr int kFlags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
  if (size_ < kHugePageBytes) {
    void* const area = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, kFlags, -1, 0);
    if (area == MAP_FAILED) throw std::bad_alloc();
    data_ = static_cast<char*>(area);
    return;
  }
  // Mapped a huge page longer than asked, then cut to an aligned start.
  const std::size_t mapped = size_ + kHugePageBytes;
  void* const area = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, kFlags, -1, 0);
  if (area == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(area);
  const std::uintptr_t aligned = (start + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  if (aligned != start) ::munmap(area, aligned - start);
  if (const std::size_t tail = start + mapped - (aligned + size_); tail != 0) {
    ::munmap(reinterpret_cast<void*>(aligned + size_), tail);
  }
  data_ = reinterpret_cast<char*>(aligned);
  ::madvise(data_, size_, MADV_HUGEPAGE);
}

void MappedArea::release_from(std::size_t offset) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t from = (offset + page - 1) / page * page;
  if (from < size_) ::madvise(data_ + from, size_ - from, MADV_DONTNEED);
}

MappedArea::~MappedArea() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

MappedArea::MappedArea(MappedArea&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedArea& MappedArea::operator=(MappedArea&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(data_, size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

}  // namespace gpipe::stages
