// Mapped or copied reads, chosen at run time: which one is faster depends on the machine (on
// virtual machines with shadow page tables a page fault traps to the hypervisor) and on how the
// file's pages came into the page cache, so neither can be the fixed default
// (docs/performance.md, "Mapped or copied reads").
#pragma once

#include <cstdint>
#include <string>

namespace gpipe {

struct ReadPathChoice {
  bool map = false;
  std::string why;  // for --explain and -v: what was measured, and which way won
};

// Times, on the first bytes of the plain file `fd` (`size` bytes from `begin`), one window mapped
// as LineReader maps it (MAP_POPULATE) against the same number of bytes read with pread(2) into a
// reused buffer as LineReader reads them, and chooses the faster. A file too small for the
// difference to matter is read.
// The file's bytes start at `begin` (standard input may have been read from already).
ReadPathChoice probe_read_path(int fd, std::uint64_t begin, std::uint64_t size);

}  // namespace gpipe
