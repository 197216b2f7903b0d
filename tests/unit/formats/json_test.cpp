// The `json` parser: values of demanded paths, bad records, blank lines, and the whole
// JSONTestSuite corpus (y_ files parse to one record, n_ files are bad records, nothing crashes).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "formats/json/json_fields.hpp"
#include "gpipe/errors.hpp"
#include "gpipe/field_ref.hpp"
#include "test_util.hpp"

namespace gpipe {
namespace {

using Lines = std::vector<std::string>;

struct JsonRun {
  Lines out;
  std::uint64_t bad = 0;
  std::uint64_t good = 0;
  std::vector<std::string> messages;
};

// Runs `json` over `lines` with `names` demanded, printing each record's fields (tab-joined)
// prefixed by each field's kind letter.
JsonRun run_json(const Lines& lines, const std::vector<std::string>& names, bool all = false,
                 bool pending = true, std::size_t per_batch = 2) {
  Context ctx;
  ctx.errors.~ErrorPolicy();
  new (&ctx.errors) ErrorPolicy(ErrorPolicy::Mode::Skip, "");
  BuiltStage built = test::build_stage("json", ctx);
  for (const std::string& n : names) ctx.demand.need(n);
  if (all) ctx.demand.need_all();
  JsonRun run;
  for (Batch& batch : built.transform(test::lines_source(lines, per_batch, pending))) {
    EXPECT_EQ(batch.format(), DataFormat::Json);
    for (const Record& r : batch.records()) {
      EXPECT_TRUE(r.whole_json);
      std::string line;
      for (std::uint32_t i = 0; i < r.field_count; ++i) {
        const Field& f = batch.fields()[r.first_field + i];
        if (i != 0) line += '\t';
        if (all) line += std::string(f.name) + "=";
        line += "NBnSJ"[static_cast<int>(f.value.kind)];
        line += ":";
        line += f.value.text;
      }
      run.out.push_back(line);
    }
  }
  run.bad = ctx.errors.count();
  run.good = ctx.errors.good();
  run.messages = ctx.errors.first_messages();
  return run;
}

const std::string kTweet =
    R"({"user":{"screen_name":"ann","id":7},"retweet_count":12,"text":"a\tb \"q\" \u00e9",)"
    R"("entities":{"hashtags":[{"text":"x"},{"text":"y"}]},"n":null,"f":false,"big":123456789012345678901234567890,)"
    R"("pi":1.50,"arr":[1, 2,{"a" : 3}],"u":"\ud83d\ude00"})";

TEST(JsonStage, ExtractsDemandedPaths) {
  const JsonRun run =
      run_json({kTweet}, {"user.screen_name", "retweet_count", "entities.hashtags[1].text",
                          "missing", "text", "n", "f", "big", "pi", "arr", "u", "user"});
  ASSERT_EQ(run.out.size(), 1u);
  EXPECT_EQ(run.out[0],
            "n:12\tS:y\tN:\tS:a\tb \"q\" \xc3\xa9\tN:\tB:false\t"
            "n:123456789012345678901234567890\tn:1.50\tJ:[1,2,{\"a\":3}]\tS:\xf0\x9f\x98\x80\t"
            "J:{\"screen_name\":\"ann\",\"id\":7}");
  EXPECT_EQ(run.good, 1u);
  EXPECT_EQ(run.bad, 0u);
}

TEST(JsonStage, AllTopLevelKeys) {
  const JsonRun run = run_json({R"({"a":1,"b\"c":"x","d":{"e":[1]}})"}, {"d.e[0]"}, true);
  ASSERT_EQ(run.out.size(), 1u);
  EXPECT_EQ(run.out[0], "a=n:1\tb\"c=S:x\td=J:{\"e\":[1]}");
}

TEST(JsonStage, LastDuplicateKeyWinsAsInJq) {
  EXPECT_EQ(run_json({R"({"a":1,"a":2})"}, {"a"}).out, Lines{"n:2"});
}

TEST(JsonStage, PathThroughScalarOrWrongTypeIsNull) {
  EXPECT_EQ(run_json({R"({"a":1,"b":[1]})", "[5,6]", "\"s\"", "3"}, {"a.x", "b.c", "[1]"}).out,
            (Lines{"N:\tN:\tN:", "N:\tN:\tn:6", "N:\tN:\tN:", "N:\tN:\tN:"}));
}

TEST(JsonStage, InvalidLinesAreBadRecordsWithLineAndReason) {
  const JsonRun run =
      run_json({"{\"a\":1}", "{\"a\":", "[1,2] x", "", "  ", "tru", "1.", "{\"a\":1}"}, {"a"});
  EXPECT_EQ(run.out, (Lines{"n:1", "n:1"}));
  EXPECT_EQ(run.good, 2u);
  EXPECT_EQ(run.bad, 4u);
  ASSERT_GE(run.messages.size(), 2u);
  EXPECT_NE(run.messages[0].find("test:2"), std::string::npos) << run.messages[0];
  EXPECT_NE(run.messages[0].find("invalid JSON"), std::string::npos) << run.messages[0];
  EXPECT_NE(run.messages[1].find("test:3"), std::string::npos) << run.messages[1];
}

TEST(JsonStage, SplitAndPendingBatchesAgree) {
  const Lines lines = {kTweet, "{\"retweet_count\":1}", kTweet, "[]", "{\"retweet_count\":\"7\"}"};
  const JsonRun first = run_json(lines, {"retweet_count"}, false, false, 1);
  EXPECT_EQ(first.out, (Lines{"n:12", "n:1", "n:12", "N:", "S:7"}));
  for (const bool pending : {false, true}) {
    for (const std::size_t per : {1, 2, 3, 100}) {
      EXPECT_EQ(run_json(lines, {"retweet_count"}, false, pending, per).out, first.out);
    }
  }
}

TEST(JsonStage, DeepNestingDoesNotCrash) {
  // Nesting deeper than 1024 is a bad record (jq 1.6 stops at 256), balanced or not; 1024 is
  // fine.
  const JsonRun run = run_json({std::string(10000, '[') + std::string(10000, ']'),
                                std::string(100000, '{'), std::string(100000, '[')},
                               {"a", "[0][0][0]"});
  EXPECT_EQ(run.out.size(), 0u);
  EXPECT_EQ(run.bad, 3u);
  ASSERT_FALSE(run.messages.empty());
  EXPECT_NE(run.messages[0].find("too deep"), std::string::npos) << run.messages[0];
  const JsonRun ok = run_json({std::string(1000, '[') + std::string(1000, ']')}, {});
  EXPECT_EQ(ok.out.size(), 1u);
  EXPECT_EQ(ok.bad, 0u);
}

// A path below another demanded path is not a field of its own: lookup_field finds it inside
// the outer value, so both work.
TEST(JsonStage, NestedDemandUnderDemandedObjectResolvesByLookup) {
  Context ctx;
  BuiltStage built = test::build_stage("json", ctx);
  ctx.demand.need("user");
  ctx.demand.need("user.id");
  std::vector<std::string> ids;
  const FieldRef ref = FieldRef::parse("user.id");
  for (Batch& batch : built.transform(test::lines_source({R"({"user":{"id":7}})"}, 1, true))) {
    for (const Record& r : batch.records()) {
      ids.push_back(std::string(lookup_field(batch, r, ref).text));
      EXPECT_EQ(r.field_count, 1u);
    }
  }
  EXPECT_EQ(ids, std::vector<std::string>{"7"});
}

TEST(JsonStage, FailPolicyThrows) {
  Context ctx;
  BuiltStage built = test::build_stage("json", ctx);
  EXPECT_THROW(test::collect(built.transform(test::lines_source({"{"}, 1, true))), BadRecordError);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every file of JSONTestSuite/test_parsing as the lines of one input.
TEST(JsonStage, JsonTestSuite) {
  const std::filesystem::path dir =
      std::filesystem::path(GPIPE_CORPORA_DIR) / "json-test-suite" / "test_parsing";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no corpus at " << dir;
  std::size_t y_ok = 0, n_bad = 0, files = 0;
  std::vector<std::string> y_wrong, n_accepted;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::string text = read_file(entry.path());
    ++files;
    Lines lines;
    std::size_t start = 0;
    while (start <= text.size()) {
      const std::size_t nl = text.find('\n', start);
      if (nl == std::string::npos) {
        if (start < text.size()) lines.push_back(text.substr(start));
        break;
      }
      lines.push_back(text.substr(start, nl - start));
      start = nl + 1;
    }
    const JsonRun run = run_json(lines, {"a", "[0]"});  // must not crash, whatever the file
    const bool one_line =
        text.find('\n') == std::string::npos || text.find('\n') == text.size() - 1;
    if (name.starts_with("y_") && one_line) {
      if (run.out.size() == 1 && run.bad == 0) {
        ++y_ok;
      } else {
        y_wrong.push_back(name);
      }
    }
    if (name.starts_with("n_") && one_line) {
      if (run.bad >= 1 || run.out.empty()) {
        ++n_bad;
      } else {
        n_accepted.push_back(name);
      }
    }
  }
  std::string accepted;
  for (const std::string& n : n_accepted) accepted += n + " ";
  std::string wrong;
  for (const std::string& n : y_wrong) wrong += n + " ";
  EXPECT_TRUE(y_wrong.empty()) << wrong;
  // Values no path asks for are checked too (On-Demand alone would skip them unparsed).
  EXPECT_EQ(accepted, "") << "n_ accepted: " << accepted;
  EXPECT_EQ(y_ok, 93u);  // every one-line y_ file (the two multi-line ones are split per line)
  EXPECT_EQ(n_bad, 185u);
  std::cout << files << " files; y_ one-line ok " << y_ok << "; n_ one-line rejected " << n_bad
            << "\n";
}

// An extraction's outcome as one string: ok or the error and its column, then each field with
// its kind (N null, B bool, n number, S string, J JSON).
std::string line_result(bool ok, const JsonError& error, const std::vector<Field>& fields) {
  std::string result = ok ? "ok" : "bad: " + error.message + " @" + std::to_string(error.column);
  for (const Field& f : fields) {
    result += "|" + std::string(f.name) + "=" + "NBnSJ"[static_cast<int>(f.value.kind)] + ":" +
              std::string(f.value.text);
  }
  return result;
}

// The DOM fast path must give exactly what the On-Demand walk gives: values, kinds, and for bad
// documents the same message and column. Checked on every JSONTestSuite file (y_, n_ and i_:
// big numbers, deep nesting, bad escapes), the sample tweets, and documents made to hit each
// case where the fast path must give up (-0, floats, objects, repeated keys, depth).
std::string extraction(JsonFieldExtractor& extractor, const std::string& document, bool dom) {
  extractor.set_dom_fast_path(dom);
  Arena arena;
  std::vector<Field> fields;
  JsonError error;
  const std::string padded = document + std::string(kJsonPadding, ' ');
  const bool ok =
      extractor.extract(std::string_view(padded.data(), document.size()), arena, fields, error);
  return line_result(ok, error, fields);
}

TEST(JsonFieldExtractorTest, DomFastPathAgreesWithTheOnDemandWalk) {
  std::vector<std::string> documents = {R"({"a":-0,"b":0})",
                                        R"({"a":0,"b":"x-0"})",
                                        R"({"a":1.50,"b":1e2})",
                                        R"({"a":1,"a":2})",
                                        R"({"a":{"b":[1, 2]},"c":[0,{"d":-12}]})",
                                        R"({"a":18446744073709551615,"b":-9223372036854775808})",
                                        R"({"a":123456789012345678901234567890})",
                                        R"({"a":"x\ty\u00e9","b":true,"c":null})",
                                        R"([{"a":1},{"b":2}])",
                                        R"("just a string")",
                                        "42",
                                        R"({"a":[1,2,3],"c":{"a":5}})",
                                        std::string(300, '[') + std::string(300, ']'),
                                        R"({"a":1} x)",
                                        R"({"a":tru})",
                                        "",
                                        R"({"user":{"screen_name":"x","id":1},"retweet_count":0})",
                                        R"({"a":{"b":1},"c":[0,{"d":2}],"a":{"x":2},"c":[1]})"};
  const std::filesystem::path suite =
      std::filesystem::path(GPIPE_CORPORA_DIR) / "json-test-suite" / "test_parsing";
  if (std::filesystem::is_directory(suite)) {
    for (const auto& entry : std::filesystem::directory_iterator(suite)) {
      documents.push_back(read_file(entry.path()));
    }
  }
  std::ifstream tweets(std::string(GPIPE_SOURCE_DIR) + "/sample-data/tweets.jsonl");
  for (std::string line; std::getline(tweets, line);) documents.push_back(line);
  ASSERT_GT(documents.size(), 300u);

  const std::vector<std::vector<std::string>> demands = {
      {"a"},
      {"[0]", "a"},
      {"a.b", "c[1].d", "b"},
      {"a", "c.a", "c"},
      {"user.screen_name", "retweet_count", "id", "text", "entities.hashtags[0].text", "lang"}};
  std::size_t compared = 0;
  for (const std::vector<std::string>& names : demands) {
    JsonFieldExtractor extractor(names, false);
    for (const std::string& document : documents) {
      EXPECT_EQ(extraction(extractor, document, true), extraction(extractor, document, false))
          << document.substr(0, 200);
      ++compared;
    }
  }
  EXPECT_GT(compared, 1500u);
}
// The block fast path (parse_many over a block of lines) must give, line by line, exactly what
// the On-Demand walk gives for the line alone, whatever the neighbours: documents that span
// lines, several on a line, unclosed strings and invalid UTF-8 that upset the stream for the
// lines after them, CR, spaces, scalars. Blocks of 1 to 64 lines of JSONTestSuite, the sample
// tweets and such lines, in every grouping.

TEST(JsonFieldExtractorTest, BlockFastPathAgreesLineByLine) {
  Lines lines = {R"({"a":1,"c":{"a":2}})",
                 R"({"a":)",
                 R"(1})",
                 R"({"a":1}{"a":2})",
                 R"(  {"a":"spaced"}  )",
                 "{\"a\":\"cr\"}\r",
                 R"({"a":"unclosed)",
                 R"({"a":"after the unclosed one"})",
                 R"({"a":"second quote"} ")",
                 R"({"a":-0,"b":0})",
                 R"({"a":1.5})",
                 R"({"a":[1,2],"b":{"x":1}})",
                 R"([{"a":1}])",
                 "[1] [2]",
                 "42",
                 R"("str")",
                 "{\"a\":\"bad \xff utf-8\"}",
                 R"({"a":2,"a":3})",
                 std::string(300, '[') + std::string(300, ']'),
                 R"({"a":tru})",
                 "{}",
                 "[]"};
  const std::filesystem::path suite =
      std::filesystem::path(GPIPE_CORPORA_DIR) / "json-test-suite" / "test_parsing";
  if (std::filesystem::is_directory(suite)) {
    for (const auto& entry : std::filesystem::directory_iterator(suite)) {
      std::istringstream file(read_file(entry.path()));
      for (std::string line; std::getline(file, line);) lines.push_back(line);
    }
  }
  std::ifstream tweets(std::string(GPIPE_SOURCE_DIR) + "/sample-data/tweets.jsonl");
  for (std::string line; std::getline(tweets, line);) lines.push_back(line);

  const std::vector<std::vector<std::string>> demands = {
      {"a"}, {"a", "c.a", "b"}, {"user.screen_name", "retweet_count", "entities.hashtags[0].text"}};
  std::size_t compared = 0;
  std::size_t by_block = 0;
  for (const std::vector<std::string>& names : demands) {
    JsonFieldExtractor block_path(names, false);
    JsonFieldExtractor reference(names, false);
    reference.set_dom_fast_path(false);
    for (const std::size_t per_block : {1, 7, 64}) {
      for (std::size_t from = 0; from < lines.size(); from += per_block) {
        const std::size_t to = std::min(lines.size(), from + per_block);
        std::string buffer;
        std::vector<std::pair<std::size_t, std::size_t>> spans;
        for (std::size_t i = from; i < to; ++i) {
          spans.emplace_back(buffer.size(), lines[i].size());
          buffer += lines[i] + "\n";
        }
        const std::size_t block_size = buffer.size();
        buffer.append(kJsonPadding, ' ');
        block_path.begin_block(std::string_view(buffer.data(), block_size));
        for (const auto& [start, size] : spans) {
          const std::string_view line(buffer.data() + start, size);
          Arena arena;
          std::vector<Field> got;
          JsonError error;
          bool ok = block_path.extract_in_block(line, arena, got);
          by_block += ok ? 1 : 0;
          if (!ok) ok = block_path.extract(line, arena, got, error);
          const std::string expected_padded = std::string(line) + std::string(kJsonPadding, ' ');
          std::vector<Field> want;
          JsonError want_error;
          const bool want_ok = reference.extract(std::string_view(expected_padded.data(), size),
                                                 arena, want, want_error);
          EXPECT_EQ(line_result(ok, error, got), line_result(want_ok, want_error, want))
              << "line: " << line.substr(0, 200) << " (blocks of " << per_block << ")";
          ++compared;
        }
      }
    }
  }
  EXPECT_GT(compared, 1500u);
  EXPECT_GT(by_block, 300u);

  // Valid lines of objects in a block of their own all take the block path.
  JsonFieldExtractor extractor(demands.back(), false);
  std::string buffer;
  std::size_t count = 0;
  std::ifstream again(std::string(GPIPE_SOURCE_DIR) + "/sample-data/tweets.jsonl");
  for (std::string line; std::getline(again, line); ++count) buffer += line + "\n";
  ASSERT_GT(count, 10u);
  const std::size_t block_size = buffer.size();
  buffer.append(kJsonPadding, ' ');
  extractor.begin_block(std::string_view(buffer.data(), block_size));
  std::size_t start = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t end = buffer.find('\n', start);
    Arena arena;
    std::vector<Field> fields;
    EXPECT_TRUE(extractor.extract_in_block(std::string_view(buffer).substr(start, end - start),
                                           arena, fields))
        << "tweet " << i;
    start = end + 1;
  }
}

}  // namespace
}  // namespace gpipe

namespace gpipe {
namespace {

TEST(JsonResolvePath, SameValuesAsTheJsonStage) {
  Arena arena;
  std::vector<PathStep> steps;
  std::string reason;
  const auto at = [&](std::string_view json, std::string_view path) {
    EXPECT_TRUE(parse_json_path(path, steps, reason)) << reason;
    const Value v = resolve_json_path(json, steps, arena);
    return std::string("NBnSJ").substr(static_cast<std::size_t>(v.kind), 1) + ":" +
           std::string(v.text);
  };
  const std::string doc = R"({"a":{"b":[1.50,"x\ty",{"c":null}]},"a2":true, "a2":false})";
  EXPECT_EQ(at(doc, "a.b[0]"), "n:1.50");
  EXPECT_EQ(at(doc, "a.b[1]"), "S:x\ty");
  EXPECT_EQ(at(doc, "a.b[2]"), "J:{\"c\":null}");
  EXPECT_EQ(at(doc, "a.b[2].c"), "N:");
  EXPECT_EQ(at(doc, "a2"), "B:false");
  EXPECT_EQ(at(doc, "a.b[9]"), "N:");
  EXPECT_EQ(at("[10,[20]]", "[1][0]"), "n:20");
  EXPECT_EQ(at(R"({"a":1,)", "a"), "N:");  // invalid JSON: null
}

}  // namespace
}  // namespace gpipe
