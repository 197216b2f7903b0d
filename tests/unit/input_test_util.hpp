// Helpers for the input tests: temporary directories, files, and compressing test data.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace gpipe::test {

// A fresh directory under the GoogleTest temp dir, removed with everything in it at the end.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = testing::TempDir() + "gpipe-input-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string path(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string file = path(name);
    std::ofstream out(file, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + file);
    return file;
  }

 private:
  std::filesystem::path path_;
};

inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// One zstd frame. Streamed without a pledged size so the frame keeps the full window of
// `window_log` (a one-shot compression would shrink the window to the input size).
inline std::string zstd_frame(const std::string& data, int window_log = 0) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  if (window_log != 0) {
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_enableLongDistanceMatching, 1);
  }
  std::string out(ZSTD_compressBound(data.size()) + 1024, '\0');
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  ZSTD_inBuffer input{data.data(), data.size(), 0};
  ZSTD_compressStream2(cctx, &output, &input, ZSTD_e_continue);
  ZSTD_inBuffer empty{nullptr, 0, 0};
  while (ZSTD_compressStream2(cctx, &output, &empty, ZSTD_e_end) != 0) {
  }
  ZSTD_freeCCtx(cctx);
  out.resize(output.pos);
  return out;
}

// A zstd skippable frame (magic 0x184D2A5X, little-endian size, payload).
inline std::string zstd_skippable_frame(const std::string& payload) {
  std::string frame = "\x50\x2A\x4D\x18";
  const auto size = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) frame += static_cast<char>((size >> (8 * i)) & 0xFF);
  return frame + payload;
}

// One gzip member.
inline std::string gzip_member(const std::string& data) {
  z_stream stream{};
  deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

// Deterministic log-like text of about `bytes` bytes, with varied line lengths.
inline std::string sample_lines(std::size_t bytes) {
  std::string text;
  for (std::size_t i = 0; text.size() < bytes; ++i) {
    text += "2026-11-19 line " + std::to_string(i) + " " + std::string(i % 37, 'x') + "\n";
  }
  return text;
}

}  // namespace gpipe::test
