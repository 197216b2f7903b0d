// `window N sum|avg|min|max|count… [F]`: each record, with statistics of F over the last N
// records (this one included). The window keeps the last N values, not records: a ring of
// numbers, an exact sum updated as values come and go, and a monotonic queue each for min and
// max, so every statistic costs O(1) per record (amortised), whatever N is.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/field_edit.hpp"
#include "stages/filters/running_values.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

constexpr Statistic kAllowed[] = {Statistic::Sum, Statistic::Avg, Statistic::Min, Statistic::Max,
                                  Statistic::Count};

// A value of the window: a number, or none (the record's F was missing).
struct Slot {
  Number number;
  bool present = false;
};

// Sequence numbers of the window's records, oldest first, whose values only grow (for min) or
// only shrink (for max) from front to back: the front is the window's min (max). A ring of at
// most N entries, grown as needed.
class MonotonicQueue {
 public:
  bool empty() const { return size_ == 0; }
  std::uint64_t front() const { return ring_[head_]; }
  void pop_front() {
    head_ = next(head_);
    --size_;
  }
  std::uint64_t back() const { return ring_[index(size_ - 1)]; }
  void pop_back() { --size_; }
  void push_back(std::uint64_t sequence) {
    if (size_ == ring_.size()) grow();
    ring_[index(size_)] = sequence;
    ++size_;
  }

 private:
  std::size_t next(std::size_t i) const { return i + 1 == ring_.size() ? 0 : i + 1; }
  std::size_t index(std::size_t offset) const {
    const std::size_t i = head_ + offset;
    return i >= ring_.size() ? i - ring_.size() : i;
  }
  void grow() {
    std::vector<std::uint64_t> bigger(std::max<std::size_t>(16, ring_.size() * 2));
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = ring_[index(i)];
    ring_ = std::move(bigger);
    head_ = 0;
  }
  std::vector<std::uint64_t> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

class SlidingWindow {
 public:
  explicit SlidingWindow(std::uint64_t length) : length_(length) {}

  // with_statistics' way in: for count alone any value counts (kept as a number 0, never
  // summed).
  void take(ValueRead read, const Number& number) {
    if (read == ValueRead::Missing) {
      push(std::nullopt);
    } else {
      push(read == ValueRead::Number ? number : Number{});
    }
  }

  // The next record's value (nullopt: missing); the record that falls out of the window, if
  // one does, is taken out first.
  void push(const std::optional<Number>& number) {
    const std::uint64_t sequence = pushed_++;
    if (sequence >= length_) expire(slot(sequence));  // the slot of sequence - N
    if (slots_.size() < length_ && sequence == slots_.size()) slots_.emplace_back();
    Slot& slot = this->slot(sequence);
    slot.present = number.has_value();
    if (!number) return;
    slot.number = *number;
    sum_.add(*number);
    ++present_;
    enqueue(minimums_, sequence, [](long double back, long double x) { return back >= x; });
    enqueue(maximums_, sequence, [](long double back, long double x) { return back <= x; });
    // Doubles added and subtracted for ever would drift by a rounding each time; summing the
    // window afresh once per N records bounds that, at O(1) a record.
    if (!sum_.is_integer() && ++since_fresh_sum_ >= length_) resum();
  }

  Value result(Statistic statistic, bool of_field, Arena& arena) {
    switch (statistic) {
      case Statistic::Sum:
        return sum_.as_value(arena);
      case Statistic::Avg:
        if (present_ == 0) return Value::null();
        return real_value(arena,
                          static_cast<double>(sum_.value() / static_cast<long double>(present_)));
      case Statistic::Count: {
        const std::uint64_t records = std::min(pushed_, length_);
        return integer_value(arena, static_cast<std::int64_t>(of_field ? present_ : records));
      }
      case Statistic::Min:
        return extreme(minimums_, arena);
      case Statistic::Max:
        return extreme(maximums_, arena);
    }
    return Value::null();
  }

 private:
  Slot& slot(std::uint64_t sequence) { return slots_[sequence % length_]; }

  void expire(const Slot& leaving) {
    if (!leaving.present) return;
    sum_.subtract(leaving.number);
    --present_;
  }

  // Drops from the front what has left the window (its slot may hold a newer value by now),
  // then from the back what the new value makes useless (for min: values not below it), and
  // appends it.
  template <class Useless>
  void enqueue(MonotonicQueue& queue, std::uint64_t sequence, Useless useless) {
    while (!queue.empty() && queue.front() + length_ <= sequence) queue.pop_front();
    const long double value = slot(sequence).number.exact();
    while (!queue.empty() && useless(slot(queue.back()).number.exact(), value)) queue.pop_back();
    queue.push_back(sequence);
  }

  Value extreme(MonotonicQueue& queue, Arena& arena) {
    // The front may have left the window since (records without a value came after it).
    while (!queue.empty() && queue.front() + length_ < pushed_) queue.pop_front();
    return queue.empty() ? Value::null() : value_of(arena, slot(queue.front()).number);
  }

  void resum() {
    ExactSum fresh;
    for (const Slot& s : slots_) {
      if (s.present) fresh.add(s.number);
    }
    sum_ = fresh;
    since_fresh_sum_ = 0;
  }

  const std::uint64_t length_;
  std::vector<Slot> slots_;  // grows to N, then each record overwrites the oldest
  std::uint64_t pushed_ = 0;
  ExactSum sum_;
  std::uint64_t present_ = 0;  // values in the window
  std::uint64_t since_fresh_sum_ = 0;
  MonotonicQueue minimums_;
  MonotonicQueue maximums_;
};

BuiltStage build(StageArgs& args, Context& ctx) {
  const Argument& length_argument = args.positional("N, the number of records in the window");
  const std::uint64_t length = args.positional_number(length_argument, "N");
  if (length == 0) args.fail(length_argument, "a window holds at least 1 record");
  StatisticsRequest request =
      read_statistics(args, ctx, "window " + length_argument.text, "window_", kAllowed);
  BuiltStage built;
  built.transform = [length, request = std::move(request), context = &ctx](BatchStream in) {
    return with_statistics(std::move(in), request, context, SlidingWindow(length));
  };
  return built;
}

}  // namespace

const StageInfo kWindow{
    .name = "window",
    .role = StageRole::Transform,
    .synopsis = "window N sum|avg|min|max|count… [F]",
    .summary = "each record with statistics of a field over the last N records",
    .details =
        "Passes on each record with statistics of the field F over a sliding window of the\n"
        "last N records, this one included (fewer at the start), added as fields at its end\n"
        "(as `set` adds one): window_sum, window_avg, window_min, window_max, window_count, in\n"
        "the order asked for. One stage can ask for several (window 100 avg max latency_ms);\n"
        "F, a name or a position as for `field`, is the last word. `window N count` without F\n"
        "counts the records in the window. A text record becomes its fields, as with set.\n"
        "\n"
        "Numbers, missing values and bad records are as for `running`: a record whose F is\n"
        "missing (absent, null or empty) still takes its place among the last N records, but\n"
        "adds nothing to the sum and is not counted by avg or by `count F`; avg, min and max are\n"
        "empty (null) while the window holds no number. A value that is not a number is a bad\n"
        "record (see --on-error) and takes no place in the window.\n"
        "\n"
        "The window keeps the last N values, never the records: the sum is updated as values\n"
        "come and go, exact for integers (128 bits) and compensated, and summed afresh once per\n"
        "N records, for doubles (no drift over a long run); min and max come from a monotonic\n"
        "queue. Each record costs the same whatever N is.\n"
        "\n"
        "  read sample-data/access.log | window 10 avg max 9 | field 9 window_avg window_max | "
        "head 12\n"
        "  read sample-data/tweets.jsonl | json | window 5 sum retweet_count | select id "
        "retweet_count window_sum",
    .build = build,
    .memory = MemoryUse::Bounded,
    .memory_bound = "N values",
};

}  // namespace gpipe::stages
