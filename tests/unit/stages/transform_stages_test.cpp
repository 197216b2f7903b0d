// The stages head, skip, tail and uniq: exact outputs over split and pending batches, head's
// early teardown of its upstream, tail's owned copies, and uniq's keys.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gpipe/errors.hpp"
#include "stages/filters/transforms.hpp"
#include "test_util.hpp"

namespace gpipe {
namespace {

using Lines = std::vector<std::string>;

const Lines kSeven = {"1", "2", "3", "4", "5", "6", "7"};

Lines run(const std::string& stage, const Lines& lines, std::size_t per_batch, bool pending) {
  Context ctx;
  BuiltStage built = test::build_stage(stage, ctx);
  return test::collect(built.transform(test::lines_source(lines, per_batch, pending)));
}

// Runs over split and pending batches of several sizes; all must agree.
Lines run_all_ways(const std::string& stage, const Lines& lines) {
  const Lines first = run(stage, lines, 1, false);
  for (const bool pending : {false, true}) {
    for (const std::size_t per_batch : {1, 2, 3, 100}) {
      EXPECT_EQ(run(stage, lines, per_batch, pending), first)
          << stage << " per batch " << per_batch << (pending ? " pending" : "");
    }
  }
  return first;
}

// A source that counts what was asked of it: whether its body began, how many batches it
// made, and whether its frame (and so any file it held) was destroyed.
struct Probe {
  int begun = 0;
  int batches = 0;
  bool destroyed = false;
};

BatchStream counting_source(Probe& probe, std::size_t per_batch) {
  struct Guard {
    Probe& probe;
    ~Guard() { probe.destroyed = true; }
  } guard{probe};
  ++probe.begun;
  static const Origin origin{"count"};
  Batch batch;
  std::uint64_t n = 0;
  for (;;) {
    batch.reset(&origin, RecordKind::Line);
    for (std::size_t i = 0; i < per_batch; ++i) {
      ++n;
      Record record;
      record.text = batch.arena().store(std::to_string(n));
      record.line = n;
      batch.raw_records().push_back(record);
    }
    ++probe.batches;
    co_yield batch;
  }
}

TEST(TransformTest, HeadTakesTheFirstRecords) {
  EXPECT_EQ(run_all_ways("head 3", kSeven), (Lines{"1", "2", "3"}));
  EXPECT_EQ(run_all_ways("head 7", kSeven), kSeven);
  EXPECT_EQ(run_all_ways("head 100", kSeven), kSeven);
  EXPECT_EQ(run_all_ways("head 1", kSeven), (Lines{"1"}));
}

TEST(TransformTest, HeadDestroysItsUpstreamAsSoonAsItHasEnough) {
  Probe probe;
  BatchStream head = stages::first_records(counting_source(probe, 4), 10);
  Lines seen;
  auto it = head.begin();
  for (; it != head.end(); ++it) {
    for (const Record& r : (*it).records()) seen.push_back(std::string(r.text));
    if (seen.size() == 10) {
      // The batch holding the last record is still in use: the upstream must be alive.
      EXPECT_FALSE(probe.destroyed);
    }
  }
  EXPECT_EQ(seen, (Lines{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}));
  // head is finished but not yet destroyed, and its upstream is already gone, having made no
  // batch beyond the third.
  EXPECT_TRUE(probe.destroyed);
  EXPECT_EQ(probe.batches, 3);
}

TEST(TransformTest, HeadZeroNeverBeginsItsUpstream) {
  Probe probe;
  {
    BatchStream head = stages::first_records(counting_source(probe, 4), 0);
    EXPECT_TRUE(head.begin() == head.end());
  }
  EXPECT_EQ(probe.begun, 0);
  EXPECT_EQ(probe.batches, 0);
}

TEST(TransformTest, HeadStopsAnEndlessSourceFromTheLanguage) {
  Context ctx;
  BuiltStage head = test::build_stage("head 5", ctx);
  Probe probe;
  EXPECT_EQ(test::collect(head.transform(counting_source(probe, 1000))),
            (Lines{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(probe.batches, 1);
  EXPECT_TRUE(probe.destroyed);
}

TEST(TransformTest, HeadPassesWholePendingBlocksOnUnsplit) {
  Context ctx;
  BuiltStage head = test::build_stage("head 5", ctx);
  std::vector<bool> pending;
  for (Batch& batch : head.transform(test::lines_source(kSeven, 2, true))) {
    pending.push_back(batch.lines_pending());
  }
  // Two blocks of two fit whole; the third is cut to one record, so it had to be split.
  EXPECT_EQ(pending, (std::vector<bool>{true, true, false}));
}

TEST(TransformTest, SkipDropsTheFirstRecords) {
  EXPECT_EQ(run_all_ways("skip 4", kSeven), (Lines{"5", "6", "7"}));
  EXPECT_EQ(run_all_ways("skip 0", kSeven), kSeven);
  EXPECT_EQ(run_all_ways("skip 7", kSeven), Lines{});
  EXPECT_EQ(run_all_ways("skip 70", kSeven), Lines{});
}

TEST(TransformTest, SkipThenHeadPicksARange) {
  Context ctx;
  BuiltStage skip = test::build_stage("skip 2", ctx);
  BuiltStage head = test::build_stage("head 2", ctx);
  Probe probe;
  EXPECT_EQ(test::collect(head.transform(skip.transform(counting_source(probe, 3)))),
            (Lines{"3", "4"}));
}

TEST(TransformTest, TailKeepsTheLastRecords) {
  EXPECT_EQ(run_all_ways("tail 3", kSeven), (Lines{"5", "6", "7"}));
  EXPECT_EQ(run_all_ways("tail 1", kSeven), (Lines{"7"}));
  EXPECT_EQ(run_all_ways("tail 7", kSeven), kSeven);
  EXPECT_EQ(run_all_ways("tail 10", kSeven), kSeven);  // fewer than N
  EXPECT_EQ(run_all_ways("tail 0", kSeven), Lines{});
  EXPECT_EQ(run_all_ways("tail 3", {}), Lines{});
}

struct Located {
  std::string origin;
  std::string text;
  std::uint64_t line;
  std::uint64_t offset;
  bool operator==(const Located&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Located& l) {
  return out << l.origin << ":" << l.line << "@" << l.offset << ":" << l.text;
}

// Two files' worth of batches whose Origin objects (and texts) die with the source, as a real
// reader's may: tail must have copied everything it emits.
BatchStream two_files() {
  for (const std::string name : {"a.log", "b.log"}) {
    const Origin origin{name};
    Batch batch;
    std::string block;
    for (int part = 0; part < 2; ++part) {
      block =
          name + "-" + std::to_string(part) + "-x\n" + name + "-" + std::to_string(part) + "-y\n";
      batch.reset(&origin, RecordKind::Line);
      batch.set_pending_lines(block, 1 + 2 * static_cast<std::uint64_t>(part),
                              100 * static_cast<std::uint64_t>(part));
      co_yield batch;
    }
  }
}

TEST(TransformTest, TailPreservesOriginsLinesAndOffsetsAcrossFiles) {
  std::vector<Located> out;
  std::vector<std::size_t> batch_sizes;
  for (Batch& batch : stages::last_records(two_files(), 5)) {
    batch_sizes.push_back(batch.records().size());
    for (const Record& r : batch.records()) {
      out.push_back({batch.origin()->name, std::string(r.text), r.line, r.offset});
    }
  }
  const std::vector<Located> expected = {
      {"a.log", "a.log-1-y", 4, 110}, {"b.log", "b.log-0-x", 1, 0},   {"b.log", "b.log-0-y", 2, 10},
      {"b.log", "b.log-1-x", 3, 100}, {"b.log", "b.log-1-y", 4, 110},
  };
  EXPECT_EQ(out, expected);
  EXPECT_EQ(batch_sizes, (std::vector<std::size_t>{1, 4}));  // a new batch per origin
}

TEST(TransformTest, TailCopiesFields) {
  Context ctx;
  BuiltStage field = test::build_stage("field 1 0", ctx);
  BuiltStage tail = test::build_stage("tail 2", ctx);
  const Lines lines = {"a b", "c d", "e f", "g h"};
  EXPECT_EQ(test::collect(tail.transform(field.transform(test::lines_source(lines, 1)))),
            (Lines{"f\te", "h\tg"}));
  // Names come along too.
  BuiltStage field2 = test::build_stage("field 1 0", ctx);
  BuiltStage tail2 = test::build_stage("tail 1", ctx);
  for (Batch& batch : tail2.transform(field2.transform(test::lines_source(lines, 3)))) {
    const Record& r = batch.records().at(0);
    ASSERT_EQ(r.field_count, 2u);
    EXPECT_EQ(batch.fields()[r.first_field].name, "1");
    EXPECT_EQ(batch.fields()[r.first_field + 1].name, "0");
    EXPECT_EQ(batch.fields()[r.first_field].value.kind, Value::Kind::String);
    EXPECT_EQ(r.text, "g h");
  }
}

TEST(TransformTest, UniqDropsAdjacentRepeatsOfTheText) {
  EXPECT_EQ(run_all_ways("uniq", {"a", "a", "b", "b", "b", "c", "a"}), (Lines{"a", "b", "c", "a"}));
  EXPECT_EQ(run_all_ways("uniq", {"", "", "x", ""}), (Lines{"", "x", ""}));
  EXPECT_EQ(run_all_ways("uniq", {"a", "a "}), (Lines{"a", "a "}));
}

TEST(TransformTest, UniqByFieldsKeepsTheFirstRecordOfEachRun) {
  EXPECT_EQ(run_all_ways("uniq 1", {"x 1", "y 1", "z 2", "w 1"}), (Lines{"x 1", "z 2", "w 1"}));
  EXPECT_EQ(run_all_ways("uniq 1 0", {"x 1", "x  1", "y 1"}), (Lines{"x 1", "y 1"}));
  // A missing field (null) is not the same as an empty one.
  EXPECT_EQ(run_all_ways("uniq 1 --sep ,", {"a,", "b,", "c", "d"}), (Lines{"a,", "c"}));
  // Keys made of several fields do not run into each other.
  EXPECT_EQ(run_all_ways("uniq 0 1 --sep ,", {"ab,c", "a,bc"}), (Lines{"ab,c", "a,bc"}));
}

TEST(TransformTest, UniqAfterFieldComparesTheFields) {
  Context ctx;
  BuiltStage field = test::build_stage("field 0", ctx);
  BuiltStage uniq = test::build_stage("uniq", ctx);
  const Lines lines = {"a 1", "a 2", "b 3", "a 4"};
  EXPECT_EQ(test::collect(uniq.transform(field.transform(test::lines_source(lines, 1)))),
            (Lines{"a", "b", "a"}));
}

TEST(TransformTest, CountArgumentsMustBeNumbers) {
  for (const std::string stage : {"head", "skip", "tail"}) {
    Context ctx;
    EXPECT_THROW(test::build_stage(stage, ctx), PipelineError) << stage;
    EXPECT_THROW(test::build_stage(stage + " x", ctx), PipelineError) << stage;
    EXPECT_THROW(test::build_stage(stage + " 1 2", ctx), PipelineError) << stage;
  }
  Context ctx;
  try {
    test::build_stage("head", ctx);
    FAIL() << "no error";
  } catch (const PipelineError& e) {
    EXPECT_STREQ(e.what(), "missing N");
    EXPECT_EQ(e.span().offset, 0u);
  }
}

}  // namespace
}  // namespace gpipe
