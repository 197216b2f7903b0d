// LineReader: blocks of whole lines out of a byte stream, with tiny buffers, short reads,
// overlong lines and exact line numbers and offsets.
#include "io/line_reader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "gpipe/record.hpp"
#include "input_test_util.hpp"
#include "io/mapped_file.hpp"

namespace gpipe {
namespace {

// Bytes from memory, at most `max_read` per read, as a pipe would return them.
class MemorySource : public ByteSource {
 public:
  MemorySource(std::string data, std::size_t max_read)
      : data_(std::move(data)), max_read_(max_read) {}
  std::size_t read(char* buffer, std::size_t n) override {
    const std::size_t take = std::min({n, max_read_, data_.size() - pos_});
    std::memcpy(buffer, data_.data() + pos_, take);
    pos_ += take;
    ++reads_;
    return take;
  }
  std::size_t reads() const { return reads_; }

 private:
  std::string data_;
  std::size_t max_read_;
  std::size_t pos_ = 0;
  std::size_t reads_ = 0;
};

struct Line {
  std::string text;  // with its "\r" if any, without "\n"
  std::uint64_t number;
  std::uint64_t offset;
  bool operator==(const Line&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Line& line) {
  return out << line.number << "@" << line.offset << ":'" << line.text << "'";
}

// The obvious split, to compare against.
std::vector<Line> reference_split(const std::string& text) {
  std::vector<Line> lines;
  std::size_t start = 0;
  std::uint64_t number = 1;
  while (start < text.size()) {
    const std::size_t newline = text.find('\n', start);
    const std::size_t end = newline == std::string::npos ? text.size() : newline;
    lines.push_back({text.substr(start, end - start), number++, start});
    start = end + 1;
  }
  return lines;
}

struct Outcome {
  std::vector<Line> lines;
  std::vector<Line> overlong;  // text = head
  std::vector<std::string> blocks;
};

// Reads everything from `reader` (over `input`), checking the block invariants on the way.
Outcome read_through(LineReader& reader, const std::string& input, bool mapped = false) {
  Outcome outcome;
  LineReader::Block block;
  LineReader::Overlong overlong;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    switch (reader.next(block, overlong)) {
      case LineReader::Event::Lines: {
        EXPECT_FALSE(block.lines.empty());
        EXPECT_EQ(block.owner != nullptr, mapped);
        outcome.blocks.emplace_back(block.lines);
        // Every line of a block ends in '\n' except the stream's last one.
        const bool ends_in_newline = block.lines.back() == '\n';
        EXPECT_TRUE(ends_in_newline || block.offset + block.lines.size() == input.size());
        EXPECT_EQ(input.substr(block.offset, block.lines.size()), block.lines);
        std::uint64_t number = block.first_line;
        std::size_t start = 0;
        while (start < block.lines.size()) {
          std::size_t end = block.lines.find('\n', start);
          if (end == std::string_view::npos) end = block.lines.size();
          outcome.lines.push_back({std::string(block.lines.substr(start, end - start)), number++,
                                   block.offset + start});
          start = end + 1;
        }
        break;
      }
      case LineReader::Event::Overlong:
        outcome.overlong.push_back({std::string(overlong.head), overlong.line, overlong.offset});
        break;
      case LineReader::Event::End:
        return outcome;
      case LineReader::Event::Idle:  // only with an idle tick, which these readers lack
        ADD_FAILURE() << "an idle event without an idle tick";
        return outcome;
    }
  }
  ADD_FAILURE() << "LineReader never ended";
  return outcome;
}

Outcome read_all(const std::string& input, std::size_t capacity, std::size_t max_line,
                 std::size_t max_read = SIZE_MAX) {
  MemorySource source(input, max_read);
  LineReader reader(source, capacity, max_line);
  return read_through(reader, input);
}

std::string mixed_input() {
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += std::string(static_cast<std::size_t>(i * 7 % 23), static_cast<char>('a' + i % 26));
    text += (i % 5 == 0) ? "\r\n" : "\n";
    if (i % 9 == 0) text += "\n";  // empty lines
  }
  return text + "last line without newline";
}

TEST(LineReaderTest, EveryTinyCapacityMatchesTheReferenceSplit) {
  const std::string input = mixed_input();
  const std::vector<Line> expected = reference_split(input);
  for (std::size_t capacity = 1; capacity <= 17; ++capacity) {
    for (std::size_t max_read : {std::size_t{1}, std::size_t{3}, SIZE_MAX}) {
      const Outcome outcome = read_all(input, capacity, 1024, max_read);
      EXPECT_EQ(outcome.lines, expected) << "capacity " << capacity << " read " << max_read;
      EXPECT_TRUE(outcome.overlong.empty());
    }
  }
}

TEST(LineReaderTest, ZeroCapacityIsTreatedAsOne) {
  const std::string input = "ab\ncde\n\nf";
  EXPECT_EQ(read_all(input, 0, 100).lines, reference_split(input));
}

TEST(LineReaderTest, BlockEndsAfterTheLastNewlineAndFinalPartialLineIsItsOwnBlock) {
  const Outcome outcome = read_all("a\nbb\nccc", 64, 100);
  EXPECT_EQ(outcome.blocks, (std::vector<std::string>{"a\nbb\n", "ccc"}));
  EXPECT_EQ(outcome.lines, (std::vector<Line>{{"a", 1, 0}, {"bb", 2, 2}, {"ccc", 3, 5}}));
}

TEST(LineReaderTest, FillsTheFreeSpaceOfTheBuffer) {
  // 1000 bytes through a 256-byte buffer: a handful of reads, not one per line.
  std::string input;
  for (int i = 0; i < 100; ++i) input += "123456789\n";
  MemorySource source(input, SIZE_MAX);
  LineReader reader(source, 256, 1024);
  LineReader::Block block;
  LineReader::Overlong overlong;
  std::size_t blocks = 0;
  while (reader.next(block, overlong) == LineReader::Event::Lines) ++blocks;
  EXPECT_EQ(blocks, 4u);  // 250 + 250 + 250 + 250 bytes (each read tops up to 256)
  EXPECT_LE(source.reads(), 6u);
}

TEST(LineReaderTest, EmptyInputEndsAtOnce) {
  MemorySource source("", SIZE_MAX);
  LineReader reader(source, 16, 100);
  LineReader::Block block;
  LineReader::Overlong overlong;
  EXPECT_EQ(reader.next(block, overlong), LineReader::Event::End);
  EXPECT_EQ(reader.next(block, overlong), LineReader::Event::End);
}

TEST(LineReaderTest, OnlyNewlines) {
  const Outcome outcome = read_all("\n\n\n", 1, 10);
  EXPECT_EQ(outcome.lines, (std::vector<Line>{{"", 1, 0}, {"", 2, 1}, {"", 3, 2}}));
}

TEST(LineReaderTest, CrlfLinesAreChompedWhenSplit) {
  const Outcome outcome = read_all("a b\r\nc d\r\ne f", 4, 100, 2);
  std::vector<Record> records;
  for (const std::string& block : outcome.blocks) {
    // Offsets do not matter here; the text does.
    split_lines(block, 1, 0, records);
  }
  std::vector<std::string> texts;
  for (const Record& record : records) texts.emplace_back(record.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"a b", "c d", "e f"}));
}

TEST(LineReaderTest, LineOfExactlyMaxLineIsFineOneMoreIsOverlong) {
  constexpr std::size_t kMax = 10;
  const std::string exact(kMax, 'x');
  const std::string over(kMax + 1, 'y');
  const std::string input = "short\n" + exact + "\n" + over + "\n" + "after\n" + exact;
  for (std::size_t capacity = 1; capacity <= 17; ++capacity) {
    for (std::size_t max_read : {std::size_t{1}, std::size_t{4}, SIZE_MAX}) {
      const Outcome outcome = read_all(input, capacity, kMax, max_read);
      const std::string where =
          "capacity " + std::to_string(capacity) + " read " + std::to_string(max_read);
      EXPECT_EQ(
          outcome.lines,
          (std::vector<Line>{{"short", 1, 0}, {exact, 2, 6}, {"after", 4, 29}, {exact, 5, 35}}))
          << where;
      ASSERT_EQ(outcome.overlong.size(), 1u) << where;
      EXPECT_EQ(outcome.overlong[0].number, 3u) << where;
      EXPECT_EQ(outcome.overlong[0].offset, 17u) << where;
      // The head is the line's first bytes, never more than the buffer can hold.
      EXPECT_FALSE(outcome.overlong[0].text.empty()) << where;
      EXPECT_LE(outcome.overlong[0].text.size(), kMax + 1) << where;
      EXPECT_EQ(outcome.overlong[0].text, over.substr(0, outcome.overlong[0].text.size()));
    }
  }
}

TEST(LineReaderTest, VeryLongAndConsecutiveOverlongLines) {
  const std::string input = std::string(5000, 'a') + "\n" + std::string(20, 'b') + "\n" + "ok\n" +
                            std::string(999, 'c') + "\n" + "end";
  const Outcome outcome = read_all(input, 4, 16, 7);
  EXPECT_EQ(outcome.lines, (std::vector<Line>{{"ok", 3, 5022}, {"end", 5, 6025}}));
  ASSERT_EQ(outcome.overlong.size(), 3u);
  EXPECT_EQ(outcome.overlong[0].number, 1u);
  EXPECT_EQ(outcome.overlong[0].offset, 0u);
  EXPECT_EQ(outcome.overlong[0].text, std::string(17, 'a'));
  EXPECT_EQ(outcome.overlong[1].number, 2u);
  EXPECT_EQ(outcome.overlong[1].offset, 5001u);
  EXPECT_EQ(outcome.overlong[2].number, 4u);
  EXPECT_EQ(outcome.overlong[2].offset, 5025u);
}

TEST(LineReaderTest, OverlongLastLineWithoutNewline) {
  const Outcome outcome = read_all("a\n" + std::string(50, 'z'), 8, 20);
  EXPECT_EQ(outcome.lines, (std::vector<Line>{{"a", 1, 0}}));
  ASSERT_EQ(outcome.overlong.size(), 1u);
  EXPECT_EQ(outcome.overlong[0].number, 2u);
  EXPECT_EQ(outcome.overlong[0].offset, 2u);
  // One byte over at the end of input, with no newline, is overlong too.
  const Outcome one_over = read_all(std::string(21, 'q'), 64, 20);
  EXPECT_TRUE(one_over.lines.empty());
  ASSERT_EQ(one_over.overlong.size(), 1u);
  EXPECT_EQ(one_over.overlong[0].number, 1u);
  const Outcome exact = read_all(std::string(20, 'q'), 64, 20);
  EXPECT_EQ(exact.lines, (std::vector<Line>{{std::string(20, 'q'), 1, 0}}));
}

TEST(LineReaderTest, LargeCapacityStillEnforcesMaxLine) {
  // The default buffer (256 KiB) is far larger than a small --max-line: lines inside one
  // buffer must still be checked.
  const std::string input = "short\n" + std::string(200, '0') + "\nafter\n";
  const Outcome outcome = read_all(input, 256 * 1024, 100);
  EXPECT_EQ(outcome.lines, (std::vector<Line>{{"short", 1, 0}, {"after", 3, 207}}));
  ASSERT_EQ(outcome.overlong.size(), 1u);
  EXPECT_EQ(outcome.overlong[0].number, 2u);
  EXPECT_EQ(outcome.overlong[0].offset, 6u);
}

TEST(LineReaderTest, LongLinesGrowTheBufferUpToMaxLine) {
  std::string input;
  for (std::size_t length : {1, 100, 3000, 2, 4095, 0, 70}) {
    input += std::string(length, 'L') + "\n";
  }
  EXPECT_EQ(read_all(input, 1, 4095, 13).lines, reference_split(input));
  EXPECT_EQ(read_all(input, 16, 4095).lines, reference_split(input));
}

// --- Mapped files: the same lines, numbers, offsets and overlong reports as reading them. ---

// Lines of every kind of length: empty, short, about a page, several pages; some CRLF; the
// last with or without its newline.
std::string random_lines(std::mt19937& random) {
  std::string text;
  const int lines = std::uniform_int_distribution<int>(0, 60)(random);
  for (int i = 0; i < lines; ++i) {
    const int kind = std::uniform_int_distribution<int>(0, 9)(random);
    std::size_t length = 0;
    if (kind < 5)
      length = std::uniform_int_distribution<std::size_t>(0, 40)(random);
    else if (kind < 8)
      length = std::uniform_int_distribution<std::size_t>(3000, 5000)(random);
    else
      length = std::uniform_int_distribution<std::size_t>(8000, 20000)(random);
    text += std::string(length, static_cast<char>('a' + i % 26));
    text += (kind == 1) ? "\r\n" : "\n";
  }
  if (std::uniform_int_distribution<int>(0, 1)(random) == 0 && !text.empty()) text.pop_back();
  return text;
}

Outcome read_mapped(const std::string& path, const std::string& input, std::size_t capacity,
                    std::size_t max_line) {
  const std::unique_ptr<ByteSource> source = open_input(path);
  LineReader reader(*source, capacity, max_line, path, page_size());
  return read_through(reader, input, /*mapped=*/!input.empty());
}

TEST(MappedLineReaderTest, GivesWhatReadingGivesForEveryShapeWithOnePageWindows) {
  test::ScratchDir dir;
  std::mt19937 random(7);
  for (int round = 0; round < 60; ++round) {
    const std::string input = random_lines(random);
    const std::string path = dir.write("input" + std::to_string(round), input);
    for (std::size_t capacity :
         {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{5000}}) {
      for (std::size_t max_line :
           {std::size_t{3}, std::size_t{100}, std::size_t{4096}, std::size_t{12000}, SIZE_MAX}) {
        const std::string where = "round " + std::to_string(round) + " capacity " +
                                  std::to_string(capacity) + " max_line " +
                                  std::to_string(max_line);
        const Outcome mapped = read_mapped(path, input, capacity, max_line);
        const Outcome read = read_all(input, capacity, max_line, 4093);
        EXPECT_EQ(mapped.lines, read.lines) << where;
        EXPECT_EQ(mapped.overlong, read.overlong) << where;
        // A block is at most `capacity` bytes, or one line longer than that.
        for (const std::string& block : mapped.blocks) {
          const std::size_t first_line = block.find('\n');
          EXPECT_TRUE(block.size() <= capacity || first_line == std::string::npos ||
                      first_line + 1 == block.size())
              << where;
        }
      }
    }
  }
}

TEST(MappedLineReaderTest, AnEmptyFileIsReadNotMapped) {
  test::ScratchDir dir;
  const std::string path = dir.write("empty", "");
  EXPECT_TRUE(read_mapped(path, "", 16, 100).lines.empty());
}

TEST(MappedLineReaderTest, ReadsOnWhenTheFileGrowsWhileItIsRead) {
  test::ScratchDir dir;
  std::string input;
  for (int i = 0; i < 500; ++i) input += "line " + std::to_string(i) + "\n";
  const std::string path = dir.write("growing.log", input);
  const std::unique_ptr<ByteSource> source = open_input(path);
  LineReader reader(*source, 64, 1000, path, page_size());
  LineReader::Block block;
  LineReader::Overlong overlong;
  ASSERT_EQ(reader.next(block, overlong), LineReader::Event::Lines);
  std::ofstream(path, std::ios::app) << "appended\n";
  std::string last;
  std::uint64_t last_number = 0;
  while (reader.next(block, overlong) == LineReader::Event::Lines) {
    last = std::string(block.lines);
    last_number = block.first_line + std::count(block.lines.begin(), block.lines.end(), '\n') - 1;
  }
  EXPECT_TRUE(last.ends_with("appended\n")) << last;
  EXPECT_EQ(last_number, 501u);
}

TEST(MappedLineReaderDeathTest, AFileThatShrinksWhileMappedIsAnInputErrorNotACrash) {
  test::ScratchDir dir;
  std::string input;
  for (int i = 0; i < 5000; ++i) input += "line " + std::to_string(i) + "\n";
  const std::string path = dir.write("shrinking.log", input);
  EXPECT_EXIT(
      {
        install_truncation_guard();
        const std::unique_ptr<ByteSource> source = open_input(path);
        LineReader reader(*source, 64, 1000, path, page_size());
        LineReader::Block block;
        LineReader::Overlong overlong;
        reader.next(block, overlong);
        if (::truncate(path.c_str(), 0) != 0) std::_Exit(99);
        std::uint64_t bytes = 0;
        while (reader.next(block, overlong) == LineReader::Event::Lines) {
          bytes += block.lines.size();
        }
        std::_Exit(bytes == 0 ? 98 : 97);
      },
      testing::ExitedWithCode(3), "'" + path + "' shrank while it was being read");
}

}  // namespace
}  // namespace gpipe
