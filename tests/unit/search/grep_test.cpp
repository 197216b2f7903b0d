// The grep stage: each flag, GNU grep -w semantics, the block-search fast path against the
// per-line path, line numbers and offsets, errors, and a differential test against real grep.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gpipe/errors.hpp"
#include "search/matcher.hpp"
#include "simd/newline_count.hpp"
#include "stages/filters/transforms.hpp"
#include "stages/sources/sources.hpp"
#include "test_util.hpp"

namespace gpipe {
namespace {

using Lines = std::vector<std::string>;

Lines grep(const std::string& stage, const Lines& lines, bool pending, std::size_t per_batch = 3) {
  Context ctx;
  BuiltStage built = test::build_stage(stage, ctx);
  return test::collect(built.transform(test::lines_source(lines, per_batch, pending)));
}

// Runs the stage over both forms of batches, checks they agree, and returns the result.
Lines grep_both(const std::string& stage, const Lines& lines) {
  const Lines split = grep(stage, lines, false);
  for (std::size_t per_batch : {1, 2, 3, 100}) {
    EXPECT_EQ(grep(stage, lines, true, per_batch), split) << stage << " per batch " << per_batch;
  }
  return split;
}

const Lines kLines = {"Error here", "errors", "no match",     "an error.", "ERROR: disk",
                      "",           "terror", "error_code 5", "x.y",       "xzy"};

TEST(GrepTest, RegexAndLiteral) {
  EXPECT_EQ(grep_both("grep error", kLines),
            (Lines{"errors", "an error.", "terror", "error_code 5"}));
  EXPECT_EQ(grep_both("grep '^e'", kLines), (Lines{"errors", "error_code 5"}));
  EXPECT_EQ(grep_both("grep 'r{2}or\\.?$'", kLines), (Lines{"an error.", "terror"}));
  EXPECT_EQ(grep_both("grep '\\d'", kLines), (Lines{"error_code 5"}));
  EXPECT_EQ(grep_both("grep x.y", kLines), (Lines{"x.y", "xzy"}));
  EXPECT_EQ(grep_both("grep nothing-like-this", kLines), Lines{});
}

TEST(GrepTest, FixedStringTakesMetacharactersLiterally) {
  EXPECT_EQ(grep_both("grep -F x.y", kLines), (Lines{"x.y"}));
  EXPECT_EQ(grep_both("grep -F '.'", kLines), (Lines{"an error.", "x.y"}));
  EXPECT_EQ(grep_both("grep -F 'a(b'", {"a(b", "ab"}), (Lines{"a(b"}));
}

TEST(GrepTest, IgnoreCase) {
  EXPECT_EQ(grep_both("grep -i error", kLines),
            (Lines{"Error here", "errors", "an error.", "ERROR: disk", "terror", "error_code 5"}));
  EXPECT_EQ(grep_both("grep -i -F X.Y", kLines), (Lines{"x.y"}));
  EXPECT_EQ(grep_both("grep -i 'é'", {"CAFÉ", "cafe"}), (Lines{"CAFÉ"}));
}

TEST(GrepTest, Invert) {
  EXPECT_EQ(grep_both("grep -v r", kLines), (Lines{"no match", "ERROR: disk", "", "x.y", "xzy"}));
  EXPECT_EQ(grep_both("grep -vi error", kLines), (Lines{"no match", "", "x.y", "xzy"}));
  EXPECT_EQ(grep_both("grep -v -F .", kLines),
            (Lines{"Error here", "errors", "no match", "ERROR: disk", "", "terror", "error_code 5",
                   "xzy"}));
}

TEST(GrepTest, WordMatchesWholeWordsOnly) {
  // `error_code` is one word (underscore), `terror` and `errors` contain error but not as a word.
  EXPECT_EQ(grep_both("grep -w error", kLines), (Lines{"an error."}));
  EXPECT_EQ(grep_both("grep -i -w error", kLines),
            (Lines{"Error here", "an error.", "ERROR: disk"}));
  EXPECT_EQ(grep_both("grep -wF x.y", kLines), (Lines{"x.y"}));
}

TEST(GrepTest, WordLooksPastAFirstMatchThatIsNotAWord) {
  // The first occurrence is inside a word; GNU grep -w goes on to the later whole word.
  EXPECT_EQ(grep_both("grep -w fail", {"failed then fail", "failfail", "fail", "unfail fails"}),
            (Lines{"failed then fail", "fail"}));
  // A regex whose longest match at a place is not a word, but a shorter one is.
  EXPECT_EQ(grep_both("grep -w 'ab*'", {"abbbc ab", "abbbc", "a bc"}), (Lines{"abbbc ab", "a bc"}));
  // Non-word characters may be part of the pattern itself.
  EXPECT_EQ(grep_both("grep -w -F 'x-'", {"ax-", "x-y", "(x-)"}), (Lines{"(x-)"}));
}

TEST(GrepTest, WordCharactersAreUnicodeLettersAndDigitsAsInGnuGrep) {
  // é is a letter, so `caf` in `café` is not a word; a superscript or a combining mark is not a
  // word character.
  EXPECT_EQ(grep_both("grep -w caf", {"café x", "caf² y", "caf_", "caf\u0301"}),
            (Lines{"caf² y", "caf\u0301"}));
}

TEST(GrepTest, MatchesNeverSpanLinesInTheBlockSearch) {
  // In a block, [^x]* and \s could run across the newline; per line they cannot.
  const Lines lines = {"a", "b", "a b", "ab"};
  EXPECT_EQ(grep_both("grep 'a[^x]*b'", lines), (Lines{"a b", "ab"}));
  EXPECT_EQ(grep_both("grep 'a\\s*b'", lines), (Lines{"a b", "ab"}));
  EXPECT_EQ(grep_both("grep -i 'A\\s*B'", lines), (Lines{"a b", "ab"}));
}

TEST(GrepTest, CarriageReturnsAreNotPartOfTheLine) {
  Context ctx;
  for (const std::string stage : {"grep 'a$'", "grep -F a", "grep -i A", "grep -w 'b?a'"}) {
    BuiltStage built = test::build_stage(stage, ctx);
    Batch batch;
    static const Origin origin{"crlf"};
    batch.reset(&origin, RecordKind::Line);
    batch.set_pending_lines("a\r\nb\r\nba\r\n", 1, 0);
    auto source = [](Batch& b) -> BatchStream { co_yield b; }(batch);
    EXPECT_EQ(test::collect(built.transform(std::move(source))), (Lines{"a", "ba"})) << stage;
  }
}

TEST(GrepTest, EmptyPatternMatchesEveryLine) {
  EXPECT_EQ(grep_both("grep ''", {"a", "", "b"}), (Lines{"a", "", "b"}));
  EXPECT_EQ(grep_both("grep -F ''", {"a", "", "b"}), (Lines{"a", "", "b"}));
  EXPECT_EQ(grep_both("grep '^'", {"a", "", "b"}), (Lines{"a", "", "b"}));
}

TEST(GrepTest, InvalidUtf8AndNulBytesDoNotBreakMatching) {
  const Lines lines = {"\xff\xfe error", std::string("a\0b error", 9), "\xc3(", "fine"};
  EXPECT_EQ(grep_both("grep error", lines).size(), 2u);
  EXPECT_EQ(grep_both("grep -i ERROR", lines).size(), 2u);
  EXPECT_EQ(grep_both("grep -v error", lines), (Lines{"\xc3(", "fine"}));
  EXPECT_EQ(grep_both("grep '.\\('", lines), Lines{});  // \xc3 is not a character
}

struct Located {
  std::string text;
  std::uint64_t line;
  std::uint64_t offset;
  bool operator==(const Located&) const = default;
};

std::vector<Located> grep_located(const std::string& stage, const std::string& block,
                                  std::uint64_t first_line, std::uint64_t offset) {
  Context ctx;
  BuiltStage built = test::build_stage(stage, ctx);
  Batch batch;
  static const Origin origin{"block"};
  batch.reset(&origin, RecordKind::Line);
  batch.set_pending_lines(block, first_line, offset);
  auto source = [](Batch& b) -> BatchStream { co_yield b; }(batch);
  std::vector<Located> out;
  for (Batch& b : built.transform(std::move(source))) {
    for (const Record& r : b.records()) out.push_back({std::string(r.text), r.line, r.offset});
  }
  return out;
}

TEST(GrepTest, BlockSearchGivesLineNumbersAndOffsets) {
  const std::string block = "x\nERROR a\n\nok\r\nsome ERROR\nlast ERROR";
  const std::vector<Located> expected = {
      {"ERROR a", 11, 102}, {"some ERROR", 14, 115}, {"last ERROR", 15, 126}};
  for (const std::string stage :
       {"grep ERROR", "grep -F ERROR", "grep 'ERR(OR)'", "grep -i error", "grep -w ERROR"}) {
    EXPECT_EQ(grep_located(stage, block, 10, 100), expected) << stage;
  }
  // The per-line path agrees.
  EXPECT_EQ(grep_located("grep -v -i '^(x|ok|)$'", block, 10, 100), expected);
}

std::vector<Located> collect_located(BatchStream stream) {
  std::vector<Located> out;
  for (Batch& b : stream) {
    for (const Record& r : b.records()) out.push_back({std::string(r.text), r.line, r.offset});
  }
  return out;
}

TEST(GrepTest, DenseAndSparseMatchesInBigBlocksAgreeWithTheLineByLinePath) {
  // Past a few dozen candidates, dense matches switch the block search to testing every line;
  // both halves must number lines exactly as the split path does.
  Lines lines;
  for (int i = 0; i < 3000; ++i) {
    std::string line = "line " + std::to_string(i);
    if (i % 3 == 0 || (i > 2000 && i % 97 == 0)) line += " hit";
    if (i % 500 == 0) line += "\r";
    lines.push_back(line);
  }
  for (const std::string stage : {"grep hit", "grep 'h[i]t'", "grep -w -F hit", "grep -i HIT"}) {
    Context ctx;
    BuiltStage built = test::build_stage(stage, ctx);
    const auto expected = collect_located(built.transform(test::lines_source(lines, 3000, false)));
    ASSERT_EQ(expected.size(), 1000u + 6u) << stage;  // 6 multiples of 97 not of 3
    for (const std::size_t per_batch : {1000, 3000}) {
      EXPECT_EQ(collect_located(built.transform(test::lines_source(lines, per_batch, true))),
                expected)
          << stage << " per batch " << per_batch;
    }
  }
}

TEST(GrepTest, CountNewlines) {
  std::string text;
  std::uint64_t expected = 0;
  for (int i = 0; i < 10000; ++i) {
    const bool newline = i % 7 == 0 || i % 11 == 0;
    text += newline ? '\n' : static_cast<char>('a' + i % 26);
    expected += newline ? 1 : 0;
  }
  // Every start and length around the 16- and 32-byte steps (SSE2, AVX2) and the 255-step sums.
  for (std::size_t begin : {0, 1, 15, 17, 31, 33}) {
    for (std::size_t end : {begin, begin + 1, begin + 16, begin + 31, begin + 32, begin + 4080,
                            begin + 4097, begin + 8160, begin + 8193, text.size()}) {
      EXPECT_EQ(count_newlines(text.data() + begin, text.data() + end),
                static_cast<std::uint64_t>(
                    std::count(text.begin() + static_cast<std::ptrdiff_t>(begin),
                               text.begin() + static_cast<std::ptrdiff_t>(end), '\n')))
          << begin << ".." << end;
    }
  }
  EXPECT_EQ(count_newlines(text.data(), text.data() + text.size()), expected);
  // Only newlines: the byte counters reach their limit of 255 and must be summed in time.
  const std::string newlines(100000, '\n');
  EXPECT_EQ(count_newlines(newlines.data(), newlines.data() + newlines.size()), 100000u);
}

TEST(GrepTest, BlockSearchNeverSplitsTheWholeBlock) {
  // The matcher finds candidates; only lines holding one are looked at.
  std::string error;
  const auto literal = LineMatcher::create({"needle", false, false, false}, error);
  ASSERT_NE(literal, nullptr);
  EXPECT_TRUE(literal->can_search_blocks());
  const std::string block = "hay\nhay needle\nneedlE\nneedle";
  std::uint64_t newlines = 0;
  EXPECT_EQ(literal->find_candidate(block, 0, newlines), 8u);
  EXPECT_EQ(newlines, 1u);
  EXPECT_EQ(literal->find_candidate(block, 15, newlines), 22u);
  EXPECT_EQ(newlines, 2u);
  EXPECT_EQ(literal->find_candidate(block, 23, newlines), std::string_view::npos);
  EXPECT_EQ(newlines, 2u);
  const auto regex = LineMatcher::create({"n[e]+dle", true, false, false}, error);
  ASSERT_NE(regex, nullptr);
  EXPECT_TRUE(regex->can_search_blocks());
  newlines = 0;
  EXPECT_EQ(regex->find_candidate(block, 0, newlines), 8u);
  EXPECT_EQ(regex->find_candidate(block, 15, newlines), 15u);
  EXPECT_EQ(newlines, 1u);
  // A `$` may sit before "\r" in a CRLF block, so such patterns are matched line by line.
  EXPECT_FALSE(LineMatcher::create({"x$", false, false, false}, error)->can_search_blocks());
}

TEST(GrepTest, InvalidRegexPointsAtThePattern) {
  Context ctx;
  try {
    test::build_stage("grep -i 'a(b'", ctx);
    FAIL() << "no error";
  } catch (const PipelineError& e) {
    EXPECT_STREQ(e.what(), "invalid regular expression: missing ): a(b");
    EXPECT_EQ(e.span().offset, 8u);
    EXPECT_EQ(e.span().length, 5u);
  }
  // Checked as written, so -w's wrapping does not show in the message.
  try {
    test::build_stage("grep -w 'x**'", ctx);
    FAIL() << "no error";
  } catch (const PipelineError& e) {
    EXPECT_STREQ(e.what(), "invalid regular expression: bad repetition operator: **");
  }
  try {
    test::build_stage("grep -i", ctx);
    FAIL() << "no error";
  } catch (const PipelineError& e) {
    EXPECT_STREQ(e.what(), "missing PATTERN");
  }
}

// --- differential: the same lines as GNU grep -E over the loghub corpus ---

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

Lines command_lines(const std::string& command) {
  Lines out;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::string line;
  int c;
  while ((c = std::fgetc(pipe)) != EOF) {
    if (c == '\n') {
      out.push_back(line);
      line.clear();
    } else {
      line += static_cast<char>(c);
    }
  }
  if (!line.empty()) out.push_back(line);
  ::pclose(pipe);
  return out;
}

// Splits every batch before grep sees it, forcing the per-line path.
BatchStream split_everything(BatchStream in) {
  for (Batch& batch : in) {
    batch.records();
    co_yield batch;
  }
}

TEST(GrepTest, DifferentialAgainstGnuGrepOnLoghub) {
  const std::string corpus = std::string(GPIPE_CORPORA_DIR) + "/loghub";
  if (!std::filesystem::is_directory(corpus)) GTEST_SKIP() << "no corpus at " << corpus;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    if (entry.path().extension() == ".log") files.push_back(entry.path().string());
  }
  ASSERT_FALSE(files.empty());
  struct Case {
    std::vector<std::string> flags;
    std::string pattern;
  };
  const std::vector<Case> cases = {
      {{}, "ERROR"},         {{"-i"}, "error"},      {{"-w"}, "fail"},
      {{}, "[0-9]{4}"},      {{"-F"}, "."},          {{"-F"}, "10.251"},
      {{"-v"}, "INFO"},      {{"-v", "-i"}, "info"}, {{"-i", "-w"}, "debug"},
      {{"-w"}, "[a-z]+ed"},  {{"-F", "-w"}, "to"},   {{"-F", "-i"}, "Exception"},
      {{}, "user=[a-z]+$"},  {{"-w"}, "[0-9]+"},     {{"-i"}, "^[a-z]{3} [0-9]+"},
      {{"-v", "-w"}, "the"}, {{}, "a[^x]*z"},        {{"-i", "-F", "-w"}, "ROOT"},
  };
  std::size_t compared = 0;
  std::vector<std::size_t> matched(cases.size());
  for (const std::string& file : files) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const Case& c = cases[i];
      std::string flags;
      for (const std::string& f : c.flags) flags += f + " ";
      const std::string regex_flag = flags.find("-F") == std::string::npos ? "-E " : "";
      const Lines expected =
          command_lines("sed 's/\\r$//' " + shell_quote(file) + " | LC_ALL=C.UTF-8 grep " +
                        regex_flag + flags + "-- " + shell_quote(c.pattern));
      matched[i] += expected.size();
      const std::string stage = "grep " + flags + shell_quote(c.pattern);
      for (const bool split_first : {false, true}) {
        Context ctx;
        BuiltStage built = test::build_stage(stage, ctx);
        BatchStream source = stages::read_lines({file}, ctx);
        if (split_first) source = split_everything(std::move(source));
        EXPECT_EQ(test::collect(built.transform(std::move(source))), expected)
            << stage << " on " << file << (split_first ? " (split)" : " (blocks)");
      }
      ++compared;
    }
  }
  EXPECT_EQ(compared, files.size() * cases.size());
  // Every case selects something somewhere, so each comparison says something.
  for (std::size_t i = 0; i < cases.size(); ++i) EXPECT_GT(matched[i], 0u) << cases[i].pattern;
}

}  // namespace
}  // namespace gpipe

namespace gpipe {
namespace {

TEST(GrepDfaTest, ConfirmsCandidatesInBlocksWithExactLines) {
  // Every match starts with "k=": the DFA path. Matches at block starts and ends, empty lines,
  // a later candidate in a line after an earlier one fails, CRLF lines, no final newline.
  const Lines lines = {"k=123",  "",           "k=12 k=999", "x k=1", "k=",   "k=4567\r",
                       "k=12\r", "k=1\rk=222", "",           "zz",    "k=000"};
  EXPECT_EQ(grep_both("grep 'k=[0-9]{3,}'", lines),
            (Lines{"k=123", "k=12 k=999", "k=4567", "k=1\rk=222", "k=000"}));
  // \s matches "\r", but the "\r" of a CRLF ending is not part of the line.
  EXPECT_EQ(grep_both("grep 'k=\\d*\\s'", {"k=1\r", "k=1 \r", "k=\t", "k=\r"}),
            (Lines{"k=1 ", "k=\t"}));
  EXPECT_EQ(grep_both("grep -v 'k=[0-9]{3,}'", lines),
            (Lines{"", "x k=1", "k=", "k=12", "", "zz"}));
  // Patterns that could match a newline never join two lines.
  EXPECT_EQ(grep_both("grep 'a[\\n\\s]+b'", {"a", "b", "a b", "a\tb"}), (Lines{"a b", "a\tb"}));
  EXPECT_EQ(grep_both("grep 'a[^x]+b'", {"a", "b", "ayb", "axb"}), (Lines{"ayb"}));
  // The control escapes, alone and in a class.
  EXPECT_EQ(grep_both("grep 'k=[\\t\\v\\f]x'", {"k=\tx", "k=\vx", "k=\fx", "k= x", "k=tx"}),
            (Lines{"k=\tx", "k=\vx", "k=\fx"}));
  EXPECT_EQ(grep_both("grep 'k=\\r\\t'", {"k=\r\t", "k=rt", "k=\t"}), (Lines{"k=\r\t"}));
}

// A random pattern of the shapes the DFA handles, over a small alphabet.
std::string random_pattern(std::mt19937& rng, int depth) {
  static const std::vector<std::string> atoms = {"a",    "b",      "c",   "\\d", "\\s", "\\w",
                                                 "[ab]", "[a-c1]", "\\.", "1",   " ",   "[\\d.]"};
  static const std::vector<std::string> quantifiers = {"",    "",      "",     "*",  "+",    "?",
                                                       "{2}", "{1,3}", "{2,}", "*?", "{0,2}"};
  std::string pattern;
  const int parts = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < parts; ++i) {
    std::string atom;
    if (depth < 2 && rng() % 5 == 0) {
      atom = "(?:" + random_pattern(rng, depth + 1) + "|" + random_pattern(rng, depth + 1) + ")";
    } else {
      atom = atoms[rng() % atoms.size()];
    }
    pattern += atom + quantifiers[rng() % quantifiers.size()];
  }
  return pattern;
}

TEST(GrepDfaTest, AgreesWithRe2OnRandomPatternsAndLines) {
  std::mt19937 rng(7);
  const std::string alphabet = "abc1. \t\r\xc3\xa9";
  int dfa_patterns = 0;
  for (int round = 0; round < 400; ++round) {
    const std::string pattern = random_pattern(rng, 0);
    Lines lines;
    for (int i = 0; i < 30; ++i) {
      std::string line;
      const std::size_t length = rng() % 12;
      for (std::size_t j = 0; j < length; ++j) line += alphabet[rng() % alphabet.size()];
      while (!line.empty() && line.back() == '\r') line.pop_back();  // a CRLF ending
      lines.push_back(line);
    }
    RE2::Options options;
    options.set_log_errors(false);
    const RE2 re(pattern, options);
    ASSERT_TRUE(re.ok()) << pattern;
    Lines expected;
    for (const std::string& line : lines) {
      if (RE2::PartialMatch(line, re)) expected.push_back(line);
    }
    ByteDfa dfa;
    if (dfa.build(pattern) && !dfa.prefix().empty()) ++dfa_patterns;  // grep takes the DFA path
    const std::string quoted = "'" + pattern + "'";
    EXPECT_EQ(grep_both("grep " + quoted, lines), expected) << pattern;
  }
  EXPECT_GT(dfa_patterns, 60) << dfa_patterns;  // the test does exercise the DFA
}

}  // namespace
}  // namespace gpipe
