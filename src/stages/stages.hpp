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
extern const StageInfo kDedup;
extern const StageInfo kSample;
extern const StageInfo kCount;
extern const StageInfo kSort;
extern const StageInfo kSum;
extern const StageInfo kAvg;
extern const StageInfo kMin;
extern const StageInfo kMax;
extern const StageInfo kStats;
extern const StageInfo kQuantile;
extern const StageInfo kDistinct;
extern const StageInfo kTop;
extern const StageInfo kMerge;
extern const StageInfo kRunning;
extern const StageInfo kWindow;
extern const StageInfo kBucket;
extern const StageInfo kTo;
extern const StageInfo kWrite;
extern const StageInfo kBatch;
extern const StageInfo kTee;
extern const StageInfo kSqlite;
extern const StageInfo kPostgres;

}  // namespace gpipe::stages
