// The transforms `drop` and `rename`: by name and by position, on records with fields (hand-made
// batches, as csv or json would make them) and on plain text lines, and their argument errors.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "gpipe/errors.hpp"
#include "test_util.hpp"

namespace gpipe {
namespace {

using Lines = std::vector<std::string>;
using Row = std::vector<std::pair<std::string, std::string>>;  // value "<null>" is null

// Yields each row as one record with those fields, two records per batch, marked whole JSON so
// the tests can see that the edit clears it.
BatchStream rows_source(std::vector<Row> rows) {
  static const Origin origin{"rows"};
  Batch batch;
  std::vector<Field> fields;
  for (std::size_t i = 0; i < rows.size(); i += 2) {
    batch.reset(&origin, RecordKind::Line);
    batch.set_format(DataFormat::Json);
    for (std::size_t j = i; j < rows.size() && j < i + 2; ++j) {
      fields.clear();
      for (const auto& [name, value] : rows[j]) {
        fields.push_back({name, value == "<null>" ? Value::null() : Value::string(value)});
      }
      Record record;
      record.text = "{…}";
      record.line = j + 1;
      record.whole_json = true;
      record.first_field = batch.add_fields(fields);
      record.field_count = static_cast<std::uint32_t>(fields.size());
      batch.raw_records().push_back(record);
    }
    co_yield batch;
  }
}

// Each record as "name=value|…", or "text:" and its text when it has no fields.
Lines describe(BatchStream stream, DataFormat want_format) {
  Lines out;
  for (Batch& batch : stream) {
    EXPECT_EQ(batch.format(), want_format);
    for (const Record& r : batch.records()) {
      if (!r.has_fields()) {
        out.push_back("text:" + std::string(r.text));
        continue;
      }
      EXPECT_FALSE(r.whole_json);
      std::string line;
      for (std::uint32_t i = 0; i < r.field_count; ++i) {
        const Field& f = batch.fields()[r.first_field + i];
        if (i != 0) line += '|';
        line +=
            std::string(f.name) + '=' + (f.value.is_null() ? "<null>" : std::string(f.value.text));
      }
      out.push_back(line);
    }
  }
  return out;
}

const std::vector<Row> kRows = {
    {{"id", "1"}, {"user", "ann"}, {"email", "a@x"}, {"age", "30"}},
    {{"id", "2"}, {"user", "bob"}, {"email", "<null>"}},
    {{"id", "3"}},
};

Lines on_rows(const std::string& stage, const std::vector<Row>& rows = kRows) {
  Context ctx;
  BuiltStage built = test::build_stage(stage, ctx);
  EXPECT_TRUE(ctx.demand.all);  // JSON records must come with every field
  return describe(built.transform(rows_source(rows)), DataFormat::Json);
}

Lines on_lines(const std::string& stage, const Lines& lines) {
  Context ctx;
  BuiltStage built = test::build_stage(stage, ctx);
  return describe(built.transform(test::lines_source(lines, 2)), DataFormat::Text);
}

using test::pipeline_error;

TEST(DropRenameTest, DropByName) {
  EXPECT_EQ(on_rows("drop email"), (Lines{"id=1|user=ann|age=30", "id=2|user=bob", "id=3"}));
  EXPECT_EQ(on_rows("drop email id missing"), (Lines{"user=ann|age=30", "user=bob", ""}));
}

TEST(DropRenameTest, DropByPosition) {
  EXPECT_EQ(on_rows("drop 0 2"), (Lines{"user=ann|age=30", "user=bob", ""}));
  EXPECT_EQ(on_rows("drop 3 9"),
            (Lines{"id=1|user=ann|email=a@x", "id=2|user=bob|email=<null>", "id=3"}));
}

TEST(DropRenameTest, DropRemovesEveryFieldOfThatName) {
  EXPECT_EQ(on_rows("drop a", {{{"a", "1"}, {"b", "2"}, {"a", "3"}}}), (Lines{"b=2"}));
}

TEST(DropRenameTest, DropOnTextLines) {
  // Names leave a plain line alone; positions make it its awk fields less the dropped ones.
  EXPECT_EQ(on_lines("drop user", {"a b c"}), (Lines{"text:a b c"}));
  EXPECT_EQ(on_lines("drop 1", {"a  b\tc", "  x", ""}), (Lines{"0=a|2=c", "0=x", ""}));
  Context ctx;
  BuiltStage built = test::build_stage("drop 1", ctx);
  EXPECT_EQ(test::collect(built.transform(test::lines_source({"a  b\tc d"}))), (Lines{"a\tc\td"}));
}

TEST(DropRenameTest, DropErrors) {
  EXPECT_EQ(pipeline_error("drop"), "missing field @0+4");
  EXPECT_EQ(pipeline_error("drop a _line"), "every record has _line; it cannot be dropped @7+5");
  EXPECT_EQ(pipeline_error("drop a ''"), "empty field name @7+2");
}

TEST(DropRenameTest, RenameByName) {
  EXPECT_EQ(on_rows("rename user=name email=mail"),
            (Lines{"id=1|name=ann|mail=a@x|age=30", "id=2|name=bob|mail=<null>", "id=3"}));
}

TEST(DropRenameTest, RenameByPosition) {
  EXPECT_EQ(on_rows("rename 0=key 3=years"),
            (Lines{"key=1|user=ann|email=a@x|years=30", "key=2|user=bob|email=<null>", "key=3"}));
}

TEST(DropRenameTest, RenameSwapsAtOnce) {
  EXPECT_EQ(on_rows("rename id=user user=id"),
            (Lines{"user=1|id=ann|email=a@x|age=30", "user=2|id=bob|email=<null>", "user=3"}));
}

TEST(DropRenameTest, RenameOntoAnExistingNameReplacesIt) {
  // As mlr rename: the renamed field takes the name, the one that had it goes.
  EXPECT_EQ(on_rows("rename email=user"),
            (Lines{"id=1|user=a@x|age=30", "id=2|user=<null>", "id=3"}));
}

TEST(DropRenameTest, RenameOnTextLines) {
  EXPECT_EQ(on_lines("rename user=x", {"a b c"}), (Lines{"text:a b c"}));
  EXPECT_EQ(on_lines("rename 0=ts 2=msg", {"t1 INFO hello", "t2"}),
            (Lines{"ts=t1|1=INFO|msg=hello", "ts=t2"}));
}

TEST(DropRenameTest, RenamedNamesAreFoundByLaterStages) {
  Context ctx;
  BuiltStage rename = test::build_stage("rename 0=ts 1=level", ctx);
  BuiltStage field = test::build_stage("field level ts", ctx);
  EXPECT_EQ(test::collect(field.transform(
                rename.transform(test::lines_source({"t1 INFO a", "t2 ERROR b", "t3 WARN"})))),
            (Lines{"INFO\tt1", "ERROR\tt2", "WARN\tt3"}));
}

TEST(DropRenameTest, RenameErrors) {
  EXPECT_EQ(pipeline_error("rename"), "missing OLD=NEW @0+6");
  EXPECT_EQ(pipeline_error("rename a"), "expected OLD=NEW @7+1");
  EXPECT_EQ(pipeline_error("rename =b"), "empty field name @7+2");
  EXPECT_EQ(pipeline_error("rename a="), "missing the new name after '=' @7+2");
  EXPECT_EQ(pipeline_error("rename _file=f"), "every record has _file; it cannot be renamed @7+7");
}

}  // namespace
}  // namespace gpipe
