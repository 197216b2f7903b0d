// Helpers for unit tests of stages: a source of given lines, and collecting what comes out.
#pragma once

#include <string>
#include <vector>

#include "gpipe/context.hpp"
#include "gpipe/errors.hpp"
#include "gpipe/language.hpp"
#include "gpipe/record.hpp"
#include "gpipe/stage.hpp"
#include "output/output.hpp"

namespace gpipe::test {

// Yields the lines as records, `per_batch` at a time, as pending (unsplit) blocks when
// `pending` is true, so stages see both forms a line source can hand them.
inline BatchStream lines_source(std::vector<std::string> lines, std::size_t per_batch = 2,
                                bool pending = false) {
  static const Origin origin{"test"};
  Batch batch;
  std::string block;
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < lines.size(); i += per_batch) {
    batch.reset(&origin, RecordKind::Line);
    block.clear();
    const std::uint64_t first_offset = offset;
    for (std::size_t j = i; j < lines.size() && j < i + per_batch; ++j) {
      block += lines[j];
      block += '\n';
    }
    offset += block.size();
    if (pending) {
      batch.set_pending_lines(block, i + 1, first_offset);
    } else {
      split_lines(block, i + 1, first_offset, batch.raw_records());
    }
    co_yield batch;
  }
}

// What a record prints as in text output: its text, or its fields joined by a tab.
inline std::string record_text(Batch& batch, const Record& r) {
  if (!r.has_fields()) return std::string(r.text);
  std::string out;
  for (std::uint32_t i = 0; i < r.field_count; ++i) {
    if (i != 0) out += '\t';
    out += batch.fields()[r.first_field + i].value.text;
  }
  return out;
}

inline std::vector<std::string> collect(BatchStream stream) {
  std::vector<std::string> out;
  for (Batch& batch : stream) {
    for (const Record& r : batch.records()) out.push_back(record_text(batch, r));
  }
  return out;
}

// Builds a stage from pipeline text (e.g. "grep -i error") through the real parser and table.
// Throws PipelineError like the planner does.
inline BuiltStage build_stage(const std::string& text, Context& ctx) {
  static std::vector<StageCall> keep;  // StageArgs refers to the call while building
  keep = parse_pipeline(text, {});
  const StageInfo* info = find_stage(keep.front().name);
  if (info == nullptr) throw PipelineError("unknown stage", keep.front().name_span);
  StageArgs args(keep.front());
  BuiltStage built = info->build(args, ctx);
  args.finish();
  return built;
}

// The error building a stage gives, as "message @offset+length" (where its caret points), or
// "no error".
inline std::string pipeline_error(const std::string& text) {
  Context ctx;
  try {
    build_stage(text, ctx);
  } catch (const PipelineError& e) {
    return std::string(e.what()) + " @" + std::to_string(e.span().offset) + "+" +
           std::to_string(e.span().length);
  }
  return "no error";
}

}  // namespace gpipe::test
