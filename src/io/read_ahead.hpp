// ReadAheadSource: runs another ByteSource (a decompressor) on a thread of its own, a few
// buffers ahead of the reader, so that decompression runs beside parsing (docs/spec.md §8; see
// docs/performance.md, "Decompression on its own thread").
#pragma once

#include <memory>

#include "io/io.hpp"

namespace gpipe {

// `inner` must never block for long (a file, not a pipe): the destructor waits for the read in
// progress to return before it joins the thread.
std::unique_ptr<ByteSource> read_ahead(std::unique_ptr<ByteSource> inner);

}  // namespace gpipe
