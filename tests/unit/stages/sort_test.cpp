// sort: the order of its keys (text bytewise, numbers, missing values, -r), and the stage against
// a stable sort done here, in memory and spilled (a small --mem), on one thread and several,
// whole and cut by head N.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gpipe/errors.hpp"
#include "stages/aggregates/sort_keys.hpp"
#include "test_util.hpp"

namespace gpipe {
namespace {

using stages::compare_keys;
using stages::key_prefix;
using stages::SortKey;
using stages::SortKeyMaker;
using Lines = std::vector<std::string>;

std::string key_of(const Value& value, bool numeric, bool descending, bool last = true) {
  std::string out;
  SortKeyMaker::append_value(out, value, SortKey{std::nullopt, numeric, descending}, last);
  return out;
}

// Whether the values sort in the order given: each key before the next, and the prefixes of
// keys that differ in their first 8 bytes ordered the same way.
void expect_ascending(const std::vector<Value>& values, bool numeric, bool descending,
                      bool last = true) {
  for (std::size_t i = 0; i + 1 < values.size(); ++i) {
    const std::string a = key_of(values[i], numeric, descending, last);
    const std::string b = key_of(values[i + 1], numeric, descending, last);
    EXPECT_LT(compare_keys(a, b), 0)
        << "'" << values[i].text << "' before '" << values[i + 1].text << "'";
    EXPECT_LE(key_prefix(a), key_prefix(b));
  }
}

Value text(std::string_view s) {
  return Value::string(s);
}
Value number(std::string_view s) {
  return Value{Value::Kind::Number, s};
}

// The prefix is the first 8 bytes as a big-endian number, zeros past a shorter key's end: for
// every length (the one-load path of 8 and more, the byte loop below) and bytes above 0x7f.
TEST(SortKeys, PrefixOrdersAsTheFirstEightBytes) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> byte(0, 255), length(0, 12);
  for (int round = 0; round < 20000; ++round) {
    std::string a(static_cast<std::size_t>(length(random)), '\0');
    std::string b(static_cast<std::size_t>(length(random)), '\0');
    for (char& c : a) c = static_cast<char>(byte(random) % 4 == 0 ? 0xff : byte(random));
    for (char& c : b) c = static_cast<char>(round % 2 == 0 && !a.empty() ? a[0] : byte(random));
    std::string a8 = a.substr(0, 8), b8 = b.substr(0, 8);
    a8.resize(8, '\0');
    b8.resize(8, '\0');
    const int order = compare_keys(a8, b8);
    const std::uint64_t pa = key_prefix(a), pb = key_prefix(b);
    EXPECT_EQ(order < 0, pa < pb) << round;
    EXPECT_EQ(order == 0, pa == pb) << round;
  }
  EXPECT_EQ(key_prefix("\x01\x02"), 0x0102000000000000u);
  EXPECT_EQ(key_prefix("abcdefghij"), 0x6162636465666768u);
  EXPECT_EQ(key_prefix(""), 0u);
}

TEST(SortKeys, TextIsBytewiseAndAPrefixComesFirst) {
  using namespace std::string_view_literals;
  const std::vector<Value> ascending = {text(""),  text("\0"sv),     text("\0\0"sv), text("A"),
                                        text("a"), text("a\0"sv),    text("a\x01"),  text("ab"),
                                        text("b"), text("\xc3\xa9"), text("\xff"),   Value::null()};
  for (const bool last : {true, false}) {
    expect_ascending(ascending, false, false, last);
    std::vector<Value> descending(ascending.rbegin() + 1, ascending.rend());
    descending.push_back(Value::null());  // missing stays last
    expect_ascending(descending, false, true, last);
  }
}

TEST(SortKeys, NumbersThenTextThenMissing) {
  const std::vector<Value> ascending = {
      number("-1e300"), text("-5"),        number("-0.5"), number("0"),
      text(" 0.25 "),   number("2"),       text("10"),     number("1e3"),
      number("1e300"),  text("10 apples"), text("abc"),    Value{Value::Kind::Bool, "true"},
      Value::null()};
  expect_ascending(ascending, true, false);
  // -r reverses the numbers and the texts, and keeps numbers first and missing values last.
  expect_ascending({number("1e300"), number("1e3"), text("10"), number("2"), number("0"),
                    number("-1e300"), text("true"), text("abc"), text("10 apples"), Value::null()},
                   true, true);
  EXPECT_EQ(compare_keys(key_of(number("-0"), true, false), key_of(number("0"), true, false)), 0);
  EXPECT_EQ(compare_keys(key_of(text("1.50"), true, false), key_of(number("1.5"), true, false)), 0);
}

TEST(SortKeys, IntegersBeyondADoubleCompareExactly) {
  expect_ascending(
      {number("-9007199254740993"), number("-9007199254740992"), number("9007199254740992"),
       number("9007199254740993"), number("1860000000000000000"), number("1860000000000000001"),
       number("9223372036854775807"), number("18446744073709551614"),
       number("18446744073709551615")},
      true, false);
  expect_ascending({number("1860000000000000001"), number("1860000000000000000")}, true, true);
}

TEST(SortKeys, KeysAfterAKeyOnlyBreakItsTies) {
  // ("a", "z") before ("a\0", "a") before ("ab", "a"): the first key decides, whatever follows.
  const auto two = [](std::string_view first, std::string_view second) {
    std::string out;
    SortKeyMaker::append_value(out, text(first), SortKey{}, false);
    SortKeyMaker::append_value(out, text(second), SortKey{}, true);
    return out;
  };
  using namespace std::string_view_literals;
  EXPECT_LT(compare_keys(two("a", "z"), two("a\0"sv, "a")), 0);
  EXPECT_LT(compare_keys(two("a\0"sv, "a"), two("ab", "a")), 0);
  EXPECT_LT(compare_keys(two("a", "a"), two("a", "b")), 0);
}

// The stage, built through the language, over `input` (`per_batch` lines a batch), and cut at
// `head` records (the planner's fusion) when given.
Lines run(const std::string& stage, Lines input, std::optional<std::uint64_t> head = {},
          unsigned threads = 2) {
  Context ctx;
  ctx.options.threads = threads;
  BuiltStage built = test::build_stage(stage, ctx);
  BatchStream source = test::lines_source(std::move(input), 7);
  return test::collect(head ? built.transform_first(std::move(source), *head)
                            : built.transform(std::move(source)));
}

// Lines "KEY NUMBER SERIAL": few keys, so that many are equal, and the serial shows their order.
Lines random_lines(std::size_t count, unsigned seed) {
  std::mt19937 random(seed);
  const std::vector<std::string> keys = {"b", "a", "ab", "", "B", "é", "a\x01"};
  Lines lines;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& key = keys[random() % keys.size()];
    const long number = static_cast<long>(random() % 2001) - 1000;
    lines.push_back((key.empty() ? "-" : key) + " " + std::to_string(number) + " " +
                    std::to_string(i));
  }
  return lines;
}

std::string field(const std::string& line, int n) {
  std::size_t start = 0;
  for (int i = 0; i < n; ++i) start = line.find(' ', start) + 1;
  return line.substr(start, line.find(' ', start) - start);
}

TEST(SortStage, WholeLinesEqualAStableBytewiseSort) {
  const Lines input = random_lines(3000, 1);
  Lines want = input;
  std::stable_sort(want.begin(), want.end());
  for (const unsigned threads : {1u, 3u}) {
    EXPECT_EQ(run("sort", input, {}, threads), want);
    EXPECT_EQ(run("sort --mem 64KiB", input, {}, threads), want);  // spilled, runs merged
  }
}

TEST(SortStage, KeysAreStableInMemoryAndSpilled) {
  const Lines input = random_lines(5000, 2);
  Lines by_key = input;
  std::stable_sort(by_key.begin(), by_key.end(), [](const std::string& a, const std::string& b) {
    return field(a, 0) < field(b, 0);
  });
  Lines by_number_down = input;
  std::stable_sort(by_number_down.begin(), by_number_down.end(),
                   [](const std::string& a, const std::string& b) {
                     const long x = std::stol(field(a, 1)), y = std::stol(field(b, 1));
                     if (x != y) return x > y;
                     return field(a, 0) < field(b, 0);
                   });
  for (const std::string mem : {"", " --mem 64KiB"}) {
    EXPECT_EQ(run("sort 0" + mem, input), by_key);
    EXPECT_EQ(run("sort -r -n 1 0" + mem, input), by_number_down);
  }
}

TEST(SortStage, HeadKeepsTheBestAsTheWholeSortWould) {
  const Lines input = random_lines(4000, 3);
  const Lines all = run("sort -r -n 1 0", input);
  for (const std::uint64_t n : {0, 1, 7, 1000, 4000, 9000}) {
    const Lines want(all.begin(), all.begin() + std::min<std::size_t>(n, all.size()));
    EXPECT_EQ(run("sort -r -n 1 0", input, n), want) << n;
    // N records that outgrow --mem: sorted as without head, spilled, and still the same.
    EXPECT_EQ(run("sort -r -n 1 0 --mem 64KiB", input, n), want) << n;
  }
}

TEST(SortStage, AConsumerThatStopsEarlyEndsTheMergeThread) {
  // The merge runs on a thread of its own (threads > 2): dropping the stream after one batch,
  // as head does, must stop and join it, spilled runs and all. At 2 threads the merge runs on
  // the consumer's thread beside the prefetcher's: the same must hold.
  const Lines input = random_lines(20000, 5);
  for (const unsigned threads : {2u, 3u}) {
    for (const std::string stage : {"sort 0", "sort 0 --mem 64KiB"}) {
      Context ctx;
      ctx.options.threads = threads;
      BuiltStage built = test::build_stage(stage, ctx);
      BatchStream out = built.transform(test::lines_source(input, 100));
      std::size_t batches = 0;
      for (Batch& batch : out) {
        EXPECT_FALSE(batch.records().empty());
        if (++batches == 1) break;
      }
      EXPECT_EQ(batches, 1u);
    }
  }
}

TEST(SortStage, LongSharedPrefixesAndZeroBytes) {
  // Keys equal for long stretches, past the depth where whole keys are compared, and keys that
  // hold 0 bytes or end where others go on.
  std::mt19937 random(4);
  Lines input;
  for (int i = 0; i < 2000; ++i) {
    std::string line(static_cast<std::size_t>(random() % 3) * 40, 'x');
    for (std::size_t n = random() % 12; n-- > 0;) line.push_back("\0\x01xy"[random() % 4]);
    input.push_back(line);
  }
  Lines want = input;
  std::stable_sort(want.begin(), want.end());
  EXPECT_EQ(run("sort", input), want);
  EXPECT_EQ(run("sort --mem 64KiB", input, {}, 1), want);
  Lines down = input;
  std::stable_sort(down.begin(), down.end(), std::greater<>());
  EXPECT_EQ(run("sort -r", input), down);
}

TEST(SortStage, RecordsLargerThanABlockStoredAndCompressed) {
  // Lines longer than a run's block (64 KiB) and than a buffer's blocks at this --mem, among
  // short ones, in runs written stored and compressed: each large unit is a block of its own,
  // and what the buffer keeps changes shape from run to run.
  std::mt19937 random(6);
  Lines input;
  for (int i = 0; i < 300; ++i) {
    const std::size_t length = i % 10 == 0 ? 70000 + random() % 5000 : random() % 40;
    std::string line(length, 'a');
    for (char& c : line) c = static_cast<char>('a' + random() % 26);
    input.push_back(line);
  }
  Lines want = input;
  std::stable_sort(want.begin(), want.end());
  for (const std::string when : {"always", "never"}) {
    for (const unsigned threads : {1u, 3u}) {
      EXPECT_EQ(run("sort --mem 64KiB --compress-temp " + when, input, {}, threads), want)
          << when << " " << threads;
    }
  }
}

TEST(SortStage, MissingFieldsComeLast) {
  EXPECT_EQ(run("sort 1", {"a 2", "b", "c 1", "d", "e 0"}), (Lines{"e 0", "c 1", "a 2", "b", "d"}));
  EXPECT_EQ(run("sort -r 1", {"a 2", "b", "c 1", "d", "e 0"}),
            (Lines{"a 2", "c 1", "e 0", "b", "d"}));
  EXPECT_EQ(run("sort -n -1 --sep ,", {"a,10", "b,9", "c,x", "d,-1"}),
            (Lines{"d,-1", "b,9", "a,10", "c,x"}));
}

TEST(SortStage, ArgumentErrorsPointAtTheArgument) {
  EXPECT_EQ(test::pipeline_error("sort 1 -r"),
            "'-r' applies to the key after it, and none follows (sort -r F) @7+2");
  EXPECT_EQ(test::pipeline_error("sort -q 1"), "unknown option '-q' for 'sort' @5+2");
  EXPECT_EQ(test::pipeline_error("sort --mem 10"), "--mem must be at least 64KiB, got '10' @11+2");
  EXPECT_EQ(test::pipeline_error("sort --mem lots"),
            "expected a size such as 64KiB, got 'lots' @11+4");
  EXPECT_EQ(test::pipeline_error("sort -rn 1 -n 2"), "no error");
}

}  // namespace
}  // namespace gpipe
