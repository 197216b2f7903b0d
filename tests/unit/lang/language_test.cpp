// The pipeline language: tokens, quoting, comments, substitution, spans and error carets.
#include "gpipe/language.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace gpipe {
namespace {

using Kind = Argument::Kind;

std::vector<StageCall> parse(std::string_view text, const Variables& vars = {}) {
  return parse_pipeline(text, vars);
}

// Parses text that must fail; returns the error.
PipelineError parse_error(std::string_view text, const Variables& vars = {}) {
  try {
    parse_pipeline(text, vars);
  } catch (const PipelineError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << text;
  return PipelineError("", {});
}

// The formatted error of text that must fail to parse, as shown on the terminal.
std::string formatted_error(const std::string& text) {
  return format_pipeline_error(parse_error(text), PipelineSource{text, ""});
}

void expect_arg(const Argument& arg, Kind kind, std::string_view text, std::size_t offset,
                std::size_t length) {
  EXPECT_EQ(arg.kind, kind) << arg.text;
  EXPECT_EQ(arg.text, text);
  EXPECT_EQ(arg.span.offset, offset) << arg.text;
  EXPECT_EQ(arg.span.length, length) << arg.text;
}

TEST(LanguageParse, StagesNamesAndSpans) {
  const auto stages = parse("read app.log | grep ERROR|field 0");
  ASSERT_EQ(stages.size(), 3U);
  EXPECT_EQ(stages[0].name, "read");
  EXPECT_EQ(stages[0].name_span.offset, 0U);
  EXPECT_EQ(stages[0].name_span.length, 4U);
  EXPECT_EQ(stages[0].span.offset, 0U);
  EXPECT_EQ(stages[0].span.length, 12U);
  expect_arg(stages[0].args.at(0), Kind::Word, "app.log", 5, 7);
  EXPECT_EQ(stages[1].name, "grep");
  EXPECT_EQ(stages[1].name_span.offset, 15U);
  EXPECT_EQ(stages[1].span.offset, 15U);
  EXPECT_EQ(stages[1].span.length, 10U);  // "grep ERROR", the '|' right after is not in it
  expect_arg(stages[1].args.at(0), Kind::Word, "ERROR", 20, 5);
  EXPECT_EQ(stages[2].name, "field");
  EXPECT_EQ(stages[2].span.offset, 26U);
  EXPECT_EQ(stages[2].span.length, 7U);
  expect_arg(stages[2].args.at(0), Kind::Number, "0", 32, 1);
}

TEST(LanguageParse, StageWithoutArguments) {
  const auto stages = parse("  json  ");
  ASSERT_EQ(stages.size(), 1U);
  EXPECT_EQ(stages[0].name, "json");
  EXPECT_TRUE(stages[0].args.empty());
  EXPECT_EQ(stages[0].span.offset, 2U);
  EXPECT_EQ(stages[0].span.length, 4U);
}

TEST(LanguageParse, NumbersAndOptions) {
  const auto args =
      parse("s 10 -5 3.5 -2.25 1e3 -v --invert --sep=, -x1 5.. -5..5 - --").at(0).args;
  ASSERT_EQ(args.size(), 13U);
  expect_arg(args[0], Kind::Number, "10", 2, 2);
  expect_arg(args[1], Kind::Number, "-5", 5, 2);
  expect_arg(args[2], Kind::Number, "3.5", 8, 3);
  expect_arg(args[3], Kind::Number, "-2.25", 12, 5);
  expect_arg(args[4], Kind::Number, "1e3", 18, 3);
  expect_arg(args[5], Kind::Option, "-v", 22, 2);
  expect_arg(args[6], Kind::Option, "--invert", 25, 8);
  expect_arg(args[7], Kind::Option, "--sep=,", 34, 7);
  expect_arg(args[8], Kind::Option, "-x1", 42, 3);
  expect_arg(args[9], Kind::Word, "5..", 46, 3);     // a range, not a number
  expect_arg(args[10], Kind::Word, "-5..5", 50, 5);  // '-' then a digit: never an option
  expect_arg(args[11], Kind::Word, "-", 56, 1);      // standard input for `read`
  expect_arg(args[12], Kind::Option, "--", 58, 2);
}

TEST(LanguageParse, QuotedStrings) {
  const auto args = parse(R"(s "a b" 'c d' "" '-v' "10")").at(0).args;
  ASSERT_EQ(args.size(), 5U);
  expect_arg(args[0], Kind::String, "a b", 2, 5);
  expect_arg(args[1], Kind::String, "c d", 8, 5);
  expect_arg(args[2], Kind::String, "", 14, 2);
  expect_arg(args[3], Kind::String, "-v", 17, 4);  // quoted: data, not an option
  expect_arg(args[4], Kind::String, "10", 22, 4);
}

TEST(LanguageParse, EscapesInBothQuoteKinds) {
  const auto args = parse(R"(s "q\"b\\s\nn\tt" 'it\'s \\ \n' "\d+\." 'x|y#z')").at(0).args;
  ASSERT_EQ(args.size(), 4U);
  EXPECT_EQ(args[0].text, "q\"b\\s\nn\tt");
  EXPECT_EQ(args[1].text, "it's \\ \n");
  EXPECT_EQ(args[2].text, "\\d+\\.");  // unknown escapes keep their backslash (regexes)
  EXPECT_EQ(args[3].text, "x|y#z");    // '|' and '#' are plain inside quotes
  EXPECT_EQ(args[0].span.length, 15U);
}

TEST(LanguageParse, AdjacentPiecesFormOneToken) {
  const auto args = parse(R"(csv --sep=' ' ab"c d"e)").at(0).args;
  ASSERT_EQ(args.size(), 2U);
  expect_arg(args[0], Kind::Option, "--sep= ", 4, 9);
  expect_arg(args[1], Kind::String, "abc de", 14, 8);
}

TEST(LanguageParse, BackslashOutsideQuotesProtectsNextCharacter) {
  const auto stages = parse(R"(grep a\|b\(c \#d | head)");
  ASSERT_EQ(stages.size(), 2U);
  ASSERT_EQ(stages[0].args.size(), 2U);
  EXPECT_EQ(stages[0].args[0].text, R"(a\|b\(c)");
  EXPECT_EQ(stages[0].args[1].text, R"(\#d)");
}

TEST(LanguageParse, CommentsAndNewlines) {
  const auto stages = parse(
      "# nightly job\n"
      "read\tapp.log   # the input\n"
      "| grep a#b\n"
      "  # a whole comment line | not a stage\n"
      "| head 5 #");
  ASSERT_EQ(stages.size(), 3U);
  ASSERT_EQ(stages[0].args.size(), 1U);
  EXPECT_EQ(stages[0].args[0].text, "app.log");
  ASSERT_EQ(stages[1].args.size(), 1U);
  EXPECT_EQ(stages[1].args[0].text, "a#b");  // '#' only starts a comment at a token's start
  EXPECT_EQ(stages[2].name, "head");
  ASSERT_EQ(stages[2].args.size(), 1U);
  EXPECT_EQ(stages[2].args[0].text, "5");
}

TEST(LanguageParse, ParenthesesKeepBarsInsideTheStage) {
  const auto stages = parse("where (a > 1 | b) | grep (x|y) | head");
  ASSERT_EQ(stages.size(), 3U);
  EXPECT_EQ(stages[0].name, "where");
  ASSERT_EQ(stages[0].args.size(), 5U);
  expect_arg(stages[0].args[0], Kind::Word, "(a", 6, 2);
  EXPECT_EQ(stages[0].args[3].text, "|");
  EXPECT_EQ(stages[0].args[4].text, "b)");
  EXPECT_EQ(stages[0].span.length, 17U);
  ASSERT_EQ(stages[1].args.size(), 1U);
  EXPECT_EQ(stages[1].args[0].text, "(x|y)");
  EXPECT_EQ(stages[2].name, "head");
}

TEST(LanguageParse, StrayClosingParenthesisIsJustACharacter) {
  const auto stages = parse("grep a) | head");
  ASSERT_EQ(stages.size(), 2U);
  EXPECT_EQ(stages[0].args.at(0).text, "a)");
}

TEST(LanguageSubstitution, FromVariablesEverywhere) {
  const Variables vars{{"day", "2026-11-21"}, {"pat", "a | b"}, {"n", "10"}};
  const auto stages = parse("read logs/${day}.log | grep \"${pat}\" ${pat} | head ${n}", vars);
  ASSERT_EQ(stages.size(), 3U);  // the '|' in the value never splits a stage
  expect_arg(stages[0].args.at(0), Kind::Word, "logs/2026-11-21.log", 5, 15);
  ASSERT_EQ(stages[1].args.size(), 2U);  // nor a word
  expect_arg(stages[1].args[0], Kind::String, "a | b", 28, 8);
  expect_arg(stages[1].args[1], Kind::Word, "a | b", 37, 6);
  expect_arg(stages[2].args.at(0), Kind::Number, "10", 51, 4);
}

TEST(LanguageSubstitution, VariablesBeatTheEnvironment) {
  ::setenv("GPIPE_LANG_TEST_VAR", "from-env", 1);
  EXPECT_EQ(parse("grep ${GPIPE_LANG_TEST_VAR}").at(0).args.at(0).text, "from-env");
  EXPECT_EQ(parse("grep ${GPIPE_LANG_TEST_VAR}", {{"GPIPE_LANG_TEST_VAR", "from-set"}})
                .at(0)
                .args.at(0)
                .text,
            "from-set");
  ::unsetenv("GPIPE_LANG_TEST_VAR");
}

TEST(LanguageSubstitution, SubstitutedDashIsNotAnOption) {
  const auto args = parse("grep ${p} -${f}", {{"p", "-v"}, {"f", "i"}}).at(0).args;
  ASSERT_EQ(args.size(), 2U);
  expect_arg(args[0], Kind::Word, "-v", 5, 4);
  expect_arg(args[1], Kind::Option, "-i", 10, 5);  // the user typed this '-'
}

TEST(LanguageSubstitution, DoubleDollarIsALiteral) {
  const auto args = parse("grep $${x} 'a$${y}' $5 a$", {}).at(0).args;
  ASSERT_EQ(args.size(), 4U);
  EXPECT_EQ(args[0].text, "${x}");
  EXPECT_EQ(args[1].text, "a${y}");
  EXPECT_EQ(args[2].text, "$5");
  EXPECT_EQ(args[3].text, "a$");
}

TEST(LanguageSubstitution, UnsetVariableIsAnError) {
  ::unsetenv("GPIPE_LANG_TEST_UNSET");
  const PipelineError e = parse_error("read x | grep 'a${GPIPE_LANG_TEST_UNSET}b'");
  EXPECT_STREQ(e.what(),
               "unset variable 'GPIPE_LANG_TEST_UNSET' (give it with --set "
               "GPIPE_LANG_TEST_UNSET=VALUE)");
  EXPECT_EQ(e.span().offset, 16U);
  EXPECT_EQ(e.span().length, 24U);
  EXPECT_EQ(formatted_error("grep ${nope} x"),
            "unset variable 'nope' (give it with --set nope=VALUE)\n"
            "  grep ${nope} x\n"
            "       ^~~~~~~");
}

TEST(LanguageSubstitution, UnterminatedVariable) {
  EXPECT_EQ(formatted_error("grep ${day x"),
            "unterminated '${' (write $${ for a literal ${)\n"
            "  grep ${day x\n"
            "       ^~");
}

TEST(LanguageErrors, EmptyStages) {
  EXPECT_EQ(formatted_error("read x | | grep a"),
            "empty stage\n"
            "  read x | | grep a\n"
            "           ^");
  EXPECT_EQ(formatted_error("read x |"),
            "empty stage\n"
            "  read x |\n"
            "         ^");
  EXPECT_EQ(formatted_error(" | grep a"),
            "empty stage\n"
            "   | grep a\n"
            "   ^");
  EXPECT_EQ(formatted_error("read x | # nothing\n"),
            "empty stage\n"
            "  read x | # nothing\n"
            "         ^");
}

TEST(LanguageErrors, EmptyPipeline) {
  EXPECT_STREQ(parse_error("").what(), "empty pipeline");
  EXPECT_STREQ(parse_error("  # only a comment\n\n").what(), "empty pipeline");
  EXPECT_EQ(parse_error("  ").span().offset, 0U);
}

TEST(LanguageErrors, UnterminatedString) {
  EXPECT_EQ(formatted_error("read x | grep \"abc | head"),
            "unterminated string\n"
            "  read x | grep \"abc | head\n"
            "                ^");
  EXPECT_EQ(parse_error("grep 'it\\'s").span().offset, 5U);
}

TEST(LanguageErrors, UnclosedParenthesis) {
  EXPECT_EQ(formatted_error("where ((a > 1) | head"),
            "unclosed '('\n"
            "  where ((a > 1) | head\n"
            "        ^");
}

TEST(LanguageErrors, StageNameMustBeAWord) {
  EXPECT_EQ(formatted_error("read x | 'grep' a"),
            "expected a stage name, got a quoted string\n"
            "  read x | 'grep' a\n"
            "           ^~~~~~");
  EXPECT_EQ(formatted_error("re.ad x"),
            "expected a stage name, got 're.ad'\n"
            "  re.ad x\n"
            "  ^~~~~");
  const auto stages = parse("my_stage-2 x");
  EXPECT_EQ(stages.at(0).name, "my_stage-2");
}

TEST(LanguageFormat, CaretUnderTheSpan) {
  const PipelineError e("unknown stage 'gerp' (did you mean 'grep'?)", {15, 4});
  EXPECT_EQ(format_pipeline_error(e, {"read app.log | gerp ERROR", ""}),
            "unknown stage 'gerp' (did you mean 'grep'?)\n"
            "  read app.log | gerp ERROR\n"
            "                 ^~~~");
}

TEST(LanguageFormat, SpanIsClampedToTheLineEnd) {
  const PipelineError e("bad", {5, 100});
  EXPECT_EQ(format_pipeline_error(e, {"grep abc\n| head", ""}),
            "bad\n"
            "  grep abc\n"
            "       ^~~");
  const PipelineError at_end("bad", {8, 3});
  EXPECT_EQ(format_pipeline_error(at_end, {"grep abc", ""}),
            "bad\n"
            "  grep abc\n"
            "          ^");
}

TEST(LanguageFormat, FileLocationAndOnlyTheOffendingLine) {
  const std::string text = "read app.log\r\n| grep x\n\t| gerp ERROR\n| head\n";
  const PipelineError e("unknown stage 'gerp'", {text.find("gerp"), 4});
  EXPECT_EQ(format_pipeline_error(e, {text, "jobs/nightly.gp"}),
            "unknown stage 'gerp'\n"
            "  --> jobs/nightly.gp:3:4\n"
            "   | gerp ERROR\n"  // the tab shows as one space
            "     ^~~~");
  const PipelineError first_line("x", {5, 7});
  EXPECT_EQ(format_pipeline_error(first_line, {text, "a.gp"}),
            "x\n"
            "  --> a.gp:1:6\n"
            "  read app.log\n"  // the '\r' of a CRLF file is not shown
            "       ^~~~~~~");
}

TEST(LanguageFormat, MultiLinePipelineFromTheCommandLine) {
  const std::string text = "read x\n| gerp y";
  EXPECT_EQ(format_pipeline_error(PipelineError("m", {9, 4}), {text, ""}),
            "m\n"
            "  | gerp y\n"
            "    ^~~~");
}

TEST(LanguageFormat, ColumnsCountCodePoints) {
  const std::string text = "grep 'héllo wörld' | gerp x";
  const PipelineError e("m", {text.find("gerp"), 4});
  EXPECT_EQ(format_pipeline_error(e, {text, ""}),
            "m\n"
            "  grep 'héllo wörld' | gerp x\n"
            "                       ^~~~");
  const PipelineError on_string("m", {5, 15});  // 'héllo wörld' is 15 bytes, 13 characters
  EXPECT_EQ(format_pipeline_error(on_string, {text, "f.gp"}),
            "m\n"
            "  --> f.gp:1:6\n"
            "  grep 'héllo wörld' | gerp x\n"
            "       ^~~~~~~~~~~~~");
}

TEST(LanguageFormat, SpansOfParsedTokensPointAtWhatWasTyped) {
  const std::string text = "read ${f} | grep \"a\\tb\" -Z";
  const auto stages = parse(text, {{"f", "some/long/path.log"}});
  const Argument& option = stages.at(1).args.at(1);
  EXPECT_EQ(format_pipeline_error(PipelineError("unknown option", option.span), {text, ""}),
            "unknown option\n"
            "  read ${f} | grep \"a\\tb\" -Z\n"
            "                          ^~");
}

TEST(LanguageEditDistance, Levenshtein) {
  EXPECT_EQ(edit_distance("", ""), 0U);
  EXPECT_EQ(edit_distance("grep", "grep"), 0U);
  EXPECT_EQ(edit_distance("gerp", "grep"), 2U);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3U);
  EXPECT_EQ(edit_distance("", "head"), 4U);
  EXPECT_EQ(edit_distance("tail", ""), 4U);
  EXPECT_EQ(edit_distance("Grep", "grep"), 1U);  // case-sensitive
  EXPECT_EQ(edit_distance("sed", "seq"), 1U);
}

}  // namespace
}  // namespace gpipe
