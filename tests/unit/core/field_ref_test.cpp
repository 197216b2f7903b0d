#include "gpipe/field_ref.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace gpipe {
namespace {

std::string steps_text(const FieldRef& ref) {
  std::string out;
  for (const PathStep& step : ref.path()) {
    // Appended piece by piece: g++ 12 warns (-Wrestrict, falsely) on "[" + std::to_string(…).
    out += step.is_index ? '[' : '<';
    out += step.is_index ? std::to_string(step.index) : step.key;
    out += step.is_index ? ']' : '>';
  }
  return out;
}

TEST(FieldRefTest, DigitsArePositions) {
  const FieldRef ref = FieldRef::parse("12");
  EXPECT_EQ(ref.kind(), FieldRef::Kind::Position);
  EXPECT_EQ(ref.position(), 12u);
  EXPECT_EQ(ref.name(), "12");
}

TEST(FieldRefTest, NegativeNumbersArePositionsFromTheEnd) {
  const FieldRef last = FieldRef::parse("-1");
  EXPECT_EQ(last.kind(), FieldRef::Kind::PositionFromEnd);
  EXPECT_EQ(last.position(), 1u);
  EXPECT_EQ(last.name(), "-1");
  EXPECT_EQ(FieldRef::parse("-12").position(), 12u);
  EXPECT_THROW(FieldRef::parse("-0"), std::invalid_argument);  // 0 is the first field
  EXPECT_THROW(FieldRef::parse("-99999999999999999999999"), std::invalid_argument);
  // Not a number after the dash: still a name. A key literally named -1 is quoted.
  EXPECT_EQ(FieldRef::parse("-x").kind(), FieldRef::Kind::Name);
  EXPECT_EQ(FieldRef::parse("-").kind(), FieldRef::Kind::Name);
  const FieldRef quoted = FieldRef::parse(R"(."-1")");
  EXPECT_EQ(quoted.kind(), FieldRef::Kind::Name);
  EXPECT_EQ(steps_text(quoted), "<-1>");
}

TEST(FieldRefTest, MetaFields) {
  EXPECT_EQ(FieldRef::parse("_file").kind(), FieldRef::Kind::File);
  EXPECT_EQ(FieldRef::parse("_line").kind(), FieldRef::Kind::Line);
  EXPECT_EQ(FieldRef::parse("_offset").kind(), FieldRef::Kind::Offset);
  EXPECT_EQ(FieldRef::parse("_other").kind(), FieldRef::Kind::Name);
}

TEST(FieldRefTest, PathsAndTheirNames) {
  const FieldRef nested = FieldRef::parse(".entities.hashtags[0].text");
  EXPECT_EQ(nested.name(), "entities.hashtags[0].text");
  EXPECT_EQ(steps_text(nested), "<entities><hashtags>[0]<text>");
  EXPECT_EQ(steps_text(FieldRef::parse(R"(."user name".id)")), "<user name><id>");
  EXPECT_EQ(steps_text(FieldRef::parse(R"("a\"b")")), "<a\"b>");
  EXPECT_EQ(steps_text(FieldRef::parse("[2][0]")), "[2][0]");
  EXPECT_EQ(steps_text(FieldRef::parse("plain")), "<plain>");
}

TEST(FieldRefTest, NamesThatAreNotPathsAreMatchedWhole) {
  // A CSV column "user name" or "a+b" is still a field name.
  EXPECT_EQ(steps_text(FieldRef::parse("user name")), "<user name>");
  EXPECT_EQ(FieldRef::parse("user name").name(), "user name");
  EXPECT_EQ(steps_text(FieldRef::parse("a[x]")), "<a[x]>");
}

TEST(FieldRefTest, MalformedReferencesAreErrors) {
  EXPECT_THROW(FieldRef::parse(""), std::invalid_argument);
  EXPECT_THROW(FieldRef::parse("."), std::invalid_argument);
  EXPECT_THROW(FieldRef::parse("99999999999999999999999"), std::invalid_argument);
  std::vector<PathStep> steps;
  std::string reason;
  EXPECT_FALSE(parse_json_path(R"("open)", steps, reason));
  EXPECT_EQ(reason, "unterminated quote in field name");
  EXPECT_FALSE(parse_json_path("a.", steps, reason));
  EXPECT_EQ(reason, "field name ends with '.'");
  EXPECT_FALSE(parse_json_path("a[x]", steps, reason));
  EXPECT_EQ(reason, "an array index must be [N], a number");
}

class LookupTest : public ::testing::Test {
 protected:
  void SetUp() override { batch.reset(&origin, RecordKind::Line); }
  Record text_record(std::string_view text) {
    Record r;
    r.text = text;
    r.line = 7;
    r.offset = 120;
    return r;
  }
  Record with_fields(std::vector<Field> fields) {
    Record r = text_record("raw");
    r.first_field = batch.add_fields(fields);
    r.field_count = static_cast<std::uint32_t>(fields.size());
    return r;
  }
  std::string value(const Record& r, std::string_view ref) {
    const Value v = lookup_field(batch, r, FieldRef::parse(ref));
    return v.is_null() ? "<null>" : std::string(v.text);
  }
  Origin origin{"app.log"};
  Batch batch;
};

TEST_F(LookupTest, PositionsSplitTextAsAwk) {
  const Record r = text_record("  a\tb  c ");
  EXPECT_EQ(value(r, "0"), "a");
  EXPECT_EQ(value(r, "2"), "c");
  EXPECT_EQ(value(r, "3"), "<null>");
  EXPECT_EQ(lookup_field(batch, text_record("x,,z"), FieldRef::parse("1"), FieldSplitter(",")).text,
            "");
}

TEST_F(LookupTest, PositionsFromTheEndOfText) {
  const Record r = text_record("  a\tb  c ");
  EXPECT_EQ(value(r, "-1"), "c");
  EXPECT_EQ(value(r, "-3"), "a");
  EXPECT_EQ(value(r, "-4"), "<null>");  // more from the end than there are fields
  EXPECT_EQ(value(text_record("   "), "-1"), "<null>");
  const FieldSplitter comma(",");
  EXPECT_EQ(lookup_field(batch, text_record("x,y,"), FieldRef::parse("-1"), comma).text, "");
  EXPECT_EQ(lookup_field(batch, text_record("x,y,"), FieldRef::parse("-3"), comma).text, "x");
  EXPECT_TRUE(lookup_field(batch, text_record("x,y,"), FieldRef::parse("-4"), comma).is_null());
}

TEST_F(LookupTest, PositionsFromTheEndOfRecordsWithFields) {
  const Record r = with_fields({{"name", Value::string("ann")}, {"country", Value::string("DE")}});
  EXPECT_EQ(value(r, "-1"), "DE");
  EXPECT_EQ(value(r, "-2"), "ann");
  EXPECT_EQ(value(r, "-3"), "<null>");
  const Record keyed = with_fields({{"-1", Value::string("key")}, {"b", Value::string("last")}});
  EXPECT_EQ(value(keyed, "-1"), "last");  // a position, not the key
}

TEST_F(LookupTest, MetaFieldsComeFromTheRecord) {
  const Record r = text_record("x");
  EXPECT_EQ(value(r, "_file"), "app.log");
  EXPECT_EQ(value(r, "_line"), "7");
  EXPECT_EQ(value(r, "_offset"), "120");
}

TEST_F(LookupTest, NamedFieldsAndPositionsOfRecordsWithFields) {
  const Record r = with_fields({{"name", Value::string("ann")}, {"country", Value::string("DE")}});
  EXPECT_EQ(value(r, "country"), "DE");
  EXPECT_EQ(value(r, ".country"), "DE");
  EXPECT_EQ(value(r, "1"), "DE");
  EXPECT_EQ(value(r, "missing"), "<null>");
  EXPECT_EQ(value(r, "2"), "<null>");
}

TEST_F(LookupTest, PathsInsideAJsonField) {
  const Record r = with_fields(
      {{"user", Value{Value::Kind::Json, R"({"screen_name":"bob","ids":[4, 5],"n":{"x":null}})"}}});
  EXPECT_EQ(value(r, "user.screen_name"), "bob");
  EXPECT_EQ(value(r, "user.ids[1]"), "5");
  EXPECT_EQ(value(r, "user.ids"), "[4,5]");
  EXPECT_EQ(value(r, "user.n.x"), "<null>");
  EXPECT_EQ(value(r, "user.nope"), "<null>");
  const Value number = lookup_field(batch, r, FieldRef::parse("user.ids[0]"));
  EXPECT_EQ(number.kind, Value::Kind::Number);
}

TEST_F(LookupTest, WholeJsonTextIsTheLastResort) {
  Record r = text_record(R"({"a":{"b":"c\u00e9"},"t":true})");
  EXPECT_EQ(value(r, "a.b"), "<null>");  // a plain line is not JSON
  r.whole_json = true;
  EXPECT_EQ(value(r, "a.b"), "c\xc3\xa9");
  EXPECT_EQ(lookup_field(batch, r, FieldRef::parse("t")).kind, Value::Kind::Bool);
  r.text = "{not json";
  EXPECT_EQ(value(r, "a"), "<null>");
}

}  // namespace
}  // namespace gpipe
