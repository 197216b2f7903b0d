// -j over csv, in two layers. The row-end scan (csv::whole_rows_length, csv::first_row_length)
// against the csv stage's own way of finding rows: line by line, with split_row/ends_in_quotes
// and its --max-line rule; random texts of quotes, separators, CR, LF and a byte order mark put
// quotes in every position the rules distinguish. Then frame_chunk
// (src/exec/parallel/csv_framing.hpp), chunk after chunk as the workers call it, with the csv
// stage's framing: rows cut at row ends across chunk edges, the header in front of every chunk,
// rows longer than a chunk, and lines `read` skipped between and inside rows.
#include "exec/parallel/csv_framing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "formats/csv/csv_parser.hpp"
#include "test_util.hpp"

namespace gpipe::csv {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

struct ReferenceRows {
  std::vector<std::size_t> ends;  // just past the '\n' of each row's last line
  std::size_t first_nonblank_end = 0;
};

// Rows as the csv stage makes them from the lines of `text` (which ends in '\n').
ReferenceRows reference_rows(std::string_view text, char sep, std::size_t max_line, bool bom) {
  ReferenceRows rows;
  bool open = false;
  std::size_t row_size = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t newline = text.find('\n', start);
    std::string_view line = text.substr(start, newline - start);
    const bool crlf = !line.empty() && line.back() == '\r';
    if (crlf) line.remove_suffix(1);
    if (start == 0 && bom && line.starts_with(kBom)) line.remove_prefix(kBom.size());
    bool ends = false;
    bool blank = false;
    if (!open) {
      blank = line.empty();
      open = !blank && ends_in_quotes(line, sep, false);
      row_size = line.size();
      ends = !open;
    } else {
      const std::size_t previous_end = start - 1;
      const bool previous_crlf = previous_end > 0 && text[previous_end - 1] == '\r';
      row_size += (previous_crlf ? 2 : 1) + line.size();
      open = ends_in_quotes(line, sep, true);
      if (open && row_size > max_line) open = false;
      ends = !open;
    }
    start = newline + 1;
    if (ends) {
      rows.ends.push_back(start);
      if (!blank && rows.first_nonblank_end == 0) rows.first_nonblank_end = start;
    }
  }
  return rows;
}

std::string random_csv(std::mt19937& rng, bool bom) {
  static constexpr std::string_view kAlphabet = "ab,,\"\"\"\n\n\r;";
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::uniform_int_distribution<std::size_t> length(0, 120);
  std::string text = bom ? std::string(kBom) : std::string();
  const std::size_t n = length(rng);
  for (std::size_t i = 0; i < n; ++i) text += kAlphabet[pick(rng)];
  return text + "\n";
}

TEST(CsvFramingTest, RowEndsAreTheOnesTheCsvStageFindsLineByLine) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20000; ++round) {
    const bool bom = round % 5 == 0;
    const std::string text = random_csv(rng, bom);
    const char sep = round % 7 == 0 ? ';' : ',';
    const std::size_t max_line = round % 3 == 0 ? 8 : 1000;
    const std::size_t first_field = bom ? kBom.size() : 0;
    const ReferenceRows rows = reference_rows(text, sep, max_line, bom);
    // Every prefix of whole lines: the last row end in it, and the first non-blank row's end.
    for (std::size_t end = 0; end <= text.size(); ++end) {
      if (end != 0 && text[end - 1] != '\n') continue;
      const std::string_view prefix = std::string_view(text).substr(0, end);
      std::size_t expected = 0;
      for (std::size_t row_end : rows.ends) {
        if (row_end <= end) expected = row_end;
      }
      const std::size_t expected_first =
          rows.first_nonblank_end <= end ? rows.first_nonblank_end : 0;
      ASSERT_EQ(whole_rows_length(prefix, sep, max_line, first_field), expected)
          << "text " << ::testing::PrintToString(text) << " prefix " << end << " max_line "
          << max_line << " sep " << sep << " bom " << bom;
      ASSERT_EQ(first_row_length(prefix, sep, max_line, first_field), expected_first)
          << "text '" << text << "' prefix " << end;
    }
  }
}

// -j: the "\r" of a line end before a skipped line, after a line whose text ends in "\r", is a
// byte the stage never sees: left out, the row below is exactly --max-line (10) long at its
// second line and goes on; counted, it was cut there.
TEST(CsvFramingTest, UncountedBytesDoNotCountAgainstMaxLine) {
  const std::string text = "x,\"a\r\r\nBBBB\r\nend\",z";
  EXPECT_EQ(whole_rows_length(text, ',', 10, 0), 13u);
  const std::size_t uncounted[] = {5};
  EXPECT_EQ(whole_rows_length(text, ',', 10, 0, uncounted), 0u);
  EXPECT_EQ(whole_rows_length(text + "\n", ',', 10, 0, uncounted), text.size() + 1);
}

TEST(CsvFramingTest, QuotedLineBreaksAndStrayQuotes) {
  // Rows: header; a quoted field over two lines; a stray quote inside a value; "" inside quotes.
  const std::string text = "id,notes\n1,\"a\nb\"\n2,x\"y\n3,\"say \"\"hi\"\"\nbye\"\n";
  EXPECT_EQ(first_row_length(text, ',', 1000, 0), 9u);
  EXPECT_EQ(whole_rows_length(text, ',', 1000, 0), text.size());
  // Cut inside the quoted field: the row is not whole yet.
  EXPECT_EQ(whole_rows_length(std::string_view(text).substr(0, 14), ',', 1000, 0), 9u);
  // A quote after the byte order mark opens the header's first field.
  const std::string with_bom = std::string(kBom) + "\"a\nb\",c\n1,2\n";
  EXPECT_EQ(first_row_length(with_bom, ',', 1000, 3), with_bom.size() - 4);
  // Blank lines before the header belong to it.
  EXPECT_EQ(first_row_length("\n\r\nh\n1\n", ',', 1000, 0), 5u);
}

}  // namespace
}  // namespace gpipe::csv

namespace gpipe::parallel {
namespace {

const Origin kOrigin{"rows.csv"};
constexpr std::size_t kMaxLine = 64 * kMiB;

// The csv stage's framing (a header row per file), with this --max-line.
std::shared_ptr<const ChunkFraming> csv_framing(std::size_t max_line = kMaxLine) {
  Context ctx;
  ctx.options.max_line = max_line;
  return test::build_stage("csv", ctx).framing;
}

std::uint64_t newlines_in(std::string_view text) {
  return static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
}

// The chunks of one file as the Chunker makes them from copied blocks under a framing: room in
// front of the lines, numbered by `read`.
class FileChunks {
 public:
  // The lines of `text` from where the last chunk ended up to `to` (a line end).
  void add_lines(std::string_view text, std::size_t to) {
    Chunk& chunk = add();
    chunk.offset = file_offset_;
    chunk.first_line = next_line_;
    chunk.file_start = file_offset_ == 0;
    const std::string_view lines = text.substr(text_offset_, to - text_offset_);
    chunk.payload = CopiedLines{std::string(kFramedFront, '.') + std::string(lines), kFramedFront};
    text_offset_ = to;
    file_offset_ += lines.size();
    next_line_ += newlines_in(lines);
  }

  // A line `read` skipped as overlong (`length` bytes and its '\n').
  void add_skipped_line(std::size_t length) {
    Chunk& chunk = add();
    chunk.offset = file_offset_;
    chunk.first_line = next_line_;
    chunk.payload = SkippedLine{next_line_, file_offset_, "zzzz", "line too long"};
    file_offset_ += length + 1;
    ++next_line_;
  }

  // frame_chunk over the chunks in input order, as their workers call it (the last one ends the
  // file).
  std::vector<ChunkLines> frame(const ChunkFraming& framing, std::size_t max_line = kMaxLine) {
    chunks_.back().file_end = true;
    std::vector<ChunkLines> framed;
    FramedLink link;
    for (Chunk& chunk : chunks_) {
      FramedLink next;
      framed.push_back(frame_chunk(framing, chunk, std::move(link), max_line, next));
      link = std::move(next);
    }
    return framed;
  }

 private:
  Chunk& add() {
    Chunk& chunk = chunks_.emplace_back();
    chunk.seq = chunks_.size() - 1;
    chunk.origin = &kOrigin;
    chunk.framed = true;
    return chunk;
  }

  std::deque<Chunk> chunks_;  // a deque: the framed lines view the chunks
  std::size_t text_offset_ = 0;
  std::uint64_t file_offset_ = 0;
  std::uint64_t next_line_ = 1;
};

// Where each line of `text` ends, just past its '\n'.
std::vector<std::size_t> line_ends(std::string_view text) {
  std::vector<std::size_t> ends;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') ends.push_back(i + 1);
  }
  return ends;
}

// Cut at random line ends into 1 to 8 chunks, any file is cut into rows that end where the csv
// stage's rows end, each once, in order; every chunk but the one that holds the file's first row
// has the header in front, and its line number and offset are those of its first row.
TEST(FrameChunkTest, RowsAreCutWhereTheyEndWhereverTheChunksAreCut) {
  std::mt19937 rng(11);
  for (int round = 0; round < 5000; ++round) {
    const bool bom = round % 5 == 0;
    const std::string text = csv::random_csv(rng, bom);
    const std::size_t max_line = round % 3 == 0 ? 8 : 1000;
    const std::shared_ptr<const ChunkFraming> framing = csv_framing(max_line);
    std::vector<std::size_t> ends = line_ends(text);
    std::shuffle(ends.begin(), ends.end(), rng);
    ends.resize(std::min<std::size_t>(ends.size(), rng() % 8));
    ends.push_back(text.size());
    std::sort(ends.begin(), ends.end());
    ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
    FileChunks chunks;
    for (const std::size_t end : ends) chunks.add_lines(text, end);
    const std::vector<ChunkLines> framed = chunks.frame(*framing, max_line);

    const std::string_view header =
        std::string_view(text).substr(0, framing->prelude(text).value_or(0));
    std::size_t at = 0;  // where the next chunk's rows start in the file
    for (const ChunkLines& lines : framed) {
      SCOPED_TRACE(::testing::PrintToString(text) + " max_line " + std::to_string(max_line));
      EXPECT_TRUE(lines.gaps.empty());
      if (lines.text.empty()) continue;  // its rows went on to the next chunk
      ASSERT_EQ(lines.body(), std::string_view(text).substr(at, lines.body().size()));
      if (at == 0) {
        EXPECT_EQ(lines.prelude_size, 0u);
      } else {
        EXPECT_EQ(lines.text.substr(0, lines.prelude_size), header);
        EXPECT_EQ(lines.prelude_lines, newlines_in(header));
      }
      EXPECT_EQ(lines.offset, at);
      EXPECT_EQ(lines.first_line, 1 + newlines_in(std::string_view(text).substr(0, at)));
      at += lines.body().size();
      if (at != text.size()) {
        EXPECT_EQ(framing->whole_records(std::string_view(text).substr(0, at), true, {}), at);
      }
    }
    EXPECT_EQ(at, text.size());
  }
}

TEST(FrameChunkTest, QuotedLineBreaksAndCrlfAcrossChunkEdges) {
  const std::string text =
      "h1,h2\r\n1,\"a\r\n"  // lines 1-2: a chunk
      "b\"\r\n2,c\r\n"      // lines 3-4: a chunk
      "3,\"d\r\ne\r\n"      // lines 5-6: a chunk
      "f\"\r\n";            // line 7: a chunk
  const std::vector<std::size_t> ends = line_ends(text);
  FileChunks chunks;
  for (const std::size_t line : {1, 3, 5, 6}) chunks.add_lines(text, ends[line]);
  const std::vector<ChunkLines> framed = chunks.frame(*csv_framing());
  ASSERT_EQ(framed.size(), 4u);
  EXPECT_EQ(framed[0].text, "h1,h2\r\n");
  EXPECT_EQ(framed[1].text, "h1,h2\r\n1,\"a\r\nb\"\r\n2,c\r\n");
  EXPECT_EQ(framed[1].prelude_size, 7u);
  EXPECT_EQ(framed[1].first_line, 2u);
  EXPECT_EQ(framed[1].offset, ends[0]);
  EXPECT_EQ(framed[2].text, "");  // the row it starts ends in the next chunk
  EXPECT_EQ(framed[3].body(), "3,\"d\r\ne\r\nf\"\r\n");
  EXPECT_EQ(framed[3].first_line, 5u);
  EXPECT_EQ(framed[3].offset, ends[3]);
}

// A quoted field of 80,000 lines (about 1 MB) in chunks of about 64 KiB: it is carried whole,
// past kChunkBytes (where it is scanned again only as it doubles), to the chunk where it ends.
TEST(FrameChunkTest, ARowLongerThanAChunkIsCarriedWholeToItsEnd) {
  std::string text = "id,notes\n1,a\n2,\"";
  for (int i = 0; i < 80000; ++i) text += "line " + std::to_string(i) + "\n";
  const std::size_t long_row = text.find("2,\"");
  text += "end\"\n3,b\n";
  ASSERT_GT(text.size() - long_row, 2 * kChunkBytes);
  FileChunks chunks;
  std::size_t from = 0;
  for (const std::size_t end : line_ends(text)) {
    if (end - from >= 64 * kKiB || end == text.size()) {
      chunks.add_lines(text, end);
      from = end;
    }
  }
  const std::vector<ChunkLines> framed = chunks.frame(*csv_framing());
  ASSERT_GT(framed.size(), 8u);
  EXPECT_EQ(framed[0].body(), std::string_view(text).substr(0, long_row));
  for (std::size_t i = 1; i + 1 < framed.size(); ++i) EXPECT_EQ(framed[i].text, "") << i;
  EXPECT_EQ(framed.back().body(), std::string_view(text).substr(long_row));
  EXPECT_EQ(framed.back().text.substr(0, framed.back().prelude_size), "id,notes\n");
  EXPECT_EQ(framed.back().first_line, 3u);
  EXPECT_EQ(framed.back().offset, long_row);
}

// A line `read` skipped between rows is a gap its own chunk reports; the rows after it start
// the next chunk, with the header in front.
TEST(FrameChunkTest, ASkippedLineBetweenRowsIsReportedInItsPlace) {
  const std::string before = "h\n1,a\n";
  const std::string after = "2,b\n";
  FileChunks chunks;
  chunks.add_lines(before, before.size());
  chunks.add_skipped_line(2000);
  chunks.add_lines(before + after, before.size() + after.size());
  const std::vector<ChunkLines> framed = chunks.frame(*csv_framing());
  ASSERT_EQ(framed.size(), 3u);
  EXPECT_EQ(framed[0].text, before);
  EXPECT_TRUE(framed[0].gaps.empty());
  EXPECT_EQ(framed[1].text, "");
  ASSERT_EQ(framed[1].gaps.size(), 1u);
  EXPECT_EQ(framed[1].gaps[0].at, 0u);
  EXPECT_EQ(framed[1].gaps[0].head, "zzzz");
  EXPECT_EQ(framed[1].gaps[0].reason, "line too long");
  EXPECT_EQ(framed[2].text, "h\n2,b\n");
  EXPECT_EQ(framed[2].first_line, 4u);
  EXPECT_EQ(framed[2].offset, before.size() + 2001);
  EXPECT_TRUE(framed[2].gaps.empty());
}

// A line `read` skipped inside a quoted field: the row goes on after it, as in one pass, and the
// chunk that holds the row's end reports it among its rows. The '\r' of the "\r\n" before it
// goes: one pass joins the lines on either side of a skipped line with "\n".
TEST(FrameChunkTest, ASkippedLineInsideARowIsCarriedWithTheRow) {
  const std::string first = "h\r\n1,\"a\r\n";  // lines 1-2, offsets 0-8
  const std::string rest = "b\"\r\n2,x\r\n";   // lines 4-5, after line 3 (20 bytes)
  FileChunks chunks;
  chunks.add_lines(first, first.size());
  chunks.add_skipped_line(20);
  chunks.add_lines(first + rest, first.size() + rest.size());
  const std::vector<ChunkLines> framed = chunks.frame(*csv_framing());
  ASSERT_EQ(framed.size(), 3u);
  EXPECT_EQ(framed[0].text, "h\r\n");
  EXPECT_EQ(framed[1].text, "");
  EXPECT_TRUE(framed[1].gaps.empty());
  const ChunkLines& rows = framed[2];
  EXPECT_EQ(rows.text.substr(0, rows.prelude_size), "h\r\n");
  EXPECT_EQ(rows.body(), "1,\"a\nb\"\r\n2,x\r\n");
  EXPECT_EQ(rows.first_line, 2u);
  EXPECT_EQ(rows.offset, 3u);
  ASSERT_EQ(rows.gaps.size(), 1u);
  EXPECT_EQ(rows.gaps[0].at, 5u);
  EXPECT_EQ(rows.gaps[0].resume_offset, first.size() + 21);
}

// A header row longer than the room in front of a chunk's lines: the rows are joined in a buffer
// of their own, which stays put when the lines move on with the chunk's result.
TEST(FrameChunkTest, RowsJoinedApartStayPutWhenTheirLinesMove) {
  const std::string header = std::string(2 * kFramedFront, 'h') + "\n";
  const std::string text = header + "1,a\n2,b\n";
  FileChunks chunks;
  chunks.add_lines(text, header.size() + 4);
  chunks.add_lines(text, text.size());
  std::vector<ChunkLines> framed = chunks.frame(*csv_framing());
  ASSERT_EQ(framed.size(), 2u);
  ASSERT_NE(framed[1].joined, nullptr);
  const char* const where = framed[1].text.data();
  const ChunkLines moved = std::move(framed[1]);
  EXPECT_EQ(moved.text.data(), where);
  EXPECT_EQ(moved.text, header + "2,b\n");
  EXPECT_EQ(moved.prelude_size, header.size());
}

}  // namespace
}  // namespace gpipe::parallel
