// Timestamps in the formats logs write them, read into epoch milliseconds; the civil-date
// arithmetic against the C library's; ISO 8601 UTC text; durations.
#include "formats/time/timestamp.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <optional>
#include <random>
#include <string>

namespace gpipe {
namespace {

const YearlessRule k2026 = YearlessRule::fixed(2026);

std::optional<EpochMillis> whole(std::string_view text, const YearlessRule& rule = k2026) {
  EpochMillis out = 0;
  if (!parse_timestamp(text, rule, out)) return std::nullopt;
  return out;
}

std::optional<EpochMillis> found(std::string_view line, const YearlessRule& rule = k2026) {
  EpochMillis out = 0;
  if (!find_timestamp(line, rule, out)) return std::nullopt;
  return out;
}

std::string utc(EpochMillis t, bool with_millis = true) {
  char text[kUtcTextMax];
  return std::string(text, format_utc(t, with_millis, text));
}

// 2026-11-21T10:00:00Z
constexpr EpochMillis kTen = 1'795'255'200'000;
constexpr EpochMillis kHour = 3'600'000;

TEST(TimestampTest, Iso8601AndRfc3339) {
  EXPECT_EQ(whole("2026-11-21T10:00:00Z"), kTen);
  EXPECT_EQ(whole("2026-11-21t10:00:00z"), kTen);
  EXPECT_EQ(whole("2026-11-21T10:00:00"), kTen);  // no offset: UTC
  EXPECT_EQ(whole("2026-11-21 10:00:00"), kTen);
  EXPECT_EQ(whole("2026-11-21T10:00"), kTen);
  EXPECT_EQ(whole("2026-11-21T10:00:00.123Z"), kTen + 123);
  EXPECT_EQ(whole("2026-11-21T10:00:00.1Z"), kTen + 100);
  EXPECT_EQ(whole("2026-11-21T10:00:00.123456789Z"), kTen + 123);  // down to the millisecond
  EXPECT_EQ(whole("2026-11-21 10:00:00,978"), kTen + 978);         // Hadoop, log4j
  EXPECT_EQ(whole("2026-11-21T12:00:00+02:00"), kTen);
  EXPECT_EQ(whole("2026-11-21T12:00:00+0200"), kTen);
  EXPECT_EQ(whole("2026-11-21T12:00:00+02"), kTen);
  EXPECT_EQ(whole("2026-11-21T04:30:00-05:30"), kTen);
  EXPECT_EQ(whole("2026-11-21 12:00:00 +0200"), kTen);
  // A space, then an offset with a colon (the README's own example), also in a line.
  EXPECT_EQ(whole("2026-11-21 12:00:00 +02:00"), kTen);
  EXPECT_EQ(whole("2026-11-21 15:30:00.123 +05:30"), kTen + 123);
  EXPECT_EQ(whole("2026-11-21 02:00:00 -08:00"), kTen);
  EXPECT_EQ(found("2026-11-21 12:00:00 +02:00 x"), kTen);
  EXPECT_EQ(whole("2026-11-21 10:00:00 UTC"), kTen);
  EXPECT_EQ(whole("2026/11/21 10:00:00"), kTen);  // nginx's error log
  EXPECT_EQ(whole("2026-11-21"), kTen - 10 * kHour);
  EXPECT_EQ(whole("  2026-11-21T10:00:00Z\t"), kTen);
  EXPECT_EQ(whole("[2026-11-21T10:00:00Z]"), kTen);
}

TEST(TimestampTest, OtherFormats) {
  EXPECT_EQ(whole("[21/Nov/2026:10:00:00 +0000]"), kTen);  // Apache
  EXPECT_EQ(whole("21/Nov/2026:11:00:00 +0100"), kTen);
  EXPECT_EQ(whole("[21/Nov/2026:10:00:00"), kTen);  // an awk field of an access log
  EXPECT_EQ(whole("Nov 21 10:00:00"), kTen);        // syslog
  EXPECT_EQ(whole("Nov 21 10:00:00.250"), kTen + 250);
  EXPECT_EQ(whole("Nov  1 10:00:00"), kTen - 20 * 24 * kHour);
  EXPECT_EQ(whole("Sat Nov 21 10:00:00 2026"), kTen);        // ctime, Apache's error log
  EXPECT_EQ(whole("Sat Nov 21 10:00:00 +0000 2026"), kTen);  // Twitter
  EXPECT_EQ(whole("Sat Nov 21 11:00:00 +0100 2026"), kTen);
  EXPECT_EQ(whole("Sat, 21 Nov 2026 10:00:00 GMT"), kTen);  // RFC 2822, HTTP
  EXPECT_EQ(whole("21 Nov 2026 11:00:00 +0100"), kTen);
  EXPECT_EQ(whole("1795255200"), kTen);  // epoch seconds
  EXPECT_EQ(whole("1795255200.5"), kTen + 500);
  EXPECT_EQ(whole("1795255200000"), kTen);  // milliseconds
}

TEST(TimestampTest, NotTimestamps) {
  for (const char* text : {"",
                           "hello",
                           "2026-13-01",
                           "2026-02-30",
                           "2025-02-29",
                           "2026-11-21T24:00:00",
                           "2026-11-21T10:60:00",
                           "2026-11-21T10:00:00+25:00",
                           "2026-11-21x",
                           "2026-1-21",
                           "Nov 31 10:00:00",
                           "NOV 21 10:00:00",
                           "Nov 21",
                           "Nov 21 10:00",
                           "Sat Nov 21",
                           "32/Nov/2026:10:00:00",
                           "21/Foo/2026:10:00:00",
                           "12345",
                           "176371920",
                           "17952552000",
                           "179525520000000",
                           "2026-11-21T10:00:00Z trailing",
                           "1795255200 x",
                           "Monday",
                           "true"}) {
    EXPECT_EQ(whole(text), std::nullopt) << text;
  }
  EXPECT_EQ(whole("2024-02-29"), whole("2024-02-29T00:00:00Z"));  // a leap year's 29 February
  EXPECT_NE(whole("2024-02-29"), std::nullopt);
}

TEST(TimestampTest, YearlessDatesTakeTheRulesYear) {
  EXPECT_EQ(whole("Nov 21 10:00:00", YearlessRule::fixed(2026)), kTen);
  EXPECT_EQ(whole("Nov 21 10:00:00", YearlessRule::fixed(2025)), whole("2025-11-21T10:00:00Z"));
  // Read on 2026-01-10: December is last year's, a date up to a month ahead this year's.
  const YearlessRule january = YearlessRule::around(*whole("2026-01-10T00:00:00Z"));
  EXPECT_EQ(january.year, 2026);
  EXPECT_EQ(whole("Dec 31 23:00:00", january), whole("2025-12-31T23:00:00Z"));
  EXPECT_EQ(whole("Jan  9 08:00:00", january), whole("2026-01-09T08:00:00Z"));
  EXPECT_EQ(whole("Feb  1 08:00:00", january), whole("2026-02-01T08:00:00Z"));
  // 29 February exists only in some years: the one before is tried.
  EXPECT_EQ(whole("Feb 29 08:00:00", YearlessRule::fixed(2025)), whole("2024-02-29T08:00:00Z"));
}

TEST(TimestampTest, FindsTheFirstTimestampOfALine) {
  // The loghub logs' own lines.
  EXPECT_EQ(found("2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce"),
            whole("2015-10-18T18:01:47.978Z"));
  EXPECT_EQ(found("[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok"),
            whole("2005-12-04T04:47:44Z"));
  EXPECT_EQ(found("- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872"),
            1'117'838'570'000);
  EXPECT_EQ(found("134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component"),
            1'077'804'742'000);
  EXPECT_EQ(found("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure"),
            whole("2026-06-14T15:16:01Z"));
  EXPECT_EQ(found("Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: IOThunderbolt"),
            whole("2026-07-01T09:00:55Z"));
  EXPECT_EQ(found("66.183.14.216 - - [21/Nov/2026:08:42:31 +0000] \"GET /healthz HTTP/1.1\""),
            whole("2026-11-21T08:42:31Z"));
  EXPECT_EQ(found("level=info ts=2026-11-21T10:00:00Z msg=hi"), kTen);
  EXPECT_EQ(found("user u1 signed up 2026-11-21, at last"), kTen - 10 * kHour);
  // Not inside words or numbers, and not a number that is only a part of a longer one.
  EXPECT_EQ(found("blk_38865049064139660 terminating"), std::nullopt);
  EXPECT_EQ(found("id 17952552001 and x1795255200"), std::nullopt);
  EXPECT_EQ(found("v2026-11-21T10:00:00Z"), std::nullopt);
  EXPECT_EQ(found("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1"),
            std::nullopt);
  EXPECT_EQ(found("no time here, Nov was cold"), std::nullopt);
  EXPECT_EQ(found("uid=1000 limit 2147483647 of 4294967295"), std::nullopt);  // Android's
  EXPECT_EQ(found(""), std::nullopt);
  // The first one wins, whichever the format.
  EXPECT_EQ(found("at 1795255200 (2020-01-01T00:00:00Z)"), kTen);
  EXPECT_EQ(found("x=Nov 21 10:00:00 y=2020-01-01"), kTen);
  // A match cut short by what follows is no match there; the scan goes on.
  EXPECT_EQ(found("2026-11-21T10:00:00Zq 2026-11-21T11:00:00Z"), kTen + kHour);
}

TEST(TimestampTest, EpochNumbersByTheirSize) {
  const auto epoch = [](std::string_view text) -> std::optional<EpochMillis> {
    EpochMillis out = 0;
    if (!read_epoch_number(text, out)) return std::nullopt;
    return out;
  };
  EXPECT_EQ(epoch("1795255200"), kTen);
  EXPECT_EQ(epoch("1795255200.25"), kTen + 250);
  EXPECT_EQ(epoch("1795255200000"), kTen);
  EXPECT_EQ(epoch("1795255200000000"), kTen);
  EXPECT_EQ(epoch("1795255200123456789"), kTen + 123);
  EXPECT_EQ(epoch("1.7952552e9"), kTen);
  EXPECT_EQ(epoch("0"), 0);
  EXPECT_EQ(epoch("86400"), 86'400'000);
  EXPECT_EQ(epoch("-1.5"), -1500);
  EXPECT_EQ(epoch(" +60 "), 60'000);
  EXPECT_EQ(epoch("-1"), -1000);
  EXPECT_EQ(epoch("abc"), std::nullopt);
  EXPECT_EQ(epoch(""), std::nullopt);
  EXPECT_EQ(epoch("1e300"), std::nullopt);
  EXPECT_EQ(epoch("nan"), std::nullopt);
}

TEST(TimestampTest, CivilDaysAgreeWithTheCLibrary) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<std::int64_t> days(-800'000, 2'900'000);  // years -220 to 9900
  for (int i = 0; i < 100'000; ++i) {
    const std::int64_t day = days(random);
    std::int64_t year = 0;
    unsigned month = 0;
    unsigned date = 0;
    civil_from_days(day, year, month, date);
    ASSERT_EQ(days_from_civil(year, month, date), day);
    const std::time_t seconds = static_cast<std::time_t>(day) * 86400;
    std::tm tm{};
    ASSERT_NE(gmtime_r(&seconds, &tm), nullptr);
    ASSERT_EQ(year, tm.tm_year + 1900) << day;
    ASSERT_EQ(month, static_cast<unsigned>(tm.tm_mon + 1)) << day;
    ASSERT_EQ(date, static_cast<unsigned>(tm.tm_mday)) << day;
  }
}

TEST(TimestampTest, FormatsIso8601Utc) {
  EXPECT_EQ(utc(kTen, false), "2026-11-21T10:00:00Z");
  EXPECT_EQ(utc(kTen + 250), "2026-11-21T10:00:00.250Z");
  EXPECT_EQ(utc(0, false), "1970-01-01T00:00:00Z");
  EXPECT_EQ(utc(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(utc(*whole("0001-01-01"), false), "0001-01-01T00:00:00Z");
  EXPECT_EQ(utc(*whole("9999-12-31T23:59:59.999Z")), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(utc(*whole("9999-12-31T23:59:59Z") + 1000, false), "+10000-01-01T00:00:00Z");
  // What it writes, it reads back.
  std::mt19937_64 random(11);
  std::uniform_int_distribution<EpochMillis> times(*whole("0001-01-01"),
                                                   *whole("9999-12-31T23:59:59.999Z"));
  for (int i = 0; i < 10'000; ++i) {
    const EpochMillis t = times(random);
    ASSERT_EQ(whole(utc(t)), t) << utc(t);
  }
}

TEST(TimestampTest, Durations) {
  const auto duration = [](std::string_view text) -> std::optional<std::int64_t> {
    std::int64_t millis = 0;
    std::string reason;
    if (!parse_duration(text, millis, reason)) return std::nullopt;
    return millis;
  };
  EXPECT_EQ(duration("250ms"), 250);
  EXPECT_EQ(duration("30s"), 30'000);
  EXPECT_EQ(duration("5m"), 300'000);
  EXPECT_EQ(duration("1h"), kHour);
  EXPECT_EQ(duration("1h30m"), 90 * 60'000);
  EXPECT_EQ(duration("1.5h"), 90 * 60'000);
  EXPECT_EQ(duration("0.5s"), 500);
  EXPECT_EQ(duration("1d"), kMillisPerDay);
  EXPECT_EQ(duration("2w"), 14 * kMillisPerDay);
  for (const char* bad :
       {"", "5", "m", "5x", "0s", "0.0001s", "1mo", "1y", "-5m", "1.5.5s", "99999999999999999w"}) {
    EXPECT_EQ(duration(bad), std::nullopt) << bad;
  }
  std::int64_t millis = 0;
  std::string reason;
  EXPECT_FALSE(parse_duration("3mo", millis, reason));
  EXPECT_EQ(reason, "months and years have no fixed length: give days (30d) or weeks (4w)");
}

}  // namespace
}  // namespace gpipe
