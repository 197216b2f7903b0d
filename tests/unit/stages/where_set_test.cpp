// The `where` and `set` stages: built from pipeline text through the real parser, run over text
// records (split and pending batches) and over records with fields; their argument errors with
// carets; field demand; and a differential check of `where` against awk on a loghub corpus.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gpipe/errors.hpp"
#include "gpipe/language.hpp"
#include "test_util.hpp"

namespace gpipe {
namespace {

using Lines = std::vector<std::string>;

Lines run(const std::string& stage, const Lines& lines, std::size_t per_batch = 2,
          bool pending = false) {
  Context ctx;
  BuiltStage built = test::build_stage(stage, ctx);
  return test::collect(built.transform(test::lines_source(lines, per_batch, pending)));
}

// Runs over split and pending batches of several sizes; all must agree.
Lines run_all_ways(const std::string& stage, const Lines& lines) {
  const Lines first = run(stage, lines, 1, false);
  for (const bool pending : {false, true}) {
    for (const std::size_t per_batch : {1, 3, 100}) {
      EXPECT_EQ(run(stage, lines, per_batch, pending), first) << stage;
    }
  }
  return first;
}

// The error message and caret as format_pipeline_error lays them out.
std::string pipeline_error(const std::string& pipeline) {
  try {
    Context ctx;
    test::build_stage(pipeline, ctx);
  } catch (const PipelineError& e) {
    return format_pipeline_error(e, PipelineSource{pipeline, ""});
  }
  return "no error";
}

// A source of records that have named fields, as a parser makes them.
struct FieldRecord {
  std::vector<std::pair<std::string, Value>> fields;
  bool whole_json = false;
};

BatchStream fields_source(std::vector<FieldRecord> records) {
  static const Origin origin{"fields"};
  Batch batch;
  batch.reset(&origin, RecordKind::Line);
  batch.set_format(DataFormat::Json);
  std::vector<Field> fs;
  std::uint64_t line = 0;
  for (const FieldRecord& r : records) {
    fs.clear();
    for (const auto& [name, value] : r.fields) fs.push_back(Field{name, value});
    Record record;
    record.text = "{}";
    record.line = ++line;
    record.first_field = batch.add_fields(fs);
    record.field_count = static_cast<std::uint32_t>(fs.size());
    record.whole_json = r.whole_json;
    batch.raw_records().push_back(record);
  }
  co_yield batch;
}

// Each output record as "name=value(kind)" pairs, and whether it is still whole JSON.
std::vector<std::string> describe_fields(BatchStream stream) {
  static const char* kKinds[] = {"null", "bool", "number", "string", "json"};
  std::vector<std::string> out;
  for (Batch& batch : stream) {
    for (const Record& r : batch.records()) {
      std::string s = r.whole_json ? "whole " : "";
      for (std::uint32_t i = 0; i < r.field_count; ++i) {
        const Field& f = batch.fields()[r.first_field + i];
        if (i != 0) s += ' ';
        s += std::string(f.name) + "=" + std::string(f.value.text) + "(" +
             kKinds[static_cast<int>(f.value.kind)] + ")";
      }
      out.push_back(s);
    }
  }
  return out;
}

std::vector<std::string> run_fields(const std::string& stage, std::vector<FieldRecord> records) {
  Context ctx;
  BuiltStage built = test::build_stage(stage, ctx);
  return describe_fields(built.transform(fields_source(std::move(records))));
}

const Lines kAccess = {
    "10.0.0.1 GET /a 200 512",
    "10.0.0.2 GET /b 503 0",
    "10.0.0.3 POST /c 404 17",
    "10.0.0.4 GET /d 500 1024",
    "short line",
    "",
    "10.0.0.5 GET /e 99 3",
    "10.0.0.6 GET /f 1000 4",
};

TEST(WhereTest, KeepsRecordsWhereTheExpressionIsTrue) {
  EXPECT_EQ(run_all_ways("where $3 >= 500", kAccess),
            (Lines{"10.0.0.2 GET /b 503 0", "10.0.0.4 GET /d 500 1024", "10.0.0.6 GET /f 1000 4"}));
  EXPECT_EQ(run_all_ways("where $3 >= 400 and $1 == \"GET\"", kAccess),
            (Lines{"10.0.0.2 GET /b 503 0", "10.0.0.4 GET /d 500 1024", "10.0.0.6 GET /f 1000 4"}));
  EXPECT_EQ(run_all_ways("where $1 != \"GET\"", kAccess),
            (Lines{"10.0.0.3 POST /c 404 17", "short line", ""}));
  EXPECT_EQ(run_all_ways("where $4", kAccess).size(), 6u);  // "0" is a non-empty string: true
  EXPECT_EQ(run_all_ways("where not $", kAccess), (Lines{""}));
  EXPECT_EQ(run_all_ways("where $2 =~ \"^/[ab]$\"", kAccess),
            (Lines{"10.0.0.1 GET /a 200 512", "10.0.0.2 GET /b 503 0"}));
  EXPECT_EQ(run_all_ways("where _line % 4 == 0", kAccess),
            (Lines{"10.0.0.4 GET /d 500 1024", "10.0.0.6 GET /f 1000 4"}));
}

TEST(WhereTest, TheExpressionMayBeOneQuotedArgument) {
  EXPECT_EQ(run_all_ways("where '$3 >= 500 and $2 != \"/d\"'", kAccess),
            (Lines{"10.0.0.2 GET /b 503 0", "10.0.0.6 GET /f 1000 4"}));
  // Quoted words inside an expression are string literals, also next to parentheses.
  EXPECT_EQ(run("where contains($2, \"/c\")", kAccess), (Lines{"10.0.0.3 POST /c 404 17"}));
  EXPECT_EQ(run("where ($1 == \"POST\")", kAccess), (Lines{"10.0.0.3 POST /c 404 17"}));
  EXPECT_EQ(run("where replace($2, \"/\", \"\") == \"e\"", kAccess),
            (Lines{"10.0.0.5 GET /e 99 3"}));
  EXPECT_EQ(run("where $2 =~ \"(a|f)$\"", kAccess),
            (Lines{"10.0.0.1 GET /a 200 512", "10.0.0.6 GET /f 1000 4"}));
}

TEST(WhereTest, WordsThatLookLikeOptionsArePartOfTheExpression) {
  EXPECT_EQ(run("where -$3 < -900", kAccess), (Lines{"10.0.0.6 GET /f 1000 4"}));
  EXPECT_EQ(run("where -- -$3 < -900", kAccess), (Lines{"10.0.0.6 GET /f 1000 4"}));
}

TEST(WhereTest, FiltersRecordsWithFields) {
  const std::vector<FieldRecord> records = {
      {{{"lang", Value::string("en")}, {"retweet_count", {Value::Kind::Number, "150"}}}},
      {{{"lang", Value::string("de")}, {"retweet_count", {Value::Kind::Number, "500"}}}},
      {{{"lang", Value::string("en")}, {"retweet_count", {Value::Kind::Number, "99"}}}},
      {{{"lang", Value::string("en")}}},
  };
  EXPECT_EQ(run_fields("where retweet_count > 100 and lang == \"en\"", records),
            (std::vector<std::string>{"lang=en(string) retweet_count=150(number)"}));
  EXPECT_EQ(run_fields("where retweet_count == null", records),
            (std::vector<std::string>{"lang=en(string)"}));
}

TEST(WhereTest, AsksForTheFieldsItReads) {
  Context ctx;
  test::build_stage("where user.screen_name == \"x\" and len($) > 2 and retweet_count > 1", ctx);
  EXPECT_EQ(ctx.demand.names, (std::vector<std::string>{"user.screen_name", "retweet_count"}));
  EXPECT_FALSE(ctx.demand.all);
  // A position indexes every field of a record, in order: `json` must make them all.
  Context positional;
  test::build_stage("where user.screen_name == \"x\" and $1 > 2", positional);
  EXPECT_EQ(positional.demand.names, (std::vector<std::string>{"user.screen_name"}));
  EXPECT_TRUE(positional.demand.all);
}

TEST(WhereTest, ErrorsPointIntoThePipeline) {
  EXPECT_EQ(pipeline_error("where lowr($1) == \"a\""),
            "unknown function 'lowr' (did you mean 'lower'?)\n"
            "  where lowr($1) == \"a\"\n"
            "        ^~~~");
  EXPECT_EQ(pipeline_error("where retweet_count > 100 and lang =="),
            "expected a value, got the end of the expression\n"
            "  where retweet_count > 100 and lang ==\n"
            "                                       ^");
  EXPECT_EQ(pipeline_error("where 'a > 1 and (b'"),
            "unclosed '('\n"
            "  where 'a > 1 and (b'\n"
            "                   ^");
  EXPECT_EQ(pipeline_error("where a = 1"),
            "'=' is assignment; compare with '=='\n"
            "  where a = 1\n"
            "          ^");
  EXPECT_EQ(pipeline_error("where x =~ \"a(\""),
            "invalid regular expression: missing ): a(\n"
            "  where x =~ \"a(\"\n"
            "             ^~~~");
  EXPECT_EQ(pipeline_error("where"),
            "missing expression: where EXPR\n"
            "  where\n"
            "  ^~~~~");
}

TEST(SetTest, TextRecordsBecomeAwkFields) {
  const Lines lines = {"a b c", "  x\ty  ", ""};
  EXPECT_EQ(run_all_ways("set 1 = upper($1)", lines),
            (Lines{"a\tB\tc", "x\tY", "\t"}));  // as awk: '{ $2 = toupper($2) }'
  EXPECT_EQ(run_all_ways("set $0 = len($)", lines), (Lines{"5\tb\tc", "7\ty", "0"}));
  EXPECT_EQ(run_all_ways("set n = $0 + 1", lines), (Lines{"a\tb\tc\t", "x\ty\t", ""}));
  EXPECT_EQ(run_all_ways("set 4 = \"z\"", lines),
            (Lines{"a\tb\tc\t\tz", "x\ty\t\t\tz", "\t\t\t\tz"}));
  EXPECT_EQ(run_all_ways("set n=_line * 10", lines), (Lines{"a\tb\tc\t10", "x\ty\t20", "30"}));
}

TEST(SetTest, NumbersPrintInShortestForm) {
  const Lines one = {"7"};
  EXPECT_EQ(run("set 0 = $0 * 2", one), (Lines{"14"}));
  EXPECT_EQ(run("set 0 = $0 / 2", one), (Lines{"3.5"}));
  EXPECT_EQ(run("set 0 = 0.1 + 0.2", one), (Lines{"0.30000000000000004"}));
  EXPECT_EQ(run("set 0 = 1e21 * $0", one), (Lines{"7e+21"}));
  EXPECT_EQ(run("set 0 = 2.50", one), (Lines{"2.5"}));
  EXPECT_EQ(run("set 0 = $0 / 0", one), (Lines{""}));      // null prints as empty
  EXPECT_EQ(run("set 0 = \"web\"", one), (Lines{"web"}));  // a lone quoted word is a string
  EXPECT_EQ(run("set 0 = $0 > 5", one), (Lines{"true"}));
}

TEST(SetTest, ReplacesInPlaceOrAppendsAndKeepsKinds) {
  const std::vector<FieldRecord> records = {
      {{{"id", {Value::Kind::Number, "1"}},
        {"score", {Value::Kind::Number, "2.50"}},
        {"name", Value::string("ann")}},
       true},
      {{{"id", {Value::Kind::Number, "2"}}, {"name", Value::string("bob")}}, true},
  };
  EXPECT_EQ(run_fields("set score = score * 2", records),
            (std::vector<std::string>{"id=1(number) score=5(number) name=ann(string)",
                                      "id=2(number) name=bob(string) score=(null)"}));
  EXPECT_EQ(run_fields("set name = upper(name)", records),
            (std::vector<std::string>{"id=1(number) score=2.50(number) name=ANN(string)",
                                      "id=2(number) name=BOB(string)"}));
  EXPECT_EQ(run_fields("set copy = score", records),  // a copied number keeps its text
            (std::vector<std::string>{
                "id=1(number) score=2.50(number) name=ann(string) copy=2.50(number)",
                "id=2(number) name=bob(string) copy=(null)"}));
  EXPECT_EQ(run_fields("set 1 = true", records),  // a position keeps the field's name
            (std::vector<std::string>{"id=1(number) score=true(bool) name=ann(string)",
                                      "id=2(number) name=true(bool)"}));
}

TEST(SetTest, TheWholeAssignmentMayBeQuoted) {
  const std::vector<FieldRecord> records = {
      {{{"user name", Value::string("ann")}, {"n", {Value::Kind::Number, "4"}}}}};
  EXPECT_EQ(run_fields("set 'u = upper(.\"user name\")'", records),
            (std::vector<std::string>{"user name=ann(string) n=4(number) u=ANN(string)"}));
  EXPECT_EQ(run_fields("set ' n=n*n '", records),
            (std::vector<std::string>{"user name=ann(string) n=16(number)"}));
  EXPECT_EQ(run_fields("set u = 'upper(x)'", records),  // a lone quoted word is a string
            (std::vector<std::string>{"user name=ann(string) n=4(number) u=upper(x)(string)"}));
  EXPECT_EQ(pipeline_error("set 'u = lenn(n)'"),
            "unknown function 'lenn' (did you mean 'len'?)\n"
            "  set 'u = lenn(n)'\n"
            "           ^~~~");
}

TEST(SetTest, AsksForEveryField) {
  Context ctx;
  test::build_stage("set x = a.b + 1", ctx);
  EXPECT_TRUE(ctx.demand.all);
  EXPECT_EQ(ctx.demand.names, (std::vector<std::string>{"a.b"}));
}

TEST(SetTest, ArgumentErrors) {
  EXPECT_EQ(pipeline_error("set x 1"),
            "expected '=' after the field name: set NAME = EXPR\n"
            "  set x 1\n"
            "        ^");
  EXPECT_EQ(pipeline_error("set x ="),
            "missing expression after '=': set NAME = EXPR\n"
            "  set x =\n"
            "      ^");
  EXPECT_EQ(pipeline_error("set _line = 1"),
            "_line is set by the source and cannot be changed\n"
            "  set _line = 1\n"
            "      ^~~~~");
  EXPECT_EQ(pipeline_error("set"),
            "missing field name: set NAME = EXPR\n"
            "  set\n"
            "  ^~~");
  EXPECT_EQ(pipeline_error("set $-1 = 5"),
            "set cannot count from the end: name the field, or give its position ($3)\n"
            "  set $-1 = 5\n"
            "      ^~~");
  EXPECT_EQ(pipeline_error("set y=lenn($)"),
            "unknown function 'lenn' (did you mean 'len'?)\n"
            "  set y=lenn($)\n"
            "        ^~~~");
}

// where over a real log agrees with awk (fields shifted by one: awk's $1 is our $0).
TEST(WhereTest, AgreesWithAwkOnLoghub) {
  const std::filesystem::path log =
      std::filesystem::path(GPIPE_CORPORA_DIR) / "loghub" / "Apache_2k.log";
  if (!std::filesystem::exists(log)) GTEST_SKIP() << "corpus not found: " << log;
  auto capture = [](const std::string& command) {
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    char buffer[4096];
    std::size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    EXPECT_EQ(pclose(pipe), 0) << command;
    return out;
  };
  const std::string gpipe = capture(std::string(GPIPE_BINARY) + " 'read " + log.string() +
                                    " | where $5 == \"[error]\" and len($) > 80 | field 3 5'");
  const std::string awk = capture(
      "awk '$6 == \"[error]\" && length($0) > 80 "
      "{ print $4 \"\\t\" $6 }' " +
      log.string());
  EXPECT_EQ(gpipe, awk);
  EXPECT_GT(gpipe.size(), 500u);  // the comparison saw real matches
}

}  // namespace
}  // namespace gpipe
