#include "exec/stage_hints.hpp"

#include <gtest/gtest.h>

#include "gpipe/stage.hpp"

namespace gpipe {
namespace {

TEST(StageHints, AWordThatStartsWithAStageNamesIt) {
  EXPECT_EQ(suggested_stage("sumx"), "sum");  // not `seq`, three edits away
  EXPECT_EQ(suggested_stage("sorted"), "sort");
  EXPECT_EQ(suggested_stage("counts"), "count");
}

TEST(StageHints, AWordThatBeginsAStageNamesIt) {
  EXPECT_EQ(suggested_stage("dist"), "distinct");
  EXPECT_EQ(suggested_stage("quant"), "quantile");
}

TEST(StageHints, NearSpellingsAreFound) {
  EXPECT_EQ(suggested_stage("gerp"), "grep");
  EXPECT_EQ(suggested_stage("tpo"), "top");  // a swap is one edit; as long as the word wins
  EXPECT_EQ(suggested_stage("cuont"), "count");
  EXPECT_EQ(suggested_stage("zzz"), "");
}

TEST(StageHints, OtherToolsVerbsPointAtTheStage) {
  EXPECT_EQ(unknown_stage_hint("stats1"), "for Miller's stats1, use 'stats'");
  EXPECT_EQ(unknown_stage_hint("cut"), "for cut, use 'field' or 'select'");
  EXPECT_EQ(unknown_stage_hint("jq"), "for jq, use 'json'");
  EXPECT_EQ(unknown_stage_hint("awk"), "for awk, use 'where' or 'set'");
  EXPECT_EQ(unknown_stage_hint("wc"), "for wc -l, use 'count'");
  EXPECT_EQ(suggested_stage("STATS1"), "stats");
}

TEST(StageHints, EveryVerbNamesAStageThatExists) {
  for (const char* verb : {"stats1", "cut", "jq", "awk", "wc", "cat", "zcat", "filter", "limit",
                           "take", "put", "mutate", "count-distinct", "median", "mean", "logfmt"}) {
    const std::string stage = suggested_stage(verb);
    EXPECT_NE(find_stage(stage), nullptr) << verb << " names " << stage;
  }
}

TEST(StageHints, UnknownWordsSendToTheList) {
  EXPECT_EQ(unknown_stage_hint("zzz"), "gpipe help lists the stages");
  EXPECT_EQ(unknown_stage_hint("gerp"), "did you mean 'grep'?");
}

TEST(StageHints, OtherToolsOptions) {
  EXPECT_EQ(other_tool_option_hint("uniq", "-c"), "for uniq -c, use 'count F…'");
  EXPECT_EQ(other_tool_option_hint("grep", "-c"), "for grep -c, use 'grep PATTERN | count'");
  EXPECT_EQ(other_tool_option_hint("sort", "-u"), "for sort -u, use 'dedup' before 'sort'");
  EXPECT_EQ(other_tool_option_hint("grep", "-v"), "");
}

}  // namespace
}  // namespace gpipe
