// The csv stage: csv-spectrum against its expected JSON, RFC 4180 details (BOM, CRLF, rows
// over several lines, doubled quotes, separators), headers per file, bad rows under each error
// policy, rows that straddle tiny read buffers, and the row splitter against fast-cpp-csv-parser.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "csv_parser.hpp"
#include "gpipe/errors.hpp"
#include "input_test_util.hpp"
#include "stages/sources.hpp"
#include "test_util.hpp"

// fccp copies file names for its error messages with strncpy, which GCC flags once inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#define CSV_IO_NO_THREAD
#include <libfccp/csv.h>
#pragma GCC diagnostic pop

namespace gpipe {
namespace {

using test::ScratchDir;
using Fields = std::vector<std::pair<std::string, std::string>>;

struct Row {
  std::uint64_t line;
  Fields fields;
  bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Row& row) {
  out << row.line << ":{";
  for (const auto& [name, value] : row.fields) out << name << "='" << value << "' ";
  return out << "}";
}

using Rows = std::vector<Row>;

// Buffer sizes from one byte (every row straddles reads) to the default.
constexpr std::size_t kBuffers[] = {1, 2, 5, 13, 64, 256 * kKiB};

void use_skip_policy(Context& ctx) {
  std::destroy_at(&ctx.errors);  // as the CLI does: the policy is fixed once per run
  std::construct_at(&ctx.errors, ErrorPolicy::Mode::Skip, "");
}

Rows collect_rows(BatchStream stream, std::vector<std::string>* origins = nullptr) {
  Rows rows;
  for (Batch& batch : stream) {
    EXPECT_EQ(batch.format(), DataFormat::Csv);
    for (const Record& record : batch.records()) {
      Row row{record.line, {}};
      EXPECT_TRUE(record.has_fields());
      for (std::uint32_t i = 0; i < record.field_count; ++i) {
        const Field& field = batch.fields()[record.first_field + i];
        row.fields.emplace_back(std::string(field.name), std::string(field.value.text));
      }
      rows.push_back(std::move(row));
      if (origins != nullptr) origins->push_back(batch.origin()->name);
    }
  }
  return rows;
}

// Runs `read FILES | STAGE` with the given read buffer.
Rows run_files(const std::string& stage, const std::vector<std::string>& paths, Context& ctx,
               std::size_t buffer = 256 * kKiB, std::vector<std::string>* origins = nullptr) {
  ctx.options.read_buffer = buffer;
  BuiltStage built = test::build_stage(stage, ctx);
  return collect_rows(built.transform(stages::read_lines(paths, ctx)), origins);
}

// Parses `contents` with every read buffer size; all must agree. Returns the rows.
Rows parse(const std::string& stage, const std::string& contents) {
  ScratchDir dir;
  const std::string path = dir.write("in.csv", contents);
  Context first_ctx;
  const Rows first = run_files(stage, {path}, first_ctx);
  for (const std::size_t buffer : kBuffers) {
    Context ctx;
    EXPECT_EQ(run_files(stage, {path}, ctx, buffer), first) << "read buffer " << buffer;
    EXPECT_EQ(ctx.errors.good(), first.size());
  }
  return first;
}

// The BadRecordError message of parsing `contents` under the default (fail) policy.
std::string failure(const std::string& stage, const std::string& contents,
                    std::size_t buffer = 256 * kKiB) {
  ScratchDir dir;
  const std::string path = dir.write("bad.csv", contents);
  Context ctx;
  try {
    run_files(stage, {path}, ctx, buffer);
  } catch (const BadRecordError& error) {
    const std::string message = error.what();
    return message
        .substr(0, message.find('\n'))  // without the record excerpt line
        .replace(0, path.size(), "bad.csv");
  }
  return "no error";
}

TEST(CsvTest, EveryCsvSpectrumCaseParsesToItsJson) {
  const std::filesystem::path corpus = std::filesystem::path(GPIPE_CORPORA_DIR) / "csv-spectrum";
  if (!std::filesystem::is_directory(corpus)) GTEST_SKIP() << "no corpus at " << corpus;
  std::size_t cases = 0;
  simdjson::dom::parser json;
  for (const auto& entry : std::filesystem::directory_iterator(corpus / "csvs")) {
    const std::string name = entry.path().stem().string();
    Rows want;
    simdjson::dom::array objects = json.load((corpus / "json" / (name + ".json")).string());
    for (simdjson::dom::object object : objects) {
      Row row{0, {}};
      for (const auto field : object) {
        row.fields.emplace_back(std::string(field.key),
                                std::string(std::string_view(field.value.get_string())));
      }
      want.push_back(std::move(row));
    }
    std::string contents = test::read_whole_file(entry.path().string());
    // The checkout may have turned the CRLF of the *_crlf cases into LF; restore them, since
    // the expected JSON keeps "\r\n" inside quoted fields.
    if (name.ends_with("_crlf") && contents.find('\r') == std::string::npos) {
      std::string crlf;
      for (const char c : contents) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
      contents = crlf;
    }
    Rows got = parse("csv", contents);
    for (Row& row : got) row.line = 0;
    EXPECT_EQ(got, want) << name;
    ++cases;
  }
  EXPECT_EQ(cases, 11u);
}

TEST(CsvTest, ColumnsAreNamedByTheHeaderAndRowsKeepTheirFirstLine) {
  EXPECT_EQ(parse("csv", "a,b\n1,2\n3,4\n"),
            (Rows{{2, {{"a", "1"}, {"b", "2"}}}, {3, {{"a", "3"}, {"b", "4"}}}}));
  EXPECT_EQ(parse("csv", "a,b\n1,2"), (Rows{{2, {{"a", "1"}, {"b", "2"}}}}));  // no final \n
  EXPECT_EQ(parse("csv", "a\n"), Rows{});
  EXPECT_EQ(parse("csv", ""), Rows{});
  // Empty values, a trailing separator, spaces kept as they are.
  EXPECT_EQ(parse("csv", "a,b,c\n,, x \n"), (Rows{{2, {{"a", ""}, {"b", ""}, {"c", " x "}}}}));
}

TEST(CsvTest, RecordTextIsTheRawRow) {
  ScratchDir dir;
  const std::string path = dir.write("in.csv", "a,b\n\"x\ny\",\"p\"\"q\"\nplain,row\n");
  Context ctx;
  BuiltStage built = test::build_stage("csv", ctx);
  std::vector<std::string> texts;
  std::vector<std::uint64_t> offsets;
  for (Batch& batch : built.transform(stages::read_lines({path}, ctx))) {
    for (const Record& record : batch.records()) {
      texts.emplace_back(record.text);
      offsets.push_back(record.offset);
    }
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"\"x\ny\",\"p\"\"q\"", "plain,row"}));
  EXPECT_EQ(offsets, (std::vector<std::uint64_t>{4, 17}));
}

TEST(CsvTest, ByteOrderMarkIsDroppedFromTheFirstLine) {
  EXPECT_EQ(parse("csv",
                  "\xEF\xBB\xBF"
                  "a,b\n1,2\n"),
            (Rows{{2, {{"a", "1"}, {"b", "2"}}}}));
  EXPECT_EQ(parse("csv --no-header",
                  "\xEF\xBB\xBF"
                  "x,y\n"),
            (Rows{{1, {{"0", "x"}, {"1", "y"}}}}));
  // Only at the start of a file: elsewhere it is data.
  EXPECT_EQ(parse("csv",
                  "a\n\xEF\xBB\xBF"
                  "1\n"),
            (Rows{{2,
                   {{"a",
                     "\xEF\xBB\xBF"
                     "1"}}}}));
}

TEST(CsvTest, CrlfLineEnds) {
  EXPECT_EQ(parse("csv", "a,b\r\n1,\"x,y\"\r\n\"m\r\nn\",2\r\n\"p\nq\r\n\r\n\",3\r\n"),
            (Rows{{2, {{"a", "1"}, {"b", "x,y"}}},
                  {3, {{"a", "m\r\nn"}, {"b", "2"}}},
                  {5, {{"a", "p\nq\r\n\r\n"}, {"b", "3"}}}}));
}

TEST(CsvTest, QuotedFieldsSpanLines) {
  EXPECT_EQ(parse("csv", "a,b\n\"one\ntwo\n\nfour\",x\ny,\"\n\"\nlast,\"\"\n"),
            (Rows{{2, {{"a", "one\ntwo\n\nfour"}, {"b", "x"}}},
                  {6, {{"a", "y"}, {"b", "\n"}}},
                  {8, {{"a", "last"}, {"b", ""}}}}));
  // A header over two lines.
  EXPECT_EQ(parse("csv", "\"first\nname\",b\n1,2\n"),
            (Rows{{3, {{"first\nname", "1"}, {"b", "2"}}}}));
  // A long field over many lines and read buffers.
  std::string lines;
  for (int i = 0; i < 300; ++i) lines += "line " + std::to_string(i) + ",\"\"\n";
  std::string value = lines;  // each "" is one "
  for (std::size_t at = 0; (at = value.find("\"\"", at)) != std::string::npos; ++at) {
    value.erase(at, 1);
  }
  EXPECT_EQ(parse("csv", "a,b\n\"" + lines + "\",z\n"), (Rows{{2, {{"a", value}, {"b", "z"}}}}));
}

TEST(CsvTest, DoubledQuotesAndStrayQuotes) {
  EXPECT_EQ(parse("csv", "a,b,c\n\"x\"\"y\",\"\"\"\",\"\"\"\"\"\"\n"),
            (Rows{{2, {{"a", "x\"y"}, {"b", "\""}, {"c", "\"\""}}}}));
  // A quote inside an unquoted field is literal; text after a closing quote is kept.
  EXPECT_EQ(parse("csv", "a,b,c\nx\"y,\"ab\"cd,say \"hi\"\n"),
            (Rows{{2, {{"a", "x\"y"}, {"b", "abcd"}, {"c", "say \"hi\""}}}}));
  EXPECT_EQ(parse("csv", "a,b\n\"p\"\"q\"r\"s,2\n"), (Rows{{2, {{"a", "p\"qr\"s"}, {"b", "2"}}}}));
}

TEST(CsvTest, BlankLinesBetweenRowsAreSkipped) {
  EXPECT_EQ(parse("csv", "\na,b\n\n1,2\n\r\n\n3,4\n\n"),
            (Rows{{4, {{"a", "1"}, {"b", "2"}}}, {7, {{"a", "3"}, {"b", "4"}}}}));
}

TEST(CsvTest, OtherSeparators) {
  EXPECT_EQ(parse("csv --sep ';'", "a;b\n1,5;\"x;y\"\n"),
            (Rows{{2, {{"a", "1,5"}, {"b", "x;y"}}}}));
  const Rows tab{{2, {{"a", "1,5"}, {"b", "x\ty"}}}};
  EXPECT_EQ(parse("csv --sep '\t'", "a\tb\n1,5\t\"x\ty\"\n"), tab);
  EXPECT_EQ(parse("csv --sep tab", "a\tb\n1,5\t\"x\ty\"\n"), tab);
  EXPECT_EQ(parse("csv --sep '\\t'", "a\tb\n1,5\t\"x\ty\"\n"), tab);
  EXPECT_EQ(parse("csv --sep '|'", "a|b\n1|2\n"), (Rows{{2, {{"a", "1"}, {"b", "2"}}}}));
}

TEST(CsvTest, BadArguments) {
  Context ctx;
  EXPECT_THROW(test::build_stage("csv --sep ab", ctx), PipelineError);
  EXPECT_THROW(test::build_stage("csv --sep '\"'", ctx), PipelineError);
  EXPECT_THROW(test::build_stage("csv --columns a,,b", ctx), PipelineError);
  EXPECT_THROW(test::build_stage("csv --bogus", ctx), PipelineError);
  EXPECT_THROW(test::build_stage("csv extra", ctx), PipelineError);
}

TEST(CsvTest, NoHeaderNamesColumnsByPosition) {
  EXPECT_EQ(parse("csv --no-header", "a,b\n1,\"2\"\n"),
            (Rows{{1, {{"0", "a"}, {"1", "b"}}}, {2, {{"0", "1"}, {"1", "2"}}}}));
  EXPECT_EQ(failure("csv --no-header", "a,b\n1,2,3\n"),
            "bad.csv:2: row has 3 fields, the first row has 2");
}

TEST(CsvTest, ColumnsOptionNamesColumnsAndKeepsTheFirstRow) {
  EXPECT_EQ(parse("csv --columns x,y", "a,b\n1,2\n"),
            (Rows{{1, {{"x", "a"}, {"y", "b"}}}, {2, {{"x", "1"}, {"y", "2"}}}}));
  EXPECT_EQ(failure("csv --columns x,y", "a,b\n1\n"),
            "bad.csv:2: row has 1 fields, --columns names 2");
}

TEST(CsvTest, EmptyHeaderCellIsNamedByItsPosition) {
  EXPECT_EQ(parse("csv", "a,,c\n1,2,3\n"), (Rows{{2, {{"a", "1"}, {"1", "2"}, {"c", "3"}}}}));
}

TEST(CsvTest, WrongWidthFailsByDefault) {
  EXPECT_EQ(failure("csv", "a,b,c\n1,2,3\n4,5\n"), "bad.csv:3: row has 2 fields, header has 3");
  EXPECT_EQ(failure("csv", "a,b\n1,2\n\"x\ny\",2,3\n"),
            "bad.csv:3: row has 3 fields, header has 2");
  for (const std::size_t buffer : kBuffers) {
    EXPECT_EQ(failure("csv", "a,b\n1,2\n\"x\ny\",2,3\n", buffer),
              "bad.csv:3: row has 3 fields, header has 2");
  }
}

TEST(CsvTest, WrongWidthSkippedAndCounted) {
  ScratchDir dir;
  const std::string path = dir.write("bad.csv", "a,b\n1,2\n1,2,3,4,5\n\"x\ny\"\n3,4\n");
  for (const std::size_t buffer : kBuffers) {
    Context ctx;
    use_skip_policy(ctx);
    EXPECT_EQ(run_files("csv", {path}, ctx, buffer),
              (Rows{{2, {{"a", "1"}, {"b", "2"}}}, {6, {{"a", "3"}, {"b", "4"}}}}));
    EXPECT_EQ(ctx.errors.count(), 2u);
    EXPECT_EQ(ctx.errors.good(), 2u);
    EXPECT_EQ(ctx.errors.first_messages(),
              (std::vector<std::string>{path + ":3: row has 5 fields, header has 2",
                                        path + ":4: row has 1 fields, header has 2"}));
  }
}

TEST(CsvTest, UnterminatedQuoteAtEndOfInput) {
  EXPECT_EQ(failure("csv", "a,b\n1,2\n3,\"never\nclosed\n"),
            "bad.csv:3: unterminated quoted field");
  ScratchDir dir;
  const std::string path = dir.write("open.csv", "a,b\n1,2\n3,\"x\"\"\n4,5\n");
  for (const std::size_t buffer : kBuffers) {
    Context ctx;
    use_skip_policy(ctx);
    EXPECT_EQ(run_files("csv", {path}, ctx, buffer), (Rows{{2, {{"a", "1"}, {"b", "2"}}}}));
    EXPECT_EQ(ctx.errors.count(), 1u);
    EXPECT_EQ(ctx.errors.first_messages(),
              std::vector<std::string>{path + ":3: unterminated quoted field"});
  }
}

TEST(CsvTest, OpenQuoteLongerThanMaxLineIsABadRecordAndParsingGoesOn) {
  ScratchDir dir;
  std::string body = "a,b\n1,\"open\n";
  for (int i = 0; i < 50; ++i) body += "filler line\n";
  const std::string path = dir.write("open.csv", body);
  Context ctx;
  use_skip_policy(ctx);
  ctx.options.max_line = 100;
  const Rows rows = run_files("csv", {path}, ctx, 16);
  EXPECT_EQ(ctx.errors.first_messages().at(0),
            path + ":2: unterminated quoted field: the row runs past --max-line (100 bytes)");
  // After the bad row, parsing resumes: the filler lines are rows of the wrong width.
  EXPECT_TRUE(rows.empty());
  EXPECT_GT(ctx.errors.count(), 1u);
}

TEST(CsvTest, EachFileHasItsOwnHeader) {
  ScratchDir dir;
  const std::string a = dir.write("a.csv", "x,y\n1,2\n");
  const std::string b = dir.write("b.csv",
                                  "\xEF\xBB\xBF"
                                  "p\n\"q\nr\"\n");
  const std::string c = dir.write("c.csv", "x,y\n3,4\n");
  for (const std::size_t buffer : kBuffers) {
    Context ctx;
    std::vector<std::string> origins;
    EXPECT_EQ(
        run_files("csv", {a, b, c}, ctx, buffer, &origins),
        (Rows{{2, {{"x", "1"}, {"y", "2"}}}, {2, {{"p", "q\nr"}}}, {2, {{"x", "3"}, {"y", "4"}}}}));
    EXPECT_EQ(origins, (std::vector<std::string>{a, b, c}));
  }
}

TEST(CsvTest, AnOpenQuoteEndsWithItsFile) {
  ScratchDir dir;
  const std::string a = dir.write("a.csv", "x,y\n1,\"2\n");
  const std::string b = dir.write("b.csv", "x,y\n3,4\n");
  Context ctx;
  use_skip_policy(ctx);
  EXPECT_EQ(run_files("csv", {a, b}, ctx, 4), (Rows{{2, {{"x", "3"}, {"y", "4"}}}}));
  EXPECT_EQ(ctx.errors.first_messages(),
            std::vector<std::string>{a + ":2: unterminated quoted field"});
}

TEST(CsvTest, WorksOnSplitAndPendingBatchesFromAnySource) {
  for (const bool pending : {false, true}) {
    for (const std::size_t per_batch : {1, 2, 3, 100}) {
      Context ctx;
      BuiltStage built = test::build_stage("csv", ctx);
      EXPECT_EQ(test::collect(built.transform(
                    test::lines_source({"a,b", "1,\"x", "y\"", "", "3,4"}, per_batch, pending))),
                (std::vector<std::string>{"1\tx\ny", "3\t4"}));
    }
  }
}

// --- the row splitter against fast-cpp-csv-parser, on well-formed single-line rows ---

// Random values of the bytes that matter: separators, quotes, spaces, UTF-8.
std::string random_value(std::mt19937& rng) {
  static const std::array<std::string, 10> pieces = {"a",  "bc", " ",    ",", ";",
                                                     "\t", "\"", "\"\"", "é", "1.5"};
  std::string value;
  const std::size_t length = rng() % 6;
  for (std::size_t i = 0; i < length; ++i) value += pieces[rng() % pieces.size()];
  return value;
}

// RFC 4180 writing: quoted when it must be (and now and then when it need not be).
std::string write_value(const std::string& value, char sep, std::mt19937& rng) {
  const bool must = value.find_first_of(std::string{sep, '"'}) != std::string::npos;
  if (!must && rng() % 4 != 0) return value;
  std::string out = "\"";
  for (const char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

template <unsigned N, char Sep>
void compare_with_fccp(unsigned seed) {
  std::mt19937 rng(seed);
  std::string data;
  std::vector<std::vector<std::string>> written;
  while (written.size() < 500) {
    std::vector<std::string> values(N);
    std::string line;
    for (unsigned i = 0; i < N; ++i) {
      values[i] = random_value(rng);
      if (i != 0) line += Sep;
      line += write_value(values[i], Sep, rng);
    }
    if (line.empty()) continue;  // a blank line is no row
    written.push_back(values);
    data += line + "\n";
  }
  io::CSVReader<N, io::trim_chars<>, io::double_quote_escape<Sep, '"'>> fccp(
      "random.csv", data.data(), data.data() + data.size());
  std::array<std::string, N> theirs;
  Arena arena;
  std::vector<std::string_view> ours;
  std::size_t line_start = 0;
  for (const std::vector<std::string>& values : written) {
    ASSERT_TRUE(std::apply([&](auto&... cols) { return fccp.read_row(cols...); }, theirs));
    const std::size_t line_end = data.find('\n', line_start);
    const std::string_view line(data.data() + line_start, line_end - line_start);
    line_start = line_end + 1;
    ASSERT_TRUE(csv::split_row(line, Sep, arena, ours)) << line;
    ASSERT_FALSE(csv::ends_in_quotes(line, Sep, false)) << line;
    EXPECT_EQ(std::vector<std::string>(ours.begin(), ours.end()),
              std::vector<std::string>(theirs.begin(), theirs.end()))
        << line;
    EXPECT_EQ(std::vector<std::string>(ours.begin(), ours.end()), values) << line;
  }
}

TEST(CsvTest, SplitterAgreesWithFastCppCsvParser) {
  compare_with_fccp<1, ','>(1);
  compare_with_fccp<3, ','>(2);
  compare_with_fccp<7, ','>(3);
  compare_with_fccp<4, ';'>(4);
  compare_with_fccp<5, '\t'>(5);
}

TEST(CsvTest, SplitterReportsRowsThatGoOnToTheNextLine) {
  Arena arena;
  std::vector<std::string_view> values;
  EXPECT_FALSE(csv::split_row("1,\"open", ',', arena, values));
  EXPECT_FALSE(csv::split_row("\"a\"\"", ',', arena, values));
  EXPECT_TRUE(csv::split_row("\"a\"\"\"", ',', arena, values));
  EXPECT_TRUE(csv::ends_in_quotes("1,\"open", ',', false));
  EXPECT_FALSE(csv::ends_in_quotes("x\"y", ',', false));
  EXPECT_FALSE(csv::ends_in_quotes("closes\",2", ',', true));
  EXPECT_TRUE(csv::ends_in_quotes("still \"\" open", ',', true));
  EXPECT_TRUE(csv::ends_in_quotes("closes\",\"reopens", ',', true));
  EXPECT_FALSE(csv::ends_in_quotes("", ',', false));
  EXPECT_TRUE(csv::ends_in_quotes("", ',', true));
}

// On any bytes, the splitter and the line-to-line quote scan agree on whether a row is still
// open, and a complete row's values, joined by the separator and quoted back, read the same.
TEST(CsvTest, SplitterAndQuoteScanAgreeOnRandomBytes) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab,\"\"\" ;\t";
  Arena arena;
  std::vector<std::string_view> values;
  std::vector<std::string_view> again;
  for (int n = 0; n < 20000; ++n) {
    std::string row;
    const std::size_t length = rng() % 12;
    for (std::size_t i = 0; i < length; ++i) row += alphabet[rng() % alphabet.size()];
    const bool complete = csv::split_row(row, ',', arena, values);
    ASSERT_EQ(complete, !csv::ends_in_quotes(row, ',', false)) << row;
    if (!complete) continue;
    std::string written;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i != 0) written += ',';
      written += '"';
      for (const char c : values[i]) written += c == '"' ? std::string("\"\"") : std::string(1, c);
      written += '"';
    }
    ASSERT_TRUE(csv::split_row(written, ',', arena, again)) << written;
    EXPECT_EQ(again, values) << row;
    arena.reset();
  }
}

}  // namespace
}  // namespace gpipe
