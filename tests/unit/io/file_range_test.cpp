// load_file_range against a plain split of the file into lines: over every way of cutting a
// file into ranges, each line comes out of exactly one range, at its offset, and the lines
// longer than --max-line are the ranges' skipped last lines.
#include "io/file_range.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "gpipe/errors.hpp"

namespace gpipe {
namespace {

struct Line {
  std::uint64_t offset;
  std::string text;  // with its '\n', if it has one
};

std::vector<Line> split(const std::string& content) {
  std::vector<Line> lines;
  for (std::size_t at = 0; at < content.size();) {
    const std::size_t newline = content.find('\n', at);
    const std::size_t end = newline == std::string::npos ? content.size() : newline + 1;
    lines.push_back({at, content.substr(at, end - at)});
    at = end;
  }
  return lines;
}

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/gpipe-file-range-XXXXXX";
    fd_ = ::mkstemp(name);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() {
    ::close(fd_);
    std::remove(path_.c_str());
  }
  int fd() const { return fd_; }

 private:
  int fd_;
  std::string path_;
};

// Loads every range of `range_bytes` and checks the lines against split(); with `front` spare
// bytes before each range's lines (where a csv worker joins the rows carried over).
void expect_lines_once_each_with_front(const std::string& content, std::size_t range_bytes,
                                       std::size_t max_line, std::size_t front) {
  const TempFile file(content);
  const auto ranged =
      std::make_shared<const RangedFile>(file.fd(), "f", 0, content.size(), "too long");
  const std::shared_ptr<ReadBufferPool> buffers = make_range_buffers(2, range_bytes, front);
  std::vector<Line> kept;
  std::vector<Line> overlong;
  for (std::uint64_t at = 0; at < content.size(); at += range_bytes) {
    const FileRange range{ranged, at, std::min<std::uint64_t>(at + range_bytes, content.size())};
    const LoadedRange loaded = load_file_range(range, max_line, *buffers, front);
    if (!loaded.lines.empty()) {
      ASSERT_GE(loaded.lines.data() - loaded.buffer.get(), static_cast<std::ptrdiff_t>(front));
    }
    for (const Line& line : split(std::string(loaded.lines))) {
      kept.push_back({loaded.offset + line.offset, line.text});
      ASSERT_GE(kept.back().offset, range.begin);
      ASSERT_LT(kept.back().offset, range.end);
    }
    if (loaded.overlong) {
      ASSERT_GE(loaded.overlong_offset, range.begin);
      ASSERT_LT(loaded.overlong_offset, range.end);
      overlong.push_back({loaded.overlong_offset, loaded.overlong_head});
    }
  }
  std::vector<Line> expected_kept;
  std::vector<Line> expected_overlong;
  for (const Line& line : split(content)) {
    const std::size_t length = line.text.size() - (line.text.ends_with('\n') ? 1 : 0);
    if (length > max_line) {
      expected_overlong.push_back({line.offset, line.text.substr(0, 1024)});
    } else {
      expected_kept.push_back(line);
    }
  }
  ASSERT_EQ(kept.size(), expected_kept.size()) << "ranges of " << range_bytes;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    ASSERT_EQ(kept[i].offset, expected_kept[i].offset) << "line " << i;
    ASSERT_EQ(kept[i].text, expected_kept[i].text) << "line " << i;
  }
  ASSERT_EQ(overlong.size(), expected_overlong.size()) << "ranges of " << range_bytes;
  for (std::size_t i = 0; i < overlong.size(); ++i) {
    ASSERT_EQ(overlong[i].offset, expected_overlong[i].offset);
    ASSERT_EQ(overlong[i].text, expected_overlong[i].text);
  }
}

void expect_lines_once_each(const std::string& content, std::size_t range_bytes,
                            std::size_t max_line) {
  expect_lines_once_each_with_front(content, range_bytes, max_line, 0);
  expect_lines_once_each_with_front(content, range_bytes, max_line, 7);
}

TEST(FileRangeTest, EveryLineComesOutOfTheRangeItStartsIn) {
  std::mt19937 random(11);
  for (int round = 0; round < 30; ++round) {
    std::string content;
    const int lines = static_cast<int>(random() % 40);
    for (int i = 0; i < lines; ++i) {
      content += std::string(random() % 12, static_cast<char>('a' + i % 26));
      if (i + 1 < lines || random() % 2 == 0) content += '\n';  // maybe no '\n' at the end
    }
    for (std::size_t range_bytes = 1; range_bytes <= 13; ++range_bytes) {
      // --max-line at least a range (file_ranges_fit), and above every line: nothing skipped.
      expect_lines_once_each(content, range_bytes, 64);
    }
  }
}

TEST(FileRangeTest, LinesOverMaxLineAreTheRangesSkippedLastLines) {
  // Lines of exactly --max-line (10) and one more, first and last, in a row, across many
  // ranges, and one far longer than the bytes read past a range at a time.
  const std::string content = "0123456789\n01234567890\nab\n" + std::string(30, 'x') + "\n" +
                              std::string(11, 'y') + "\n\n" + std::string(200000, 'z') + "\ncd\n" +
                              std::string(12, 'w');
  for (std::size_t range_bytes = 1; range_bytes <= 10; ++range_bytes) {
    expect_lines_once_each(content, range_bytes, 10);
  }
  expect_lines_once_each(content, 100000, 150000);
}

TEST(FileRangeTest, AFileThatShrankGivesTheCompleteLinesReadBeforeItsEnd) {
  // Opened at 20 bytes, now 9: as a one-pass read, the complete lines before the new end come
  // out, and the range says it shrank (the run then stops with that error).
  const TempFile file("abc\ndefgh");
  const auto ranged = std::make_shared<const RangedFile>(file.fd(), "f.log", 0, 20, "too long");
  const std::shared_ptr<ReadBufferPool> buffers = make_range_buffers(2, 16, 0);
  // The range ends before the file's end; its last line runs on into the end.
  const LoadedRange run_on = load_file_range(FileRange{ranged, 0, 6}, 64, *buffers);
  EXPECT_TRUE(run_on.shrank);
  EXPECT_EQ(run_on.lines, "abc\n");
  // The range itself is cut short.
  const LoadedRange cut = load_file_range(FileRange{ranged, 2, 16}, 64, *buffers);
  EXPECT_TRUE(cut.shrank);
  EXPECT_EQ(cut.lines, "");
  const LoadedRange whole = load_file_range(FileRange{ranged, 0, 16}, 64, *buffers);
  EXPECT_TRUE(whole.shrank);
  EXPECT_EQ(whole.lines, "abc\n");
  // A file that was that short when opened just ends without a newline.
  const auto as_opened = std::make_shared<const RangedFile>(file.fd(), "f.log", 0, 9, "too long");
  const LoadedRange last = load_file_range(FileRange{as_opened, 0, 6}, 64, *buffers);
  EXPECT_FALSE(last.shrank);
  EXPECT_EQ(last.lines, "abc\ndefgh");
  EXPECT_EQ(shrank_message("f.log"), "'f.log' shrank while it was being read");
}

}  // namespace
}  // namespace gpipe
