// The source stages read, chunks and seq: their generators directly, and built from pipeline
// text through the real parser and stage table.
#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gpipe/errors.hpp"
#include "input_test_util.hpp"
#include "stages/sources/sources.hpp"
#include "test_util.hpp"

namespace gpipe {
namespace {

using test::ScratchDir;

struct Seen {
  std::string origin;
  std::string text;
  std::uint64_t line;
  std::uint64_t offset;
  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Seen& seen) {
  return out << seen.origin << ":" << seen.line << "@" << seen.offset << ":'" << seen.text << "'";
}

std::vector<Seen> collect_seen(BatchStream stream, std::size_t* batches = nullptr) {
  std::vector<Seen> out;
  for (Batch& batch : stream) {
    if (batches != nullptr) ++*batches;
    for (const Record& record : batch.records()) {
      out.push_back({batch.origin()->name, std::string(record.text), record.line, record.offset});
    }
  }
  return out;
}

std::size_t open_descriptors() {
  std::size_t count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  while (::readdir(dir) != nullptr) ++count;
  ::closedir(dir);
  return count;
}

TEST(SourceStagesTest, ReadSeveralFilesWithOriginsLinesAndOffsets) {
  ScratchDir dir;
  const std::string a = dir.write("a.log", "one\r\ntwo\nthree");
  const std::string b = dir.write("b.log", test::gzip_member("x\ny\n"));
  const std::string empty = dir.write("empty.log", "");
  const std::string c = dir.write("c.log", test::zstd_frame("z\n"));
  for (std::size_t buffer : {1, 3, 7, 256 * 1024}) {
    Context ctx;
    ctx.options.read_buffer = buffer;
    std::size_t batches = 0;
    EXPECT_EQ(collect_seen(stages::read_lines({a, b, empty, c}, ctx), &batches),
              (std::vector<Seen>{{a, "one", 1, 0},
                                 {a, "two", 2, 5},
                                 {a, "three", 3, 9},
                                 {b, "x", 1, 0},
                                 {b, "y", 2, 2},
                                 {c, "z", 1, 0}}))
        << buffer;
    if (buffer > 100) {
      EXPECT_EQ(batches, 4u);  // a's lines, a's last line, b, c
    }
  }
}

TEST(SourceStagesTest, ReadHandsOutPendingBlocks) {
  ScratchDir dir;
  const std::string path = dir.write("a.log", "a\nb\nc\n");
  Context ctx;
  BatchStream stream = stages::read_lines({path}, ctx);
  auto it = stream.begin();
  ASSERT_FALSE(it == std::default_sentinel);
  Batch& batch = *it;
  EXPECT_EQ(batch.kind(), RecordKind::Line);
  ASSERT_TRUE(batch.lines_pending());
  EXPECT_EQ(batch.pending_block(), "a\nb\nc\n");
  EXPECT_EQ(batch.pending_first_line(), 1u);
  EXPECT_EQ(batch.pending_offset(), 0u);
}

TEST(SourceStagesTest, ReadBigFileMatchesItsLines) {
  ScratchDir dir;
  const std::string text = test::sample_lines(600 * 1024);
  const std::string path = dir.write("big.log.zst", test::zstd_frame(text));
  Context ctx;
  const std::vector<std::string> lines = test::collect(stages::read_lines({path}, ctx));
  std::vector<std::string> expected;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t newline = text.find('\n', start);
    expected.push_back(text.substr(start, newline - start));
    start = newline + 1;
  }
  EXPECT_EQ(lines, expected);
}

TEST(SourceStagesTest, MissingFileIsReportedWhenReachedAfterEarlierFiles) {
  ScratchDir dir;
  const std::string good = dir.write("good.log", "first\n");
  const std::string missing = dir.path("missing.log");
  Context ctx;
  std::vector<std::string> seen;
  try {
    for (Batch& batch : stages::read_lines({good, missing}, ctx)) {
      for (const Record& record : batch.records()) seen.emplace_back(record.text);
    }
    FAIL() << "no error";
  } catch (const IoError& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot open '" + missing + "': No such file or directory");
  }
  EXPECT_EQ(seen, std::vector<std::string>{"first"});
}

TEST(SourceStagesTest, OverlongLineFailsWithLocationUnderFailPolicy) {
  ScratchDir dir;
  const std::string path = dir.write("long.log", "short\n" + std::string(200, '0') + "\nafter\n");
  Context ctx;
  ctx.options.max_line = 100;
  try {
    test::collect(stages::read_lines({path}, ctx));
    FAIL() << "no error";
  } catch (const BadRecordError& error) {
    EXPECT_EQ(std::string(error.what()), path + ":2: line longer than --max-line (100 bytes)\n" +
                                             "  record: " + std::string(80, '0') + "...");
  }
}

TEST(SourceStagesTest, OverlongLineSkippedUnderSkipPolicy) {
  ScratchDir dir;
  const std::string path =
      dir.write("long.log", "short\n" + std::string(3 * kKiB, '0') + "\nafter\n");
  Context ctx;
  ctx.options.max_line = 2 * kKiB;
  ctx.options.read_buffer = 16;
  std::destroy_at(&ctx.errors);  // as the CLI does: the policy is fixed once per run
  std::construct_at(&ctx.errors, ErrorPolicy::Mode::Skip, "");
  EXPECT_EQ(collect_seen(stages::read_lines({path}, ctx)),
            (std::vector<Seen>{{path, "short", 1, 0}, {path, "after", 3, 6 + 3 * kKiB + 1}}));
  EXPECT_EQ(ctx.errors.count(), 1u);
  EXPECT_EQ(ctx.errors.first_messages(),
            std::vector<std::string>{path + ":2: line longer than --max-line (2 KiB)"});
}

TEST(SourceStagesTest, HumanSizes) {
  EXPECT_EQ(stages::human_size(64 * kMiB), "64 MiB");
  EXPECT_EQ(stages::human_size(512 * kKiB), "512 KiB");
  EXPECT_EQ(stages::human_size(2 * kMiB * kKiB), "2 GiB");
  EXPECT_EQ(stages::human_size(1000), "1000 bytes");
  EXPECT_EQ(stages::human_size(1), "1 byte");
}

TEST(SourceStagesTest, FilesAreOpenedOneAtATimeAndClosedWhenDone) {
  ScratchDir dir;
  std::vector<std::string> paths;
  for (int i = 0; i < 2000; ++i) {
    const std::string number = std::to_string(i);
    paths.push_back(dir.write(std::string("f").append(number).append(".log"),
                              std::string("line ").append(number)));
  }
  Context ctx;
  const std::size_t before = open_descriptors();
  std::size_t most = 0;
  std::size_t lines = 0;
  for (Batch& batch : stages::read_lines(paths, ctx)) {
    most = std::max(most, open_descriptors());
    lines += batch.records().size();
  }
  EXPECT_EQ(lines, 2000u);
  // The file being read, plus the descriptor opendir uses to count.
  EXPECT_LE(most, before + 2);
  EXPECT_EQ(open_descriptors(), before);
}

TEST(SourceStagesTest, StoppingEarlyClosesTheFileAtOnce) {
  ScratchDir dir;
  const std::string path = dir.write("a.log", test::sample_lines(100 * 1024));
  Context ctx;
  ctx.options.read_buffer = 64;
  const std::size_t before = open_descriptors();
  {
    BatchStream stream = stages::read_lines({path, path}, ctx);
    auto it = stream.begin();
    ASSERT_FALSE(it == std::default_sentinel);
    EXPECT_EQ(open_descriptors(), before + 1);
  }
  EXPECT_EQ(open_descriptors(), before);
}

TEST(SourceStagesTest, ReadStageFromPipelineText) {
  ScratchDir dir;
  dir.write("b.log", "b1\n");
  dir.write("a.log", "a1\na2\n");
  Context ctx;
  BuiltStage built = test::build_stage("read '" + dir.path("*.log") + "'", ctx);
  ASSERT_TRUE(built.source);
  EXPECT_EQ(collect_seen(built.source()), (std::vector<Seen>{{dir.path("a.log"), "a1", 1, 0},
                                                             {dir.path("a.log"), "a2", 2, 3},
                                                             {dir.path("b.log"), "b1", 1, 0}}));
}

TEST(SourceStagesTest, ReadGlobMatchingNothingFailsWhileBuilding) {
  ScratchDir dir;
  Context ctx;
  const std::string pattern = dir.path("nothing*.log");
  try {
    test::build_stage("read '" + pattern + "'", ctx);
    FAIL() << "no error";
  } catch (const IoError& error) {
    EXPECT_EQ(std::string(error.what()), "no file matches '" + pattern + "'");
  }
}

TEST(SourceStagesTest, ReadMissingFileIsNotAnErrorUntilRead) {
  Context ctx;
  BuiltStage built = test::build_stage("read /nonexistent/x.log", ctx);
  ASSERT_TRUE(built.source);
  EXPECT_THROW(test::collect(built.source()), IoError);
}

TEST(SourceStagesTest, StandardInputCanBeTakenOnlyOnce) {
  Context ctx;
  test::build_stage("read -", ctx);
  EXPECT_TRUE(ctx.stdin_taken);
  try {
    test::build_stage("read a.log -", ctx);
    FAIL() << "no error";
  } catch (const PipelineError& error) {
    EXPECT_EQ(std::string(error.what()), "standard input can only be read once");
    EXPECT_EQ(error.span().offset, 11u);
    EXPECT_EQ(error.span().length, 1u);
  }
}

TEST(SourceStagesTest, ReadNeedsAPath) {
  Context ctx;
  EXPECT_THROW(test::build_stage("read", ctx), PipelineError);
}

// --- chunks ---

std::vector<Seen> chunks_of(std::vector<std::string> paths, std::size_t size,
                            std::size_t* batches = nullptr) {
  std::vector<Seen> out;
  Context ctx;
  for (Batch& batch : stages::read_chunks(std::move(paths), size, ctx)) {
    if (batches != nullptr) ++*batches;
    EXPECT_EQ(batch.kind(), RecordKind::Bytes);
    EXPECT_FALSE(batch.lines_pending());
    for (const Record& record : batch.records()) {
      out.push_back({batch.origin()->name, std::string(record.text), record.line, record.offset});
    }
  }
  return out;
}

TEST(SourceStagesTest, ChunksAreExactSizeAndRestartPerFile) {
  ScratchDir dir;
  const std::string a = dir.write("a.bin", "abcdefghij");
  const std::string b = dir.write("b.bin", test::gzip_member("0123\n5"));
  const std::string empty = dir.write("empty.bin", "");
  EXPECT_EQ(chunks_of({a, empty, b}, 3), (std::vector<Seen>{{a, "abc", 1, 0},
                                                            {a, "def", 2, 3},
                                                            {a, "ghi", 3, 6},
                                                            {a, "j", 4, 9},
                                                            {b, "012", 1, 0},
                                                            {b, "3\n5", 2, 3}}));
  EXPECT_EQ(chunks_of({a}, 5), (std::vector<Seen>{{a, "abcde", 1, 0}, {a, "fghij", 2, 5}}));
  EXPECT_EQ(chunks_of({a}, 100), (std::vector<Seen>{{a, "abcdefghij", 1, 0}}));
}

TEST(SourceStagesTest, ChunksLargerAndSmallerThanABatch) {
  ScratchDir dir;
  const std::string text = test::sample_lines(700 * 1024);
  const std::string path = dir.write("big.zst", test::zstd_frame(text));
  for (std::size_t size : {std::size_t{1000}, std::size_t{300 * 1024}}) {
    std::size_t batches = 0;
    const std::vector<Seen> chunks = chunks_of({path}, size, &batches);
    ASSERT_EQ(chunks.size(), (text.size() + size - 1) / size) << size;
    std::string joined;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      EXPECT_EQ(chunks[i].line, i + 1);
      EXPECT_EQ(chunks[i].offset, joined.size());
      if (i + 1 < chunks.size()) {
        EXPECT_EQ(chunks[i].text.size(), size);
      }
      joined += chunks[i].text;
    }
    EXPECT_EQ(joined, text);
    EXPECT_LT(batches, chunks.size() / 100 + 4) << "small chunks share batches";
  }
}

TEST(SourceStagesTest, ChunksStageFromPipelineText) {
  ScratchDir dir;
  const std::string path = dir.write("a.bin", std::string(2500, 'q'));
  Context ctx;
  BuiltStage built = test::build_stage("chunks 1KiB " + path, ctx);
  ASSERT_TRUE(built.source);
  std::vector<std::size_t> sizes;
  for (Batch& batch : built.source()) {
    for (const Record& record : batch.records()) sizes.push_back(record.text.size());
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1024, 1024, 452}));
  EXPECT_THROW(test::build_stage("chunks 0 " + path, ctx), PipelineError);
  EXPECT_THROW(test::build_stage("chunks 1KiB", ctx), PipelineError);
}

// --- seq ---

std::vector<std::string> first_n(BatchStream stream, std::size_t n) {
  std::vector<std::string> out;
  for (Batch& batch : stream) {
    for (const Record& record : batch.records()) {
      if (out.size() == n) return out;
      EXPECT_EQ(record.line, out.size() + 1);
      out.emplace_back(record.text);
    }
  }
  return out;
}

std::vector<std::string> numbers(std::int64_t from, std::int64_t to, std::int64_t step) {
  std::vector<std::string> out;
  for (std::int64_t i = from; step > 0 ? i <= to : i >= to; i += step) {
    out.push_back(std::to_string(i));
  }
  return out;
}

std::vector<std::string> seq(const std::string& text, std::size_t limit = 100000) {
  Context ctx;
  return first_n(test::build_stage(text, ctx).source(), limit);
}

TEST(SourceStagesTest, SeqForms) {
  EXPECT_EQ(seq("seq", 2500), numbers(1, 2500, 1));  // endless: the consumer stops
  EXPECT_EQ(seq("seq 5..", 3), numbers(5, 7, 1));
  EXPECT_EQ(seq("seq 1..100"), numbers(1, 100, 1));
  EXPECT_EQ(seq("seq 1..3000"), numbers(1, 3000, 1));
  EXPECT_EQ(seq("seq 10"), numbers(1, 10, 1));
  EXPECT_EQ(seq("seq 1..10 --step 3"), numbers(1, 10, 3));
  EXPECT_EQ(seq("seq 10..1 --step -1"), numbers(10, 1, -1));
  EXPECT_EQ(seq("seq --step=-4 3..-9"), (std::vector<std::string>{"3", "-1", "-5", "-9"}));
  EXPECT_EQ(seq("seq 7..7"), std::vector<std::string>{"7"});
}

TEST(SourceStagesTest, SeqStepAwayFromLastIsEmpty) {
  EXPECT_TRUE(seq("seq 10..1").empty());
  EXPECT_TRUE(seq("seq 1..10 --step -1").empty());
  EXPECT_TRUE(seq("seq 0").empty());
}

TEST(SourceStagesTest, SeqIsLazyAndBatched) {
  std::size_t batches = 0;
  std::size_t records = 0;
  for (Batch& batch : stages::count_numbers(1, std::nullopt, 1)) {
    ++batches;
    records += batch.records().size();
    if (batches == 3) break;
  }
  EXPECT_EQ(records, 3 * 1024u);
}

TEST(SourceStagesTest, SeqStopsAtThe64BitLimits) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(test::collect(stages::count_numbers(kMax - 1, std::nullopt, 1)),
            (std::vector<std::string>{"9223372036854775806", "9223372036854775807"}));
  EXPECT_EQ(test::collect(stages::count_numbers(kMin + 5, std::nullopt, -3)),
            (std::vector<std::string>{"-9223372036854775803", "-9223372036854775806"}));
  EXPECT_EQ(test::collect(stages::count_numbers(kMax - 2, kMax, 2)),
            (std::vector<std::string>{"9223372036854775805", "9223372036854775807"}));
}

TEST(SourceStagesTest, SeqArgumentErrorsPointAtTheArgument) {
  const auto error_of = [](const std::string& text) -> std::pair<std::string, SourceSpan> {
    Context ctx;
    try {
      test::build_stage(text, ctx);
    } catch (const PipelineError& error) {
      return {error.what(), error.span()};
    }
    return {"", {}};
  };
  auto [message, span] = error_of("seq x");
  EXPECT_EQ(message, "expected FIRST..LAST, got 'x'");
  EXPECT_EQ(span.offset, 4u);
  std::tie(message, span) = error_of("seq 1..b");
  EXPECT_EQ(message, "expected FIRST..LAST, got '1..b'");
  EXPECT_EQ(span.offset, 4u);
  EXPECT_EQ(span.length, 4u);
  std::tie(message, span) = error_of("seq ..5");
  EXPECT_EQ(message, "expected FIRST..LAST, got '..5'");
  std::tie(message, span) = error_of("seq 99999999999999999999");
  EXPECT_EQ(message, "expected FIRST..LAST, got '99999999999999999999'");
  std::tie(message, span) = error_of("seq 1..5 --step 0");
  EXPECT_EQ(message, "expected a nonzero integer step, got '0'");
  EXPECT_EQ(span.offset, 16u);
  std::tie(message, span) = error_of("seq 1..5 --step 1.5");
  EXPECT_EQ(message, "expected a nonzero integer step, got '1.5'");
}

}  // namespace
}  // namespace gpipe
