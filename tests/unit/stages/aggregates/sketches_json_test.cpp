// The sketches' states as JSON (`--partial`): read_json(write_json(s)) answers as s does and
// writes the same text again; numbers and keys come back bit for bit; anything malformed, cut
// short or of another sketch or version is a std::invalid_argument that says what is wrong.
#include <gtest/gtest.h>

#include <cfloat>
#include <functional>
#include <limits>

#include "sketch_test_data.hpp"
#include "stages/aggregates/sketches/distinct_sketch.hpp"
#include "stages/aggregates/sketches/frequent_values.hpp"
#include "stages/aggregates/sketches/quantile_sketch.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace gpipe::sketches {
namespace {

using test::json_of;

std::uint64_t hash_of(std::uint64_t value) {
  return XXH3_64bits(&value, sizeof value);
}

QuantileSketch quantile_of(const std::vector<double>& values) {
  QuantileSketch sketch;
  for (const double value : values) sketch.add(value);
  return sketch;
}

DistinctSketch distinct_of(std::uint64_t n) {
  DistinctSketch sketch;
  for (std::uint64_t i = 0; i < n; ++i) sketch.add(hash_of(i));
  return sketch;
}

FrequentValues frequent_of(const std::vector<std::string>& keys, std::size_t capacity) {
  FrequentValues values(capacity);
  for (const std::string& key : keys) values.add(key);
  return values;
}

const std::vector<double> kQs{0, 0.001, 0.1, 0.25, 0.5, 0.9, 0.99, 0.999, 1};

// The message of the std::invalid_argument that reading `json` throws, or "no error".
template <class Sketch>
std::string read_error(std::string_view json) {
  try {
    Sketch::read_json(json);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

template <class Sketch>
void expect_rejected(std::string_view json, std::string_view message) {
  const std::string error = read_error<Sketch>(json);
  EXPECT_NE(error.find(message), std::string::npos) << json << "\n gave: " << error;
}

TEST(SketchJsonTest, QuantileRoundTripsInBothModes) {
  const std::vector<std::vector<double>> inputs{
      {},
      {42},
      test::signed_values(5000, 1),
      test::pareto_values(200000, 2),
      test::signed_values(200000, 3),
      // Doubles whose shortest text is long, tiny, huge, or looks like an integer.
      {0.1, 1.0 / 3, 5e-324, DBL_MIN, DBL_MAX, -DBL_MAX, 123456789012345680.0, 1e21, 1e22,
       -2.5e-310, 18446744073709551616.0, 9007199254740993.0}};
  for (const std::vector<double>& values : inputs) {
    const QuantileSketch sketch = quantile_of(values);
    const std::string json = json_of(sketch);
    const QuantileSketch back = QuantileSketch::read_json(json);
    EXPECT_EQ(json_of(back), json);
    EXPECT_EQ(back.count(), sketch.count());
    EXPECT_EQ(back.is_exact(), sketch.is_exact());
    EXPECT_EQ(back.collapsed(), sketch.collapsed());
    EXPECT_EQ(back.quantiles(kQs), sketch.quantiles(kQs)) << json.substr(0, 200);
    EXPECT_EQ(back.memory_bytes() > 0, true);
  }
  // Bit for bit: every value of an exact state.
  const std::vector<double> awkward = inputs.back();
  const QuantileSketch back = QuantileSketch::read_json(json_of(quantile_of(awkward)));
  std::vector<double> sorted = awkward;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const double q = static_cast<double>(i) / static_cast<double>(sorted.size() - 1);
    EXPECT_EQ(back.quantile(q), sorted[i]) << i;
  }
}

TEST(SketchJsonTest, DistinctRoundTripsInBothModes) {
  for (const std::uint64_t n : {0u, 1u, 1000u, 1536u, 1537u, 100000u}) {
    const DistinctSketch sketch = distinct_of(n);
    const std::string json = json_of(sketch);
    const DistinctSketch back = DistinctSketch::read_json(json);
    EXPECT_EQ(json_of(back), json);
    EXPECT_EQ(back.estimate(), sketch.estimate());
    EXPECT_EQ(back.is_exact(), sketch.is_exact());
  }
  DistinctSketch with_zero;
  with_zero.add(0);
  with_zero.add(~std::uint64_t{0});
  EXPECT_EQ(json_of(DistinctSketch::read_json(json_of(with_zero))), json_of(with_zero));
}

TEST(SketchJsonTest, FrequentValuesRoundTripAnyBytes) {
  // Valid UTF-8 with every escape JSON has, invalid UTF-8, NUL, an overlong encoding, a lone
  // surrogate's encoding, and the empty key.
  std::vector<std::string> keys{"plain",
                                "quote\" back\\slash",
                                "tab\tnl\nff\fcr\r",
                                "\x01\x1f",
                                "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                                "\xff\xfe",
                                std::string("nul\0inside", 10),
                                "\xc0\xaf",
                                "\xed\xa0\x80",
                                "",
                                "\x7f"};
  std::vector<std::string> stream;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = 0; j <= i; ++j) stream.push_back(keys[i]);
  }
  for (const std::size_t capacity : {64u, 4u}) {
    const FrequentValues values = frequent_of(stream, capacity);
    const std::string json = json_of(values);
    const FrequentValues back = FrequentValues::read_json(json);
    EXPECT_EQ(json_of(back), json);
    EXPECT_EQ(back.top(100), values.top(100));
    EXPECT_EQ(back.total(), values.total());
    EXPECT_EQ(back.capacity(), values.capacity());
    EXPECT_EQ(back.error_bound(), values.error_bound());
  }
  // A summary read back goes on counting as the original does.
  const std::vector<std::string> more = {"plain", "new", "\xff\xfe", "plain"};
  FrequentValues original = frequent_of(stream, 64);
  FrequentValues back = FrequentValues::read_json(json_of(original));
  for (const std::string& key : more) {
    original.add(key);
    back.add(key);
  }
  EXPECT_EQ(json_of(back), json_of(original));
}

TEST(SketchJsonTest, FrequentValuesRoundTripAfterEvictions) {
  const std::vector<std::uint64_t> ranks = test::zipf_ranks(200000, 9, 50000, 1.1);
  std::vector<std::string> keys;
  for (const std::uint64_t rank : ranks) keys.push_back("k" + std::to_string(rank));
  const FrequentValues values = frequent_of(keys, 512);
  const std::string json = json_of(values);
  const FrequentValues back = FrequentValues::read_json(json);
  EXPECT_EQ(json_of(back), json);
  EXPECT_EQ(back.top(512), values.top(512));
  EXPECT_EQ(back.error_bound(), values.error_bound());
}

TEST(SketchJsonTest, QuantileRejectsMalformedStates) {
  using Q = QuantileSketch;
  expect_rejected<Q>("", "quantile state: not valid JSON");
  expect_rejected<Q>("{\"sketch\":\"quantile\",", "not valid JSON");
  expect_rejected<Q>("[1,2]", "not a JSON object");
  expect_rejected<Q>("{\"version\":1}", "no \"sketch\" name");
  expect_rejected<Q>("{\"sketch\":\"distinct\",\"version\":1}",
                     "this is a \"distinct\" state, not a \"quantile\" one");
  expect_rejected<Q>("{\"sketch\":\"quantile\"}", "no \"version\"");
  expect_rejected<Q>("{\"sketch\":\"quantile\",\"version\":2,\"exact\":[]}",
                     "version 2 is not supported (this gpipe reads version 1)");
  expect_rejected<Q>("{\"sketch\":\"quantile\",\"version\":1,\"exact\":[1,\"a\"]}",
                     "a value is not a finite number");
  expect_rejected<Q>("{\"sketch\":\"quantile\",\"version\":1,\"exact\":{}}", "is not an array");
  std::string too_many = "{\"sketch\":\"quantile\",\"version\":1,\"exact\":[0";
  for (int i = 0; i < 10000; ++i) too_many += ",1";
  expect_rejected<Q>(too_many + "]}", "an exact state holds more than 10000 values");
  expect_rejected<Q>("{\"sketch\":\"quantile\",\"version\":1}", "\"relative_accuracy\" is missing");
  // A valid sketch state, then one field at a time broken.
  const std::string valid = json_of(quantile_of(test::discrete_values(20000, 1)));
  ASSERT_NO_THROW(Q::read_json(valid));
  auto broken = [&](std::string_view from, std::string_view to) {
    std::string json = valid;
    const std::size_t at = json.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return json.replace(at, from.size(), to);
  };
  expect_rejected<Q>(broken("\"relative_accuracy\":0.01", "\"relative_accuracy\":0.02"),
                     "its relative accuracy is not 0.01");
  expect_rejected<Q>(broken("\"count\":20000", "\"count\":20001"),
                     "its bucket counts do not add up to its count");
  expect_rejected<Q>(broken("\"count\":20000", "\"count\":-5"), "\"count\" is not a whole number");
  expect_rejected<Q>(broken("\"min\":2.5", "\"min\":\"x\""), "\"min\" is not a finite number");
  expect_rejected<Q>(broken("\"min\":2.5", "\"min\":1e999"), "not valid JSON");
  expect_rejected<Q>(broken("\"min\":2.5", "\"min\":-2.5"),
                     "its min and max do not agree with its buckets");
  expect_rejected<Q>(broken("\"offset\":", "\"offset\":99999999"), "offset is out of range");
  expect_rejected<Q>(broken("\"counts\":[", "\"counts\":[0,"),
                     "counts must start and end with a non-zero count");
  expect_rejected<Q>(broken("\"counts\":[", "\"counts\":[-1,"), "count is not a whole number");
  expect_rejected<Q>(broken("\"collapsed\":false", "\"collapsed\":0"),
                     "needs \"offset\", \"counts\" and \"collapsed\"");
  expect_rejected<Q>(broken("\"positive\":{", "\"positive\":7,\"unknown\":{"),
                     "the positive store is not an object");
  expect_rejected<Q>(broken("\"counts\":[", "\"counts\":[18446744073709551615,"),
                     "counts add up beyond 2^64");
  // A sketch of no more values than an exact state holds is not one this gpipe writes.
  const std::string small =
      "{\"sketch\":\"quantile\",\"version\":1,\"relative_accuracy\":0.01,"
      "\"count\":3,\"min\":1.0,\"max\":1.0,\"zero\":0,\"positive\":{"
      "\"offset\":0,\"counts\":[3],\"collapsed\":false},\"negative\":{"
      "\"offset\":0,\"counts\":[],\"collapsed\":false}}";
  expect_rejected<Q>(small, "a sketch state must hold more than 10000 values");
  std::string many_buckets =
      "{\"sketch\":\"quantile\",\"version\":1,\"relative_accuracy\":0.01,"
      "\"count\":20000,\"min\":1.0,\"max\":1.0,\"zero\":0,\"positive\":{"
      "\"offset\":0,\"counts\":[1";
  for (int i = 0; i < 2048; ++i) many_buckets += ",1";
  expect_rejected<Q>(many_buckets + "],\"collapsed\":false}}", "has more than 2048 counts");
}

TEST(SketchJsonTest, DistinctRejectsMalformedStates) {
  using D = DistinctSketch;
  const std::string head = "{\"sketch\":\"distinct\",\"version\":1,\"precision\":14,";
  expect_rejected<D>("{\"sketch\":\"distinct\",\"version\":1,\"precision\":12,\"hashes\":\"\"}",
                     "its precision is not 14");
  expect_rejected<D>("{\"sketch\":\"distinct\",\"version\":3}", "version 3 is not supported");
  expect_rejected<D>(head + "\"hashes\":\"123\"}", "hashes of 16 hex digits");
  expect_rejected<D>(head + "\"hashes\":\"000000000000000g\"}", "holds a non-hex digit");
  expect_rejected<D>(head + "\"hashes\":\"00000000000000020000000000000001\"}",
                     "not in ascending order");
  expect_rejected<D>(head + "\"hashes\":\"00000000000000010000000000000001\"}",
                     "not in ascending order");
  expect_rejected<D>(head + "\"hashes\":" + std::string(1537 * 16, '0') + "}", "not valid JSON");
  expect_rejected<D>(head + "\"hashes\":\"" + std::string(1537 * 16, '0') + "\"}",
                     "must be at most 1536 hashes");
  expect_rejected<D>(head + "\"registers\":\"AAA\"}", "must be 16384 characters");
  expect_rejected<D>(head + "\"registers\":\"" + std::string(16383, 'A') + "0\"}",
                     "no register value");
  expect_rejected<D>(head + "\"registers\":\"" + std::string(16383, 'A') + "!\"}",
                     "no register value");
  expect_rejected<D>(head + "\"registers\":7}", "\"registers\" is not a string");
  expect_rejected<D>(head + "\"other\":7}", "the field \"registers\" is missing");
  EXPECT_EQ(D::read_json(head + "\"hashes\":\"\"}").estimate(), 0u);
  EXPECT_EQ(D::read_json(head + "\"registers\":\"" + std::string(16384, 'A') + "\"}").estimate(),
            DistinctSketch::kSparseLimit + 1);
}

TEST(SketchJsonTest, FrequentValuesRejectMalformedStates) {
  using F = FrequentValues;
  const std::string head = "{\"sketch\":\"top\",\"version\":1,";
  expect_rejected<F>(head + "\"capacity\":0,\"total\":0,\"counters\":[]}",
                     "its capacity is not from 1 to");
  expect_rejected<F>(head +
                         "\"capacity\":2,\"total\":5,\"counters\":[[\"a\",1,0],[\"b\",1,0],"
                         "[\"c\",1,0]]}",
                     "more counters than its capacity");
  expect_rejected<F>(head + "\"capacity\":4,\"total\":5,\"counters\":[[\"a\",1]]}",
                     "a counter is not [value, count, max_error]");
  expect_rejected<F>(head + "\"capacity\":4,\"total\":5,\"counters\":[\"a\"]}",
                     "a counter is not an array");
  expect_rejected<F>(head + "\"capacity\":4,\"total\":5,\"counters\":[[7,1,0]]}",
                     "a counter's value is neither a string nor {\"hex\"");
  expect_rejected<F>(head + "\"capacity\":4,\"total\":5,\"counters\":[[{\"hex\":\"abc\"},1,0]]}",
                     "even number of hex digits");
  expect_rejected<F>(head + "\"capacity\":4,\"total\":5,\"counters\":[[{\"hex\":\"zz\"},1,0]]}",
                     "non-hex digit");
  expect_rejected<F>(head + "\"capacity\":4,\"total\":5,\"counters\":[[\"a\",2,2]]}",
                     "not above its max_error");
  expect_rejected<F>(head + "\"capacity\":4,\"total\":5,\"counters\":[[\"a\",0,0]]}", "count is 0");
  expect_rejected<F>(head + "\"capacity\":4,\"total\":5,\"counters\":[[\"a\",3,0],[\"a\",1,0]]}",
                     "a value has two counters");
  expect_rejected<F>(head + "\"capacity\":4,\"total\":3,\"counters\":[[\"a\",3,0],[\"b\",1,0]]}",
                     "add up to more than its total");
  expect_rejected<F>(head + "\"capacity\":4,\"counters\":[]}", "\"total\" is missing");
  expect_rejected<F>("{\"sketch\":\"top\",\"version\":\"1\"}", "no \"version\" number");
  // The same bytes written as a string and as hex are the same key.
  expect_rejected<F>(head +
                         "\"capacity\":4,\"total\":5,\"counters\":[[\"a\",3,0],"
                         "[{\"hex\":\"61\"},1,0]]}",
                     "a value has two counters");
}

// Every prefix of a state, and every position of it changed to a few bytes: reading gives a
// state (which then writes and reads back stably) or std::invalid_argument, never a crash or
// another exception.
template <class Sketch>
void survives_damage(const std::string& json, std::size_t step) {
  for (std::size_t length = 0; length < json.size(); ++length) {
    EXPECT_THROW(Sketch::read_json(std::string_view(json).substr(0, length)), std::invalid_argument)
        << length;
  }
  for (std::size_t at = 0; at < json.size(); at += step) {
    for (const char c : {'0', '9', '-', '"', '}', ']', ',', 'x', '\\', '\0', '\xff'}) {
      std::string damaged = json;
      damaged[at] = c;
      try {
        const Sketch sketch = Sketch::read_json(damaged);
        const std::string again = json_of(sketch);
        EXPECT_EQ(json_of(Sketch::read_json(again)), again) << damaged;
      } catch (const std::invalid_argument&) {
      }
    }
  }
}

TEST(SketchJsonTest, DamagedStatesAreRejectedOrRead) {
  survives_damage<QuantileSketch>(json_of(quantile_of(test::discrete_values(20000, 4))), 1);
  survives_damage<QuantileSketch>(json_of(quantile_of({1.5, -2, 0, 1e300})), 1);
  survives_damage<DistinctSketch>(json_of(distinct_of(5)), 1);
  survives_damage<DistinctSketch>(json_of(distinct_of(5000)), 97);
  survives_damage<FrequentValues>(
      json_of(frequent_of({"a", "b", "a", "\xff", std::string("\0", 1), "\"q\""}, 4)), 1);
}

}  // namespace
}  // namespace gpipe::sketches
