// `read` under --state: the files planned by the state (where each resumes, in which order),
// whole lines only, each batch carrying its resume point.
#include "io/io.hpp"
#include "stages/sources/incremental_files.hpp"
#include "stages/sources/sources.hpp"
#include "state/input_state.hpp"

namespace gpipe::stages {

BatchStream read_lines_incrementally(std::vector<std::string> paths, Context& ctx) {
  InputState& state = *ctx.input_state;
  const std::vector<PlannedInput> planned = state.plan_inputs(paths);
  Batch batch;
  std::string first_line;
  for (const PlannedInput& input : planned) {
    if (input.skip) continue;
    const Origin& origin = ctx.origins.emplace_back(Origin{display_name(input.path)});
    state.bind(&origin, input.entry);
    PositionedFile file = open_positioned(input.path, input.offset, input.line, ctx);
    if (input.offset != 0 && ctx.resume_with_first_line &&
        first_line_batch(input.path, origin, batch, first_line)) {
      co_yield batch;
    }
    co_yield elements_of(positioned_lines(file, origin, batch, ctx));
    state.reached_end(&origin, file.reader->next_offset(), file.reader->next_line());
  }
}

}  // namespace gpipe::stages
