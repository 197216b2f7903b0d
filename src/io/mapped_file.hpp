// Read-only memory maps of windows of a file, for LineReader, and the guard against a mapped
// file that shrinks while it is read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace gpipe {

// One mapped window; unmapped when the last holder lets go (-j chunks view it past the reader).
class MappedRegion {
 public:
  MappedRegion(const void* address, std::size_t length) : address_(address), length_(length) {}
  ~MappedRegion();
  MappedRegion(const MappedRegion&) = delete;
  MappedRegion& operator=(const MappedRegion&) = delete;

  const char* data() const { return static_cast<const char*>(address_); }
  std::size_t size() const { return length_; }

 private:
  const void* address_;
  std::size_t length_;
};

// Maps [offset, offset + length) of `fd` (offset a multiple of the page size), or returns null
// when the file cannot be mapped (it is then read instead). With `read_in`, the pages are read
// in (their page-table entries made) by the call; without, by whoever touches them first (see
// read_in_pages). `name` is what the truncation guard reports.
std::shared_ptr<const MappedRegion> map_file_window(int fd, std::uint64_t offset,
                                                    std::size_t length, const std::string& name,
                                                    bool read_in = true);

// Makes the page-table entries of the mapped pages under `bytes` in one call, as MAP_POPULATE
// does for a whole window, so that a thread about to scan them does not fault on every 64 KiB.
// (-j: the worker that takes a chunk does this, not the reading thread.) Best effort: a kernel
// without MADV_POPULATE_READ (before 5.14) leaves the pages to be faulted in.
void read_in_pages(std::string_view bytes);

std::size_t page_size();

// The size of the open file `fd` now (0 if it cannot be had).
std::uint64_t current_file_size(int fd);

// A mapped file that shrinks while it is read turns the next touch of a lost page into SIGBUS.
// The guard makes that the input error it is: "gpipe: error: 'NAME' shrank while it was being
// read", exit code 3. (It cannot carry on: the bytes are gone.)
void install_truncation_guard();

}  // namespace gpipe
