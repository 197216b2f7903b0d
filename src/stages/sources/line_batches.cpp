#include "stages/sources/line_batches.hpp"

#include <memory>

#include "io/file_range.hpp"
#include "stages/sources/sources.hpp"

namespace gpipe::stages {

std::string overlong_line_reason(const Context& ctx) {
  return "line longer than --max-line (" + human_size(ctx.options.max_line) + ")";
}

BatchStream line_batches(LineReader& reader, const Origin& origin, Batch& batch, Context& ctx,
                         LineBatchOptions options) {
  const std::string overlong_reason = overlong_line_reason(ctx);
  LineReader::Block block;
  LineReader::Overlong overlong;
  for (;;) {
    switch (reader.next(block, overlong)) {
      case LineReader::Event::Lines:
        batch.reset(&origin, RecordKind::Line);
        batch.set_pending_lines(block.lines, block.first_line, block.offset, block.owner);
        if (options.resume_points) {
          batch.set_resume_point(reader.next_offset(), reader.next_line());
        }
        if (options.mapped_meter != nullptr) options.mapped_meter->read_bytes += block.lines.size();
        co_yield batch;
        break;
      case LineReader::Event::Overlong:
        if (options.overlong_to_threads) {
          batch.reset(&origin, RecordKind::Line);
          batch.set_for_threads(std::make_shared<const LinesForThreads>(LinesForThreads{SkippedLine{
              overlong.line, overlong.offset, std::string(overlong.head), overlong_reason}}));
          co_yield batch;
          break;
        }
        ctx.errors.report(
            BadRecord{&origin, overlong.line, 0, overlong_reason, overlong.head, /*raw_cut=*/true});
        break;
      case LineReader::Event::Idle:  // a tick: an empty batch (docs/design.md, "Ticks")
        batch.reset(&origin, RecordKind::Line);
        co_yield batch;
        break;
      case LineReader::Event::End:
        co_return;
    }
  }
}

}  // namespace gpipe::stages
