// ErrorPolicy's --max-error-rate (SPEC 6): parsing the rate, and when a run has too many bad
// records, with the exact message. Bad records held on a thread (-j) and reported later: the
// same messages, counts and dead-letter lines as when reported at once.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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

// Reports `bad` through `policy` on a thread that holds its reports in `held`; true when the
// report stopped the thread (fail).
bool report_held(ErrorPolicy& policy, HeldBadRecords& held, const BadRecord& bad) {
  bool stopped = false;
  std::thread([&] {
    ErrorPolicy::hold_on_this_thread(&held);
    try {
      policy.report(bad);
    } catch (const HeldBadRecordStop&) {
      stopped = true;
    }
    ErrorPolicy::hold_on_this_thread(nullptr);
  }).join();
  return stopped;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(HeldBadRecords, SkipKeepsTheFirstMessagesShiftedAndCountsTheRest) {
  ErrorPolicy policy(ErrorPolicy::Mode::Skip, "");
  HeldBadRecords held;
  auto origin = std::make_unique<Origin>(Origin{"a.jsonl"});
  for (std::uint64_t line = 1; line <= 9; ++line) {
    EXPECT_FALSE(report_held(policy, held, BadRecord{origin.get(), line, 3, "invalid JSON", "x"}));
  }
  origin.reset();  // held records keep a copy of the origin
  EXPECT_EQ(policy.count(), 0U);
  EXPECT_EQ(held.held(), ErrorPolicy::kKeptMessages);
  held.report_to(policy, 100);
  EXPECT_EQ(policy.count(), 9U);
  ASSERT_EQ(policy.first_messages().size(), ErrorPolicy::kKeptMessages);
  EXPECT_EQ(policy.first_messages()[0], "a.jsonl:101:3: invalid JSON");
  EXPECT_EQ(policy.first_messages()[4], "a.jsonl:105:3: invalid JSON");
}

// -j reports a chunk's bad records batch by batch: each part once, in order, counts included.
TEST(HeldBadRecords, ReportedInPartsUpToMarks) {
  ErrorPolicy policy(ErrorPolicy::Mode::Skip, "");
  HeldBadRecords held;
  const Origin origin{"c.csv"};
  std::vector<HeldBadRecords::Mark> marks;
  for (std::uint64_t line = 1; line <= 9; ++line) {
    EXPECT_FALSE(report_held(policy, held, BadRecord{&origin, line, 0, "row has 1 fields", "x"}));
    if (line == 3 || line == 7) marks.push_back(held.mark());
  }
  HeldBadRecords::Mark reported;
  held.report_to(policy, 10, reported, marks[0]);
  EXPECT_EQ(policy.count(), 3U);
  ASSERT_EQ(policy.first_messages().size(), 3U);
  EXPECT_EQ(policy.first_messages()[2], "c.csv:13: row has 1 fields");
  held.report_to(policy, 10, reported, marks[1]);
  EXPECT_EQ(policy.count(), 7U);
  held.report_to(policy, 10, reported, marks[1]);  // nothing new up to the same mark
  EXPECT_EQ(policy.count(), 7U);
  held.report_to(policy, 10, reported, held.mark());
  EXPECT_EQ(policy.count(), 9U);
  ASSERT_EQ(policy.first_messages().size(), ErrorPolicy::kKeptMessages);
  EXPECT_EQ(policy.first_messages()[4], "c.csv:15: row has 1 fields");
}

TEST(HeldBadRecords, FailStopsTheThreadAndThrowsWhenReported) {
  ErrorPolicy policy(ErrorPolicy::Mode::Fail, "");
  HeldBadRecords held;
  const Origin origin{"b.csv"};
  const std::string raw(200, 'r');
  EXPECT_TRUE(report_held(policy, held, BadRecord{&origin, 7, 0, "row has 2 fields", raw}));
  try {
    held.report_to(policy, 10);
    FAIL() << "no BadRecordError";
  } catch (const BadRecordError& error) {
    EXPECT_EQ(std::string(error.what()),
              "b.csv:17: row has 2 fields\n  record: " + std::string(80, 'r') + "...");
  }
}

TEST(HeldBadRecords, DeadLetterLinesAreThoseOfReportsMadeAtOnce) {
  const std::string at_once = testing::TempDir() + "held_at_once.txt";
  const std::string later = testing::TempDir() + "held_later.txt";
  std::remove(at_once.c_str());
  std::remove(later.c_str());
  const Origin one{"one.log"};
  const Origin two{"two.log"};
  const std::string chunk = "ok\nbad one\nbad\ttwo\n";
  const BadRecord bads[] = {
      {&one, 2, 0, "reason A", std::string_view(chunk).substr(3, 7)},
      {&one, 3, 4, "reason A", std::string_view(chunk).substr(11, 7)},
      {&two, 9, 0, "reason B", "not in the chunk\nat all"},
      {nullptr, 1, 0, "reason A", ""},
      {&two, 11, 0, "line longer than --max-line (4 bytes)", "abcd", true},
      {&two, 12, 0, "reason C", "ab\ncd", true, 9000},
  };
  {
    ErrorPolicy policy(ErrorPolicy::Mode::DeadLetter, at_once);
    for (const BadRecord& bad : bads) {
      BadRecord shifted = bad;
      shifted.line += 40;
      policy.report(shifted);
    }
    policy.flush();
  }
  {
    ErrorPolicy policy(ErrorPolicy::Mode::DeadLetter, later);
    HeldBadRecords held;
    held.set_stable(chunk);
    for (const BadRecord& bad : bads) EXPECT_FALSE(report_held(policy, held, bad));
    held.report_to(policy, 40);
    policy.flush();
    EXPECT_EQ(policy.count(), 6U);
  }
  EXPECT_EQ(file_text(later), file_text(at_once));
  EXPECT_NE(file_text(later).find("one.log:43:4: reason A\tbad\ttwo\n"), std::string::npos);
  // A record held whole says nothing more; one cut says how much of it follows.
  EXPECT_NE(file_text(later).find("two.log:49: reason B\tnot in the chunk\\nat all\n"),
            std::string::npos);
  EXPECT_NE(file_text(later).find("two.log:51: line longer than --max-line (4 bytes) [cut: the "
                                  "first 4 bytes follow]\tabcd\n"),
            std::string::npos);
  EXPECT_NE(file_text(later).find(
                "two.log:52: reason C [cut: the first 5 of 9000 bytes follow]\tab\\ncd\n"),
            std::string::npos);
}

}  // namespace
}  // namespace gpipe
