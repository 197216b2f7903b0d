#include "io/mapped_file.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "gpipe/errors.hpp"

namespace gpipe {

namespace {

// The name of the file mapped last, for the guard's message. A fixed buffer, so that the
// signal handler reads it without allocating; written only when a window is mapped.
constexpr std::size_t kMappedNameBytes = 512;
std::array<char, kMappedNameBytes> g_mapped_name{};

void remember_name(const std::string& name) {
  const std::size_t length = std::min(name.size(), g_mapped_name.size() - 1);
  std::memcpy(g_mapped_name.data(), name.data(), length);
  g_mapped_name[length] = '\0';
}

void write_all(const char* text) {
  std::size_t left = std::strlen(text);
  while (left != 0) {
    const ssize_t wrote = ::write(STDERR_FILENO, text, left);
    if (wrote <= 0) return;
    text += wrote;
    left -= static_cast<std::size_t>(wrote);
  }
}

// Set by the first thread to meet the truncation: under -j several threads may touch lost
// pages at once, and each runs the handler (a handler blocks its signal only in its own thread).
std::atomic_flag g_sigbus_taken;  // clear (C++20)

void append(char*& out, const char* end, const char* text) {
  while (*text != '\0' && out != end) *out++ = *text++;
}

// Only async-signal-safe calls: write(2), _exit(2), pause(2) and a lock-free atomic. One thread
// writes the message, in one piece, and exits; any other waits for the exit (it once printed
// "gpipe: error: 'gpipe: error: 'x.logx.log' shrank…" from two threads at once).
extern "C" void on_sigbus(int /*signal*/) {
  if (g_sigbus_taken.test_and_set()) {
    for (;;) ::pause();
  }
  std::array<char, kMappedNameBytes + 64> message{};
  char* out = message.data();
  const char* const end = message.data() + message.size() - 1;
  append(out, end, "gpipe: error: '");
  append(out, end, g_mapped_name.data());
  append(out, end, "' shrank while it was being read\n");
  *out = '\0';
  write_all(message.data());
  ::_exit(kExitIo);
}

}  // namespace

MappedRegion::~MappedRegion() {
  ::munmap(const_cast<void*>(address_), length_);
}

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::uint64_t current_file_size(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0 || info.st_size < 0) return 0;
  return static_cast<std::uint64_t>(info.st_size);
}

std::shared_ptr<const MappedRegion> map_file_window(int fd, std::uint64_t offset,
                                                    std::size_t length, const std::string& name,
                                                    bool read_in) {
  // MAP_POPULATE reads the window's pages in with the call: one fault-free pass afterwards,
  // where faulting them in one by one cost more than read(2)'s copy.
  const int flags = read_in ? MAP_PRIVATE | MAP_POPULATE : MAP_PRIVATE;
  void* const address = ::mmap(nullptr, length, PROT_READ, flags, fd, static_cast<off_t>(offset));
  if (address == MAP_FAILED) return nullptr;
  remember_name(name);
  return std::make_shared<const MappedRegion>(address, length);
}

void read_in_pages(std::string_view bytes) {
  if (bytes.empty()) return;
  const auto start = reinterpret_cast<std::uintptr_t>(bytes.data());
  const std::uintptr_t first_page = start - start % page_size();
  // The error (EINVAL from an older kernel, EFAULT past a shrunken file's end) is left to the
  // scan: it faults the pages in, or meets the truncation guard.
  ::madvise(reinterpret_cast<void*>(first_page), start + bytes.size() - first_page,
            MADV_POPULATE_READ);
}

void install_truncation_guard() {
  struct sigaction action {};
  action.sa_handler = on_sigbus;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGBUS, &action, nullptr);
}

}  // namespace gpipe
