// The run-time choice between mapped and copied reads: which files are probed, and that a probe
// says what it measured. (Which path wins depends on the machine; bench/run times both.)
#include "io/read_path.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "input_test_util.hpp"
#include "io/io.hpp"

namespace gpipe {
namespace {

using test::ScratchDir;

TEST(ReadPath, ASmallFileIsReadWithoutAProbe) {
  ScratchDir dir;
  const std::string path = dir.write("small.log", std::string(100000, 'x'));
  ReadPathChoice choice;
  ASSERT_TRUE(is_mappable_input(path, &choice));
  EXPECT_FALSE(choice.map);
  EXPECT_EQ(choice.why, "read: a small file");
}

TEST(ReadPath, ALargeFileIsProbedBothWays) {
  ScratchDir dir;
  std::string lines;
  while (lines.size() < (20u << 20)) lines += "2026-11-21T10:00:00Z INFO a line of a log\n";
  const std::string path = dir.write("large.log", lines);
  ReadPathChoice choice;
  ASSERT_TRUE(is_mappable_input(path, &choice));
  const std::string said = choice.map ? "mapped: " : "read: ";
  EXPECT_EQ(choice.why.rfind(said, 0), 0u) << choice.why;
  EXPECT_NE(choice.why.find("4 MiB mapped in "), std::string::npos) << choice.why;
  EXPECT_NE(choice.why.find(" ms, read in "), std::string::npos) << choice.why;
}

TEST(ReadPath, ACompressedFileIsNotProbed) {
  ScratchDir dir;
  const std::string path = dir.write("x.zst", test::zstd_frame(std::string(1 << 20, 'a')));
  ReadPathChoice choice;
  EXPECT_FALSE(is_mappable_input(path, &choice));
  EXPECT_TRUE(choice.why.empty());
}

TEST(ReadPath, ProbingLeavesStandardInputWhereItWas) {
  ScratchDir dir;
  std::string lines;
  while (lines.size() < (20u << 20)) lines += "0123456789abcdef\n";
  const std::string path = dir.write("stdin.log", lines);
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::lseek(fd, 17, SEEK_SET), 17);  // a line already read by someone else
  const ReadPathChoice choice = probe_read_path(fd, 17, lines.size() - 17);
  EXPECT_FALSE(choice.why.empty());
  EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 17);
  ::close(fd);
}

}  // namespace
}  // namespace gpipe
