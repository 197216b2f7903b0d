// Every stage's table entry, one per file in this folder. The table itself is stage_table.cpp.
#pragma once

#include "gpipe/stage.hpp"

namespace gpipe::stages {

extern const StageInfo kRead;
extern const StageInfo kChunks;
extern const StageInfo kSeq;
extern const StageInfo kCsv;
extern const StageInfo kJson;
extern const StageInfo kItems;
extern const StageInfo kParse;
extern const StageInfo kKv;
extern const StageInfo kGrep;
extern const StageInfo kWhere;
extern const StageInfo kSet;
extern const StageInfo kDrop;
extern const StageInfo kRename;
extern const StageInfo kField;
extern const StageInfo kSelect;
extern const StageInfo kHead;
extern const StageInfo kSkip;
extern const StageInfo kTail;
extern const StageInfo kUniq;
extern const StageInfo kCount;
extern const StageInfo kSort;
extern const StageInfo kTo;
extern const StageInfo kWrite;

}  // namespace gpipe::stages
