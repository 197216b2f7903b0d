// The one table of stages, read by the parser, the planner and `gpipe help`. Adding a stage is
// one file in this folder plus one line here.
#include <algorithm>
#include <array>

#include "stages/stages.hpp"

namespace gpipe {

std::span<const StageInfo> stage_table() {
  static const std::array kTable = {
      // sources
      stages::kRead,
      stages::kChunks,
      stages::kSeq,
      // parsers
      stages::kCsv,
      stages::kJson,
      stages::kItems,
      stages::kParse,
      stages::kKv,
      // filters and transforms
      stages::kGrep,
      stages::kWhere,
      stages::kField,
      stages::kSelect,
      stages::kSet,
      stages::kDrop,
      stages::kRename,
      stages::kHead,
      stages::kSkip,
      stages::kTail,
      stages::kUniq,
      // aggregates
      stages::kCount,
      // output
      stages::kTo,
      stages::kWrite,
  };
  return kTable;
}

const StageInfo* find_stage(std::string_view name) {
  const auto table = stage_table();
  const auto it =
      std::find_if(table.begin(), table.end(), [&](const StageInfo& s) { return s.name == name; });
  return it == table.end() ? nullptr : &*it;
}

}  // namespace gpipe
