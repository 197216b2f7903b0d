// Read-only memory maps of windows of a file, for LineReader, and the guard against a mapped
// file that shrinks while it is read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

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

// Maps [offset, offset + length) of `fd` (offset a multiple of the page size) with its pages
// read in ahead, or returns null when the file cannot be mapped (it is then read instead).
// `name` is what the truncation guard reports.
std::shared_ptr<const MappedRegion> map_file_window(int fd, std::uint64_t offset,
                                                    std::size_t length, const std::string& name);

std::size_t page_size();

// The size of the open file `fd` now (0 if it cannot be had).
std::uint64_t current_file_size(int fd);

// A mapped file that shrinks while it is read turns the next touch of a lost page into SIGBUS.
// The guard makes that the input error it is: "gpipe: error: 'NAME' shrank while it was being
// read", exit code 3. (It cannot carry on: the bytes are gone.)
void install_truncation_guard();

}  // namespace gpipe
