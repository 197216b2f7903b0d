// The one table of stages, read by the parser, the planner and `gpipe help`. Adding a stage is
// one file in this folder plus one line here.
#include <algorithm>
#include <array>

#include "stages/stages.hpp"

namespace gpipe {

namespace {

// The stages that may come after `chunks` say here what they do with its raw blocks; every
// other stage needs records there and is an error (the planner's check, RawBlocks).
constexpr StageInfo with_raw_blocks(StageInfo info, RawBlocks raw_blocks) {
  info.raw_blocks = raw_blocks;
  return info;
}

std::string concat_words(std::string_view first, std::string_view second) {
  std::string out(first);
  out += second;
  return out;
}

}  // namespace

std::span<const StageInfo> stage_table() {
  static const std::array kTable = {
      // sources
      stages::kRead,
      with_raw_blocks(stages::kChunks, RawBlocks::Made),
      stages::kSeq,
      // parsers
      stages::kCsv,
      stages::kJson,
      with_raw_blocks(stages::kItems, RawBlocks::Parsed),
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
      with_raw_blocks(stages::kHead, RawBlocks::PassedOn),
      with_raw_blocks(stages::kSkip, RawBlocks::PassedOn),
      with_raw_blocks(stages::kTail, RawBlocks::PassedOn),
      stages::kUniq,
      stages::kDedup,
      stages::kSample,
      // state between records
      stages::kRunning,
      stages::kWindow,
      stages::kBucket,
      // aggregates
      stages::kCount,
      stages::kSort,
      stages::kSum,
      stages::kAvg,
      stages::kMin,
      stages::kMax,
      stages::kStats,
      stages::kQuantile,
      stages::kDistinct,
      stages::kTop,
      stages::kMerge,
      // loads
      stages::kBatch,
      stages::kTee,
      // output
      with_raw_blocks(stages::kTo, RawBlocks::PassedOn),
      with_raw_blocks(stages::kWrite, RawBlocks::PassedOn),
      stages::kSqlite,
      stages::kPostgres,
  };
  return kTable;
}

std::string memory_sentence(const StageInfo& stage) {
  std::string out = "Memory: ";
  switch (stage.memory) {
    case MemoryUse::Streams:
      out += "streams";
      if (*stage.memory_bound != 0) out += concat_words(" ", stage.memory_bound);
      break;
    case MemoryUse::Bounded:
      out += concat_words("bounded by ", stage.memory_bound);
      break;
    case MemoryUse::GrowsWithGroups:
      out += "grows with the number of groups";
      if (*stage.memory_bound != 0) out += concat_words(", each holding ", stage.memory_bound);
      break;
  }
  out += ".";
  return out;
}

const StageInfo* find_stage(std::string_view name) {
  const auto table = stage_table();
  const auto it =
      std::find_if(table.begin(), table.end(), [&](const StageInfo& s) { return s.name == name; });
  return it == table.end() ? nullptr : &*it;
}

}  // namespace gpipe
