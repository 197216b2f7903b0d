// ErrorPolicy's --max-error-rate (SPEC 6): parsing the rate, and when a run has too many bad
// records, with the exact message.
#include <gtest/gtest.h>

#include <string>

#include "gpipe/context.hpp"
#include "gpipe/errors.hpp"

namespace gpipe {
namespace {

TEST(ErrorPolicyRate, ParsesFractionsAndPercentages) {
  double rate = -1;
  EXPECT_TRUE(parse_rate("0.1", rate));
  EXPECT_DOUBLE_EQ(rate, 0.1);
  EXPECT_TRUE(parse_rate("5%", rate));
  EXPECT_DOUBLE_EQ(rate, 0.05);
  EXPECT_TRUE(parse_rate("0", rate));
  EXPECT_DOUBLE_EQ(rate, 0);
  EXPECT_TRUE(parse_rate("1", rate));
  EXPECT_DOUBLE_EQ(rate, 1);
  EXPECT_TRUE(parse_rate("100%", rate));
  EXPECT_DOUBLE_EQ(rate, 1);
  EXPECT_TRUE(parse_rate("0.5%", rate));
  EXPECT_DOUBLE_EQ(rate, 0.005);
}

TEST(ErrorPolicyRate, RejectsWhatIsNotARateFromZeroToOne) {
  double rate = 0.25;
  for (const char* bad :
       {"", "%", "1.5", "101%", "-0.1", "abc", "0.1x", "5 %", "nan", "inf", " 0.1", "0.1%%"}) {
    EXPECT_FALSE(parse_rate(bad, rate)) << bad;
  }
  EXPECT_DOUBLE_EQ(rate, 0.25);  // untouched on failure
}

ErrorPolicy& with_bad(ErrorPolicy& policy, int bad) {
  for (int i = 0; i < bad; ++i) policy.report(BadRecord{nullptr, 1, 0, "too long", "x"});
  return policy;
}

TEST(ErrorPolicyRate, MessageSaysHowManyOfHowManyAndTheLimit) {
  ErrorPolicy policy(ErrorPolicy::Mode::Skip, "");
  policy.set_max_rate(0.01);
  with_bad(policy, 12);
  policy.count_good(988);
  EXPECT_EQ(policy.rate_exceeded(0),
            "12 of 1000 records were bad (1.2%), more than --max-error-rate 1%");
}

TEST(ErrorPolicyRate, ExactlyTheRateIsNotMoreThanIt) {
  ErrorPolicy policy(ErrorPolicy::Mode::Skip, "");
  policy.set_max_rate(0.1);
  with_bad(policy, 1);
  policy.count_good(9);
  EXPECT_EQ(policy.rate_exceeded(0), "");
  with_bad(policy, 1);
  EXPECT_EQ(policy.rate_exceeded(0),
            "2 of 11 records were bad (18.2%), more than --max-error-rate 10%");
}

TEST(ErrorPolicyRate, NoLimitOrNoBadRecordIsNeverExceeded) {
  ErrorPolicy unlimited(ErrorPolicy::Mode::Skip, "");
  with_bad(unlimited, 5);
  EXPECT_FALSE(unlimited.max_rate().has_value());
  EXPECT_EQ(unlimited.rate_exceeded(0), "");

  ErrorPolicy clean(ErrorPolicy::Mode::Skip, "");
  clean.set_max_rate(0);
  EXPECT_EQ(clean.rate_exceeded(0), "");  // no records at all: 0 of 0 is not a rate
  clean.count_good(3);
  EXPECT_EQ(clean.rate_exceeded(3), "");
}

TEST(ErrorPolicyRate, ZeroRateFailsOnAnyBadRecord) {
  ErrorPolicy policy(ErrorPolicy::Mode::Skip, "");
  policy.set_max_rate(0);
  policy.count_good(999);
  with_bad(policy, 1);
  EXPECT_EQ(policy.rate_exceeded(0),
            "1 of 1000 records were bad (0.1%), more than --max-error-rate 0%");
}

// Without a parser nothing calls count_good: the records that reached the output are the good
// ones. When a parser counted more than came out (a filter dropped some), its count is used.
TEST(ErrorPolicyRate, GoodRecordsAreTheParsedOnesOrThoseWrittenWhicheverIsMore) {
  ErrorPolicy no_parser(ErrorPolicy::Mode::Skip, "");
  no_parser.set_max_rate(0.2);
  with_bad(no_parser, 3);
  EXPECT_EQ(no_parser.rate_exceeded(12), "");  // 3 of 15 = 20%
  EXPECT_EQ(no_parser.rate_exceeded(11),
            "3 of 14 records were bad (21.4%), more than --max-error-rate 20%");

  ErrorPolicy parsed(ErrorPolicy::Mode::Skip, "");
  parsed.set_max_rate(0.2);
  with_bad(parsed, 3);
  parsed.count_good(12);
  EXPECT_EQ(parsed.rate_exceeded(1), "");  // 3 of 15, though only 1 record came out
}

TEST(ErrorPolicyRate, AllBadIsOneHundredPercent) {
  ErrorPolicy policy(ErrorPolicy::Mode::Skip, "");
  policy.set_max_rate(0.5);
  with_bad(policy, 4);
  EXPECT_EQ(policy.rate_exceeded(0),
            "4 of 4 records were bad (100%), more than --max-error-rate 50%");
}

}  // namespace
}  // namespace gpipe
