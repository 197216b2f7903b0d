// Pins the semantics of gpipe::generator that the pipeline relies on.
#include "gpipe/generator.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace gpipe {
namespace {

generator<int> count_to(int n, int* started = nullptr) {
  if (started != nullptr) ++*started;
  for (int i = 1; i <= n; ++i) co_yield i;
}

template <class G>
std::vector<int> drain(G&& gen) {
  std::vector<int> out;
  for (int v : gen) out.push_back(v);
  return out;
}

TEST(Generator, YieldsValuesInOrder) {
  EXPECT_EQ(drain(count_to(4)), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_TRUE(drain(count_to(0)).empty());
}

TEST(Generator, IsLazyUntilBegin) {
  int started = 0;
  auto gen = count_to(3, &started);
  EXPECT_EQ(started, 0);
  auto it = gen.begin();
  EXPECT_EQ(started, 1);
  EXPECT_EQ(*it, 1);
}

TEST(Generator, IsMoveOnlyAndMovesItsFrame) {
  static_assert(!std::is_copy_constructible_v<generator<int>>);
  static_assert(std::is_nothrow_move_constructible_v<generator<int>>);
  static_assert(!std::is_default_constructible_v<generator<int>>);
  auto a = count_to(2);
  auto b = std::move(a);
  EXPECT_EQ(drain(b), (std::vector<int>{1, 2}));
}

// Records when its frame is destroyed, like a file closing.
struct CloseFlag {
  bool* closed;
  ~CloseFlag() { *closed = true; }
};

generator<int> endless_with_resource(bool* closed, int* produced) {
  CloseFlag flag{closed};
  for (int i = 0;; ++i) {
    ++*produced;
    co_yield i;
  }
}

generator<int> take(generator<int> upstream, int n) {
  if (n == 0) co_return;
  int taken = 0;
  for (int v : upstream) {
    co_yield v;
    if (++taken == n) break;
  }
}

TEST(Generator, DestroyingAConsumerDestroysItsUpstreamAtOnce) {
  bool closed = false;
  int produced = 0;
  {
    auto head = take(endless_with_resource(&closed, &produced), 3);
    auto it = head.begin();
    ++it;
    ++it;
    EXPECT_EQ(*it, 2);
    EXPECT_FALSE(closed);
  }
  EXPECT_TRUE(closed);
  EXPECT_EQ(produced, 3);  // nothing read beyond what was consumed
}

TEST(Generator, EndlessSourceStopsWhenConsumerStopsPulling) {
  bool closed = false;
  int produced = 0;
  EXPECT_EQ(drain(take(endless_with_resource(&closed, &produced), 5)),
            (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(closed);
  EXPECT_EQ(produced, 5);
}

generator<int> throws_after(int n) {
  for (int i = 0; i < n; ++i) co_yield i;
  throw std::runtime_error("boom at " + std::to_string(n));
}

TEST(Generator, ExceptionSurfacesAtTheConsumersIncrement) {
  auto gen = throws_after(2);
  auto it = gen.begin();
  EXPECT_EQ(*it, 0);
  ++it;
  EXPECT_EQ(*it, 1);
  EXPECT_THROW(
      {
        try {
          ++it;
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "boom at 2");
          throw;
        }
      },
      std::runtime_error);
}

TEST(Generator, ExceptionBeforeFirstYieldSurfacesAtBegin) {
  auto gen = throws_after(0);
  EXPECT_THROW(gen.begin(), std::runtime_error);
}

TEST(Generator, ExceptionPropagatesThroughAChainOfStages) {
  auto chain = take(take(throws_after(3), 10), 10);
  std::vector<int> seen;
  EXPECT_THROW(
      {
        for (int v : chain) seen.push_back(v);
      },
      std::runtime_error);
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2}));
}

// Yield-from: the multi-file source delegates to one generator per file.
generator<int> nested_yield_from(int depth) {
  co_yield depth;
  if (depth > 0) co_yield elements_of(nested_yield_from(depth - 1));
  co_yield -depth;
}

TEST(Generator, ElementsOfDelegatesToSubGenerators) {
  EXPECT_EQ(drain(nested_yield_from(2)), (std::vector<int>{2, 1, 0, 0, -1, -2}));
}

TEST(Generator, ElementsOfWithEmptySubGenerators) {
  auto gen = []() -> generator<int> {
    co_yield elements_of(count_to(0));
    co_yield 7;
    co_yield elements_of(count_to(0));
  }();
  EXPECT_EQ(drain(gen), (std::vector<int>{7}));
}

TEST(Generator, DeepDelegationDoesNotGrowTheStack) {
  // 100,000 nested levels would overflow the machine stack if resumption recursed.
  EXPECT_EQ(drain(nested_yield_from(100000)).size(), 200002u);
}

generator<int> inner_throws() {
  co_yield 1;
  throw std::logic_error("inner");
}

TEST(Generator, ExceptionInSubGeneratorReachesTheParentFirst) {
  auto gen = []() -> generator<int> {
    bool failed = false;
    try {
      co_yield elements_of(inner_throws());
    } catch (const std::logic_error&) {
      failed = true;  // the parent may handle it and go on
    }
    if (failed) co_yield 99;
  }();
  EXPECT_EQ(drain(gen), (std::vector<int>{1, 99}));
  auto unhandled = []() -> generator<int> { co_yield elements_of(inner_throws()); }();
  EXPECT_THROW(drain(unhandled), std::logic_error);
}

TEST(Generator, DestroyingParentDestroysActiveSubGenerator) {
  bool closed = false;
  int produced = 0;
  {
    auto gen = [](bool* c, int* p) -> generator<int> {
      co_yield elements_of(endless_with_resource(c, p));
    }(&closed, &produced);
    auto it = gen.begin();
    EXPECT_EQ(*it, 0);
    EXPECT_FALSE(closed);
  }
  EXPECT_TRUE(closed);
}

TEST(Generator, ReferenceGeneratorYieldsTheObjectItself) {
  // Stages yield Batch& so downstream edits the upstream's batch in place.
  std::vector<int> storage{1, 2, 3};
  auto gen = [](std::vector<int>& v) -> generator<std::vector<int>&> {
    co_yield v;
    co_yield v;
  }(storage);
  int round = 0;
  for (std::vector<int>& v : gen) {
    EXPECT_EQ(&v, &storage);
    v.push_back(round++);
  }
  EXPECT_EQ(storage, (std::vector<int>{1, 2, 3, 0, 1}));
}

TEST(Generator, ValueGeneratorCopiesYieldedLvalues) {
  auto gen = []() -> generator<std::string> {
    std::string s = "a";
    co_yield s;  // a copy: changing s afterwards must not change what was seen
    s = "b";
    co_yield s;
  }();
  std::vector<std::string> seen;
  for (std::string&& s : gen) seen.push_back(std::move(s));
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

TEST(Generator, MoveOnlyValues) {
  auto gen = []() -> generator<std::unique_ptr<int>> { co_yield std::make_unique<int>(5); }();
  for (std::unique_ptr<int>&& p : gen) {
    std::unique_ptr<int> mine = std::move(p);
    EXPECT_EQ(*mine, 5);
  }
}

}  // namespace
}  // namespace gpipe
