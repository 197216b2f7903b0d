// split_lines against a plain reference splitter: its AVX2 path cuts 64 bytes at a time, so
// lines of every length around that, CRLF pairs split across a 64-byte boundary, and blocks
// with and without a last newline must come out the same.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gpipe/record.hpp"

namespace gpipe {
namespace {

struct Line {
  std::string text;
  std::uint64_t line = 0;
  std::uint64_t offset = 0;
  bool operator==(const Line&) const = default;
};

// One '\n' at a time, the way the reader's contract states it.
std::vector<Line> reference_split(const std::string& block, std::uint64_t first_line,
                                  std::uint64_t offset) {
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start < block.size()) {
    std::size_t end = block.find('\n', start);
    const bool terminated = end != std::string::npos;
    if (!terminated) end = block.size();
    std::string text = block.substr(start, end - start);
    if (!text.empty() && text.back() == '\r') text.pop_back();
    lines.push_back({text, first_line + lines.size(), offset + start});
    start = terminated ? end + 1 : block.size();
  }
  return lines;
}

std::vector<Line> split(const std::string& block, std::uint64_t first_line, std::uint64_t offset) {
  std::vector<Record> records;
  split_lines(block, first_line, offset, records);
  std::vector<Line> lines;
  for (const Record& r : records) lines.push_back({std::string(r.text), r.line, r.offset});
  return lines;
}

TEST(SplitLinesTest, EmptyBlockHasNoLines) {
  EXPECT_TRUE(split("", 1, 0).empty());
}

TEST(SplitLinesTest, LastLineWithoutNewlineIsALine) {
  EXPECT_EQ(split("a\nbc", 7, 100), (std::vector<Line>{{"a", 7, 100}, {"bc", 8, 102}}));
  EXPECT_EQ(split("a\n\n", 1, 0), (std::vector<Line>{{"a", 1, 0}, {"", 2, 2}}));
}

TEST(SplitLinesTest, EveryLineLengthAroundTheSimdBlock) {
  for (std::size_t length = 0; length <= 200; ++length) {
    for (const bool crlf : {false, true}) {
      for (const bool last_newline : {false, true}) {
        std::string block;
        for (int i = 0; i < 5; ++i) {
          block += std::string(length, static_cast<char>('a' + i)) + (crlf ? "\r\n" : "\n");
        }
        block += std::string(length, 'z');
        if (last_newline) block += '\n';
        ASSERT_EQ(split(block, 3, 10), reference_split(block, 3, 10))
            << "length " << length << (crlf ? " crlf" : "") << (last_newline ? " nl" : "");
      }
    }
  }
}

TEST(SplitLinesTest, RandomBlocksMatchTheReference) {
  std::mt19937 random(20261206);
  const std::string alphabet = "ab\r\n";
  for (int round = 0; round < 500; ++round) {
    std::string block(random() % 700, 'x');
    for (char& c : block) c = alphabet[random() % alphabet.size()];
    ASSERT_EQ(split(block, 1, 0), reference_split(block, 1, 0)) << "round " << round;
  }
}

}  // namespace
}  // namespace gpipe
