#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "gpipe/errors.hpp"
#include "test_util.hpp"

namespace gpipe {
namespace {

using Lines = std::vector<std::string>;

Lines run(const std::string& stage, Lines input, bool pending = false) {
  Context ctx;
  BuiltStage built = test::build_stage(stage, ctx);
  return test::collect(built.transform(test::lines_source(std::move(input), 3, pending)));
}

TEST(AggregatesTest, CountAllCountsRecords) {
  EXPECT_EQ(run("count", {"a", "b", "c", "d"}), Lines{"4"});
  EXPECT_EQ(run("count", {"a", "b", "c", "d"}, /*pending=*/true), Lines{"4"});
  EXPECT_EQ(run("count", {}), Lines{"0"});
}

TEST(AggregatesTest, CountByGroupsInFirstSeenOrder) {
  const Lines input{"t1 INFO x", "t2 ERROR y", "t3 INFO z", "t4 WARN", "t5 ERROR"};
  EXPECT_EQ(run("count by 1", input), (Lines{"INFO\t2", "ERROR\t2", "WARN\t1"}));
  EXPECT_EQ(run("count by 1", input, true), (Lines{"INFO\t2", "ERROR\t2", "WARN\t1"}));
}

TEST(AggregatesTest, CountBySeveralFieldsAndMissingOnes) {
  const Lines input{"a x", "a y", "a x", "b", "b"};
  EXPECT_EQ(run("count by 0 1", input), (Lines{"a\tx\t2", "a\ty\t1", "b\t\t2"}));
  // A missing field is null: its own group, printed empty, apart from an empty string.
  EXPECT_EQ(run("count by 5", {"a", "b"}), Lines{"\t2"});
}

TEST(AggregatesTest, CountNamesItsResultAndGroups) {
  Context ctx;
  BuiltStage built = test::build_stage("count by 1", ctx);
  BatchStream out = built.transform(test::lines_source({"x A", "y B"}));
  std::vector<std::string> names;
  for (Batch& batch : out) {
    EXPECT_EQ(batch.format(), DataFormat::Table);
    for (const Record& r : batch.records()) {
      for (std::uint32_t i = 0; i < r.field_count; ++i) {
        names.emplace_back(batch.fields()[r.first_field + i].name);
      }
    }
  }
  EXPECT_EQ(names, (Lines{"1", "count", "1", "count"}));
}

TEST(AggregatesTest, ArgumentErrors) {
  Context ctx;
  EXPECT_THROW(test::build_stage("count 1", ctx), PipelineError);
  EXPECT_THROW(test::build_stage("count by", ctx), PipelineError);
  try {
    test::build_stage("count by", ctx);
  } catch (const PipelineError& e) {
    EXPECT_STREQ(e.what(), "'by' needs at least one field");
  }
}

}  // namespace
}  // namespace gpipe

namespace gpipe {
namespace {

TEST(AggregatesTest, CountByOnePositionFastPathMatchesTheGeneralOne) {
  // Pending blocks are split in place; records without fields take the direct split. Leading
  // blanks, tabs, CRLF endings, a "\r" alone after the last blank, and missing fields.
  const Lines input{"t1 INFO x", "  t2\tERROR", "t3 INFO\r",    "t4 \r",  "t5",
                    "",          "t6 INFO y",   "t7 ERROR\r\r", "t8 a\rb"};
  const Lines expected{"INFO\t3", "ERROR\t1", "\t3", "ERROR\r\t1", "a\rb\t1"};
  EXPECT_EQ(run("count by 1", input), expected);
  EXPECT_EQ(run("count by 1", input, /*pending=*/true), expected);
  // Many groups: the table grows and finds every one again.
  Lines many;
  for (int i = 0; i < 5000; ++i) many.push_back("x k" + std::to_string(i % 1000));
  const Lines counted = run("count by 1", many, true);
  ASSERT_EQ(counted.size(), 1000u);
  EXPECT_EQ(counted.front(), "k0\t5");
  EXPECT_EQ(counted.back(), "k999\t5");
}

// -j: threads that each took every other batch (chunk) of the input, merged, give what one pass
// gives, groups in the order they first appeared in the whole input.
Lines run_split(const std::string& stage, Lines input, unsigned threads, bool pending) {
  Context ctx;
  BuiltStage built = test::build_stage(stage, ctx);
  EXPECT_NE(built.split, nullptr);
  std::vector<std::unique_ptr<PartialAggregate>> partials;
  for (unsigned i = 0; i < threads; ++i) partials.push_back(built.split->make_partial());
  std::uint64_t chunk = 0;
  for (Batch& batch : test::lines_source(std::move(input), 2, pending)) {
    partials[chunk % threads]->add(batch, chunk);
    ++chunk;
  }
  return test::collect(built.split->merge(std::move(partials)));
}

TEST(AggregatesTest, SplitCountsMergeToTheCountsOfOnePass) {
  // Group k3 is first seen by the second thread, later also by the first; k0 first by the
  // first. Merged in table order (k0 k1 k2 k4 k3 …) would be wrong.
  Lines input;
  for (int i = 0; i < 40; ++i) input.push_back("x k" + std::to_string((i * 7) % 11) + " y");
  for (const bool pending : {false, true}) {
    for (const unsigned threads : {1u, 2u, 3u}) {
      EXPECT_EQ(run_split("count by 1", input, threads, pending), run("count by 1", input))
          << threads << " threads";
      EXPECT_EQ(run_split("count by 1 2", input, threads, pending), run("count by 1 2", input));
      EXPECT_EQ(run_split("count", input, threads, pending), Lines{"40"});
    }
  }
  EXPECT_EQ(run_split("count by 1", {}, 2, false), Lines{});
}

}  // namespace
}  // namespace gpipe
