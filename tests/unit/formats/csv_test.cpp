// The csv stage: csv-spectrum against its expected JSON, RFC 4180 details (BOM, CRLF, rows
// over several lines, doubled quotes, separators), headers per file, bad rows under each error
// policy, rows that straddle tiny read buffers, the row splitter against fast-cpp-csv-parser, and
// the 64-byte scans (split_row, BlockSplitter, whole_rows_length) against byte-at-a-time ones.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <filesystem>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "formats/csv/csv_parser.hpp"
#include "gpipe/errors.hpp"
#include "input_test_util.hpp"
#include "stages/sources/sources.hpp"
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
  // A tab separator with quoted fields (a spreadsheet's export) takes --quoted.
  const Rows tab{{2, {{"a", "1,5"}, {"b", "x\ty"}}}};
  EXPECT_EQ(parse("csv --sep '\t' --quoted", "a\tb\n1,5\t\"x\ty\"\n"), tab);
  EXPECT_EQ(parse("csv --sep tab --quoted", "a\tb\n1,5\t\"x\ty\"\n"), tab);
  EXPECT_EQ(parse("csv --quoted --sep '\\t'", "a\tb\n1,5\t\"x\\ty\"\n"),
            (Rows{{2, {{"a", "1,5"}, {"b", "x\\ty"}}}}));
  EXPECT_EQ(parse("csv --sep '|'", "a|b\n1|2\n"), (Rows{{2, {{"a", "1"}, {"b", "2"}}}}));
}

// Without --quoted a tab separator reads TSV as `to tsv` writes it: quotes are ordinary bytes,
// \t \n \r \\ are unescaped (in names too), any other backslash is kept.
TEST(CsvTest, TabSeparatorReadsTsvEscapes) {
  const Rows want{{2, {{"a\tb", "\"q\" x"}, {"c", "1\t2\n3\r4\\5\\d\\"}}},
                  {3, {{"a\tb", "\""}, {"c", ""}}}};
  for (const char* stage : {"csv --sep tab", "csv --sep '\t'", "csv --sep '\\t'"}) {
    EXPECT_EQ(parse(stage, "a\\tb\tc\n\"q\" x\t1\\t2\\n3\\r4\\\\5\\d\\\n\"\t\n"), want) << stage;
  }
  // Rows are lines: a quote never joins them.
  EXPECT_EQ(parse("csv --sep tab", "a\tb\n\"x\ty\n1\t2\n"),
            (Rows{{2, {{"a", "\"x"}, {"b", "y"}}}, {3, {{"a", "1"}, {"b", "2"}}}}));
}

TEST(CsvTest, BadArguments) {
  Context ctx;
  EXPECT_THROW(test::build_stage("csv --quoted", ctx), PipelineError);
  EXPECT_THROW(test::build_stage("csv --sep ';' --quoted", ctx), PipelineError);
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

// --- the 64-byte scans against references that read a byte at a time ---
//
// split_row reads rows through masks of 64 bytes (RowBytes), the csv stage splits pending blocks
// with BlockSplitter (masks, and a prefix XOR of the quote bits for the quoted regions), and -j
// cuts chunks with whole_rows_length (the same). Mistakes there hide at window edges: a
// separator or quote at byte 63 or 64, a quoted region that spans windows, a row's last bytes
// copied out. The tests below put them at every offset.

// The values of one row by the rules in csv_parser.hpp, a byte at a time; nullopt when a
// quoted field is still open at the row's end.
std::optional<std::vector<std::string>> reference_split(std::string_view row, char sep) {
  std::vector<std::string> values;
  std::size_t i = 0;
  for (;;) {
    std::string value;
    if (i < row.size() && row[i] == '"') {  // a quote opens a field only at its start
      ++i;
      for (;;) {
        if (i == row.size()) return std::nullopt;
        if (row[i] == '"') {
          if (i + 1 < row.size() && row[i + 1] == '"') {
            value += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        value += row[i++];
      }
    }
    while (i < row.size() && row[i] != sep) value += row[i++];  // text after it is kept
    values.push_back(value);
    if (i == row.size()) return values;
    ++i;
  }
}

std::vector<std::string> strings_of(const std::vector<std::string_view>& views) {
  return {views.begin(), views.end()};
}

// Both split_row overloads against the reference.
void expect_split_like_reference(const std::string& row, char sep) {
  const std::optional<std::vector<std::string>> expected = reference_split(row, sep);
  Arena arena;
  std::vector<std::string_view> values;
  ASSERT_EQ(csv::split_row(row, sep, arena, values), expected.has_value()) << row;
  if (expected) {
    ASSERT_EQ(strings_of(values), *expected) << row;
  }
  const std::vector<std::string_view> names = {"a", "b"};
  std::vector<Field> fields(1, Field{"kept", Value::string("x")});
  const std::optional<std::size_t> count = csv::split_row(row, sep, arena, names, fields);
  ASSERT_EQ(count.has_value(), expected.has_value()) << row;
  if (!expected) {
    ASSERT_EQ(fields.size(), 1u) << row;  // left as it was
    return;
  }
  ASSERT_EQ(*count, expected->size()) << row;
  ASSERT_EQ(fields.size(), 1 + expected->size()) << row;
  for (std::size_t i = 0; i < expected->size(); ++i) {
    EXPECT_EQ(fields[1 + i].name, i < names.size() ? names[i] : std::string_view{}) << row;
    EXPECT_EQ(fields[1 + i].value.text, (*expected)[i]) << row;
  }
}

// Rows of `length` bytes with separators, stray quotes, quoted fields (with separators and ""
// inside, or never closed) at offsets p and q.
std::vector<std::string> rows_with_bytes_at(std::size_t length, std::size_t p, std::size_t q,
                                            char sep) {
  std::vector<std::string> rows;
  std::string filled(length, 'a');
  for (std::size_t i = 6; i < length; i += 7) filled[i] = sep;
  std::string row(length, 'a');  // separators at p and q
  row[p] = sep;
  row[q] = sep;
  rows.push_back(row);
  row = filled;  // quotes at p and q, at a field's start or not
  row[p] = '"';
  row[q] = '"';
  rows.push_back(row);
  row = filled;  // a field quoted from p to q, separators inside
  if (p > 0) row[p - 1] = sep;
  row[p] = '"';
  row[q] = '"';
  if (q + 1 < length) row[q + 1] = sep;
  rows.push_back(row);
  if (q >= p + 3) {  // and "" inside it
    row[(p + q) / 2] = '"';
    row[(p + q) / 2 + 1] = '"';
    rows.push_back(row);
  }
  return rows;
}

TEST(CsvTest, SplitterFindsSeparatorsAndQuotesAtEveryOffset) {
  for (const char sep : {',', '\t'}) {
    expect_split_like_reference("", sep);
    // Every pair of offsets in rows up to 72 bytes: one window of 64 and a bit, and the short
    // rows that are copied out.
    for (std::size_t length = 1; length <= 72; ++length) {
      for (std::size_t p = 0; p < length; ++p) {
        for (std::size_t q = p; q < length; ++q) {
          for (const std::string& row : rows_with_bytes_at(length, p, q, sep)) {
            expect_split_like_reference(row, sep);
          }
        }
      }
    }
    // Longer rows: a quoted region across the window edge, windows taken from the row's end.
    for (std::size_t length = 120; length <= 135; ++length) {
      for (std::size_t p = 0; p < length; ++p) {
        for (const std::size_t distance : {0, 1, 2, 15, 16, 17, 62, 63, 64, 65, 127}) {
          const std::size_t q = std::min(p + distance, length - 1);
          for (const std::string& row : rows_with_bytes_at(length, p, q, sep)) {
            expect_split_like_reference(row, sep);
          }
        }
      }
    }
  }
}

// A row as the csv stage makes it from lines (split_row, a line at a time).
struct ReferenceRow {
  std::size_t start = 0;
  std::size_t next = 0;  // just after its last line's '\n' (or the text's end)
  std::string text;
  std::uint64_t lines = 0;
  std::optional<std::vector<std::string>> values;  // none: blank, or still open at the end
};

std::vector<ReferenceRow> reference_rows(std::string_view block, char sep) {
  std::vector<ReferenceRow> rows;
  std::size_t pos = 0;
  while (pos < block.size()) {
    ReferenceRow row;
    row.start = pos;
    for (;;) {
      const std::size_t newline = block.find('\n', pos);
      const std::size_t end = newline == std::string_view::npos ? block.size() : newline;
      std::string_view line = block.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (row.lines != 0) row.text += block[pos - 2] == '\r' ? "\r\n" : "\n";
      row.text += line;
      ++row.lines;
      pos = newline == std::string_view::npos ? block.size() : newline + 1;
      if (row.lines == 1 && row.text.empty()) break;  // a blank line
      row.values = reference_split(row.text, sep);
      if (row.values || pos == block.size()) break;
    }
    row.next = pos;
    rows.push_back(row);
  }
  return rows;
}

// Random rows whose bytes land anywhere in the windows: plain and quoted fields of 0 to 40
// bytes, quoted separators, line breaks and "" , some CRLF and blank lines, and (when `odd`)
// stray quotes, text after a closing quote and rows of another width.
std::string random_block(std::mt19937& rng, char sep, std::size_t width, bool odd) {
  const auto plain = [&] { return std::string(rng() % 41, 'a' + static_cast<char>(rng() % 3)); };
  const auto quoted = [&] {
    std::string value = "\"";
    const std::size_t pieces = rng() % 6;
    for (std::size_t i = 0; i < pieces; ++i) {
      static const std::array<std::string, 6> kPieces = {"x", "yz", "\"\"", "\n", "\r\n", "w"};
      value += rng() % 3 == 0 ? std::string(1, sep) : kPieces[rng() % kPieces.size()];
      if (rng() % 2 == 0) value += std::string(rng() % 20, 'q');
    }
    return value + "\"";
  };
  std::string block;
  const std::size_t rows = 1 + rng() % 40;
  for (std::size_t r = 0; r < rows; ++r) {
    if (rng() % 20 == 0) {
      block += rng() % 2 == 0 ? "\n" : "\r\n";
      continue;
    }
    const std::size_t fields = odd && rng() % 10 == 0 ? 1 + rng() % (width + 2) : width;
    for (std::size_t f = 0; f < fields; ++f) {
      if (f != 0) block += sep;
      std::string value = rng() % 2 == 0 ? plain() : quoted();
      if (odd && rng() % 15 == 0) {  // a stray quote
        const std::size_t at = rng() % (value.size() + 1);
        value = value.substr(0, at) + '"' + value.substr(at);
      }
      if (odd && rng() % 15 == 0 && value.starts_with('"')) value += "tail";
      block += value;
    }
    block += rng() % 8 == 0 ? "\r\n" : "\n";
  }
  if (rng() % 4 == 0) block.pop_back();  // the last line without its "\n"
  return block;
}

TEST(CsvTest, BlockSplitterMakesTheRowsTheLinesMake) {
  std::mt19937 rng(11);
  for (int round = 0; round < 2000; ++round) {
    const char sep = round % 3 == 0 ? '\t' : ',';
    const std::size_t width = 1 + rng() % 6;
    const bool odd = round % 2 == 0;
    const std::string block = random_block(rng, sep, width, odd);
    std::vector<std::string> name_store;
    for (std::size_t i = 0; i < width; ++i) name_store.push_back("c" + std::to_string(i));
    const std::vector<std::string_view> names(name_store.begin(), name_store.end());
    const std::vector<ReferenceRow> expected = reference_rows(block, sep);

    csv::BlockSplitter splitter(sep, 64 * kMiB);
    Arena arena;
    std::vector<Field> fields;
    std::size_t declined = 0;
    std::size_t at = 0;  // in expected
    splitter.restart(block, 0, names);
    while (at < expected.size()) {
      const ReferenceRow& want = expected[at];
      csv::BlockSplitter::Row row;
      const std::size_t before = fields.size();
      if (!splitter.next(arena, fields, row)) {
        // Declined: the caller takes this row line by line, then starts again after it.
        ASSERT_EQ(splitter.row_start(), want.start) << ::testing::PrintToString(block);
        ASSERT_EQ(fields.size(), before);
        ++declined;
        splitter.restart(block, want.next, names);
        ++at;
        continue;
      }
      const std::string context = ::testing::PrintToString(block) + " row " + std::to_string(at);
      ASSERT_EQ(row.start, want.start) << context;
      ASSERT_EQ(row.next, want.next) << context;
      ASSERT_EQ(row.lines, want.lines) << context;
      ASSERT_EQ(block.substr(row.start, row.text_end - row.start), want.text) << context;
      if (!want.values) {
        ASSERT_TRUE(want.text.empty()) << context;  // only a blank line has no values
        ASSERT_EQ(row.values, 0u) << context;
      } else {
        ASSERT_EQ(row.values, width) << context;
        ASSERT_EQ(want.values->size(), width) << context;
        for (std::size_t i = 0; i < width; ++i) {
          ASSERT_EQ(fields[before + i].name, names[i]) << context;
          ASSERT_EQ(fields[before + i].value.text, (*want.values)[i]) << context;
        }
      }
      ASSERT_EQ(row.made, row.values) << context;
      ASSERT_EQ(fields.size(), before + row.values) << context;
      ++at;
    }
    csv::BlockSplitter::Row row;
    EXPECT_FALSE(splitter.next(arena, fields, row));
    if (!odd && block.ends_with('\n')) {
      EXPECT_EQ(declined, 0u) << ::testing::PrintToString(block);  // well-formed: all fast
    }
  }
}

// c0, c1, … (GCC 12 warns of "c" + std::to_string(i) in the loops below, wrongly: -Wrestrict).
std::vector<std::string> column_names(std::size_t width) {
  std::vector<std::string> names(width, "c");
  for (std::size_t i = 0; i < width; ++i) names[i] += std::to_string(i);
  return names;
}

// Column projection: a splitter told to make only the first `made` columns gives the rows the
// full one gives (the same ends, lines, widths, and the same rows declined), with the first
// `made` values of each.
void expect_projection_agrees(const std::string& block, char sep,
                              std::span<const std::string_view> names, std::size_t made) {
  const std::string context = ::testing::PrintToString(block) + " made " + std::to_string(made);
  csv::BlockSplitter full(sep, 64 * kMiB);
  csv::BlockSplitter projected(sep, 64 * kMiB);
  Arena arena;
  std::vector<Field> full_fields;
  std::vector<Field> projected_fields;
  full.restart(block, 0, names);
  projected.restart(block, 0, names, made);
  for (std::size_t rows = 0;; ++rows) {
    ASSERT_LT(rows, block.size() + 2) << context;  // every step moves on
    csv::BlockSplitter::Row want;
    csv::BlockSplitter::Row got;
    const std::size_t before = projected_fields.size();
    const std::size_t full_before = full_fields.size();
    const bool full_made = full.next(arena, full_fields, want);
    const bool projected_made = projected.next(arena, projected_fields, got);
    ASSERT_EQ(projected_made, full_made) << context << " row " << rows;
    if (!full_made) {
      ASSERT_EQ(projected.row_start(), full.row_start()) << context;
      ASSERT_EQ(projected_fields.size(), before) << context;
      if (full.row_start() >= block.size()) return;
      // Declined: the caller takes the row line by line; here, starting again on the next line
      // is enough for both to be compared on what follows.
      const std::size_t newline = block.find('\n', full.row_start());
      if (newline == std::string::npos) return;
      full.restart(block, newline + 1, names);
      projected.restart(block, newline + 1, names, made);
      continue;
    }
    ASSERT_EQ(got.start, want.start) << context;
    ASSERT_EQ(got.text_end, want.text_end) << context;
    ASSERT_EQ(got.next, want.next) << context;
    ASSERT_EQ(got.lines, want.lines) << context;
    ASSERT_EQ(got.values, want.values) << context;
    ASSERT_EQ(want.made, want.values) << context;
    ASSERT_EQ(got.made, std::min(made, want.values)) << context;
    ASSERT_EQ(projected_fields.size(), before + got.made) << context;
    for (std::size_t i = 0; i < got.made; ++i) {
      ASSERT_EQ(projected_fields[before + i].name, full_fields[full_before + i].name) << context;
      ASSERT_EQ(projected_fields[before + i].value.text, full_fields[full_before + i].value.text)
          << context << " row " << rows << " value " << i;
    }
  }
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

TEST(CsvTest, ProjectedBlockSplitterFindsTheRowsAtEveryOffset) {
  for (const char sep : {',', '\t'}) {
    for (std::size_t length = 1; length <= 72; ++length) {
      // Under AddressSanitizer, slower by ten, the short rows and those just around the 64-byte
      // window's edge only.
      if (kSanitized && length > 8 && (length < 62 || length > 66)) continue;
      for (std::size_t p = 0; p < length; ++p) {
        for (std::size_t q = p; q < length; ++q) {
          for (const std::string& row : rows_with_bytes_at(length, p, q, sep)) {
            const std::optional<std::vector<std::string>> values = reference_split(row, sep);
            const std::size_t width = values ? values->size() : 1 + (length % 4);
            std::vector<std::string> name_store;
            name_store = column_names(width);
            const std::vector<std::string_view> names(name_store.begin(), name_store.end());
            // Rows of the same width around it (the second with CRLF), one of another width,
            // and its copy at the end without a line end: every row end lands at another offset.
            std::string block = row + "\n" + row + "\r\n" + std::string(width, sep) + "\n" + row;
            for (std::size_t made = 0; made <= width; ++made) {
              expect_projection_agrees(block, sep, names, made);
            }
          }
        }
      }
    }
  }
}

TEST(CsvTest, ProjectedBlockSplitterAgreesOnRandomBlocks) {
  std::mt19937 rng(17);
  for (int round = 0; round < 3000; ++round) {
    const char sep = round % 3 == 0 ? '\t' : ',';
    const std::size_t width = 1 + rng() % 7;
    const std::string block = random_block(rng, sep, width, round % 2 == 0);
    std::vector<std::string> name_store;
    name_store = column_names(width);
    const std::vector<std::string_view> names(name_store.begin(), name_store.end());
    for (std::size_t made = 0; made <= width; ++made) {
      expect_projection_agrees(block, sep, names, made);
    }
  }
}

TEST(CsvTest, ChunkCutsOverManyWindowsAreTheRowEnds) {
  std::mt19937 rng(12);
  for (int round = 0; round < 3000; ++round) {
    const char sep = round % 3 == 0 ? ';' : ',';
    std::string text = random_block(rng, sep, 1 + rng() % 6, round % 2 == 0);
    if (!text.empty() && !text.ends_with('\n')) text += '\n';
    std::size_t expected = 0;
    for (const ReferenceRow& row : reference_rows(text, sep)) {
      if (!row.values && !row.text.empty()) break;  // still open at the end
      expected = row.next;
    }
    ASSERT_EQ(csv::whole_rows_length(text, sep, 64 * kMiB, 0), expected)
        << ::testing::PrintToString(text);
  }
}

// The csv stage gives the same rows, line numbers, offsets and bad records whether its input
// comes as lines cut apart or as pending blocks (split by BlockSplitter, with the lines it
// declines going through split_row).
struct StageRow {
  std::uint64_t line;
  std::uint64_t offset;
  std::string text;
  Fields fields;
  bool operator==(const StageRow&) const = default;
};

std::ostream& operator<<(std::ostream& out, const StageRow& row) {
  out << row.line << "@" << row.offset << " '" << row.text << "' {";
  for (const auto& [name, value] : row.fields) out << name << "='" << value << "' ";
  return out << "}";
}

std::pair<std::vector<StageRow>, std::string> run_lines(
    const std::string& stage, const std::vector<std::string>& lines, std::size_t per_batch,
    bool pending, std::size_t max_line,
    const std::optional<std::vector<FieldRef>>& reads = std::nullopt) {
  ScratchDir dir;
  const std::string dead_letter = dir.path("bad.txt");
  Context ctx;
  ctx.options.max_line = max_line;
  std::destroy_at(&ctx.errors);
  std::construct_at(&ctx.errors, ErrorPolicy::Mode::DeadLetter, dead_letter);
  BuiltStage built = test::build_stage(stage, ctx);
  if (reads) built.make_only_fields(*reads);
  std::vector<StageRow> rows;
  for (Batch& batch : built.transform(test::lines_source(lines, per_batch, pending))) {
    for (const Record& record : batch.records()) {
      StageRow row{record.line, record.offset, std::string(record.text), {}};
      for (std::uint32_t i = 0; i < record.field_count; ++i) {
        const Field& field = batch.fields()[record.first_field + i];
        row.fields.emplace_back(std::string(field.name), std::string(field.value.text));
      }
      rows.push_back(std::move(row));
    }
  }
  ctx.errors.flush();
  return {rows, std::filesystem::exists(dead_letter) ? test::read_whole_file(dead_letter) : ""};
}

TEST(CsvTest, PendingBlocksGiveTheRowsOfLinesCutApart) {
  std::mt19937 rng(13);
  for (int round = 0; round < 300; ++round) {
    const std::size_t width = 1 + rng() % 5;
    std::string text;
    if (round % 5 == 0) text += "\xEF\xBB\xBF";
    for (std::size_t i = 0; i < width; ++i) {
      if (i != 0) text += ',';
      text += 'h';
      text += std::to_string(i);
    }
    text += round % 7 == 0 ? "\r\n" : "\n";
    text += random_block(rng, ',', width, round % 2 == 0);
    std::vector<std::string> lines;  // lines_source ends each with "\n"
    for (std::size_t pos = 0; pos < text.size();) {
      const std::size_t newline = std::min(text.find('\n', pos), text.size());
      lines.push_back(text.substr(pos, newline - pos));
      pos = newline + 1;
    }
    const std::string stage = round % 4 == 1   ? "csv --columns a,b,c"
                              : round % 4 == 3 ? "csv --no-header"
                                               : "csv";
    // A small --max-line in a third of the rounds, so that rows spanning lines get cut by it
    // (the block splitter declines those and the line-by-line rules decide).
    const std::size_t max_line = round % 3 == 2 ? 16 + rng() % 48 : 64 * kMiB;
    const auto expected = run_lines(stage, lines, lines.size(), false, max_line);
    for (const std::size_t per_batch : {std::size_t{1}, std::size_t{3}, lines.size()}) {
      EXPECT_EQ(run_lines(stage, lines, per_batch, true, max_line), expected)
          << ::testing::PrintToString(text) << " per batch " << per_batch << " max_line "
          << max_line << " " << stage;
    }
  }
}

// The csv stage told which columns later stages read (BuiltStage::make_only_fields) gives the
// same rows, lines, offsets and bad records (widths, open quotes, --max-line) as without, and
// each row keeps its columns up to the last one read, with the same values.
TEST(CsvTest, ProjectedStageGivesTheSameRowsAndBadRecords) {
  std::mt19937 rng(19);
  for (int round = 0; round < 300; ++round) {
    const std::size_t width = 1 + rng() % 6;
    std::string text;
    for (std::size_t i = 0; i < width; ++i) {
      if (i != 0) text += ',';
      text += 'h';
      text += std::to_string(i % 4);  // names repeat past 4 columns
    }
    text += "\n";
    text += random_block(rng, ',', width, round % 2 == 0);
    std::vector<std::string> lines;
    for (std::size_t pos = 0; pos < text.size();) {
      const std::size_t newline = std::min(text.find('\n', pos), text.size());
      lines.push_back(text.substr(pos, newline - pos));
      pos = newline + 1;
    }
    const bool no_header = round % 3 == 1;
    const std::string stage = no_header ? "csv --no-header" : "csv";
    const std::size_t max_line = round % 4 == 3 ? 16 + rng() % 48 : 64 * kMiB;
    std::vector<FieldRef> reads;
    const std::size_t last = rng() % width;  // the last column read
    reads.push_back(no_header ? FieldRef::parse(std::to_string(last))
                              : FieldRef::parse("h" + std::to_string(last % 4)));
    if (rng() % 2 == 0) reads.push_back(FieldRef::parse("_line"));
    if (rng() % 2 == 0) reads.push_back(FieldRef::parse("0"));
    const auto [full_rows, full_bad] = run_lines(stage, lines, lines.size(), true, max_line);
    for (const std::size_t per_batch : {std::size_t{1}, lines.size()}) {
      const auto [rows, bad] = run_lines(stage, lines, per_batch, true, max_line, reads);
      const std::string context = ::testing::PrintToString(text) + " " + stage;
      ASSERT_EQ(bad, full_bad) << context;
      ASSERT_EQ(rows.size(), full_rows.size()) << context;
      for (std::size_t r = 0; r < rows.size(); ++r) {
        ASSERT_EQ(rows[r].line, full_rows[r].line) << context;
        ASSERT_EQ(rows[r].offset, full_rows[r].offset) << context;
        ASSERT_EQ(rows[r].text, full_rows[r].text) << context;
        // A prefix of the columns, up to the last one read (the last place of a repeated name).
        const std::size_t needed = no_header ? last + 1 : width - (width - 1 - last % 4) % 4;
        ASSERT_GE(rows[r].fields.size(), std::min(needed, width)) << context;
        ASSERT_LE(rows[r].fields.size(), full_rows[r].fields.size()) << context;
        for (std::size_t i = 0; i < rows[r].fields.size(); ++i) {
          ASSERT_EQ(rows[r].fields[i], full_rows[r].fields[i]) << context;
        }
      }
    }
  }
}

TEST(CsvTest, ProjectionNeedsEveryColumnForAPositionFromTheEnd) {
  Context ctx;
  BuiltStage built = test::build_stage("csv", ctx);
  ASSERT_TRUE(built.make_only_fields);
  EXPECT_EQ(built.make_only_fields(std::vector<FieldRef>{FieldRef::parse("-1")}), "");
  BuiltStage tsv = test::build_stage("csv --sep tab", ctx);
  EXPECT_FALSE(tsv.make_only_fields);  // TSV rows are split a tab at a time, every column
}

}  // namespace
}  // namespace gpipe
