// OutputBuffer: gathers printed records into one large buffer so that output is a few big
// write(2) calls, not one per record.
#include "output/output.hpp"

namespace gpipe {

OutputBuffer::OutputBuffer(ByteSink& sink, bool line_flush)
    : sink_(sink), data_(new char[kCapacity]), line_flush_(line_flush) {}

void OutputBuffer::flush() {
  if (used_ == 0) return;
  const std::string_view pending(data_.get(), used_);
  flushed_ += used_;
  used_ = 0;
  sink_.write(pending);
}

void OutputBuffer::append_slow(std::string_view bytes) {
  flush();
  // Bytes that would not fit even an empty buffer go straight to the sink: copying them through
  // the buffer in pieces would only add copies.
  if (bytes.size() > kCapacity) {
    flushed_ += bytes.size();
    sink_.write(bytes);
    return;
  }
  std::memcpy(data_.get(), bytes.data(), bytes.size());
  used_ = bytes.size();
}

}  // namespace gpipe
