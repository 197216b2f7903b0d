// Compressors as ByteSink decorators: each compresses what it is given and writes the result to
// the sink it wraps, so a compressed file is "compressor over file sink", never a mode flag of
// the file sink. commit() ends the frame (zstd) or member (gzip) and then commits the inner sink.
#pragma once

#include <memory>
#include <string>

#include "output/output.hpp"

namespace gpipe {

// Compression levels: 0 means the tool's default; otherwise 1 to kMaxZstdLevel or kMaxGzipLevel.
inline constexpr int kMaxZstdLevel = 19;
inline constexpr int kMaxGzipLevel = 9;

// zstd at `level` (default 3, the zstd tool's), with a content checksum as `zstd` writes one.
// With more than one core, zstd compresses on worker threads of its own (ZSTD_c_nbWorkers),
// beside the pipeline, one core left free. `name` is the file name used in error messages.
std::unique_ptr<ByteSink> make_zstd_sink(std::unique_ptr<ByteSink> inner, std::string name,
                                         int level = 0);

// gzip (a deflate stream in a gzip wrapper) at `level` (default 6, gzip's).
std::unique_ptr<ByteSink> make_gzip_sink(std::unique_ptr<ByteSink> inner, std::string name,
                                         int level = 0);

}  // namespace gpipe
