// The csv, jsonl and tsv output formats of RecordPrinter: escaping and quoting, header rows,
// values by kind, whole JSON records passed through, and the default format per batch.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>
#include <string>
#include <vector>

#include "formats/csv/csv_parser.hpp"
#include "output/output.hpp"
#include "formats/json/json_number.hpp"
#include "output/printers_json.hpp"

namespace gpipe {
namespace {

class StringSink final : public ByteSink {
 public:
  void write(std::string_view bytes) override { content += bytes; }
  void commit() override {}
  std::string content;
};

struct F {
  std::string name;
  Value::Kind kind = Value::Kind::String;
  std::string text;
};

// A record: a text line (no fields), or fields; `whole_json` with the text as the JSON value.
struct R {
  std::string text;
  std::vector<F> fields;
  bool has_fields = false;
  bool whole_json = false;
};

R text(std::string line) {
  return {std::move(line), {}, false, false};
}
R fields(std::vector<F> fs) {
  return {"", std::move(fs), true, false};
}
R whole_json(std::string json, std::vector<F> fs) {
  return {std::move(json), std::move(fs), true, true};
}

F str(std::string name, std::string value) {
  return {std::move(name), Value::Kind::String, std::move(value)};
}
F num(std::string name, std::string value) {
  return {std::move(name), Value::Kind::Number, std::move(value)};
}
F json(std::string name, std::string value) {
  return {std::move(name), Value::Kind::Json, std::move(value)};
}
F null(std::string name) {
  return {std::move(name), Value::Kind::Null, ""};
}
F boolean(std::string name, bool value) {
  return {std::move(name), Value::Kind::Bool, value ? "true" : "false"};
}

struct TestBatch {
  DataFormat format = DataFormat::Text;
  std::vector<R> records;
};

void fill(Batch& batch, const TestBatch& t) {
  static const Origin origin{"test"};
  batch.reset(&origin, RecordKind::Line);
  batch.set_format(t.format);
  for (const R& r : t.records) {
    Record record;
    record.text = batch.arena().store(r.text);
    record.whole_json = r.whole_json;
    if (r.has_fields) {
      std::vector<Field> fs;
      for (const F& f : r.fields) {
        fs.push_back(
            Field{batch.arena().store(f.name), Value{f.kind, batch.arena().store(f.text)}});
      }
      record.first_field = batch.add_fields(fs);
      record.field_count = static_cast<std::uint32_t>(fs.size());
    }
    batch.raw_records().push_back(record);
  }
}

// Prints the batches one after the other through one printer, as a run does.
std::string print(OutputFormat format, const std::vector<TestBatch>& batches) {
  StringSink sink;
  OutputBuffer buffer(sink);
  OutputSpec spec;
  spec.format = format;
  RecordPrinter printer(spec, buffer);
  for (const TestBatch& t : batches) {
    Batch batch;
    fill(batch, t);
    printer.print(batch);
  }
  buffer.flush();
  return sink.content;
}

std::string print(OutputFormat format, std::vector<R> records) {
  return print(format, {TestBatch{DataFormat::Text, std::move(records)}});
}

std::string json_string(std::string_view s) {
  StringSink sink;
  OutputBuffer buffer(sink);
  append_json_string(buffer, s);
  buffer.flush();
  return sink.content;
}

// --- jsonl ---

TEST(PrinterFormatsJsonl, StringsEscapeQuotesBackslashesAndControlBytes) {
  EXPECT_EQ(json_string("plain"), R"("plain")");
  EXPECT_EQ(json_string("say \"hi\" \\ now"), R"("say \"hi\" \\ now")");
  EXPECT_EQ(json_string("\n\t\r\b\f"), R"("\n\t\r\b\f")");
  EXPECT_EQ(json_string(std::string("\x01\x1f\x7f\0z", 5)), "\"\\u0001\\u001f\x7f\\u0000z\"");
  EXPECT_EQ(json_string(""), R"("")");
}

TEST(PrinterFormatsJsonl, ValidUtf8PassesThroughUntouched) {
  EXPECT_EQ(json_string("h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e"),
            "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e\"");
}

// One \ufffd per maximal invalid prefix, as Python's decode(errors="replace") gives.
TEST(PrinterFormatsJsonl, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(json_string("\xff"), R"("\ufffd")");
  EXPECT_EQ(json_string("\x80x"), R"("\ufffdx")");  // stray continuation
  EXPECT_EQ(json_string("a\xe2\x82"
                        "b"),
            R"("a\ufffdb")");                                                   // truncated
  EXPECT_EQ(json_string("\xf0\x9f\x98"), R"("\ufffd")");                        // truncated at end
  EXPECT_EQ(json_string("\xc0\xaf"), R"("\ufffd\ufffd")");                      // overlong
  EXPECT_EQ(json_string("\xe0\x80\x80"), R"("\ufffd\ufffd\ufffd")");            // overlong
  EXPECT_EQ(json_string("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");            // surrogate
  EXPECT_EQ(json_string("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
}

// Any bytes at all come out as a JSON string that simdjson parses, and valid UTF-8 comes back
// as the same bytes.
TEST(PrinterFormatsJsonl, RandomBytesAlwaysMakeValidJsonThatRoundTrips) {
  std::mt19937 random(42);
  simdjson::dom::parser parser;
  const std::string alphabet = "ab\"\\\n\t\x01\x7f \xc3\xa9\xe2\x82\xac";
  for (int round = 0; round < 2000; ++round) {
    std::string input;
    const bool any_bytes = round % 2 == 0;
    const int length = static_cast<int>(random() % 20);
    for (int i = 0; i < length; ++i) {
      if (any_bytes) {
        input += static_cast<char>(random() % 256);
      } else {
        input += alphabet[random() % alphabet.size()];
      }
    }
    const std::string out = json_string(input);
    std::string_view parsed;
    ASSERT_EQ(parser.parse(out).get_string().get(parsed), simdjson::SUCCESS) << out;
    if (simdjson::validate_utf8(input)) {
      EXPECT_EQ(parsed, input);
    }
  }
}

TEST(PrinterFormatsJsonl, FieldsBecomeAnObjectWithValuesByKind) {
  EXPECT_EQ(print(OutputFormat::Jsonl,
                  {fields({str("s", "x\"y"), num("n", "-1.5e3"), num("i", "42"), boolean("t", true),
                           boolean("f", false), null("z"), json("o", R"({"a":[1,{"b":null}]})"),
                           json("arr", "[]")})}),
            R"({"s":"x\"y","n":-1.5e3,"i":42,"t":true,"f":false,"z":null,)"
            R"("o":{"a":[1,{"b":null}]},"arr":[]})"
            "\n");
}

// A number a stage wrote in a way JSON does not allow prints as a string, never broken JSON.
TEST(PrinterFormatsJsonl, NumbersJsonCannotWriteBecomeStrings) {
  EXPECT_EQ(
      print(OutputFormat::Jsonl, {fields({num("a", "inf"), num("b", "012"), num("c", "1."),
                                          num("d", "+1"), num("e", "0"), num("f", "-0.5E-2")})}),
      R"({"a":"inf","b":"012","c":"1.","d":"+1","e":0,"f":-0.5E-2})"
      "\n");
  EXPECT_TRUE(is_json_number("10"));
  EXPECT_FALSE(is_json_number(""));
  EXPECT_FALSE(is_json_number("-"));
  EXPECT_FALSE(is_json_number("1e"));
  EXPECT_FALSE(is_json_number(" 1"));
}

TEST(PrinterFormatsJsonl, FieldNamesAreEscapedToo) {
  EXPECT_EQ(print(OutputFormat::Jsonl, {fields({str("a\"b\n", "v")})}), "{\"a\\\"b\\n\":\"v\"}\n");
}

TEST(PrinterFormatsJsonl, WholeJsonRecordPrintsItsTextUntouched) {
  const std::string raw = R"({"b": 2,  "a" : [1, 2], "s": "\u00e9"})";
  EXPECT_EQ(print(OutputFormat::Jsonl, {whole_json(raw, {num("b", "2")})}), raw + "\n");
}

// As `jq -R .`: a line of text is one JSON string.
TEST(PrinterFormatsJsonl, TextLineWithoutFieldsIsAJsonString) {
  EXPECT_EQ(print(OutputFormat::Jsonl, {text("GET /a \"x\"\t1"), text("")}),
            "\"GET /a \\\"x\\\"\\t1\"\n\"\"\n");
}

// --- csv ---

TEST(PrinterFormatsCsv, QuotesOnlyWhereNeededAndDoublesQuotes) {
  EXPECT_EQ(print(OutputFormat::Csv,
                  {fields({str("0", "plain"), str("1", "a,b"), str("2", "say \"hi\""),
                           str("3", "two\nlines"), str("4", "cr\r"), str("5", " spaced "),
                           str("6", ""), str("7", "caf\xc3\xa9")})}),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\", spaced ,,caf\xc3\xa9\n");
}

TEST(PrinterFormatsCsv, NamedFieldsGetOneHeaderRowAcrossBatches) {
  const TestBatch first{DataFormat::Csv, {fields({str("name", "ann"), num("age", "31")})}};
  const TestBatch second{
      DataFormat::Csv,
      {fields({str("name", "bob"), num("age", "7")}), fields({str("name", "cy"), null("age")})}};
  EXPECT_EQ(print(OutputFormat::Csv, {first, second}), "name,age\nann,31\nbob,7\ncy,\n");
}

TEST(PrinterFormatsCsv, HeaderNamesAreQuotedWhereNeeded) {
  EXPECT_EQ(print(OutputFormat::Csv, {fields({str("a,b", "1"), str("say \"x\"", "2")})}),
            "\"a,b\",\"say \"\"x\"\"\"\n1,2\n");
}

// As Miller does when the keys change: a blank line, then a new header.
TEST(PrinterFormatsCsv, NewShapeStartsANewBlockWithItsHeader) {
  EXPECT_EQ(print(OutputFormat::Csv,
                  {fields({str("a", "1"), str("b", "2")}), fields({str("a", "3"), str("c", "4")}),
                   fields({str("a", "5"), str("c", "6")}), fields({str("a", "7")})}),
            "a,b\n1,2\n\na,c\n3,4\n5,6\n\na\n7\n");
}

TEST(PrinterFormatsCsv, PositionalFieldsAndTextLinesGetNoHeader) {
  EXPECT_EQ(print(OutputFormat::Csv, {fields({str("0", "x y"), str("3", "z")})}), "x y,z\n");
  EXPECT_EQ(print(OutputFormat::Csv, {text("one line, with a comma"), text("plain")}),
            "\"one line, with a comma\"\nplain\n");
}

// A lone empty column is written "" so that its row is not a blank line (Python's csv does so).
TEST(PrinterFormatsCsv, LoneEmptyColumnIsQuoted) {
  EXPECT_EQ(print(OutputFormat::Csv, {fields({str("a", "")}), fields({null("a")})}),
            "a\n\"\"\n\"\"\n");
  EXPECT_EQ(print(OutputFormat::Csv, {text("")}), "\"\"\n");
  EXPECT_EQ(print(OutputFormat::Csv, {fields({null("a"), null("b")})}), "a,b\n,\n");
}

TEST(PrinterFormatsCsv, NestedJsonIsItsCompactTextInOneCell) {
  EXPECT_EQ(print(OutputFormat::Csv,
                  {fields({json("user", R"({"id":1,"tags":["a","b"]})"), boolean("ok", true)})}),
            "user,ok\n\"{\"\"id\"\":1,\"\"tags\"\":[\"\"a\"\",\"\"b\"\"]}\",true\n");
}

// Whatever the bytes, the project's own RFC 4180 reader gets the same values back.
TEST(PrinterFormatsCsv, RandomValuesRoundTripThroughTheCsvReader) {
  std::mt19937 random(7);
  const std::string alphabet = "ab ,\"\r\n\t\\x";
  Arena arena;
  std::vector<std::string_view> values;
  for (int round = 0; round < 1000; ++round) {
    std::vector<F> row;
    const int columns = 1 + static_cast<int>(random() % 4);
    for (int c = 0; c < columns; ++c) {
      std::string value;
      const int length = static_cast<int>(random() % 6);
      for (int i = 0; i < length; ++i) value += alphabet[random() % alphabet.size()];
      row.push_back(str(std::to_string(c), value));
    }
    std::string out = print(OutputFormat::Csv, {fields(row)});
    ASSERT_EQ(out.back(), '\n');
    out.pop_back();
    ASSERT_TRUE(csv::split_row(out, ',', arena, values)) << out;
    ASSERT_EQ(values.size(), row.size()) << out;
    for (std::size_t c = 0; c < row.size(); ++c) EXPECT_EQ(values[c], row[c].text) << out;
    arena.reset();
  }
}

// --- tsv ---

TEST(PrinterFormatsTsv, NamedFieldsGetAnEscapedHeaderRow) {
  EXPECT_EQ(print(OutputFormat::Tsv, {fields({str("host", "a\tb"), num("n", "1")}),
                                      fields({str("host", "c"), null("n")})}),
            "host\tn\na\\tb\t1\nc\t\n");
  EXPECT_EQ(print(OutputFormat::Tsv, {fields({str("a\tname", "x")})}), "a\\tname\nx\n");
}

TEST(PrinterFormatsTsv, PositionalFieldsGetNoHeaderAndNewShapesANewBlock) {
  EXPECT_EQ(print(OutputFormat::Tsv, {fields({str("0", "a"), str("1", "b")})}), "a\tb\n");
  EXPECT_EQ(print(OutputFormat::Tsv, {fields({str("k", "1")}), fields({str("v", "2")})}),
            "k\n1\n\nv\n2\n");
}

// --- the default: each batch in the format of its input ---

TEST(PrinterFormatsAuto, EachBatchPrintsInTheFormatOfItsData) {
  const TestBatch lines{DataFormat::Text,
                        {text("a \"line\", as is"), fields({str("0", "x"), str("1", "y")})}};
  const TestBatch csv_rows{DataFormat::Csv, {fields({str("a", "1,5"), str("b", "q")})}};
  const TestBatch json_values{
      DataFormat::Json,
      {whole_json(R"({"a": 1})", {}), fields({str("user", "ann"), num("n", "3")})}};
  const TestBatch table{DataFormat::Table, {fields({str("host", "h1"), num("count", "12")})}};
  EXPECT_EQ(print(OutputFormat::Auto, {lines}), "a \"line\", as is\nx\ty\n");
  EXPECT_EQ(print(OutputFormat::Auto, {csv_rows, csv_rows}), "a,b\n\"1,5\",q\n\"1,5\",q\n");
  EXPECT_EQ(print(OutputFormat::Auto, {json_values}), "{\"a\": 1}\n{\"user\":\"ann\",\"n\":3}\n");
  EXPECT_EQ(print(OutputFormat::Auto, {table}), "host\tcount\nh1\t12\n");
}

TEST(PrinterFormatsAuto, ExplicitFormatOverridesTheBatchFormat) {
  const TestBatch csv_rows{DataFormat::Csv, {fields({str("a", "1"), num("b", "2")})}};
  EXPECT_EQ(print(OutputFormat::Jsonl, {csv_rows}), "{\"a\":\"1\",\"b\":2}\n");
  EXPECT_EQ(print(OutputFormat::Text, {csv_rows}), "1\t2\n");
  const TestBatch json_values{DataFormat::Json, {whole_json(R"({"a": "x,y"})", {str("a", "x,y")})}};
  EXPECT_EQ(print(OutputFormat::Csv, {json_values}), "a\n\"x,y\"\n");
}

TEST(PrinterFormatsAuto, LineFlushWritesEachJsonlAndCsvRecordAtOnce) {
  for (const OutputFormat format : {OutputFormat::Jsonl, OutputFormat::Csv}) {
    std::vector<std::string> writes;
    class Recording final : public ByteSink {
     public:
      explicit Recording(std::vector<std::string>& w) : w_(w) {}
      void write(std::string_view bytes) override { w_.emplace_back(bytes); }
      void commit() override {}

     private:
      std::vector<std::string>& w_;
    } sink(writes);
    OutputBuffer buffer(sink, /*line_flush=*/true);
    OutputSpec spec;
    spec.format = format;
    RecordPrinter printer(spec, buffer);
    Batch batch;
    fill(batch, {DataFormat::Text, {text("a"), text("b")}});
    EXPECT_EQ(printer.print(batch), 2u);
    if (format == OutputFormat::Jsonl) {
      EXPECT_EQ(writes, (std::vector<std::string>{"\"a\"\n", "\"b\"\n"}));
    } else {
      EXPECT_EQ(writes, (std::vector<std::string>{"a\n", "b\n"}));
    }
  }
}

}  // namespace
}  // namespace gpipe
