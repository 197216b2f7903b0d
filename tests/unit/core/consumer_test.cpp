// Pins the semantics of gpipe::consumer that tee relies on.
#include "gpipe/consumer.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace gpipe {
namespace {

consumer<int> collect(std::vector<int>& out, int* started = nullptr, bool* finished = nullptr) {
  if (started != nullptr) ++*started;
  while (int* value = co_await next_sent) out.push_back(*value);
  if (finished != nullptr) *finished = true;
}

TEST(Consumer, TakesValuesInOrderAndEndsAtFinish) {
  std::vector<int> out;
  bool finished = false;
  consumer<int> sink = collect(out, nullptr, &finished);
  for (int v : {1, 2, 3}) sink.send(v);
  EXPECT_EQ(out, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(finished);
  sink.finish();
  EXPECT_TRUE(finished);
  EXPECT_TRUE(sink.done());
}

TEST(Consumer, IsLazyUntilTheFirstSendOrFinish) {
  std::vector<int> out;
  int started = 0;
  bool finished = false;
  consumer<int> sink = collect(out, &started, &finished);
  EXPECT_EQ(started, 0);
  sink.finish();  // never sent anything: the body still runs, and ends
  EXPECT_EQ(started, 1);
  EXPECT_TRUE(finished);
  EXPECT_TRUE(out.empty());
}

TEST(Consumer, SeesTheSentObjectItselfUntilItAwaitsAgain) {
  std::vector<int*> seen;
  auto body = [](std::vector<int*>& where) -> consumer<int> {
    while (int* value = co_await next_sent) {
      where.push_back(value);
      *value += 100;  // a consumer may edit what it was sent
    }
  };
  consumer<int> sink = body(seen);
  int a = 1;
  sink.send(a);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], &a);
  EXPECT_EQ(a, 101);
  sink.finish();
}

consumer<int> fail_at(int bad, int& taken) {
  while (int* value = co_await next_sent) {
    if (*value == bad) throw std::runtime_error("bad value " + std::to_string(bad));
    ++taken;
  }
}

TEST(Consumer, RethrowsAtSendThenIgnoresFurtherValues) {
  int taken = 0;
  consumer<int> sink = fail_at(2, taken);
  int one = 1;
  int two = 2;
  sink.send(one);
  EXPECT_THROW(sink.send(two), std::runtime_error);
  EXPECT_TRUE(sink.done());
  sink.send(one);  // ended: ignored, no crash
  sink.finish();   // ended: nothing to do
  EXPECT_EQ(taken, 1);
}

consumer<int> fail_at_end() {
  while (int* value = co_await next_sent) (void)value;
  throw std::runtime_error("cannot commit");
}

TEST(Consumer, RethrowsAtFinish) {
  consumer<int> sink = fail_at_end();
  int one = 1;
  sink.send(one);
  EXPECT_THROW(sink.finish(), std::runtime_error);
}

struct Flag {
  bool* destroyed;
  ~Flag() { *destroyed = true; }
};

consumer<int> holds(bool* destroyed, bool* after) {
  const Flag flag{destroyed};
  while (int* value = co_await next_sent) (void)value;
  *after = true;
}

TEST(Consumer, DestroyedMidwayRunsCleanupButNotTheRest) {
  bool destroyed = false;
  bool after = false;
  {
    consumer<int> sink = holds(&destroyed, &after);
    int one = 1;
    sink.send(one);
    EXPECT_FALSE(destroyed);
  }
  EXPECT_TRUE(destroyed);
  EXPECT_FALSE(after);
}

TEST(Consumer, AwaitingAfterTheEndIsALogicError) {
  auto body = []() -> consumer<int> {
    for (;;) co_await next_sent;
  };
  consumer<int> sink = body();
  EXPECT_THROW(sink.finish(), std::logic_error);
}

TEST(Consumer, IsMovable) {
  std::vector<int> out;
  consumer<int> first = collect(out);
  int one = 1;
  first.send(one);
  consumer<int> second = std::move(first);
  int two = 2;
  second.send(two);
  second.finish();
  EXPECT_EQ(out, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace gpipe
