// Buffers that -j's threads read file ranges into (src/io/file_range.hpp), kept for reuse once
// every holder has let go: a new buffer is new pages, and where page tables are shadowed (a
// virtual machine) the first touch of each traps to the hypervisor (see docs/performance.md,
// "Threads: pooled chunk buffers").
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace gpipe {

class ReadBufferPool : public std::enable_shared_from_this<ReadBufferPool> {
 public:
  // Buffers of `size` bytes, of which up to `kept` are kept (as many as are ever in use).
  ReadBufferPool(std::size_t size, std::size_t kept) : size_(size), kept_(kept) {}

  std::size_t size() const { return size_; }

  // A buffer of at least `bytes` (size() when that is more). It goes back to the pool when the
  // last copy of the pointer goes, on whichever thread that is; the pool lives until then.
  std::shared_ptr<char> take(std::size_t bytes);

 private:
  void give_back(std::unique_ptr<char[]> buffer);

  const std::size_t size_;
  const std::size_t kept_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<char[]>> spare_;
};

}  // namespace gpipe
