// Output: the record printer's formats, the output buffer, and the byte sinks (standard output,
// files replaced on commit, appending, zstd and gzip).
#include "output/output.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gpipe/errors.hpp"

namespace gpipe {
namespace {

namespace fs = std::filesystem;

// Keeps what is written, and each write(), to check both content and how it was cut.
class RecordingSink final : public ByteSink {
 public:
  void write(std::string_view bytes) override {
    writes.emplace_back(bytes);
    content += bytes;
  }
  void commit() override { committed = true; }

  std::string content;
  std::vector<std::string> writes;
  bool committed = false;
};

const Origin kOrigin{"test"};

// A batch of line records, each either plain text or a list of fields (nullopt values are null).
struct TestRecord {
  std::string text;
  std::vector<std::optional<std::string>> fields;
  bool has_fields = false;
};

TestRecord line(std::string text) {
  return {std::move(text), {}, false};
}
TestRecord with_fields(std::vector<std::optional<std::string>> fields) {
  return {"", std::move(fields), true};
}

// Fills `batch` (whose arena keeps the strings) with the records.
void fill(Batch& batch, const std::vector<TestRecord>& records,
          RecordKind kind = RecordKind::Line) {
  batch.reset(&kOrigin, kind);
  for (const TestRecord& t : records) {
    Record r;
    r.text = batch.arena().store(t.text);
    if (t.has_fields) {
      // Named by position, as `field 0 1` names them: such fields get no header row in TSV.
      static const std::string_view kPositions[] = {"0", "1", "2", "3", "4", "5", "6", "7"};
      std::vector<Field> fields;
      for (const auto& value : t.fields) {
        fields.push_back(Field{kPositions[fields.size()],
                               value ? Value::string(batch.arena().store(*value)) : Value::null()});
      }
      r.first_field = batch.add_fields(fields);
      r.field_count = static_cast<std::uint32_t>(fields.size());
    }
    batch.raw_records().push_back(r);
  }
}

struct Printed {
  std::string text;
  std::size_t count = 0;
};

Printed print(const OutputSpec& spec, const std::vector<TestRecord>& records,
              RecordKind kind = RecordKind::Line) {
  RecordingSink sink;
  OutputBuffer buffer(sink);
  RecordPrinter printer(spec, buffer);
  Batch batch;
  fill(batch, records, kind);
  const std::size_t count = printer.print(batch);
  buffer.flush();
  return {sink.content, count};
}

OutputSpec spec_for(OutputFormat format, std::string ofs = "\t") {
  OutputSpec spec;
  spec.format = format;
  spec.ofs = std::move(ofs);
  return spec;
}

// --- RecordPrinter ---

TEST(OutputPrinter, TextPrintsEachLineWithNewline) {
  const Printed p = print(spec_for(OutputFormat::Text), {line("alpha"), line(""), line("b c")});
  EXPECT_EQ(p.text, "alpha\n\nb c\n");
  EXPECT_EQ(p.count, 3u);
}

TEST(OutputPrinter, AutoFormatPrintsAsText) {
  const Printed p = print(spec_for(OutputFormat::Auto), {line("x\ty"), with_fields({"1", "2"})});
  EXPECT_EQ(p.text, "x\ty\n1\t2\n");
}

TEST(OutputPrinter, TextJoinsFieldsWithOfsAndPrintsNullAsEmpty) {
  const Printed p = print(
      spec_for(OutputFormat::Text, ", "),
      {with_fields({"a", std::nullopt, "c"}), with_fields({"only"}), with_fields({std::nullopt})});
  EXPECT_EQ(p.text, "a, , c\nonly\n\n");
  EXPECT_EQ(p.count, 3u);
}

TEST(OutputPrinter, TextDoesNotEscapeFieldValues) {
  const Printed p = print(spec_for(OutputFormat::Text), {with_fields({"a\tb", "c\\d"})});
  EXPECT_EQ(p.text, "a\tb\tc\\d\n");
}

TEST(OutputPrinter, TsvEscapesTabNewlineCarriageReturnAndBackslash) {
  const Printed p = print(spec_for(OutputFormat::Tsv),
                          {with_fields({"a\tb", "line1\nline2", "cr\r", "back\\slash", "plain"}),
                           with_fields({"\\\t\n\r"})});
  EXPECT_EQ(p.text, "a\\tb\tline1\\nline2\tcr\\r\tback\\\\slash\tplain\n\\\\\\t\\n\\r\n");
  EXPECT_EQ(p.count, 2u);
}

TEST(OutputPrinter, TsvIgnoresOfsAndPrintsNullAsEmptyColumn) {
  const Printed p =
      print(spec_for(OutputFormat::Tsv, ","), {with_fields({std::nullopt, "x", std::nullopt})});
  EXPECT_EQ(p.text, "\tx\t\n");
}

TEST(OutputPrinter, TsvRecordWithoutFieldsIsOneEscapedColumn) {
  const Printed p = print(spec_for(OutputFormat::Tsv), {line("a\tb\\c"), line("")});
  EXPECT_EQ(p.text, "a\\tb\\\\c\n\n");
}

TEST(OutputPrinter, BytesAreWrittenAsTheyAreInEveryFormat) {
  for (OutputFormat format : {OutputFormat::Auto, OutputFormat::Text, OutputFormat::Tsv,
                              OutputFormat::Csv, OutputFormat::Jsonl}) {
    const Printed p =
        print(spec_for(format), {line("chunk one\npart"), line("\tof two\n")}, RecordKind::Bytes);
    EXPECT_EQ(p.text, "chunk one\npart\tof two\n");
    EXPECT_EQ(p.count, 2u);
  }
}

Printed print_pending(const OutputSpec& spec, std::string_view block, bool line_flush = false) {
  RecordingSink sink;
  OutputBuffer buffer(sink, line_flush);
  RecordPrinter printer(spec, buffer);
  Batch batch;
  batch.reset(&kOrigin, RecordKind::Line);
  batch.set_pending_lines(block, 1, 0);
  const std::size_t count = printer.print(batch);
  buffer.flush();
  return {sink.content, count};
}

TEST(OutputPrinter, PendingBlockOfLinesPrintsLikeSplitLines) {
  const OutputSpec text = spec_for(OutputFormat::Text);
  EXPECT_EQ(print_pending(text, "a\n\nbb\n").text, "a\n\nbb\n");
  EXPECT_EQ(print_pending(text, "a\n\nbb\n").count, 3u);
  // The last line of the input may lack its newline; output always ends lines.
  EXPECT_EQ(print_pending(text, "a\nlast").text, "a\nlast\n");
  EXPECT_EQ(print_pending(text, "a\nlast").count, 2u);
  // CRLF endings are stripped from records, so they print as "\n"; a lone "\r" stays.
  EXPECT_EQ(print_pending(text, "a\r\nb\rc\n").text, "a\nb\rc\n");
  EXPECT_EQ(print_pending(text, "a\r\nb\rc\n").count, 2u);
  EXPECT_EQ(print_pending(text, "").count, 0u);
  // TSV escapes a pending line like any record without fields.
  EXPECT_EQ(print_pending(spec_for(OutputFormat::Tsv), "a\tb\n").text, "a\\tb\n");
  EXPECT_EQ(print_pending(text, "x\ny\n", true).text, "x\ny\n");
}

TEST(OutputPrinter, LineFlushWritesEachRecordAtOnce) {
  RecordingSink sink;
  OutputBuffer buffer(sink, /*line_flush=*/true);
  RecordPrinter printer(spec_for(OutputFormat::Text), buffer);
  Batch batch;
  fill(batch, {line("one"), line("two"), line("three")});
  EXPECT_EQ(printer.print(batch), 3u);
  EXPECT_EQ(sink.writes, (std::vector<std::string>{"one\n", "two\n", "three\n"}));
}

TEST(OutputPrinter, WithoutLineFlushNothingIsWrittenUntilFlush) {
  RecordingSink sink;
  OutputBuffer buffer(sink);
  RecordPrinter printer(spec_for(OutputFormat::Text), buffer);
  Batch batch;
  fill(batch, {line("one"), line("two")});
  printer.print(batch);
  EXPECT_TRUE(sink.writes.empty());
  buffer.flush();
  EXPECT_EQ(sink.writes, (std::vector<std::string>{"one\ntwo\n"}));
}

// --- OutputBuffer ---

TEST(OutputBuffer, DataLargerThanCapacityGoesStraightToTheSink) {
  RecordingSink sink;
  OutputBuffer buffer(sink);
  const std::string big(OutputBuffer::kCapacity * 2 + 17, 'x');
  buffer.append("head ");
  buffer.append(big);
  buffer.put('!');
  buffer.flush();
  ASSERT_EQ(sink.writes.size(), 3u);
  EXPECT_EQ(sink.writes[0], "head ");
  EXPECT_EQ(sink.writes[1].size(), big.size());
  EXPECT_EQ(sink.writes[2], "!");
  EXPECT_EQ(sink.content, "head " + big + "!");
}

TEST(OutputBuffer, FillingUpFlushesFullBuffersInOrder) {
  RecordingSink sink;
  OutputBuffer buffer(sink);
  std::string expected;
  const std::string piece(1000, 'p');
  for (int i = 0; i < 3000; ++i) {  // about 3 MiB in pieces that straddle the buffer's end
    const std::string numbered = std::to_string(i) + piece;
    buffer.append(numbered);
    buffer.put('\n');
    expected += numbered + "\n";
  }
  buffer.flush();
  buffer.flush();  // nothing left: no empty write
  EXPECT_EQ(sink.content, expected);
  for (const std::string& w : sink.writes) {
    EXPECT_LE(w.size(), OutputBuffer::kCapacity);
    EXPECT_FALSE(w.empty());
  }
  EXPECT_EQ(sink.writes.size(), expected.size() / OutputBuffer::kCapacity + 1);
}

// --- file sinks ---

class OutputFileSink : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "gpipe-output-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::set<std::string> listing() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  static std::string read_file(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  static void write_whole(const std::string& p, bool append, const std::string& content) {
    auto sink = open_file_sink(p, append);
    sink->write(content);
    sink->commit();
  }

  fs::path dir_;
};

// Text that compresses but is not trivial, larger than the compressors' buffers.
std::string sample_text(std::size_t lines) {
  std::string text;
  for (std::size_t i = 0; i < lines; ++i) {
    text += "2026-11-19T10:" + std::to_string(i % 60) + " INFO request " +
            std::to_string(i * 7919) + " took " + std::to_string(i % 997) + "ms\n";
  }
  return text;
}

std::string zstd_decompress(const std::string& compressed) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
  std::string out;
  std::vector<char> buffer(ZSTD_DStreamOutSize());
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  std::size_t last = 0;
  while (in.pos < in.size) {
    ZSTD_outBuffer o{buffer.data(), buffer.size(), 0};
    last = ZSTD_decompressStream(context.get(), &o, &in);
    if (ZSTD_isError(last)) throw std::runtime_error(ZSTD_getErrorName(last));
    out.append(buffer.data(), o.pos);
  }
  if (last != 0) throw std::runtime_error("truncated zstd frame");
  return out;
}

// Decompresses all gzip members, as zcat does; throws if the stream is cut short.
std::string gzip_decompress(const std::string& compressed) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) throw std::runtime_error("inflateInit2");
  std::string out;
  std::vector<unsigned char> buffer(64 * 1024);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  int members = 0;
  while (stream.avail_in > 0) {
    stream.next_out = buffer.data();
    stream.avail_out = static_cast<uInt>(buffer.size());
    const int status = inflate(&stream, Z_NO_FLUSH);
    out.append(reinterpret_cast<char*>(buffer.data()), buffer.size() - stream.avail_out);
    if (status == Z_STREAM_END) {
      ++members;
      inflateReset(&stream);
    } else if (status != Z_OK) {
      inflateEnd(&stream);
      throw std::runtime_error("corrupt or truncated gzip");
    }
  }
  inflateEnd(&stream);
  if (members == 0) throw std::runtime_error("no complete gzip member");
  return out;
}

TEST_F(OutputFileSink, ContentIsThereAfterCommitAndNoTemporaryFileRemains) {
  const std::string target = path("out.log");
  auto sink = open_file_sink(target, false);
  sink->write("first\n");
  sink->write("second\n");
  // Until commit, the real name does not exist; the bytes are in a hidden temporary file.
  EXPECT_FALSE(fs::exists(target));
  ASSERT_EQ(listing().size(), 1u);
  EXPECT_TRUE(listing().begin()->starts_with(".out.log.gpipe-")) << *listing().begin();
  sink->commit();
  sink.reset();
  EXPECT_EQ(read_file(target), "first\nsecond\n");
  EXPECT_EQ(listing(), (std::set<std::string>{"out.log"}));
}

TEST_F(OutputFileSink, DestroyedWithoutCommitLeavesNoFileAtAll) {
  {
    auto sink = open_file_sink(path("out.log"), false);
    sink->write("half of it");
  }
  EXPECT_TRUE(listing().empty());
  {
    auto sink = open_file_sink(path("out.log.zst"), false);
    sink->write(sample_text(1000));
  }
  EXPECT_TRUE(listing().empty());
}

TEST_F(OutputFileSink, FailedRunKeepsTheOldFileAsItWas) {
  const std::string target = path("out.log");
  write_whole(target, false, "old content\n");
  {
    auto sink = open_file_sink(target, false);
    sink->write("new but unfinished");
  }
  EXPECT_EQ(read_file(target), "old content\n");
  EXPECT_EQ(listing(), (std::set<std::string>{"out.log"}));
  write_whole(target, false, "new\n");
  EXPECT_EQ(read_file(target), "new\n");
}

TEST_F(OutputFileSink, NewFileGetsUmaskPermissionsAndReplacedFileKeepsItsMode) {
  const mode_t old_mask = ::umask(022);
  const std::string target = path("out.log");
  write_whole(target, false, "x\n");
  struct stat status {};
  ASSERT_EQ(::stat(target.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0644u);
  ASSERT_EQ(::chmod(target.c_str(), 0600), 0);
  write_whole(target, false, "y\n");
  ASSERT_EQ(::stat(target.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0600u);
  ::umask(old_mask);
}

TEST_F(OutputFileSink, WritingThroughSymlinkReplacesItsTarget) {
  const std::string target = path("real.log");
  write_whole(target, false, "old\n");
  fs::create_symlink("real.log", path("link.log"));
  write_whole(path("link.log"), false, "new\n");
  EXPECT_TRUE(fs::is_symlink(path("link.log")));
  EXPECT_EQ(read_file(target), "new\n");
}

TEST_F(OutputFileSink, ZstdOutputDecompressesToTheSameBytes) {
  const std::string text = sample_text(60000);  // a few MiB, several zstd blocks
  const std::string target = path("out.log.zst");
  auto sink = open_file_sink(target, false);
  sink->write(text.substr(0, 1000));
  sink->write(text.substr(1000));
  sink->commit();
  const std::string compressed = read_file(target);
  EXPECT_LT(compressed.size(), text.size() / 3);
  EXPECT_EQ(zstd_decompress(compressed), text);
}

TEST_F(OutputFileSink, GzipOutputDecompressesToTheSameBytes) {
  const std::string text = sample_text(60000);
  const std::string target = path("out.log.gz");
  auto sink = open_file_sink(target, false);
  sink->write(text.substr(0, 1000));
  sink->write(text.substr(1000));
  sink->commit();
  const std::string compressed = read_file(target);
  EXPECT_LT(compressed.size(), text.size() / 3);
  EXPECT_EQ(gzip_decompress(compressed), text);
}

TEST_F(OutputFileSink, EmptyCompressedOutputIsAValidEmptyStream) {
  write_whole(path("empty.zst"), false, "");
  write_whole(path("empty.gz"), false, "");
  EXPECT_EQ(zstd_decompress(read_file(path("empty.zst"))), "");
  EXPECT_EQ(gzip_decompress(read_file(path("empty.gz"))), "");
}

TEST_F(OutputFileSink, AppendTwiceConcatenates) {
  const std::string target = path("all.log");
  write_whole(target, true, "one\n");
  write_whole(target, true, "two\n");
  EXPECT_EQ(read_file(target), "one\ntwo\n");
  EXPECT_EQ(listing(), (std::set<std::string>{"all.log"}));
}

TEST_F(OutputFileSink, AppendedGzipAndZstdDecompressAsOneStream) {
  const std::string first = sample_text(3000);
  const std::string second = "and then more\n";
  write_whole(path("all.log.gz"), true, first);
  write_whole(path("all.log.gz"), true, second);
  EXPECT_EQ(gzip_decompress(read_file(path("all.log.gz"))), first + second);
  write_whole(path("all.log.zst"), true, first);
  write_whole(path("all.log.zst"), true, second);
  EXPECT_EQ(zstd_decompress(read_file(path("all.log.zst"))), first + second);
}

TEST_F(OutputFileSink, CannotCreateIsAnIoErrorNamingThePath) {
  const std::string target = path("no-such-dir/out.log");
  for (bool append : {false, true}) {
    try {
      open_file_sink(target, append);
      FAIL() << "no error";
    } catch (const IoError& e) {
      EXPECT_EQ(std::string(e.what()), "cannot write '" + target + "': No such file or directory");
    }
  }
}

TEST_F(OutputFileSink, DirectoryIsAnIoError) {
  try {
    open_file_sink(dir_.string(), false);
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write '" + dir_.string() + "': Is a directory");
  }
}

TEST_F(OutputFileSink, DeviceIsWrittenDirectlyNotReplaced) {
  auto sink = open_file_sink("/dev/null", false);
  sink->write("discarded\n");
  sink->commit();
  struct stat status {};
  ASSERT_EQ(::stat("/dev/null", &status), 0);
  EXPECT_TRUE(S_ISCHR(status.st_mode));
}

TEST_F(OutputFileSink, DiskFullIsAnIoErrorNamingThePath) {
  auto sink = open_file_sink("/dev/full", false);
  try {
    sink->write("x");
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write '/dev/full': No space left on device");
  }
}

// --- standard output ---

// Points fd 1 at another descriptor for the life of the object.
class StdoutRedirect {
 public:
  explicit StdoutRedirect(int fd) : saved_(::dup(STDOUT_FILENO)) {
    std::fflush(stdout);
    ::dup2(fd, STDOUT_FILENO);
  }
  ~StdoutRedirect() {
    ::dup2(saved_, STDOUT_FILENO);
    ::close(saved_);
  }
  StdoutRedirect(const StdoutRedirect&) = delete;
  StdoutRedirect& operator=(const StdoutRedirect&) = delete;

 private:
  int saved_;
};

TEST(OutputStdoutSink, WritesAllBytesToStandardOutput) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string received;
  {
    StdoutRedirect redirect(fds[1]);
    auto sink = open_stdout_sink();
    sink->write("hello ");
    sink->write("world\n");
    sink->commit();
  }
  ::close(fds[1]);
  char buffer[64];
  ssize_t n;
  while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) {
    received.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  EXPECT_EQ(received, "hello world\n");
}

TEST(OutputStdoutSink, DiskFullIsAnIoError) {
  const int full = ::open("/dev/full", O_WRONLY);
  ASSERT_GE(full, 0);
  std::string message;
  {
    StdoutRedirect redirect(full);
    auto sink = open_stdout_sink();
    try {
      sink->write("some output\n");
    } catch (const IoError& e) {
      message = e.what();
    }
  }
  ::close(full);
  EXPECT_EQ(message, "cannot write to standard output: No space left on device");
}

TEST(OutputStdoutSink, ClosedPipeIsOutputClosed) {
  std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);  // the reader went away
  bool closed = false;
  {
    StdoutRedirect redirect(fds[1]);
    auto sink = open_stdout_sink();
    try {
      sink->write("nobody reads this\n");
    } catch (const OutputClosed&) {
      closed = true;
    }
  }
  ::close(fds[1]);
  EXPECT_TRUE(closed);
}

}  // namespace
}  // namespace gpipe
