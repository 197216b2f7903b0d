#include "stages/aggregates/number_summary.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>
#include <string>
#include <vector>

namespace gpipe::stages {
namespace {

ReadNumber number(std::string_view text) {
  const std::optional<ReadNumber> read = read_number(text);
  EXPECT_TRUE(read.has_value()) << text;
  return read.value_or(ReadNumber{});
}

std::string text_of(const Value& value) {
  return std::string(value.text);
}

NumberSummary summary_of(const std::vector<std::string>& values) {
  NumberSummary summary;
  for (const std::string& value : values) summary.add(number(value));
  return summary;
}

TEST(ReadNumberTest, DecimalsAreExact) {
  ReadNumber n = number(" -12.500 ");
  EXPECT_TRUE(n.decimal);
  EXPECT_EQ(n.scale, 1);  // trailing zeros of the fraction are not kept
  EXPECT_EQ(static_cast<long long>(n.mantissa), -125);
  EXPECT_DOUBLE_EQ(n.value, -12.5);
  EXPECT_EQ(decimal_text(number("0.05").mantissa, number("0.05").scale), "0.05");
  EXPECT_EQ(decimal_text(number("007").mantissa, 0), "7");
  EXPECT_TRUE(number("1860000000000000001").decimal);
  EXPECT_EQ(number("1860000000000000001").mantissa, Int128{1860000000000000001LL});
}

TEST(ReadNumberTest, OthersAreDoublesOrNothing) {
  EXPECT_FALSE(number("1e3").decimal);
  EXPECT_DOUBLE_EQ(number("1e3").value, 1000);
  EXPECT_FALSE(number("0.1234567890123456789").decimal);  // 19 digits after the point
  EXPECT_FALSE(read_number("abc").has_value());
  EXPECT_FALSE(read_number("12abc").has_value());
  EXPECT_FALSE(read_number("").has_value());
  EXPECT_FALSE(read_number(".").has_value());
  EXPECT_FALSE(read_number("0x10").has_value());
}

TEST(ReadNumberTest, FieldValues) {
  bool bad = false;
  EXPECT_FALSE(number_of(Value::null(), bad).has_value());
  EXPECT_FALSE(bad);
  EXPECT_FALSE(number_of(Value::string(""), bad).has_value());
  EXPECT_FALSE(bad);
  EXPECT_FALSE(number_of(Value::string("n/a"), bad).has_value());
  EXPECT_TRUE(bad);
  EXPECT_FALSE(number_of({Value::Kind::Bool, "true"}, bad).has_value());
  EXPECT_TRUE(bad);
  EXPECT_TRUE(number_of({Value::Kind::Number, "3"}, bad).has_value());
  EXPECT_FALSE(bad);
}

TEST(NumberSummaryTest, SumsOfIdsStayIntegers) {
  Arena arena;
  const NumberSummary s = summary_of({"1860000000000000000", "1860000000000000001"});
  EXPECT_EQ(text_of(s.sum(arena)), "3720000000000000001");
  EXPECT_EQ(text_of(s.min(arena)), "1860000000000000000");
  EXPECT_EQ(text_of(s.max(arena)), "1860000000000000001");
}

TEST(NumberSummaryTest, DecimalSumsAreExact) {
  Arena arena;
  const NumberSummary s = summary_of({"0.1", "0.2", "-0.05"});
  EXPECT_EQ(text_of(s.sum(arena)), "0.25");
  EXPECT_EQ(text_of(s.mean(arena)), "0.08333333333333333");
  EXPECT_EQ(text_of(s.min(arena)), "-0.05");
  EXPECT_EQ(text_of(summary_of({"1.5", "2.5"}).sum(arena)), "4");
  EXPECT_EQ(text_of(NumberSummary().sum(arena)), "0");
  EXPECT_TRUE(NumberSummary().mean(arena).is_null());
  EXPECT_TRUE(summary_of({"5"}).stddev(arena).is_null());
}

TEST(NumberSummaryTest, StatsMatchPythonStatistics) {
  Arena arena;
  // statistics.mean / statistics.stdev of [2, 4, 4, 4, 5, 5, 7, 9]: 5 and 2.138089935299395
  const NumberSummary s = summary_of({"2", "4", "4", "4", "5", "5", "7", "9"});
  EXPECT_EQ(text_of(s.count_value(arena)), "8");
  EXPECT_EQ(text_of(s.mean(arena)), "5");
  EXPECT_EQ(text_of(s.stddev(arena)), "2.138089935299395");
}

TEST(NumberSummaryTest, NoCancellationAroundALargeMean) {
  Arena arena;
  // Values 1e9 + {0, 1, 2}: the naive float formula loses all digits of the variance.
  const NumberSummary s = summary_of({"1000000000.5", "1000000001.5", "1000000002.5"});
  EXPECT_EQ(text_of(s.stddev(arena)), "1");
  EXPECT_EQ(text_of(s.mean(arena)), "1000000001.5");
}

// Merging any split gives the same bytes as one pass, for decimals.
TEST(NumberSummaryTest, AnySplitMergesToOnePass) {
  std::mt19937_64 random(7);
  std::vector<std::string> values;
  std::uniform_int_distribution<long long> digits(-10000000, 10000000);
  for (int i = 0; i < 5000; ++i) {
    values.push_back(std::to_string(digits(random)) + "." + std::to_string(i % 1000));
  }
  const NumberSummary whole = summary_of(values);
  std::string whole_json;
  whole.write_json(whole_json);
  for (std::size_t parts : {2u, 4u, 16u, 333u}) {
    std::vector<NumberSummary> pieces(parts);
    for (std::size_t i = 0; i < values.size(); ++i) pieces[(i * 7) % parts].add(number(values[i]));
    NumberSummary merged;
    for (std::size_t i = parts; i-- > 0;) merged.merge(pieces[i]);
    std::string merged_json;
    merged.write_json(merged_json);
    EXPECT_EQ(merged_json, whole_json) << parts << " parts";
    Arena arena;
    EXPECT_EQ(text_of(merged.stddev(arena)), text_of(whole.stddev(arena)));
    EXPECT_EQ(text_of(merged.mean(arena)), text_of(whole.mean(arena)));
  }
}

// Exponents move a group to doubles: still within rounding of one pass after a merge.
TEST(NumberSummaryTest, DoublesMergeWithinRounding) {
  std::mt19937_64 random(11);
  std::normal_distribution<double> normal(1e6, 3.0);
  std::vector<double> values;
  for (int i = 0; i < 20000; ++i) values.push_back(normal(random));
  NumberSummary whole;
  NumberSummary halves[2];
  double exact_sum = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    char text[64];
    std::snprintf(text, sizeof text, "%.17e", values[i]);
    whole.add(number(text));
    halves[i % 2].add(number(text));
    exact_sum += values[i];
  }
  halves[0].merge(halves[1]);
  Arena arena;
  const double one_pass = std::stod(text_of(whole.stddev(arena)));
  const double merged = std::stod(text_of(halves[0].stddev(arena)));
  EXPECT_NEAR(one_pass, 3.0, 0.1);
  EXPECT_NEAR(merged / one_pass, 1.0, 1e-9);
  EXPECT_NEAR(std::stod(text_of(halves[0].sum(arena))) / exact_sum, 1.0, 1e-12);
}

TEST(NumberSummaryTest, OverflowMovesToDoubles) {
  Arena arena;
  const std::string big = "99999999999999999999999999999999999";  // 35 digits
  NumberSummary s;
  for (int i = 0; i < 5000; ++i) s.add(number(big));
  EXPECT_NEAR(std::stod(text_of(s.sum(arena))), 5e38, 1e24);
  EXPECT_EQ(text_of(s.max(arena)), big);
}

TEST(NumberSummaryTest, SumsPastTheDoublesRangeAreInfinite) {
  // Not NaN: the compensation of an infinite total is not added to it. The mean is still the
  // values' mean where it is within range.
  Arena arena;
  const NumberSummary up = summary_of({"1e308", "1e308"});
  EXPECT_EQ(text_of(up.sum(arena)), "inf");
  EXPECT_EQ(text_of(up.mean(arena)), "1e+308");
  EXPECT_EQ(text_of(summary_of({"1e308", "1e308", "-1e308"}).sum(arena)), "inf");
  EXPECT_EQ(text_of(summary_of({"-1e308", "-1e308"}).sum(arena)), "-inf");
}

TEST(NumberSummaryTest, JsonRoundTrip) {
  simdjson::dom::parser parser;
  for (const NumberSummary& s :
       {summary_of({}), summary_of({"1", "2.25", "-3"}), summary_of({"1e300", "2", "3.5"})}) {
    std::string json;
    s.write_json(json);
    const NumberSummary back = NumberSummary::read_json(parser.parse(json));
    std::string again;
    back.write_json(again);
    EXPECT_EQ(again, json);
  }
  EXPECT_THROW(NumberSummary::read_json(parser.parse(std::string(R"({"n":1})"))),
               std::invalid_argument);
  EXPECT_THROW(
      NumberSummary::read_json(parser.parse(std::string(R"({"n":1,"scale":0,"sum":"x1",)"
                                                        R"("squares":"1","min":"1","max":"1"})"))),
      std::invalid_argument);
  EXPECT_THROW(NumberSummary::read_json(parser.parse(std::string("[1]"))), std::invalid_argument);
}

}  // namespace
}  // namespace gpipe::stages
