// The generators behind the filter and transform stages grep, field/select, head, skip, tail and
// uniq, callable without the pipeline language (the stage builders only parse arguments).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/field_selection.hpp"
#include "gpipe/record.hpp"
#include "gpipe/stage.hpp"
#include "search/matcher.hpp"
#include "simd/newline_count.hpp"

namespace gpipe::stages {

// Records whose text matches (or, with `invert`, does not). Blocks of pending lines are searched
// whole when the matcher allows it, and only the matching lines become records.
BatchStream grep_lines(BatchStream in, std::shared_ptr<const LineMatcher> matcher, bool invert);

// What a selection makes: values printed as text (`field`), or named fields whose output format
// follows the input (`select`).
enum class SelectionOutput { Values, Named };

// Replaces each record's fields with the selected ones.
BatchStream select_fields(BatchStream in, FieldSelection selection, SelectionOutput output);
// The builder shared by `field` and `select`.
BuiltStage build_field_selection(StageArgs& args, Context& ctx, SelectionOutput output);
extern const std::string_view kFieldDetails;  // their `gpipe help` text

// The first `count` records; then the upstream is destroyed (files closed) before finishing.
BatchStream first_records(BatchStream in, std::uint64_t count);

// All but the first `count` records.
BatchStream skip_records(BatchStream in, std::uint64_t count);

// The last `count` records, copied into a ring and emitted when the input ends.
BatchStream last_records(BatchStream in, std::uint64_t count);

// Drops each record whose key equals the previous record's: its text (or its fields' values if
// it has fields), or with a selection, the values of the selected fields.
BatchStream drop_adjacent_repeats(BatchStream in, std::optional<FieldSelection> selection);

// The builder of head, skip and tail: `STAGE N`, N a whole number, the generator run with it.
inline BuiltStage build_with_count(StageArgs& args,
                                   BatchStream (*generator)(BatchStream, std::uint64_t)) {
  const std::uint64_t count = args.positional_number(args.positional("N"), "N");
  BuiltStage built;
  built.transform = [count, generator](BatchStream in) { return generator(std::move(in), count); };
  return built;
}

// How many records a batch holds, a block of pending lines counted without splitting it, so
// that head, skip and count can pass on, drop or count whole blocks untouched (and a grep after
// them keeps its block search).
inline std::uint64_t record_count(Batch& batch) {
  if (!batch.lines_pending()) return batch.records().size();
  const std::string_view block = batch.pending_block();
  if (block.empty()) return 0;
  const std::uint64_t newlines = count_newlines(block.data(), block.data() + block.size());
  return newlines + (block.back() == '\n' ? 0 : 1);
}

}  // namespace gpipe::stages
