// StageArgs: flags, options, positionals, numbers, sizes and the leftover check.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gpipe/language.hpp"
#include "gpipe/stage.hpp"

namespace gpipe {
namespace {

// Holds the parsed call for the StageArgs that refers to it.
struct Parsed {
  explicit Parsed(std::string_view text) : call(parse_pipeline(text, {}).at(0)), args(call) {}
  StageCall call;
  StageArgs args;
};

// Runs `read` on a StageArgs that must throw; returns the error's message and span.
template <typename Read>
PipelineError error_of(Read read) {
  try {
    read();
  } catch (const PipelineError& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return PipelineError("", {});
}

void expect_error(const PipelineError& e, std::string_view message, std::size_t offset,
                  std::size_t length) {
  EXPECT_EQ(std::string(e.what()), message);
  EXPECT_EQ(e.span().offset, offset);
  EXPECT_EQ(e.span().length, length);
}

TEST(StageArgsFlags, LongAndShortSpellings) {
  Parsed p("grep --invert -i x");
  EXPECT_TRUE(p.args.flag({"-v", "--invert"}));
  EXPECT_TRUE(p.args.flag({"-i", "--ignore-case"}));
  EXPECT_FALSE(p.args.flag({"-F"}));
  EXPECT_EQ(p.args.positional("PATTERN").text, "x");
  p.args.finish();
}

TEST(StageArgsFlags, ClustersExpandWithTheClusterSpan) {
  Parsed p("grep -vi x");
  EXPECT_TRUE(p.args.flag({"-i"}));
  EXPECT_TRUE(p.args.flag({"-v"}));
  EXPECT_EQ(p.args.positional("PATTERN").text, "x");
  p.args.finish();

  Parsed unknown("grep -viZ x");
  unknown.args.flag({"-v"});
  unknown.args.flag({"-i"});
  unknown.args.positional("PATTERN");
  expect_error(error_of([&] { unknown.args.finish(); }), "unknown option '-Z' for 'grep'", 5, 4);
}

TEST(StageArgsFlags, ClusterLettersCanPrecedeAnOptionWithAValue) {
  Parsed p("x -vn 5");
  EXPECT_TRUE(p.args.flag({"-v"}));
  const auto n = p.args.option({"-n"});
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->text, "5");
  p.args.finish();
}

TEST(StageArgsFlags, FlagGivenAValueIsAnError) {
  Parsed p("write --append=yes out.log");
  expect_error(error_of([&] { p.args.flag({"--append"}); }), "option '--append' takes no value", 6,
               12);
}

TEST(StageArgsFlags, RepeatedFlagIsConsumed) {
  Parsed p("grep -v -v x");
  EXPECT_TRUE(p.args.flag({"-v"}));
  p.args.positional("PATTERN");
  p.args.finish();
}

TEST(StageArgsInOrder, FlagsAndPositionalsAsWrittenAfterTheOptionsRead) {
  Parsed p("sort -rn 1 --mem 1MiB -r -2 -- -x");
  ASSERT_TRUE(p.args.option({"--mem"}));
  std::vector<std::string> seen;
  for (const Argument& arg : p.args.rest_in_order()) {
    seen.push_back((arg.kind == Argument::Kind::Option ? "opt:" : "pos:") + arg.text);
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{"opt:-r", "opt:-n", "pos:1", "opt:-r", "pos:-2", "pos:-x"}));
  EXPECT_NO_THROW(p.args.finish());
}

TEST(StageArgsOptions, EqualsForm) {
  Parsed p("csv --sep=; data");
  const auto sep = p.args.option({"--sep"});
  ASSERT_TRUE(sep.has_value());
  EXPECT_EQ(sep->text, ";");
  EXPECT_EQ(sep->span.offset, 10U);  // points at the value
  EXPECT_EQ(sep->span.length, 1U);
  EXPECT_EQ(p.args.positional("PATH").text, "data");
  p.args.finish();
}

TEST(StageArgsOptions, QuotedEqualsFormPointsAtTheWholeOption) {
  Parsed p("csv --sep=' '");
  const auto sep = p.args.option({"--sep"});
  ASSERT_TRUE(sep.has_value());
  EXPECT_EQ(sep->text, " ");
  EXPECT_EQ(sep->span.offset, 4U);
  EXPECT_EQ(sep->span.length, 9U);
}

TEST(StageArgsOptions, SeparateValueOfAnyKind) {
  Parsed p("seq --step -2 10..1 --ofs ',' --sep --x");
  const auto step = p.args.option({"--step"});
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->text, "-2");
  EXPECT_EQ(step->kind, Argument::Kind::Number);
  const auto ofs = p.args.option({"--ofs"});
  ASSERT_TRUE(ofs.has_value());
  EXPECT_EQ(ofs->text, ",");
  EXPECT_EQ(ofs->kind, Argument::Kind::String);
  const auto sep = p.args.option({"--sep"});
  ASSERT_TRUE(sep.has_value());
  EXPECT_EQ(sep->text, "--x");  // the next argument is the value, whatever it looks like
  EXPECT_EQ(p.args.positional("RANGE").text, "10..1");
  p.args.finish();
}

TEST(StageArgsOptions, AbsentOptionAndLastOneWins) {
  Parsed p("to text --ofs=, --ofs ;");
  EXPECT_FALSE(p.args.option({"--sep"}).has_value());
  const auto ofs = p.args.option({"--ofs"});
  ASSERT_TRUE(ofs.has_value());
  EXPECT_EQ(ofs->text, ";");
  EXPECT_EQ(p.args.positional("FORMAT").text, "text");
  p.args.finish();
}

TEST(StageArgsOptions, MissingValue) {
  Parsed p("csv x --sep");
  expect_error(error_of([&] {
                 p.args.option({"-s", "--sep"});
               }),
               "option '--sep' needs a value", 6, 5);
}

// Every stage's --sep reads the same: `tab`, `\t` typed plainly and a tab itself are a tab.
TEST(StageArgsOptions, SeparatorSpellsTabThreeWays) {
  for (const std::string_view text :
       {"field 1 --sep tab", "field 1 --sep=tab", "field 1 --sep \\t", "field 1 --sep '\t'",
        "field 1 --sep '\\t'", "field 1 --sep '\\\\t'", "field 1 --sep \"\t\""}) {
    Parsed p(text);
    const auto sep = p.args.separator_option();
    ASSERT_TRUE(sep.has_value()) << text;
    EXPECT_EQ(sep->text, "\t") << text;
  }
  for (const std::string_view other : {"tabs", "\\\\", "\\\\tt", "t", ",,"}) {
    Parsed p("field 1 --sep '" + std::string(other) + "'");
    const auto sep = p.args.separator_option();
    ASSERT_TRUE(sep.has_value());
    EXPECT_NE(sep->text, "\t") << other;
  }
  Parsed none("field 1");
  EXPECT_FALSE(none.args.separator_option().has_value());
  Parsed empty("field 1 --sep ''");
  expect_error(error_of([&] { empty.args.separator_option(); }), "the separator must not be empty",
               14, 2);
}

TEST(StageArgsPositionals, InOrderSkippingOptions) {
  Parsed p("sqlite -q out.db -5 users");
  EXPECT_TRUE(p.args.has_positional());
  EXPECT_EQ(p.args.positional("PATH").text, "out.db");
  EXPECT_EQ(p.args.positional("N").text, "-5");  // a number is positional, not an option
  const auto table = p.args.optional_positional();
  ASSERT_TRUE(table.has_value());
  EXPECT_EQ(table->text, "users");
  EXPECT_FALSE(p.args.has_positional());
  EXPECT_FALSE(p.args.optional_positional().has_value());
  EXPECT_TRUE(p.args.flag({"-q"}));
  p.args.finish();
}

TEST(StageArgsPositionals, MissingPointsAtTheStageName) {
  Parsed grep("grep -v");
  grep.args.flag({"-v"});
  expect_error(error_of([&] { grep.args.positional("PATTERN"); }), "missing PATTERN", 0, 4);
}

TEST(StageArgsPositionals, Rest) {
  Parsed p("read a.log --follow b.log 'c d.log'");
  EXPECT_TRUE(p.args.flag({"--follow"}));
  const std::vector<Argument> rest = p.args.rest();
  ASSERT_EQ(rest.size(), 3U);
  EXPECT_EQ(rest[0].text, "a.log");
  EXPECT_EQ(rest[1].text, "b.log");
  EXPECT_EQ(rest[2].text, "c d.log");
  EXPECT_TRUE(p.args.rest().empty());
  p.args.finish();
}

TEST(StageArgsPositionals, DoubleDashEndsOptions) {
  Parsed p("grep -i -- -v --x");
  EXPECT_TRUE(p.args.flag({"-i"}));
  EXPECT_FALSE(p.args.flag({"-v"}));
  const Argument& pattern = p.args.positional("PATTERN");
  EXPECT_EQ(pattern.text, "-v");
  EXPECT_EQ(pattern.span.offset, 11U);
  EXPECT_EQ(p.args.positional("X").text, "--x");
  p.args.finish();
}

TEST(StageArgsNumbers, WholeNumbers) {
  Parsed p("head 10 x -3 2.5 99999999999999999999999");
  EXPECT_EQ(p.args.positional_number(p.args.positional("N"), "N"), 10U);
  expect_error(error_of([&] { p.args.positional_number(p.args.positional("N"), "N"); }),
               "expected a whole number for N, got 'x'", 8, 1);
  expect_error(error_of([&] { p.args.positional_number(p.args.positional("N"), "N"); }),
               "expected a whole number for N, got '-3'", 10, 2);
  expect_error(error_of([&] { p.args.positional_number(p.args.positional("N"), "N"); }),
               "expected a whole number for N, got '2.5'", 13, 3);
  expect_error(error_of([&] { p.args.positional_number(p.args.positional("N"), "N"); }),
               "expected a whole number for N, got '99999999999999999999999'", 17, 23);
}

TEST(StageArgsNumbers, Sizes) {
  Parsed p("chunks 64KiB 1MiB 100 lots");
  EXPECT_EQ(p.args.size_argument(p.args.positional("SIZE")), 64U * 1024U);
  EXPECT_EQ(p.args.size_argument(p.args.positional("SIZE")), 1024U * 1024U);
  EXPECT_EQ(p.args.size_argument(p.args.positional("SIZE")), 100U);
  expect_error(error_of([&] { p.args.size_argument(p.args.positional("SIZE")); }),
               "expected a size such as 64KiB, got 'lots'", 22, 4);
}

TEST(StageArgsFinish, UnknownOptionAndUnexpectedArgument) {
  Parsed option("grep -x foo");
  option.args.positional("PATTERN");
  expect_error(error_of([&] { option.args.finish(); }), "unknown option '-x' for 'grep'", 5, 2);

  Parsed extra("head 5 6");
  extra.args.positional("N");
  expect_error(error_of([&] { extra.args.finish(); }), "unexpected argument '6' for 'head'", 7, 1);

  Parsed first("head --fast 5 6");  // the first leftover is reported
  first.args.positional("N");
  expect_error(error_of([&] { first.args.finish(); }), "unknown option '--fast' for 'head'", 5, 6);

  Parsed quoted("json 'x y'");
  expect_error(error_of([&] { quoted.args.finish(); }), "unexpected argument 'x y' for 'json'", 5,
               5);
}

TEST(StageArgsFail, PointsAtArgumentOrStageName) {
  Parsed p("write  out.log");
  const Argument& path = p.args.positional("PATH");
  expect_error(error_of([&] { p.args.fail(path, "cannot write here"); }), "cannot write here", 7,
               7);
  expect_error(error_of([&] { p.args.fail("no sink today"); }), "no sink today", 0, 5);
  EXPECT_EQ(&p.args.call(), &p.call);
}

TEST(StageArgsPositionals, OneOrMoreTakesEveryPositionalButNeedsOne) {
  Parsed p("field 2 --sep , user.name");
  p.args.separator_option();
  const std::vector<Argument> fields = p.args.one_or_more("field");
  ASSERT_EQ(fields.size(), 2U);
  EXPECT_EQ(fields[0].text, "2");
  EXPECT_EQ(fields[1].text, "user.name");
  p.args.finish();

  Parsed none("drop --x 1");
  none.args.option({"--x"});
  expect_error(error_of([&] { none.args.one_or_more("field"); }), "missing field", 0, 4);
}

TEST(StageArgsFields, NeededFieldsAreParsedAndAskedOfTheParsers) {
  Parsed p("field user.name 0 _line");
  FieldDemand demand;
  const std::vector<FieldRef> refs = p.args.needed_fields(p.args.rest(), demand);
  ASSERT_EQ(refs.size(), 3U);
  EXPECT_EQ(refs[0].kind(), FieldRef::Kind::Name);
  EXPECT_EQ(refs[0].name(), "user.name");
  EXPECT_EQ(refs[1].kind(), FieldRef::Kind::Position);
  EXPECT_EQ(refs[2].kind(), FieldRef::Kind::Line);
  EXPECT_EQ(demand.names, (std::vector<std::string>{"user.name"}));
  EXPECT_TRUE(demand.all);  // a position needs every field

  Parsed names("uniq a b");
  FieldDemand only_names;
  names.args.needed_field(names.args.positional("F"), only_names);
  EXPECT_EQ(only_names.names, (std::vector<std::string>{"a"}));
  EXPECT_FALSE(only_names.all);
}

TEST(StageArgsFields, MalformedFieldPointsAtItsArgument) {
  Parsed p("field a -0");
  FieldDemand demand;
  const std::vector<Argument> rest = p.args.rest();
  expect_error(error_of([&] { p.args.needed_fields(rest, demand); }),
               "-0 is not a position: 0 is the first field, -1 the last", 8, 2);
  // A part of an argument (rename's OLD) is read, the error still points at the argument.
  Parsed rename("rename .=x");
  const Argument& arg = rename.args.positional("OLD=NEW");
  expect_error(error_of([&] { rename.args.field_ref(arg, "."); }), "empty field name", 7, 3);
}

}  // namespace
}  // namespace gpipe
