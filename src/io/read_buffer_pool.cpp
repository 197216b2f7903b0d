#include "io/read_buffer_pool.hpp"

#include <utility>

namespace gpipe {

std::shared_ptr<char> ReadBufferPool::take(std::size_t bytes) {
  if (bytes > size_) {
    // A line longer than the usual buffer: rare, and not kept.
    return std::shared_ptr<char>(new char[bytes], std::default_delete<char[]>());
  }
  std::unique_ptr<char[]> buffer;
  {
    const std::lock_guard lock(mutex_);
    if (!spare_.empty()) {
      buffer = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  if (buffer == nullptr) buffer = std::make_unique_for_overwrite<char[]>(size_);
  char* const data = buffer.release();
  return std::shared_ptr<char>(data, [pool = shared_from_this()](char* spent) {
    pool->give_back(std::unique_ptr<char[]>(spent));
  });
}

void ReadBufferPool::give_back(std::unique_ptr<char[]> buffer) {
  const std::lock_guard lock(mutex_);
  if (spare_.size() < kept_) spare_.push_back(std::move(buffer));
}

}  // namespace gpipe
