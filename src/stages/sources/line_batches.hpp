// A LineReader's blocks as batches of pending lines: the one loop behind `read`, `read` under
// --state and `read --follow`, each asking for what it adds (resume points, a meter of mapped
// bytes, overlong lines reported in order by -j's threads).
#pragma once

#include <string>

#include "gpipe/context.hpp"
#include "gpipe/record.hpp"
#include "io/input_meter.hpp"
#include "io/line_reader.hpp"

namespace gpipe::stages {

struct LineBatchOptions {
  // Each batch carries the resume point just past its lines (--state, --follow).
  bool resume_points = false;
  // A mapped file is not read(2): its bytes are counted here as its blocks go out.
  InputMeter* mapped_meter = nullptr;
  // -j numbers lines on the threads: an overlong line goes to them, to be reported in order
  // with their bad records, instead of being reported here.
  bool overlong_to_threads = false;
};

// "line longer than --max-line (1 MiB)": the reason given for an overlong line.
std::string overlong_line_reason(const Context& ctx);

// The reader's lines until its end (an Idle event is a tick: an empty batch).
BatchStream line_batches(LineReader& reader, const Origin& origin, Batch& batch, Context& ctx,
                         LineBatchOptions options);

}  // namespace gpipe::stages
