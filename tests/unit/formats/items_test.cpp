// The `items` parser: elements of an array found by a JSON pointer, from bytes cut anywhere,
// compact text, the fields asked for, and every way the document can be wrong.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gpipe/errors.hpp"
#include "test_util.hpp"

namespace gpipe {
namespace {

using Lines = std::vector<std::string>;

// Raw blocks of `size` bytes, as `chunks` makes them; each document in `docs` is its own file.
BatchStream byte_source(std::vector<std::string> docs, std::size_t size) {
  static std::vector<Origin> origins(8);
  Batch batch;
  for (std::size_t d = 0; d < docs.size(); ++d) {
    origins[d].name = "doc" + std::to_string(d);
    for (std::size_t at = 0; at < docs[d].size(); at += size) {
      batch.reset(&origins[d], RecordKind::Bytes);
      Record r;
      r.text = std::string_view(docs[d]).substr(at, size);
      batch.raw_records().push_back(r);
      co_yield batch;
    }
  }
}

struct ItemsRun {
  Lines out;
  std::uint64_t bad = 0;
  std::vector<std::string> messages;
};

ItemsRun run_items(const std::string& stage, const std::vector<std::string>& docs,
                   std::size_t chunk, const std::vector<std::string>& names = {}) {
  Context ctx;
  ctx.errors.~ErrorPolicy();
  new (&ctx.errors) ErrorPolicy(ErrorPolicy::Mode::Skip, "");
  BuiltStage built = test::build_stage(stage, ctx);
  for (const std::string& n : names) ctx.demand.need(n);
  ItemsRun run;
  for (Batch& batch : built.transform(byte_source(docs, chunk))) {
    EXPECT_EQ(batch.format(), DataFormat::Json);
    EXPECT_EQ(batch.kind(), RecordKind::Line);
    for (const Record& r : batch.records()) {
      EXPECT_TRUE(r.whole_json);
      std::string line(r.text);
      for (std::uint32_t i = 0; i < r.field_count; ++i) {
        line += " | " + std::string(batch.fields()[r.first_field + i].value.text);
      }
      run.out.push_back(line);
    }
  }
  run.bad = ctx.errors.count();
  run.messages = ctx.errors.first_messages();
  return run;
}

// Every chunk size must give the same result.
ItemsRun run_all_chunks(const std::string& stage, const std::vector<std::string>& docs,
                        const std::vector<std::string>& names = {}) {
  const ItemsRun first = run_items(stage, docs, 1 << 20, names);
  for (const std::size_t chunk : {1, 2, 3, 7, 64}) {
    const ItemsRun other = run_items(stage, docs, chunk, names);
    EXPECT_EQ(other.out, first.out) << "chunk " << chunk;
    EXPECT_EQ(other.bad, first.bad) << "chunk " << chunk;
  }
  return first;
}

TEST(ItemsStage, TopLevelArrayCompactedWithFields) {
  const std::string doc =
      "[ {\"a\" : 1, \"s\": \"x y\\\"]\"},\n  [1, 2] ,\"str\", 12.5e3 , "
      "true,null,{\"a\":{\"b\":[]}} ]\n";
  const ItemsRun run = run_all_chunks("items", {doc}, {"a"});
  EXPECT_EQ(run.out, (Lines{"{\"a\":1,\"s\":\"x y\\\"]\"} | 1", "[1,2] | ", "\"str\" | ",
                            "12.5e3 | ", "true | ", "null | ", "{\"a\":{\"b\":[]}} | {\"b\":[]}"}));
  EXPECT_EQ(run.bad, 0u);
}

TEST(ItemsStage, PointerThroughObjectsAndArrays) {
  const std::string doc =
      R"({"meta":{"statuses":[9]},"x":"/statuses","data":[{"items":[0]},{"items":[{"id":1},{"id":2}]}],"statuses":[{"id":3}]})";
  EXPECT_EQ(run_all_chunks("items /statuses", {doc}, {"id"}).out, (Lines{"{\"id\":3} | 3"}));
  EXPECT_EQ(run_all_chunks("items /data/1/items", {doc}, {"id"}).out,
            (Lines{"{\"id\":1} | 1", "{\"id\":2} | 2"}));
  EXPECT_EQ(run_all_chunks("items /meta/statuses", {doc}).out, (Lines{"9"}));
}

TEST(ItemsStage, EscapedPointerTokens) {
  const std::string doc = R"({"a/b":{"c~d":[1]}, "e\"f":[2]})";
  EXPECT_EQ(run_all_chunks("items /a~1b/c~0d", {doc}).out, (Lines{"1"}));
  EXPECT_EQ(run_all_chunks("items '/e\"f'", {doc}).out, (Lines{"2"}));
}

TEST(ItemsStage, EachFileIsItsOwnDocument) {
  EXPECT_EQ(run_all_chunks("items", {"[1,2]", "[3]", "", "[]"}).out, (Lines{"1", "2", "3"}));
}

TEST(ItemsStage, BadElementIsABadRecordAndTheRestComesOut) {
  const ItemsRun run = run_all_chunks("items", {R"([{"a":1},{"a":tru},{"a":3}])"}, {"a"});
  EXPECT_EQ(run.out, (Lines{"{\"a\":1} | 1", "{\"a\":3} | 3"}));
  EXPECT_EQ(run.bad, 1u);
  ASSERT_EQ(run.messages.size(), 1u);
  EXPECT_NE(run.messages[0].find("doc0:1: invalid JSON"), std::string::npos) << run.messages[0];
  EXPECT_NE(run.messages[0].find("array element 1 at byte offset 9"), std::string::npos)
      << run.messages[0];
}

TEST(ItemsStage, TruncatedArrayKeepsCompleteElements) {
  const ItemsRun run = run_all_chunks("items /s", {R"({"s":[{"a":1},{"a":[2,)"});
  EXPECT_EQ(run.out, (Lines{"{\"a\":1}"}));
  EXPECT_EQ(run.bad, 1u);
  EXPECT_NE(run.messages[0].find("ended inside an array element"), std::string::npos)
      << run.messages[0];
  const ItemsRun between = run_items("items", {"[1, 2,\n"}, 3);
  EXPECT_EQ(between.out, (Lines{"1", "2"}));
  EXPECT_NE(between.messages.at(0).find("before the array's ']'"), std::string::npos);
}

TEST(ItemsStage, DocumentProblems) {
  const ItemsRun missing = run_all_chunks("items /nope", {R"({"a":[1]})"});
  EXPECT_EQ(missing.out, Lines{});
  EXPECT_NE(missing.messages.at(0).find("no array at the JSON pointer"), std::string::npos);
  const ItemsRun scalar = run_all_chunks("items /a", {R"({"a":{"b":1}})"});
  EXPECT_NE(scalar.messages.at(0).find("not an array"), std::string::npos);
  const ItemsRun comma = run_all_chunks("items", {"[1 2,3,]"});
  EXPECT_EQ(comma.out, (Lines{"1", "2", "3"}));
  EXPECT_EQ(comma.bad, 2u);  // the missing ',' and the trailing one
}

TEST(ItemsStage, BadPointerIsAPipelineError) {
  Context ctx;
  EXPECT_THROW(test::build_stage("items statuses", ctx), PipelineError);
  EXPECT_THROW(test::build_stage("items /a~2", ctx), PipelineError);
}

TEST(ItemsStage, LinesFromReadAreJoinedWithTheirNewlines) {
  Context ctx;
  BuiltStage built = test::build_stage("items /a", ctx);
  // A raw newline inside a string is invalid JSON: that element is a bad record (fail: throws).
  EXPECT_THROW(test::collect(built.transform(test::lines_source(
                   {"{\"a\": [", "  \"x", "y\",", "  {\"b\": 1}", "]}"}, 2, true))),
               BadRecordError);
}

TEST(ItemsStage, LinesFromReadPretty) {
  Context ctx;
  BuiltStage built = test::build_stage("items /a", ctx);
  for (const bool pending : {false, true}) {
    Lines out;
    for (Batch& batch : built.transform(
             test::lines_source({"{\"a\": [", "  \"xy\",", "  {\"b\": 1}", "]}"}, 2, pending))) {
      for (const Record& r : batch.records()) out.emplace_back(r.text);
    }
    EXPECT_EQ(out, (Lines{"\"xy\"", "{\"b\":1}"}));
  }
}

}  // namespace
}  // namespace gpipe
