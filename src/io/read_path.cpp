#include "io/read_path.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "io/line_reader.hpp"

namespace gpipe {

namespace {

using Clock = std::chrono::steady_clock;

// What LineReader reads at a time, and the window it maps.
constexpr std::size_t kReadBytes = 256 * 1024;
constexpr std::size_t kProbeBytes = LineReader::kMapWindow;

// Below this the whole file takes a few milliseconds either way: not worth a probe.
constexpr std::uint64_t kSmallestProbed = 4 * kProbeBytes;

// Nanoseconds to map [offset, offset + kProbeBytes) with its pages read in, touch a byte of each
// page as a scan would, and unmap it; or -1 when the file cannot be mapped.
double map_cost(int fd, std::uint64_t offset) {
  const auto start = Clock::now();
  void* const address = ::mmap(nullptr, kProbeBytes, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd,
                               static_cast<off_t>(offset));
  if (address == MAP_FAILED) return -1;
  const auto* bytes = static_cast<const volatile unsigned char*>(address);
  unsigned sum = 0;
  for (std::size_t at = 0; at < kProbeBytes; at += 4096) sum += bytes[at];
  ::munmap(address, kProbeBytes);
  const auto end = Clock::now();
  __asm__ volatile("" : : "r"(sum));  // the reads above are the point: keep them
  return std::chrono::duration<double, std::nano>(end - start).count();
}

// Nanoseconds to read the same number of bytes from `offset` into one reused buffer (already
// touched, as LineReader's is after its first fill); -1 on a read error.
double copy_cost(int fd, std::uint64_t offset, char* buffer) {
  const auto start = Clock::now();
  for (std::size_t done = 0; done < kProbeBytes;) {
    const ssize_t got = ::pread(fd, buffer, kReadBytes, static_cast<off_t>(offset + done));
    if (got <= 0) return -1;
    done += static_cast<std::size_t>(got);
  }
  const auto end = Clock::now();
  return std::chrono::duration<double, std::nano>(end - start).count();
}

std::string milliseconds(double nanoseconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f ms", nanoseconds / 1e6);
  return text;
}

}  // namespace

ReadPathChoice probe_read_path(int fd, std::uint64_t begin, std::uint64_t size) {
  // For tests: the probe's outcome varies with the page cache, and what follows from each must
  // be tested (docs/testing.md).
  if (const char* const forced = std::getenv("GPIPE_READ_PROBE")) {
    if (std::string_view(forced) == "map") return {true, "mapped: GPIPE_READ_PROBE=map"};
    if (std::string_view(forced) == "read") return {false, "read: GPIPE_READ_PROBE=read"};
  }
  // Mapped windows start on a page.
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const std::uint64_t first = (begin + page - 1) / page * page;
  if (size < kSmallestProbed + (first - begin)) return {false, "read: a small file"};
  const auto buffer = std::make_unique<char[]>(kReadBytes);
  std::fill_n(buffer.get(), kReadBytes, '\0');
  // Each way twice, on windows of their own, alternating, and the better of the two: one
  // measurement of a millisecond can be taken by a timer interrupt.
  double mapped = -1;
  double copied = -1;
  for (std::uint64_t round = 0; round < 2; ++round) {
    const double map_ns = map_cost(fd, first + (2 * round) * kProbeBytes);
    const double copy_ns = copy_cost(fd, first + (2 * round + 1) * kProbeBytes, buffer.get());
    if (map_ns < 0) return {false, "read: the file cannot be mapped"};
    if (copy_ns < 0) return {false, "read: the probe could not read the file"};
    mapped = mapped < 0 ? map_ns : std::min(mapped, map_ns);
    copied = copied < 0 ? copy_ns : std::min(copied, copy_ns);
  }
  const std::string measured =
      "4 MiB mapped in " + milliseconds(mapped) + ", read in " + milliseconds(copied);
  if (mapped < copied) return {true, "mapped: " + measured};
  return {false, "read: " + measured};
}

}  // namespace gpipe
