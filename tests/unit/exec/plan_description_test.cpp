#include "exec/plan_description.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "exec/pipeline.hpp"
#include "gpipe/language.hpp"

namespace gpipe {
namespace {

std::string sample(const std::string& name) {
  return std::string(GPIPE_SOURCE_DIR) + "/sample-data/" + name;
}

PlanDescription described(const std::string& pipeline, unsigned threads = 1) {
  Context ctx;
  ctx.options.threads = threads;
  const std::vector<StageCall> calls = parse_pipeline(pipeline, {});
  return plan_pipeline(calls, ctx, PlanMode{.explain_only = true}).description;
}

TEST(PlanDescription, ImplicitReadAndChunksForItems) {
  const PlanDescription plan = described("items /a");
  ASSERT_EQ(plan.stages.size(), 2u);
  EXPECT_EQ(plan.stages[0].call, "chunks 1MiB -");
  EXPECT_NE(plan.stages[0].planned_as.find("implicit"), std::string::npos);
}

TEST(PlanDescription, JsonPathsThreadsAndMemory) {
  const PlanDescription plan = described(
      "read " + sample("tweets.jsonl") + " | json | where .lang == \"en\" | count by .lang", 2);
  EXPECT_EQ(plan.stages[1].json_paths, std::vector<std::string>{"lang"});
  EXPECT_EQ(plan.threads, 2u);
  EXPECT_EQ(plan.parallel_begin, 1u);
  EXPECT_EQ(plan.parallel_end, 4u);
  EXPECT_EQ(plan.stages[3].memory, "grows with groups");
  EXPECT_EQ(plan.inputs.at(0).compression, "");
  EXPECT_TRUE(plan.inputs.at(0).size.has_value());
}

TEST(PlanDescription, HeadPassedToSort) {
  const PlanDescription plan = described("read " + sample("app-api.log") + " | sort | head 3");
  ASSERT_EQ(plan.stages[1].fused.size(), 1u);
  EXPECT_NE(plan.stages[1].fused[0].find("first 3"), std::string::npos);
  EXPECT_EQ(plan.stages[1].memory, "bounded");
}

TEST(PlanDescription, JsonIsValidShape) {
  const std::string json = explain_json(described("read " + sample("app-api.log") + " | head 1"));
  EXPECT_EQ(json.front(), '{');
  EXPECT_NE(json.find("\"stages\":[{\"stage\":\"read\""), std::string::npos);
  EXPECT_EQ(json_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
}

}  // namespace
}  // namespace gpipe
