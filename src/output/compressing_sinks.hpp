// Compressors as ByteSink decorators: each compresses what it is given and writes the result to
// the sink it wraps, so a compressed file is "compressor over file sink", never a mode flag of
// the file sink. commit() ends the frame (zstd) or member (gzip) and then commits the inner sink.
#pragma once

#include <memory>
#include <string>

#include "output/output.hpp"

namespace gpipe {

// zstd at level 3 (the zstd tool's default), with a content checksum as `zstd` writes one.
// `name` is the file name used in error messages.
std::unique_ptr<ByteSink> make_zstd_sink(std::unique_ptr<ByteSink> inner, std::string name);

// gzip (a deflate stream in a gzip wrapper) at level 6, gzip's default.
std::unique_ptr<ByteSink> make_gzip_sink(std::unique_ptr<ByteSink> inner, std::string name);

}  // namespace gpipe
