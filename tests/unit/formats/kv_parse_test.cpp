// The parsers `kv` and `parse`: the pairs and captures they make (names, values, nulls), quoting
// and escapes, --sep, bad records under fail and skip, and the start-up errors of `parse`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "formats/kv/kv_parser.hpp"
#include "gpipe/errors.hpp"
#include "test_util.hpp"

namespace gpipe {
namespace {

using Lines = std::vector<std::string>;

// A record's fields as "name=value" joined by '|', null values as "name=<null>"; a record
// without fields as "text:" and its text.
std::string describe_fields(Batch& batch, const Record& record) {
  if (!record.has_fields()) return "text:" + std::string(record.text);
  std::string out;
  for (std::uint32_t i = 0; i < record.field_count; ++i) {
    const Field& f = batch.fields()[record.first_field + i];
    if (i != 0) out += '|';
    out += std::string(f.name) + '=' + (f.value.is_null() ? "<null>" : std::string(f.value.text));
  }
  return out;
}

Lines run_fields(const std::string& stage, const Lines& lines, Context& ctx,
                 std::size_t per_batch = 2) {
  BuiltStage built = test::build_stage(stage, ctx);
  Lines out;
  for (Batch& batch : built.transform(test::lines_source(lines, per_batch))) {
    EXPECT_EQ(batch.format(), DataFormat::Text);
    for (const Record& r : batch.records()) out.push_back(describe_fields(batch, r));
  }
  return out;
}

Lines run_fields(const std::string& stage, const Lines& lines) {
  Context ctx;
  return run_fields(stage, lines, ctx);
}

// The pairs of one line straight from the parser.
std::string pairs(std::string_view text, std::string_view separator = "=") {
  Arena arena;
  std::vector<Field> out;
  KvError error;
  if (!parse_kv_pairs(text, separator, arena, out, error)) {
    return "error at " + std::to_string(error.column) + ": " + std::string(error.reason);
  }
  std::string result;
  for (const Field& f : out) {
    if (!result.empty()) result += '|';
    result += std::string(f.name) + '=' + std::string(f.value.text);
  }
  return result;
}

void use_skip_policy(Context& ctx) {
  std::destroy_at(&ctx.errors);  // as the CLI does: the policy is fixed once per run
  std::construct_at(&ctx.errors, ErrorPolicy::Mode::Skip, "");
}

using test::pipeline_error;

TEST(KvParseTest, LogfmtLine) {
  EXPECT_EQ(pairs("ts=2026-11-21T08:09:10Z level=info msg=\"hello world\" path=/x dur=12ms "
                  "empty= flag"),
            "ts=2026-11-21T08:09:10Z|level=info|msg=hello world|path=/x|dur=12ms|empty=");
}

TEST(KvParseTest, SemiStructuredLogTakesOnlyThePairs) {
  EXPECT_EQ(pairs("2026-11-21T08:09:10.000Z DEBUG [worker-4] auth.service: cache lookup "
                  "order=64937 latency_ms=171 user=u3868"),
            "order=64937|latency_ms=171|user=u3868");
}

TEST(KvParseTest, BlanksAndEmptyText) {
  EXPECT_EQ(pairs(""), "");
  EXPECT_EQ(pairs(" \t "), "");
  EXPECT_EQ(pairs("no pairs here"), "");
  EXPECT_EQ(pairs("\t a=1 \t\tb=2  "), "a=1|b=2");
}

TEST(KvParseTest, QuotedValuesAndEscapes) {
  EXPECT_EQ(pairs(R"(msg="a \"quoted\" word" path="C:\\dir")"),
            R"(msg=a "quoted" word|path=C:\dir)");
  EXPECT_EQ(pairs(R"(m="line1\nline2\ttab" other="\x")"), "m=line1\nline2\ttab|other=\\x");
  EXPECT_EQ(pairs(R"(a="\"" b=2)"), "a=\"|b=2");
  EXPECT_EQ(pairs(R"(e="" f=" ")"), "e=|f= ");
}

TEST(KvParseTest, SeparatorsInsideQuotesMakeNoPairs) {
  EXPECT_EQ(pairs(R"(q="a=b c=d" x=1)"), "q=a=b c=d|x=1");
  EXPECT_EQ(pairs(R"(GET "/p?a=b c=d" 200 status=ok)"), "status=ok");
}

TEST(KvParseTest, OddWords) {
  EXPECT_EQ(pairs("=v a==b c=d=e"), "a==b|c=d=e");   // no key: not a pair; values keep '='
  EXPECT_EQ(pairs("a=b\"c d=\"e\""), "a=b\"c|d=e");  // a quote inside a bare value is kept
  EXPECT_EQ(pairs("a=1 a=2"), "a=1|a=2");            // repeated keys are all kept
}

TEST(KvParseTest, MalformedQuotes) {
  EXPECT_EQ(pairs(R"(a=1 msg="never closed)"), "error at 9: unterminated quoted value");
  EXPECT_EQ(pairs(R"(msg="ends in backslash\")"), "error at 5: unterminated quoted value");
  EXPECT_EQ(pairs(R"(msg="x=1 y z)"), "error at 5: unterminated quoted value");
  // A quoted word that is not a value may stay open: it is free text, not a pair.
  EXPECT_EQ(pairs(R"(said "oops a=1)"), "a=1");
}

TEST(KvParseTest, TextAfterAClosingQuoteIsSkipped) {
  // As in loghub's Android log: `tag="View Lock", name=com.android.systemui,`.
  EXPECT_EQ(pairs(R"(flags=0x1, tag="View Lock", name=com.android.systemui, ws=null)"),
            "flags=0x1,|tag=View Lock|name=com.android.systemui,|ws=null");
  EXPECT_EQ(pairs(R"(a="x"y=2 b=3)"), "a=x|b=3");
}

TEST(KvParseTest, OtherSeparators) {
  EXPECT_EQ(pairs("user:alice id:7 note:\"a:b c\" url=x", ":"), "user=alice|id=7|note=a:b c");
  EXPECT_EQ(pairs("a:=1 b=2", ":="), "a=1");
}

TEST(KvParseTest, EscapedValuesAreUnescapedIntoTheArenaOthersViewTheText) {
  const std::string text = R"(plain=abc esc="a\"b")";
  Arena arena;
  std::vector<Field> out;
  KvError error;
  ASSERT_TRUE(parse_kv_pairs(text, "=", arena, out, error));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].value.text.data(), text.data() + 6);
  EXPECT_EQ(out[0].name.data(), text.data());
  EXPECT_EQ(out[1].value.text, "a\"b");
  EXPECT_FALSE(out[1].value.text.data() >= text.data() &&
               out[1].value.text.data() < text.data() + text.size());
}

TEST(KvParseTest, KvStageMakesNamedFieldsAndKeepsText) {
  Context ctx;
  BuiltStage built = test::build_stage("kv", ctx);
  Lines seen;
  for (Batch& batch : built.transform(test::lines_source({"a=1 b=\"x y\"", "c=3"}))) {
    for (const Record& r : batch.records()) {
      seen.push_back(describe_fields(batch, r) + " / " + std::string(r.text));
      EXPECT_FALSE(r.whole_json);
      EXPECT_EQ(batch.fields()[r.first_field].value.kind, Value::Kind::String);
    }
  }
  EXPECT_EQ(seen, (Lines{"a=1|b=x y / a=1 b=\"x y\"", "c=3 / c=3"}));
  EXPECT_EQ(ctx.errors.good(), 2u);
}

TEST(KvParseTest, KvStageWithSep) {
  EXPECT_EQ(run_fields("kv --sep :", {"k:v x=y", "nothing"}), (Lines{"k=v", ""}));
  EXPECT_EQ(run_fields("kv --sep=::", {"k::v x=y"}), (Lines{"k=v"}));
}

TEST(KvParseTest, KvSepArgumentErrors) {
  EXPECT_EQ(pipeline_error("kv --sep ''"), "the separator must not be empty @9+2");
  EXPECT_EQ(pipeline_error("kv --sep ' '"),
            "the separator must not hold a space, a tab or a '\"' @9+3");
  EXPECT_NE(pipeline_error("kv extra"), "no error");  // finish() rejects the extra word
}

TEST(KvParseTest, UnterminatedQuoteFailsWithLocation) {
  Context ctx;
  try {
    run_fields("kv", {"a=1", "b=2", "ok=1 msg=\"open"}, ctx);
    FAIL() << "no error";
  } catch (const BadRecordError& e) {
    EXPECT_EQ(std::string(e.what()),
              "test:3:10: unterminated quoted value\n  record: ok=1 msg=\"open");
  }
}

TEST(KvParseTest, UnterminatedQuoteIsSkippedAndCountedUnderSkip) {
  Context ctx;
  use_skip_policy(ctx);
  EXPECT_EQ(run_fields("kv", {"a=1", "b=\"x", "c=3", "  d=\"y", "e=5"}, ctx, 2),
            (Lines{"a=1", "c=3", "e=5"}));
  EXPECT_EQ(ctx.errors.count(), 2u);
  EXPECT_EQ(ctx.errors.good(), 3u);
  EXPECT_EQ(ctx.errors.first_messages(),
            (Lines{"test:2:3: unterminated quoted value", "test:4:5: unterminated quoted value"}));
}

TEST(KvParseTest, KvThenLookupByName) {
  Context ctx;
  BuiltStage kv = test::build_stage("kv", ctx);
  BuiltStage field = test::build_stage("field latency_ms user 0", ctx);
  EXPECT_EQ(test::collect(field.transform(kv.transform(test::lines_source(
                {"x DEBUG order=1 latency_ms=171 user=u1", "y INFO latency_ms=3"})))),
            (Lines{"171\tu1\t1", "3\t\t3"}));
}

// Every loghub log: kv never fails on them under the default policy, and each line holds
// exactly the pairs a plain scan for key=value words (no quotes in them) finds.
TEST(KvParseTest, LoghubLogsParseAndAgreeWithAPlainScanWhereNoQuotes) {
  const std::filesystem::path dir = std::filesystem::path(GPIPE_CORPORA_DIR) / "loghub";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no corpora at " << dir;
  std::size_t files = 0;
  std::size_t compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".log") continue;
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    Arena arena;
    std::vector<Field> out;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();  // as read does
      KvError error;
      ASSERT_TRUE(parse_kv_pairs(line, "=", arena, out, error))
          << entry.path() << ": " << error.reason << " in " << line;
      if (line.find('"') != std::string::npos) continue;
      std::istringstream words(line);
      std::string word;
      std::size_t n = 0;
      while (words >> word) {
        const std::size_t eq = word.find('=');
        if (eq == std::string::npos || eq == 0) continue;
        ASSERT_LT(n, out.size()) << line;
        EXPECT_EQ(std::string(out[n].name), word.substr(0, eq)) << line;
        EXPECT_EQ(std::string(out[n].value.text), word.substr(eq + 1)) << line;
        ++n;
      }
      EXPECT_EQ(n, out.size()) << line;
      ++compared;
      arena.reset();
    }
  }
  EXPECT_GE(files, 10u);
  EXPECT_GT(compared, 20000u);
}

// --- parse ---

TEST(KvParseTest, ParseMakesNamedCapturesAndDropsNonMatching) {
  EXPECT_EQ(run_fields(R"(parse '(?P<ts>\S+) (?P<level>[A-Z]+) (\S+) (?P<rest>.*)')",
                       {"t1 INFO [w1] hello there", "no match", "t2 ERROR [w2] boom"}),
            (Lines{"ts=t1|level=INFO|rest=hello there", "ts=t2|level=ERROR|rest=boom"}));
}

TEST(KvParseTest, ParseIsASearchNotAnAnchoredMatch) {
  EXPECT_EQ(run_fields("parse 'id=(?P<id>\\d+)'", {"abc id=12 x", "id=7", "id=x"}),
            (Lines{"id=12", "id=7"}));
  EXPECT_EQ(run_fields("parse '^id=(?P<id>\\d+)$'", {"abc id=12 x", "id=7"}), (Lines{"id=7"}));
}

TEST(KvParseTest, ParseKeepKeepsNonMatchingWithNulls) {
  EXPECT_EQ(run_fields("parse --keep '(?P<a>\\d+)-(?P<b>\\d+)'", {"1-2", "none", "x 3-4"}),
            (Lines{"a=1|b=2", "a=<null>|b=<null>", "a=3|b=4"}));
}

TEST(KvParseTest, ParseOptionalGroupIsNullEmptyGroupIsEmpty) {
  EXPECT_EQ(run_fields("parse '(?P<a>x)?(?P<b>y*)z'", {"z", "xyyz"}),
            (Lines{"a=<null>|b=", "a=x|b=yy"}));
}

TEST(KvParseTest, ParseFieldsComeInGroupOrderNotNameOrder) {
  EXPECT_EQ(run_fields("parse '(?P<zeta>\\w+) (?P<alpha>\\w+)'", {"one two"}),
            (Lines{"zeta=one|alpha=two"}));
}

TEST(KvParseTest, ParseCountsMatchesAsGood) {
  Context ctx;
  run_fields("parse '(?P<n>\\d)'", {"1", "a", "2"}, ctx);
  EXPECT_EQ(ctx.errors.good(), 2u);
  EXPECT_EQ(ctx.errors.count(), 0u);
}

TEST(KvParseTest, ParseStartUpErrors) {
  EXPECT_EQ(pipeline_error("parse 'a(b'"), "invalid regular expression: missing ): a(b @6+5");
  EXPECT_EQ(pipeline_error("parse '(a)(b)'"),
            "the regular expression has no named group such as (?P<name>...) @6+8");
  EXPECT_EQ(pipeline_error("parse '(?P<a-b>x)'"),
            "invalid regular expression: invalid named capture group: (?P<a-b> @6+12");
  EXPECT_EQ(pipeline_error("parse --keep"), "missing REGEX @0+5");
}

TEST(KvParseTest, ParseNamesOutliveTheBuilderAndTheBatches) {
  Context ctx;
  BuiltStage built = test::build_stage("parse '(?P<word>\\w+)'", ctx);
  BatchStream stream = built.transform(test::lines_source({"alpha", "beta", "gamma"}, 1));
  test::build_stage("head 1", ctx);  // the builder's argument storage is reused
  Lines seen;
  for (Batch& batch : stream) {
    for (const Record& r : batch.records()) seen.push_back(describe_fields(batch, r));
  }
  EXPECT_EQ(seen, (Lines{"word=alpha", "word=beta", "word=gamma"}));
}

}  // namespace
}  // namespace gpipe
