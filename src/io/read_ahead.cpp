// Our own, small: a bounded queue of a few fixed buffers between two threads. No library in
// the project's list does read-ahead of a stream, and a general thread pool would not help.
#include "io/read_ahead.hpp"

#include <array>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "gpipe/context.hpp"

namespace gpipe {

namespace {

// A buffer and the reader's own fit in a core's L2 cache: the bytes are still there when the
// reader copies them. Four of them let the decompressor run ahead over the reader's bursts.
constexpr std::size_t kBufferBytes = 256 * kKiB;
constexpr std::size_t kBuffers = 4;

class ReadAheadSource final : public ByteSource {
 public:
  explicit ReadAheadSource(std::unique_ptr<ByteSource> inner) : inner_(std::move(inner)) {
    for (Buffer& buffer : buffers_) buffer.bytes = std::make_unique<char[]>(kBufferBytes);
    filler_ = std::jthread([this] { fill_buffers(); });
  }

  ~ReadAheadSource() override {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    // filler_, the last member, is joined first.
  }

  ReadAheadSource(const ReadAheadSource&) = delete;
  ReadAheadSource& operator=(const ReadAheadSource&) = delete;

  std::size_t read(char* out, std::size_t n) override {
    if (n == 0) return 0;
    while (current_ == nullptr || taken_ == current_->size) {
      if (current_ != nullptr) release_current();
      current_ = next_filled();
      if (current_ == nullptr) return 0;
      taken_ = 0;
    }
    const std::size_t count = std::min(n, current_->size - taken_);
    std::memcpy(out, current_->bytes.get() + taken_, count);
    taken_ += count;
    return count;
  }

 private:
  struct Buffer {
    std::unique_ptr<char[]> bytes;
    std::size_t size = 0;
  };

  // The filler's loop: fills the next free buffer whole (or to the end of the input), hands it
  // over, and goes on until the end, an error (handed over after the bytes before it) or the
  // reader's destruction.
  void fill_buffers() {
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || filled_ - released_ < kBuffers; });
        if (stopping_) return;
      }
      Buffer& buffer = buffers_[filled_ % kBuffers];
      std::exception_ptr error;
      bool at_end = false;
      buffer.size = 0;
      try {
        while (buffer.size < kBufferBytes) {
          const std::size_t got =
              inner_->read(buffer.bytes.get() + buffer.size, kBufferBytes - buffer.size);
          if (got == 0) {
            at_end = true;
            break;
          }
          buffer.size += got;
        }
      } catch (...) {
        error = std::current_exception();
      }
      {
        const std::lock_guard lock(mutex_);
        if (buffer.size != 0) ++filled_;
        if (at_end || error) {
          error_ = error;
          done_ = true;
        }
      }
      changed_.notify_all();
      if (at_end || error) return;
    }
  }

  // The next filled buffer, waiting for it; null at the end. Rethrows the filler's error once
  // the bytes before it have been read.
  const Buffer* next_filled() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return done_ || released_ < filled_; });
    if (released_ < filled_) return &buffers_[released_ % kBuffers];
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    return nullptr;
  }

  void release_current() {
    {
      const std::lock_guard lock(mutex_);
      ++released_;
    }
    current_ = nullptr;
    changed_.notify_all();
  }

  std::unique_ptr<ByteSource> inner_;  // used by the filler only
  std::array<Buffer, kBuffers> buffers_;
  std::mutex mutex_;
  std::condition_variable changed_;
  // Buffers filled and released, ever: [released_, filled_) are ready for the reader, and the
  // filler fills buffer filled_ % kBuffers once fewer than kBuffers are out.
  std::uint64_t filled_ = 0;
  std::uint64_t released_ = 0;
  bool done_ = false;      // the filler has stopped: end of input, or error_
  bool stopping_ = false;  // the reader is being destroyed
  std::exception_ptr error_;
  // The reader's side, its own thread's only.
  const Buffer* current_ = nullptr;
  std::size_t taken_ = 0;
  std::jthread filler_;
};

}  // namespace

std::unique_ptr<ByteSource> read_ahead(std::unique_ptr<ByteSource> inner) {
  return std::make_unique<ReadAheadSource>(std::move(inner));
}

}  // namespace gpipe
