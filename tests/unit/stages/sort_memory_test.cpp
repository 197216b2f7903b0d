// sort's memory: mapped areas of any size give back all they map, and a buffer whose runs change
// shape (short records after long ones, or the other way) keeps at most about its limit.
#include "stages/aggregates/sort_memory.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "gpipe/errors.hpp"
#include "gpipe/owned_record.hpp"
#include "gpipe/record.hpp"
#include "stages/aggregates/sort_buffer.hpp"

namespace gpipe {
namespace {

using stages::MappedArea;
using stages::RunBuffer;
using stages::SortKey;
using stages::SortKeyMaker;

// This process's mapped address space in KiB (VmSize), 0 where /proc cannot tell.
std::size_t mapped_kib() {
  std::ifstream status("/proc/self/status");
  std::string name;
  while (status >> name) {
    std::size_t kib = 0;
    if (name == "VmSize:" && status >> kib) return kib;
  }
  return 0;
}

TEST(MappedArea, OddSizesUnmapWhole) {
  const std::size_t before = mapped_kib();
  for (int i = 0; i < 2000; ++i) {
    // Below, at and above a huge page, none a whole number of pages.
    for (const std::size_t size :
         {std::size_t{5000}, std::size_t{2 << 20} + 4097, std::size_t{3 << 20} + 1}) {
      MappedArea area(size);
      ASSERT_NE(area.data(), nullptr);
      ASSERT_GE(area.size(), size);
      area.data()[size - 1] = 'x';  // the last byte asked for is there
    }
  }
  // Each leaked tail would be up to 2 MiB: thousands of them show.
  if (before != 0) {
    EXPECT_LT(mapped_kib(), before + 64 * 1024);
  }
}

TEST(MappedArea, GivenBackPagesReadAsZeros) {
  MappedArea area(3 << 20);
  std::fill_n(area.data(), area.size(), 'x');
  area.release_from(4096);
  EXPECT_EQ(area.data()[4095], 'x');
  EXPECT_EQ(area.data()[4096], '\0');
  EXPECT_EQ(area.data()[area.size() - 1], '\0');
}

// A --mem the address space cannot hold (here: under `ulimit -v`) is an input error naming
// --mem, not a bare std::bad_alloc.
TEST(RunBufferMemory, AddressSpaceTooSmallForMemSaysSo) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's own mappings need the address space this test takes away";
#else
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const rlim_t bytes = (mapped_kib() + 256 * 1024) * 1024;  // what is mapped, and 256 MiB
    const rlimit limit{bytes, bytes};
    if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(2);
    try {
      RunBuffer buffer(std::size_t{64} << 30);
    } catch (const IoError& e) {
      _exit(std::string(e.what()).find("--mem") != std::string::npos ? 0 : 3);
    } catch (...) {
      _exit(4);
    }
    _exit(5);  // it fit after all
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
#endif
}

// Fills `buffer` with lines of `length` bytes until it is full, checking what it keeps.
void fill(RunBuffer& buffer, std::size_t length, std::size_t limit) {
  Batch batch;
  batch.reset(nullptr, RecordKind::Line);
  const std::string text(length, 'a');
  SortKeyMaker keys({SortKey{}}, FieldSplitter());
  OriginTable origins;
  const std::shared_ptr<const Origin> none;
  Record record;
  record.text = text;
  // What is kept may pass the limit by a sixteenth, and a block or a page of entries being
  // added, no more.
  const std::size_t slack = limit / 16 + (4u << 20);
  while (!buffer.full()) {
    buffer.add(batch, record, none, keys, origins);
    ASSERT_LE(buffer.resident_bytes(), limit + slack) << "lines of " << length;
  }
  buffer.clear();
}

TEST(RunBufferMemory, RunsOfAnotherShapeKeepToTheLimit) {
  constexpr std::size_t kLimit = 32u << 20;
  RunBuffer short_first(kLimit);
  fill(short_first, 1, kLimit);     // mostly entries
  fill(short_first, 4000, kLimit);  // mostly blocks
  fill(short_first, 1, kLimit);
  RunBuffer long_first(kLimit);
  fill(long_first, 4000, kLimit);
  fill(long_first, 1, kLimit);
  fill(long_first, 4000, kLimit);
}

}  // namespace
}  // namespace gpipe
