// ReadAheadSource: the decompressor's thread hands over every byte in order, then its error,
// and a reader that stops early does not wait for the end of the input.
#include "io/read_ahead.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <string>

#include "gpipe/errors.hpp"

namespace gpipe {
namespace {

// Bytes i % 251 for i in [0, size), in reads of 1 to 7000 bytes; throws IoError at `size` when
// `fail_at_end`. SIZE_MAX: endless.
class PatternSource final : public ByteSource {
 public:
  PatternSource(std::uint64_t size, bool fail_at_end, std::atomic<std::uint64_t>* produced)
      : size_(size), fail_at_end_(fail_at_end), produced_(produced) {}

  std::size_t read(char* buffer, std::size_t n) override {
    if (position_ == size_) {
      if (fail_at_end_) throw IoError("'x.zst': Data corruption detected");
      return 0;
    }
    const std::uint64_t step = 1 + (position_ * 7919) % 7000;  // uneven, deterministic
    const auto count =
        static_cast<std::size_t>(std::min<std::uint64_t>({step, n, size_ - position_}));
    for (std::size_t i = 0; i < count; ++i) buffer[i] = static_cast<char>((position_ + i) % 251);
    position_ += count;
    if (produced_ != nullptr) produced_->store(position_);
    return count;
  }

 private:
  std::uint64_t size_;
  bool fail_at_end_;
  std::atomic<std::uint64_t>* produced_;
  std::uint64_t position_ = 0;
};

// Reads all of `source` in pieces of 1 to 100000 bytes, checking the pattern; returns the count.
std::uint64_t read_pattern(ByteSource& source) {
  std::string buffer(100000, '\0');
  std::uint64_t position = 0;
  for (std::size_t round = 0;; ++round) {
    const std::size_t want = 1 + (round * 104729) % buffer.size();
    const std::size_t got = source.read(buffer.data(), want);
    if (got == 0) return position;
    EXPECT_LE(got, want);
    for (std::size_t i = 0; i < got; ++i) {
      if (static_cast<unsigned char>(buffer[i]) != (position + i) % 251) {
        ADD_FAILURE() << "byte " << position + i << " differs";
        return position;
      }
    }
    position += got;
  }
}

TEST(ReadAheadTest, EveryByteInOrderThroughUnevenReads) {
  for (const std::uint64_t size : {0ul, 1ul, 262143ul, 262144ul, 262145ul, 3000001ul}) {
    const auto source = read_ahead(std::make_unique<PatternSource>(size, false, nullptr));
    EXPECT_EQ(read_pattern(*source), size) << size;
    std::string tail(10, '\0');
    EXPECT_EQ(source->read(tail.data(), tail.size()), 0u) << "still at the end";
  }
}

TEST(ReadAheadTest, ErrorComesAfterTheBytesBeforeIt) {
  const std::uint64_t size = 1234567;
  const auto source = read_ahead(std::make_unique<PatternSource>(size, true, nullptr));
  std::uint64_t position = 0;
  std::string buffer(65536, '\0');
  try {
    for (;;) {
      const std::size_t got = source->read(buffer.data(), buffer.size());
      ASSERT_NE(got, 0u) << "the error must not be a quiet end";
      position += got;
    }
  } catch (const IoError& error) {
    EXPECT_STREQ(error.what(), "'x.zst': Data corruption detected");
  }
  EXPECT_EQ(position, size);
}

TEST(ReadAheadTest, StoppingEarlyEndsAnEndlessInputAndReadsBoundedAhead) {
  std::atomic<std::uint64_t> produced{0};
  {
    const auto source = read_ahead(std::make_unique<PatternSource>(
        std::numeric_limits<std::uint64_t>::max(), false, &produced));
    std::string buffer(100, '\0');
    EXPECT_EQ(source->read(buffer.data(), buffer.size()), 100u);
    // The destructor stops the filler (joining it): an endless input must not keep it going.
  }
  // Four buffers of 256 KiB ahead at most, and the one being filled when it stopped.
  EXPECT_LE(produced.load(), 5u * 256 * 1024);
}

}  // namespace
}  // namespace gpipe
