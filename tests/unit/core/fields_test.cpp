// Positional field splitting (awk's default rule and exact separators) and the field/select
// stages that use it.
#include "gpipe/fields.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gpipe/errors.hpp"
#include "test_util.hpp"

namespace gpipe {
namespace {

std::vector<std::string> split(const FieldSplitter& splitter, std::string_view text,
                               std::size_t limit = 0) {
  std::vector<std::string_view> views;
  splitter.split(text, views, limit);
  return {views.begin(), views.end()};
}

using Fields = std::vector<std::string>;

TEST(FieldsTest, AwkSplitsOnRunsOfSpacesAndTabsIgnoringLeadingAndTrailing) {
  const FieldSplitter awk;
  EXPECT_EQ(split(awk, "a b c"), (Fields{"a", "b", "c"}));
  EXPECT_EQ(split(awk, "  a \t\t b   c  "), (Fields{"a", "b", "c"}));
  EXPECT_EQ(split(awk, "\ta"), (Fields{"a"}));
  EXPECT_EQ(split(awk, ""), Fields{});
  EXPECT_EQ(split(awk, " \t  "), Fields{});
  // Only blanks separate: other punctuation and \r are part of a field.
  EXPECT_EQ(split(awk, "a,b c\r"), (Fields{"a,b", "c\r"}));
}

TEST(FieldsTest, ExactSeparatorCountsEmptyFields) {
  const FieldSplitter comma(",");
  EXPECT_EQ(split(comma, "a,b,,d"), (Fields{"a", "b", "", "d"}));
  EXPECT_EQ(split(comma, ",x"), (Fields{"", "x"}));
  EXPECT_EQ(split(comma, "x,"), (Fields{"x", ""}));
  EXPECT_EQ(split(comma, ","), (Fields{"", ""}));
  EXPECT_EQ(split(comma, " a , b "), (Fields{" a ", " b "}));
  EXPECT_EQ(split(comma, ""), Fields{});  // awk -F, gives NF == 0 for an empty line
}

TEST(FieldsTest, MultiCharacterSeparator) {
  const FieldSplitter arrow("->");
  EXPECT_EQ(split(arrow, "a->b->->c"), (Fields{"a", "b", "", "c"}));
  EXPECT_EQ(split(arrow, "a-b>c"), (Fields{"a-b>c"}));
  EXPECT_EQ(split(arrow, "->"), (Fields{"", ""}));
  const FieldSplitter doubled("::");
  EXPECT_EQ(split(doubled, "a:::b"), (Fields{"a", ":b"}));
}

TEST(FieldsTest, SplitStopsAtTheLimitAndReusesTheVector) {
  const FieldSplitter awk;
  EXPECT_EQ(split(awk, "a b c d", 2), (Fields{"a", "b"}));
  std::vector<std::string_view> views;
  awk.split("a b c d e f", views);
  awk.split("x", views);
  EXPECT_EQ(views.size(), 1u);
  EXPECT_GE(views.capacity(), 6u);
}

TEST(FieldsTest, NthFindsTheFieldOrReportsItMissing) {
  const FieldSplitter awk;
  std::string_view out;
  ASSERT_TRUE(awk.nth("  a  bb\tccc ", 1, out));
  EXPECT_EQ(out, "bb");
  ASSERT_TRUE(awk.nth("  a  bb\tccc ", 2, out));
  EXPECT_EQ(out, "ccc");
  EXPECT_FALSE(awk.nth("  a  bb\tccc ", 3, out));
  EXPECT_FALSE(awk.nth("", 0, out));

  const FieldSplitter comma(",");
  ASSERT_TRUE(comma.nth("a,,c", 1, out));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(comma.nth("a,,c", 2, out));
  EXPECT_EQ(out, "c");
  EXPECT_FALSE(comma.nth("a,,c", 3, out));
  // The returned view points into the text.
  const std::string_view text = "k=v;w";
  ASSERT_TRUE(FieldSplitter(";").nth(text, 1, out));
  EXPECT_EQ(out.data(), text.data() + 4);
}

TEST(FieldsTest, NthFromEndFindsTheFieldOrReportsItMissing) {
  const FieldSplitter awk;
  std::string_view out;
  ASSERT_TRUE(awk.nth_from_end("  a  bb\tccc ", 1, out));
  EXPECT_EQ(out, "ccc");
  ASSERT_TRUE(awk.nth_from_end("  a  bb\tccc ", 3, out));
  EXPECT_EQ(out, "a");
  EXPECT_FALSE(awk.nth_from_end("  a  bb\tccc ", 4, out));
  EXPECT_FALSE(awk.nth_from_end("  a  bb\tccc ", 0, out));
  EXPECT_FALSE(awk.nth_from_end(" \t ", 1, out));

  const FieldSplitter comma(",");
  ASSERT_TRUE(comma.nth_from_end("a,,c,", 1, out));  // the empty field after the last comma
  EXPECT_EQ(out, "");
  ASSERT_TRUE(comma.nth_from_end("a,,c,", 4, out));
  EXPECT_EQ(out, "a");
  EXPECT_FALSE(comma.nth_from_end("a,,c,", 5, out));
  EXPECT_FALSE(comma.nth_from_end("", 1, out));  // no fields at all, as awk -F's NF is 0
  // A separator that overlaps itself splits as a scan from the start does: "aaa" on "aa" is
  // "" and "a", so the last field is "a".
  ASSERT_TRUE(FieldSplitter("aa").nth_from_end("aaa", 1, out));
  EXPECT_EQ(out, "a");
}

std::vector<std::string> run(const std::string& stage, std::vector<std::string> lines,
                             bool pending = false) {
  Context ctx;
  BuiltStage built = test::build_stage(stage, ctx);
  return test::collect(built.transform(test::lines_source(std::move(lines), 2, pending)));
}

TEST(FieldsTest, FieldStageSelectsPositionsInOrderLikeAwk) {
  const std::vector<std::string> lines = {"  a b  c", "x", "", "\tp\tq"};
  EXPECT_EQ(run("field 0", lines), (Fields{"a", "x", "", "p"}));
  EXPECT_EQ(run("field 2 0", lines), (Fields{"c\ta", "\tx", "\t", "\tp"}));
  EXPECT_EQ(run("field 1", lines, true), (Fields{"b", "", "", "q"}));
}

TEST(FieldsTest, FieldStageCountsNegativePositionsFromTheEnd) {
  const std::vector<std::string> lines = {"  a b  c", "x", "", "\tp\tq"};
  EXPECT_EQ(run("field -1", lines), (Fields{"c", "x", "", "q"}));
  EXPECT_EQ(run("field -1 0 -2", lines), (Fields{"c\ta\tb", "x\tx\t", "\t\t", "q\tp\tp"}));
  EXPECT_EQ(run("field 0 -1", lines, true), (Fields{"a\tc", "x\tx", "\t", "p\tq"}));
  EXPECT_EQ(run("field -1 --sep ,", {"a,b,", "a,b"}), (Fields{"", "b"}));
}

TEST(FieldsTest, FieldStageWithSeparator) {
  EXPECT_EQ(run("field 3 0 --sep ,", {"a,b,,d", ",x"}), (Fields{"d\ta", "\t"}));
  EXPECT_EQ(run("field --sep=:: 1", {"a::b::c", "a:b"}), (Fields{"b", ""}));
}

TEST(FieldsTest, FieldValuesAreStringsViewingTheTextAndMissingOnesAreNull) {
  Context ctx;
  BuiltStage built = test::build_stage("field 1 5 name", ctx);
  int seen = 0;
  for (Batch& batch : built.transform(test::lines_source({"a b c"}, 1))) {
    for (const Record& r : batch.records()) {
      ASSERT_EQ(r.field_count, 3u);
      const Field* f = batch.fields().data() + r.first_field;
      EXPECT_EQ(f[0].name, "1");
      EXPECT_EQ(f[0].value.kind, Value::Kind::String);
      EXPECT_EQ(f[0].value.text, "b");
      EXPECT_EQ(f[0].value.text.data(), r.text.data() + 2);  // a view, not a copy
      EXPECT_EQ(f[1].name, "5");
      EXPECT_TRUE(f[1].value.is_null());
      EXPECT_EQ(f[2].name, "name");  // a name on a text record is missing
      EXPECT_TRUE(f[2].value.is_null());
      ++seen;
    }
  }
  EXPECT_EQ(seen, 1);
}

TEST(FieldsTest, SecondFieldStageIndexesTheFirstOnesFields) {
  Context ctx;
  BuiltStage first = test::build_stage("field 3 1 0", ctx);
  BuiltStage second = test::build_stage("select 2 0 9", ctx);
  const auto out =
      test::collect(second.transform(first.transform(test::lines_source({"a b c d", "e f"}))));
  EXPECT_EQ(out, (Fields{"a\td\t", "e\t\t"}));
}

TEST(FieldsTest, NamedFieldsLookUpStructuredRecordsAndBuiltins) {
  Context ctx;
  BuiltStage first = test::build_stage("field 0 1", ctx);  // fields named "0" and "1"
  BuiltStage second = test::build_stage("field 1 _line _offset _file nope", ctx);
  const auto out =
      test::collect(second.transform(first.transform(test::lines_source({"a b", "cc dd"}, 1))));
  EXPECT_EQ(out, (Fields{"b\t1\t0\ttest\t", "dd\t2\t4\ttest\t"}));
}

TEST(FieldsTest, SelectIsFieldUnderAnotherName) {
  EXPECT_EQ(run("select 1 0", {"a b"}), (Fields{"b\ta"}));
  const StageInfo* field = find_stage("field");
  const StageInfo* select = find_stage("select");
  ASSERT_NE(field, nullptr);
  ASSERT_NE(select, nullptr);
  EXPECT_EQ(select->details, field->details);
  EXPECT_NE(select->synopsis, field->synopsis);
}

TEST(FieldsTest, FieldArgumentErrors) {
  Context ctx;
  try {
    test::build_stage("field", ctx);
    FAIL() << "no error";
  } catch (const PipelineError& e) {
    EXPECT_STREQ(e.what(), "missing field");
  }
  try {
    test::build_stage("field 0 --sep ''", ctx);
    FAIL() << "no error";
  } catch (const PipelineError& e) {
    EXPECT_STREQ(e.what(), "the separator must not be empty");
    EXPECT_EQ(e.span().offset, 14u);
  }
}

}  // namespace
}  // namespace gpipe
