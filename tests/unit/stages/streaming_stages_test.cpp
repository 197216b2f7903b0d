// The stages that keep state between yields: running and window (exact sums, missing values,
// bad records, a sliding window against a brute-force one, no drift), bucket (each timestamp
// format, detection, week alignment), dedup (whole records and keys, --max as an LRU, the key
// table against a model) and sample (deterministic, its rate, by keys).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <list>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "gpipe/errors.hpp"
#include "stages/filters/recent_keys.hpp"
#include "test_util.hpp"

namespace gpipe {
namespace {

using Lines = std::vector<std::string>;

void use_skip_policy(Context& ctx) {
  std::destroy_at(&ctx.errors);  // as the CLI does: the policy is fixed once per run
  std::construct_at(&ctx.errors, ErrorPolicy::Mode::Skip, "");
}

// Runs `stages` (each "name args…") one after the other over `input`, `per_batch` lines a batch.
Lines run_chain(const std::vector<std::string>& stages, const Lines& input, Context& ctx,
                std::size_t per_batch = 2) {
  std::vector<BuiltStage> built;
  for (const std::string& stage : stages) built.push_back(test::build_stage(stage, ctx));
  BatchStream stream = test::lines_source(input, per_batch);
  for (BuiltStage& stage : built) stream = stage.transform(std::move(stream));
  return test::collect(std::move(stream));
}

Lines run(const std::string& stage, const Lines& input, std::size_t per_batch = 2) {
  Context ctx;
  return run_chain({stage}, input, ctx, per_batch);
}

// The results a stage added to text records of one word each (`v`), without the word itself.
Lines results(const std::string& stage, const Lines& input) {
  Lines out;
  for (const std::string& line : run(stage, input)) {
    const std::size_t tab = line.find('\t');
    out.push_back(tab == std::string::npos ? "" : line.substr(tab + 1));
  }
  return out;
}

// ---- running ----

TEST(RunningTest, TheAverageOfTheIssue) {
  EXPECT_EQ(run("running avg 0", {"1", "2", "3", "4"}),
            (Lines{"1\t1", "2\t1.5", "3\t2", "4\t2.5"}));
}

TEST(RunningTest, SeveralStatisticsInTheOrderAskedFor) {
  EXPECT_EQ(results("running max sum count min avg 0", {"3", "1", "4", "1", "5"}),
            (Lines{"3\t3\t1\t3\t3", "3\t4\t2\t1\t2", "4\t8\t3\t1\t2.6666666666666665",
                   "4\t9\t4\t1\t2.25", "5\t14\t5\t1\t2.8"}));
}

TEST(RunningTest, IntegerSumsAreExactBeyond64Bits) {
  EXPECT_EQ(results("running sum 0", {"9223372036854775807", "9223372036854775807", "-5"}),
            (Lines{"9223372036854775807", "18446744073709551614", "18446744073709551609"}));
  // 2^53 + 1 is not a double: an integer sum keeps it.
  EXPECT_EQ(results("running sum 0", {"9007199254740992", "1"}),
            (Lines{"9007199254740992", "9007199254740993"}));
  // Integers of more than 64 bits are read as doubles.
  EXPECT_EQ(results("running sum 0", {"100000000000000000000"}), (Lines{"1e+20"}));
  // Doubles print without an exponent from 1e-5 to 1e16.
  EXPECT_EQ(results("running sum 0", {"1e5", "0.00001"}), (Lines{"100000", "100000.00001"}));
  EXPECT_EQ(results("running sum 0", {"1e20"}), (Lines{"1e+20"}));
  EXPECT_EQ(results("running sum 0", {"1e-6"}), (Lines{"1e-06"}));
}

TEST(RunningTest, DecimalNumbersMakeADoubleSum) {
  EXPECT_EQ(results("running sum 0", {"1", "0.5", "2", "+3", " 4 ", "1e3", "-0.5"}),
            (Lines{"1", "1.5", "3.5", "6.5", "10.5", "1010.5", "1010"}));
  // Compensated: a hundred thousand additions of 0.1 give what the exact sum rounds to.
  Lines tenths(100'000, "0.1");
  EXPECT_EQ(results("running sum 0", tenths).back(), "10000");
}

TEST(RunningTest, MissingValuesAreSkipped) {
  // Field 1 of "b" is missing; the CSV-like empty value of "c," too (as a kv value, below).
  EXPECT_EQ(run("running sum avg count min 1", {"a 1", "b", "c 3"}),
            (Lines{"a\t1\t1\t1\t1\t1", "b\t1\t1\t1\t1", "c\t3\t4\t2\t2\t1"}));
  EXPECT_EQ(results("running sum avg count max 1", {"x"}), (Lines{"0\t\t0\t"}));
  Context ctx;
  EXPECT_EQ(run_chain({"kv", "running sum count n"}, {"n=1", "n=", "n=\" \"", "n=2"}, ctx),
            (Lines{"1\t1\t1", "\t1\t1", " \t1\t1", "2\t3\t2"}));
}

TEST(RunningTest, CountWithoutAFieldCountsRecords) {
  EXPECT_EQ(results("running count", {"a", "b", "c"}), (Lines{"1", "2", "3"}));
  // count F alone takes any value, and counts those there.
  EXPECT_EQ(run("running count 1", {"a x", "b", "c 7"}), (Lines{"a\tx\t1", "b\t1", "c\t7\t2"}));
}

TEST(RunningTest, ANonNumberIsABadRecord) {
  Context fail;
  try {
    run_chain({"running sum 1"}, {"a 1", "b abc", "c 2"}, fail);
    FAIL() << "no bad record";
  } catch (const BadRecordError& e) {
    EXPECT_EQ(std::string(e.what()),
              "test:2: running sum 1: \"abc\" is not a number\n  record: b abc");
  }
  Context skip;
  use_skip_policy(skip);
  EXPECT_EQ(run_chain({"running sum 1"}, {"a 1", "b abc", "c 2", "d true"}, skip),
            (Lines{"a\t1\t1", "c\t2\t3"}));
  EXPECT_EQ(skip.errors.count(), 2u);
  // A long value is cut in the message.
  Context long_value;
  try {
    run_chain({"running avg 0"}, {std::string(100, 'x')}, long_value);
    FAIL() << "no bad record";
  } catch (const BadRecordError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.substr(0, message.find('\n')),
              "test:1: running avg 0: \"" + std::string(40, 'x') + "…\" is not a number");
  }
}

TEST(RunningTest, JsonValuesOfEveryKind) {
  Context ctx;
  use_skip_policy(ctx);
  EXPECT_EQ(run_chain({"json", "running sum n", "field n running_sum"},
                      {R"({"n":1})", R"({"n":"2"})", R"({"n":null})", R"({"m":1})", R"({"n":true})",
                       R"({"n":[1]})", R"({"n":1.5e1})"},
                      ctx),
            (Lines{"1\t1", "2\t3", "\t3", "\t3", "1.5e1\t18"}));
  EXPECT_EQ(ctx.errors.count(), 2u);
}

TEST(RunningTest, ArgumentErrors) {
  EXPECT_EQ(test::pipeline_error("running"),
            "missing what to compute: running sum|avg|count|min|max… F @0+7");
  EXPECT_EQ(test::pipeline_error("running avg"),
            "missing F, the field to compute avg of: running sum|avg|count|min|max… F @8+3");
  EXPECT_EQ(test::pipeline_error("running total x"),
            "expected one of sum|avg|count|min|max, got 'total' (F, the field, comes last: "
            "running sum|avg|count|min|max… F) @8+5");
  EXPECT_EQ(test::pipeline_error("running sum avg sum x"), "sum is asked for twice @16+3");
  EXPECT_EQ(test::pipeline_error("running sum count"), "no error");  // the field `count`
  EXPECT_EQ(test::pipeline_error("window 0 sum x"), "a window holds at least 1 record @7+1");
  EXPECT_EQ(test::pipeline_error("window 3"),
            "missing what to compute: window 3 sum|avg|min|max|count… F @0+6");
}

// ---- window ----

// A window's statistics: sum, avg, min, max (none: empty) and count.
struct WindowRow {
  std::optional<long double> sum, avg, min, max;
  std::size_t count = 0;
};

// The window's statistics of one-word records, computed the slow way: each window summed anew
// in long double. Values are numbers or "" (missing).
std::vector<WindowRow> brute_force_window(const Lines& values, std::size_t length) {
  std::vector<WindowRow> out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    WindowRow row;
    row.sum = 0;
    for (std::size_t j = i + 1 >= length ? i + 1 - length : 0; j <= i; ++j) {
      if (values[j].empty()) continue;
      const long double v = std::stold(values[j]);
      *row.sum += v;
      ++row.count;
      if (!row.min || v < *row.min) row.min = v;
      if (!row.max || v > *row.max) row.max = v;
    }
    if (row.count != 0) row.avg = *row.sum / static_cast<long double>(row.count);
    out.push_back(row);
  }
  return out;
}

// The same read back from the output of `window N sum avg min max count 0`.
std::vector<WindowRow> window_rows(const std::string& stage, const Lines& values) {
  std::vector<WindowRow> out;
  for (const std::string& line : run(stage, values)) {
    std::vector<std::string> parts;
    for (std::size_t start = 0;;) {
      const std::size_t tab = line.find('\t', start);
      parts.push_back(line.substr(start, tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    if (parts.size() == 6) parts.erase(parts.begin());  // the value itself, when there is one
    EXPECT_EQ(parts.size(), 5u) << line;
    const auto number = [](const std::string& text) -> std::optional<long double> {
      if (text.empty()) return std::nullopt;
      return std::stold(text);
    };
    out.push_back({number(parts[0]), number(parts[1]), number(parts[2]), number(parts[3]),
                   static_cast<std::size_t>(std::stoul(parts[4]))});
  }
  return out;
}

// Equal, or (with a tolerance) both numbers within `relative` of each other.
bool close(std::optional<long double> a, std::optional<long double> b, long double relative) {
  if (!a || !b) return a.has_value() == b.has_value();
  return std::fabs(*a - *b) <= relative * std::max<long double>(1, std::fabs(*b));
}

TEST(WindowTest, SmallWindowExactly) {
  EXPECT_EQ(results("window 3 sum avg count min max 0", {"1", "2", "3", "4", "5", "6"}),
            (Lines{"1\t1\t1\t1\t1", "3\t1.5\t2\t1\t2", "6\t2\t3\t1\t3", "9\t3\t3\t2\t4",
                   "12\t4\t3\t3\t5", "15\t5\t3\t4\t6"}));
  EXPECT_EQ(results("window 2 min max 0", {"5", "3", "8", "8", "1"}),
            (Lines{"5\t5", "3\t5", "3\t8", "8\t8", "1\t8"}));
  EXPECT_EQ(results("window 1 sum 0", {"5", "3", "8"}), (Lines{"5", "3", "8"}));
  EXPECT_EQ(results("window 2 count", {"a", "b", "c"}), (Lines{"1", "2", "2"}));
}

TEST(WindowTest, MissingValuesTakeTheirPlace) {
  // Records 2 and 3 have no field 1: the window of 2 holds no number at record 3.
  EXPECT_EQ(
      run("window 2 sum avg min max count 1", {"a 4", "b", "c", "d 6"}),
      (Lines{"a\t4\t4\t4\t4\t4\t1", "b\t4\t4\t4\t4\t1", "c\t0\t\t\t\t0", "d\t6\t6\t6\t6\t6\t1"}));
}

TEST(WindowTest, AgreesWithABruteForceWindow) {
  std::mt19937_64 random(5);
  for (const std::size_t length : {1, 2, 3, 7, 50}) {
    for (const bool with_doubles : {false, true}) {
      Lines values;
      for (int i = 0; i < 400; ++i) {
        const auto what = random() % 10;
        if (what == 0) {
          values.push_back("");  // missing
        } else if (with_doubles && what < 4) {
          values.push_back(std::to_string(static_cast<long>(random() % 2000) - 1000) + "." +
                           std::to_string(random() % 100));
        } else {
          values.push_back(std::to_string(static_cast<long>(random() % 200000) - 100000));
        }
      }
      const std::string stage = "window " + std::to_string(length) + " sum avg min max count 0";
      const std::vector<WindowRow> got = window_rows(stage, values);
      const std::vector<WindowRow> want = brute_force_window(values, length);
      ASSERT_EQ(got.size(), want.size());
      // Integers exactly; doubles within a few roundings.
      const long double tolerance = with_doubles ? 1e-12L : 0;
      for (std::size_t i = 0; i < got.size(); ++i) {
        ASSERT_TRUE(close(got[i].sum, want[i].sum, tolerance)) << stage << " at " << i;
        ASSERT_TRUE(close(got[i].avg, want[i].avg, with_doubles ? tolerance : 1e-15L))
            << stage << " at " << i;
        ASSERT_TRUE(close(got[i].min, want[i].min, tolerance)) << stage << " at " << i;
        ASSERT_TRUE(close(got[i].max, want[i].max, tolerance)) << stage << " at " << i;
        ASSERT_EQ(got[i].count, want[i].count) << stage << " at " << i;
      }
    }
  }
}

TEST(WindowTest, DoublesDoNotDrift) {
  // Huge values passing through a small window: adding and subtracting them in plain doubles
  // loses the small ones beside them for good (1e16 + 1 == 1e16). After each huge value has
  // left, the window's sum must be the small values' exact sum again.
  Lines values;
  for (int i = 0; i < 30'000; ++i) {
    values.push_back(i % 10 == 0 ? (i % 20 == 0 ? "1e16" : "-3.5e17") : "1.25");
  }
  const Lines sums = results("window 4 sum 0", values);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i % 10 >= 4) {  // the last 4 values are all 1.25
      ASSERT_EQ(sums[i], "5") << "record " << i;
    }
  }
}

// ---- bucket ----

TEST(BucketTest, EachTimestampFormat) {
  const Lines lines{
      "2026-11-21T10:07:31.250Z INFO a",
      "2026-11-21 12:07:31,978+02:00 b",
      "1795255651 epoch seconds",
      "1795255651000 epoch milliseconds",
      "1.2.3.4 - - [21/Nov/2026:10:07:31 +0000] \"GET /\"",
      "Nov 21 10:07:31 host sshd[1]: x",
      "[Sat Nov 21 10:07:31 2026] [error] x",
      "created Sat Nov 21 11:07:31 +0100 2026",
      "Date: Sat, 21 Nov 2026 10:07:31 GMT",
      "2026/11/21 10:07:31 [error] 1#1: nginx",
  };
  Context ctx;
  for (const std::string& line :
       run_chain({"bucket 5m --year 2026", "field _bucket"}, lines, ctx)) {
    EXPECT_EQ(line, "2026-11-21T10:05:00Z");
  }
  EXPECT_EQ(run_chain({"bucket 5m --year 2026", "field _bucket"}, lines, ctx).size(), lines.size());
}

TEST(BucketTest, WidthsAndAlignment) {
  const auto bucket = [](const std::string& duration, const std::string& line) {
    Context ctx;
    return run_chain({"bucket " + duration, "field _bucket"}, {line}, ctx).at(0);
  };
  const std::string t = "2026-11-21T10:07:31.250Z";  // a Saturday
  EXPECT_EQ(bucket("1s", t), "2026-11-21T10:07:31Z");
  EXPECT_EQ(bucket("250ms", t), "2026-11-21T10:07:31.250Z");
  EXPECT_EQ(bucket("100ms", t), "2026-11-21T10:07:31.200Z");
  EXPECT_EQ(bucket("15m", t), "2026-11-21T10:00:00Z");
  EXPECT_EQ(bucket("1h30m", t), "2026-11-21T09:00:00Z");
  EXPECT_EQ(bucket("1d", t), "2026-11-21T00:00:00Z");
  EXPECT_EQ(bucket("1w", t), "2026-11-16T00:00:00Z");  // a Monday
  EXPECT_EQ(bucket("2w", t), "2026-11-09T00:00:00Z");  // fortnights from Monday 1970-01-05
  EXPECT_EQ(bucket("1d", "1969-12-31T23:00:00Z"), "1969-12-31T00:00:00Z");
  EXPECT_EQ(bucket("1h", "2026-11-21T10:30:00-05:00"), "2026-11-21T15:00:00Z");
}

TEST(BucketTest, TheFieldOfARecordWithFields) {
  Context ctx;
  // The first field whose whole value is a timestamp; kv's `n=1795255651` is too short a number.
  EXPECT_EQ(run_chain({"kv", "bucket 1h", "field _bucket"},
                      {"n=17 msg=\"at 2020-01-01\" ts=2026-11-21T10:07:31Z t2=2020-01-01"}, ctx),
            (Lines{"2026-11-21T10:00:00Z"}));
  // `on F`: that field, whose number is epoch time by its size.
  EXPECT_EQ(run_chain({"kv", "bucket 1h on t", "field _bucket"},
                      {"t=1795255651", "t=1795255651000", "t=1795255651.5", "t=2026-11-21"}, ctx),
            (Lines{"2026-11-21T10:00:00Z", "2026-11-21T10:00:00Z", "2026-11-21T10:00:00Z",
                   "2026-11-21T00:00:00Z"}));
  // The record keeps its fields and gets _bucket at the end (replaced if it had one).
  EXPECT_EQ(run_chain({"kv", "bucket 1d on t"}, {"t=2026-11-21T05:00:00Z a=1 _bucket=old"}, ctx),
            (Lines{"2026-11-21T05:00:00Z\t1\t2026-11-21T00:00:00Z"}));
}

TEST(BucketTest, RecordsWithoutATimestampAreBad) {
  Context ctx;
  use_skip_policy(ctx);
  EXPECT_EQ(run_chain({"bucket 1h", "field _bucket"},
                      {"no time", "2026-11-21T10:00:00Z", "x 2026-02-30"}, ctx),
            (Lines{"2026-11-21T10:00:00Z"}));
  EXPECT_EQ(run_chain({"kv", "bucket 1h on t", "field _bucket"}, {"t=abc", "u=1", "t=true"}, ctx),
            Lines{});
  ASSERT_EQ(ctx.errors.first_messages().size(), 5u);
  EXPECT_EQ(ctx.errors.first_messages()[0], "test:1: bucket: no timestamp in the line");
  EXPECT_EQ(ctx.errors.first_messages()[2], "test:1: bucket on t: \"abc\" is not a timestamp");
  EXPECT_EQ(ctx.errors.first_messages()[3], "test:2: bucket on t: the record has no t");
  Context fields;
  use_skip_policy(fields);
  run_chain({"kv", "bucket 1h"}, {"a=1"}, fields);
  ASSERT_EQ(fields.errors.first_messages().size(), 1u);
  EXPECT_EQ(fields.errors.first_messages()[0],
            "test:1: bucket: no field holds a timestamp (name the field: bucket DURATION on F)");
}

TEST(BucketTest, ArgumentErrors) {
  EXPECT_EQ(test::pipeline_error("bucket"), "missing DURATION (5m, 1h, 1d) @0+6");
  EXPECT_EQ(test::pipeline_error("bucket 5"),
            "the number in '5' needs a unit: ms, s, m, h, d or w @7+1");
  EXPECT_EQ(test::pipeline_error("bucket 5m by x"),
            "expected 'on F' after the duration, got "
            "'by' @10+2");
  EXPECT_EQ(test::pipeline_error("bucket 5m --year 0"), "expected a year from 1 to 9999 @17+1");
  EXPECT_EQ(test::pipeline_error("bucket 1h30m on ts --year 2025"), "no error");
}

// ---- dedup ----

TEST(DedupTest, DropsAnyRepeat) {
  EXPECT_EQ(run("dedup", {"a", "b", "a", "c", "b", "a", "d"}), (Lines{"a", "b", "c", "d"}));
  EXPECT_EQ(run("dedup", {"a", "b", "a", "c"}, 1), (Lines{"a", "b", "c"}));
  EXPECT_EQ(run("dedup 1", {"x 1", "y 2", "z 1", "w", "v"}), (Lines{"x 1", "y 2", "w"}));
  EXPECT_EQ(run("dedup 0 1", {"a 1", "a 2", "a 1", "b 1"}), (Lines{"a 1", "a 2", "b 1"}));
  EXPECT_EQ(run("dedup --sep , 1", {"a,1", "b,1", "c,2"}), (Lines{"a,1", "c,2"}));
}

TEST(DedupTest, MaxForgetsTheLeastRecentlySeenKey) {
  // With room for 2 keys: a b, a again (recent now), c forgets b, so b passes again.
  EXPECT_EQ(run("dedup --max 2", {"a", "b", "a", "c", "b", "a", "c"}),
            (Lines{"a", "b", "c", "b", "a", "c"}));
  EXPECT_EQ(run("dedup --max 2", {"a", "b", "a", "c", "a", "b", "a"}), (Lines{"a", "b", "c", "b"}));
  EXPECT_EQ(test::pipeline_error("dedup --max 0"), "--max must be at least 1 key @12+1");
}

// The key table against a plain model of it (a list in recency order and a map), over random
// keys with many repeats, with and without a limit: the same answers, and memory as bounded.
TEST(DedupTest, RecentKeysAgreeWithAModel) {
  std::mt19937_64 random(3);
  for (const std::size_t limit : {0, 1, 2, 5, 64, 1000}) {
    stages::RecentKeys keys(limit);
    std::list<std::string> order;  // most recent first
    std::unordered_map<std::string, std::list<std::string>::iterator> where;
    for (int i = 0; i < 200'000; ++i) {
      // Keys that differ only in length or in a late byte too.
      const std::string key = std::string(random() % 3, 'k') + std::to_string(random() % 3000);
      const auto found = where.find(key);
      const bool seen = found != where.end();
      if (seen) {
        order.erase(found->second);
      } else if (limit != 0 && where.size() == limit) {
        where.erase(order.back());
        order.pop_back();
      }
      order.push_front(key);
      where[key] = order.begin();
      ASSERT_EQ(keys.seen_before(key), seen) << "limit " << limit << " step " << i;
    }
    EXPECT_EQ(keys.size(), where.size());
  }
}

// ---- sample ----

Lines numbered(std::size_t count) {
  Lines lines;
  for (std::size_t i = 0; i < count; ++i) lines.push_back("line " + std::to_string(i % 100));
  return lines;
}

TEST(SampleTest, TheSameSampleEveryRunAndBatchSize) {
  const Lines input = numbered(5000);
  const Lines first = run("sample 0.3", input, 7);
  EXPECT_EQ(run("sample 0.3", input, 1), first);
  EXPECT_EQ(run("sample 30%", input, 1000), first);
  EXPECT_EQ(run("sample 0.3 --seed 0", input), first);
  EXPECT_NE(run("sample 0.3 --seed 1", input), first);
  EXPECT_EQ(run("sample 1", input), input);
  EXPECT_EQ(run("sample 100%", input), input);
}

TEST(SampleTest, KeepsAboutPOfTheRecords) {
  const Lines input = numbered(100'000);
  for (const double p : {0.001, 0.01, 0.1, 0.5, 0.9}) {
    for (const int seed : {0, 1, 2}) {
      const double kept = static_cast<double>(
          run("sample " + std::to_string(p) + " --seed " + std::to_string(seed), input, 4096)
              .size());
      const double expected = p * 100'000;
      const double sigma = std::sqrt(100'000 * p * (1 - p));
      EXPECT_NEAR(kept, expected, 5 * sigma) << "P " << p << " seed " << seed;
    }
  }
}

TEST(SampleTest, ByKeepsOrDropsWholeGroups) {
  const Lines input = numbered(10'000);  // 100 keys, 100 records each
  const Lines kept = run("sample 0.5 by 1", input);
  std::unordered_map<std::string, int> per_key;
  for (const std::string& line : kept) ++per_key[line];
  for (const auto& [key, count] : per_key) EXPECT_EQ(count, 100) << key;
  EXPECT_GT(per_key.size(), 30u);
  EXPECT_LT(per_key.size(), 70u);
  // The same keys whatever the input around them.
  const Lines other = run("sample 0.5 by 1", {"line 5", "line 17", "line 42", "line 99"});
  for (const std::string& line : other) EXPECT_EQ(per_key.count(line), 1u) << line;
}

TEST(SampleTest, ArgumentErrors) {
  EXPECT_EQ(test::pipeline_error("sample 0"),
            "expected a share of records more than 0 and at most 1, as 0.1 or 10%, got '0' @7+1");
  EXPECT_EQ(test::pipeline_error("sample 1.5"),
            "expected a share of records more than 0 and at most 1, as 0.1 or 10%, got '1.5' "
            "@7+3");
  EXPECT_EQ(test::pipeline_error("sample 10% per x"), "expected 'by F…' after P, got 'per' @11+3");
  EXPECT_EQ(test::pipeline_error("sample 10% by"), "missing F after 'by' @0+6");
  EXPECT_EQ(test::pipeline_error("sample 10% --seed x"),
            "expected a whole number for S, got 'x' @18+1");
}

}  // namespace
}  // namespace gpipe
