// Byte sources: plain files, standard input, zstd and gzip by magic bytes, and glob expansion.
#include "io/io.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "gpipe/errors.hpp"
#include "input_test_util.hpp"

namespace gpipe {
namespace {

using test::ScratchDir;

// Everything a source yields, read `piece` bytes at a time.
std::string drain(ByteSource& source, std::size_t piece = 64 * 1024) {
  std::string out;
  std::string buffer(piece, '\0');
  for (;;) {
    const std::size_t got = source.read(buffer.data(), buffer.size());
    if (got == 0) return out;
    EXPECT_LE(got, piece);
    out.append(buffer.data(), got);
  }
}

std::string read_input(const std::string& path, std::size_t piece = 64 * 1024) {
  const auto source = open_input(path);
  return drain(*source, piece);
}

// The IoError message of reading `path` to its end, or "" if it read fine.
std::string read_error(const std::string& path) {
  try {
    read_input(path);
  } catch (const IoError& error) {
    return error.what();
  }
  return "";
}

TEST(IoTest, PlainFileComesBackByteForByte) {
  ScratchDir dir;
  const std::string text = test::sample_lines(300 * 1024);
  const std::string path = dir.write("plain.log", text);
  for (std::size_t piece : {1, 2, 3, 5, 4096, 1 << 20}) {
    if (piece < 64) {
      EXPECT_EQ(read_input(dir.write("small.log", "ab\ncd"), piece), "ab\ncd") << piece;
    } else {
      EXPECT_EQ(read_input(path, piece), text) << piece;
    }
  }
}

TEST(IoTest, ShortFilesAndNearMagicBytesStayPlain) {
  ScratchDir dir;
  EXPECT_EQ(read_input(dir.write("empty", "")), "");
  EXPECT_EQ(read_input(dir.write("one", "\x1F")), "\x1F");
  EXPECT_EQ(read_input(dir.write("gz-like",
                                 "\x1F"
                                 "abc\n")),
            "\x1F"
            "abc\n");
  EXPECT_EQ(read_input(dir.write("zstd-prefix", "\x28\xB5\x2F")), "\x28\xB5\x2F");
  EXPECT_EQ(read_input(dir.write("zstd-like", "\x28\xB5xy\n")), "\x28\xB5xy\n");
  EXPECT_EQ(read_input(dir.write("skippable-like", "\x50\x2A\x4D")), "\x50\x2A\x4D");
  // A stream of nothing but a skippable frame is valid zstd holding no data.
  EXPECT_EQ(read_input(dir.write("skippable", test::zstd_skippable_frame("meta"))), "");
}

TEST(IoTest, ZstdIsDecompressedByMagicNotName) {
  ScratchDir dir;
  const std::string text = test::sample_lines(500 * 1024);
  const std::string path = dir.write("no-extension.log", test::zstd_frame(text));
  EXPECT_EQ(read_input(path), text);
  EXPECT_EQ(read_input(path, 1000), text);
  EXPECT_EQ(read_input(dir.write("tiny.zst", test::zstd_frame("a\nb")), 1), "a\nb");
}

TEST(IoTest, ZstdMultipleAndSkippableFrames) {
  ScratchDir dir;
  const std::string a = test::sample_lines(70 * 1024);
  const std::string b = "second frame\n";
  const std::string c = test::sample_lines(1000);
  const std::string bytes = test::zstd_skippable_frame("metadata") + test::zstd_frame(a) +
                            test::zstd_frame(b) + test::zstd_skippable_frame("") +
                            test::zstd_frame(c) + test::zstd_frame("");
  const std::string path = dir.write("frames.zst", bytes);
  EXPECT_EQ(read_input(path), a + b + c);
  EXPECT_EQ(read_input(path, 7), a + b + c);
}

TEST(IoTest, ZstdLongWindowBeyondTheDefaultLimit) {
  ScratchDir dir;
  const std::string text = test::sample_lines(200 * 1024);
  const std::string frame = test::zstd_frame(text, /*window_log=*/28);
  // The frame really needs a long window: a decoder with default limits refuses it.
  ZSTD_DCtx* plain = ZSTD_createDCtx();
  std::string out(text.size(), '\0');
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  ZSTD_inBuffer input{frame.data(), frame.size(), 0};
  EXPECT_TRUE(ZSTD_isError(ZSTD_decompressStream(plain, &output, &input)));
  ZSTD_freeDCtx(plain);

  EXPECT_EQ(read_input(dir.write("long.zst", frame)), text);
}

TEST(IoTest, ZstdCommandLineLongAndMultiFrameFiles) {
  ScratchDir dir;
  const std::string text = test::sample_lines(400 * 1024);
  const std::string plain = dir.write("cli.log", text);
  const std::string long_zst = dir.path("cli-long.zst");
  const std::string command = "zstd -q --long=27 -c '" + plain + "' > '" + long_zst + "' && " +
                              "zstd -q -c '" + plain + "' >> '" + long_zst + "'";
  if (std::system(("command -v zstd > /dev/null && " + command).c_str()) != 0) {
    GTEST_SKIP() << "zstd command not available";
  }
  EXPECT_EQ(read_input(long_zst), text + text);
}

TEST(IoTest, TruncatedZstdIsAnIoError) {
  ScratchDir dir;
  const std::string frame = test::zstd_frame(test::sample_lines(100 * 1024));
  const std::string path = dir.write("t.log.zst", frame.substr(0, frame.size() / 2));
  EXPECT_EQ(read_error(path), "'" + path + "': truncated zstd stream");
  const std::string magic_only = dir.write("magic.zst", "\x28\xB5\x2F\xFD");
  EXPECT_EQ(read_error(magic_only), "'" + magic_only + "': truncated zstd stream");
  // The end of a frame is not the end of the stream if another frame has begun.
  const std::string second = dir.write("two.zst", test::zstd_frame("a\n") + frame.substr(0, 9));
  EXPECT_EQ(read_error(second), "'" + second + "': truncated zstd stream");
}

TEST(IoTest, CorruptZstdNamesTheZstdError) {
  ScratchDir dir;
  std::string frame = test::zstd_frame("hello\n");
  // Trailing bytes that are no frame: the decoder reports them by zstd's own error name.
  const std::string path = dir.write("junk.zst", frame + "not zstd at all");
  EXPECT_EQ(read_error(path), "'" + path + "': Unknown frame descriptor");
}

TEST(IoTest, GzipSingleAndConcatenatedMembers) {
  ScratchDir dir;
  const std::string a = test::sample_lines(300 * 1024);
  const std::string b = "member two\nno final newline";
  const std::string one = dir.write("one.log", test::gzip_member(a));
  EXPECT_EQ(read_input(one), a);
  EXPECT_EQ(read_input(one, 3), a);
  const std::string two =
      dir.write("two.gz", test::gzip_member(a) + test::gzip_member(b) + test::gzip_member(""));
  EXPECT_EQ(read_input(two), a + b);
  EXPECT_EQ(read_input(two, 100), a + b);
}

TEST(IoTest, TruncatedGzipIsAnIoError) {
  ScratchDir dir;
  const std::string member = test::gzip_member(test::sample_lines(100 * 1024));
  const std::string path = dir.write("t.log.gz", member.substr(0, member.size() / 2));
  EXPECT_EQ(read_error(path), "'" + path + "': truncated gzip stream");
  // Cut inside the 8-byte trailer: all data came out, but the member never ended.
  const std::string trailer = dir.write("trailer.gz", member.substr(0, member.size() - 3));
  EXPECT_EQ(read_error(trailer), "'" + trailer + "': truncated gzip stream");
  const std::string magic_only = dir.write("magic.gz", "\x1F\x8B");
  EXPECT_EQ(read_error(magic_only), "'" + magic_only + "': truncated gzip stream");
}

TEST(IoTest, CorruptGzipCarriesZlibMessage) {
  ScratchDir dir;
  // A valid 10-byte gzip header, then a deflate block of the reserved type 3 (0xFF).
  const std::string header("\x1F\x8B\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  const std::string path = dir.write("bad.gz", header + "\xFF\xFF\xFF\xFF");
  EXPECT_EQ(read_error(path), "'" + path + "': corrupt gzip data: invalid block type");
  // A wrong CRC in the trailer.
  std::string member = test::gzip_member("hello\n");
  member[member.size() - 8] = static_cast<char>(member[member.size() - 8] ^ 0x55);
  const std::string crc = dir.write("crc.gz", member);
  EXPECT_EQ(read_error(crc), "'" + crc + "': corrupt gzip data: incorrect data check");
}

TEST(IoTest, MissingFileAndDirectoryMessages) {
  ScratchDir dir;
  const std::string missing = dir.path("nope.log");
  try {
    open_input(missing);
    FAIL() << "no error";
  } catch (const IoError& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot open '" + missing + "': No such file or directory");
  }
  const std::string directory = dir.path("");
  try {
    open_input(directory);
    FAIL() << "no error";
  } catch (const IoError& error) {
    EXPECT_EQ(std::string(error.what()), "cannot read '" + directory + "': Is a directory");
  }
}

// Runs `body` with standard input replaced by a pipe holding `bytes`.
template <class Body>
void with_stdin(const std::string& bytes, Body body) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_LT(bytes.size(), 60000u) << "must fit in the pipe buffer";
  ASSERT_EQ(::write(fds[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(fds[1]);
  const int saved = ::dup(STDIN_FILENO);
  ::dup2(fds[0], STDIN_FILENO);
  ::close(fds[0]);
  body();
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
}

TEST(IoTest, StdinIsReadWithoutSeekingAndStaysOpen) {
  const std::string text = test::sample_lines(20 * 1024);
  with_stdin(test::gzip_member(text), [&] {
    EXPECT_EQ(read_input("-", 5), text);
    EXPECT_NE(::fcntl(STDIN_FILENO, F_GETFD), -1) << "standard input was closed";
  });
  with_stdin(test::zstd_frame(text), [&] { EXPECT_EQ(read_input("-"), text); });
  with_stdin("a\nb", [&] { EXPECT_EQ(read_input("-", 1), "a\nb"); });
}

TEST(IoTest, DisplayName) {
  EXPECT_EQ(display_name("-"), "<stdin>");
  EXPECT_EQ(display_name("logs/app.log"), "logs/app.log");
}

TEST(IoTest, GlobsExpandSortedAndPlainPathsPassThrough) {
  ScratchDir dir;
  for (const char* name : {"b.log", "a.log", "c.txt", "a10.log", "a2.log"}) dir.write(name, "");
  const std::vector<std::string> paths =
      expand_input_paths({dir.path("*.log"), "-", dir.path("missing.log"), dir.path("c.tx?")});
  EXPECT_EQ(paths, (std::vector<std::string>{dir.path("a.log"), dir.path("a10.log"),
                                             dir.path("a2.log"), dir.path("b.log"), "-",
                                             dir.path("missing.log"), dir.path("c.txt")}));
  EXPECT_EQ(expand_input_paths({dir.path("a[12]*.log")}),
            (std::vector<std::string>{dir.path("a10.log"), dir.path("a2.log")}));
}

TEST(IoTest, GlobMatchingNothingNamesThePattern) {
  ScratchDir dir;
  const std::string pattern = dir.path("nothing*.log");
  try {
    expand_input_paths({dir.path("*.none"), pattern});
    FAIL() << "no error";
  } catch (const IoError& error) {
    EXPECT_EQ(std::string(error.what()), "no file matches '" + dir.path("*.none") + "'");
  }
  dir.write("x.none", "");
  try {
    expand_input_paths({dir.path("*.none"), pattern});
    FAIL() << "no error";
  } catch (const IoError& error) {
    EXPECT_EQ(std::string(error.what()), "no file matches '" + pattern + "'");
  }
}

}  // namespace
}  // namespace gpipe
