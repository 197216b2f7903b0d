#include "exec/run_stats.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "io/input_meter.hpp"
#include "simd/newline_count.hpp"

namespace gpipe {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t nanoseconds(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) {
  counter.fetch_add(n, std::memory_order_relaxed);
}
void add(std::atomic<std::int64_t>& counter, std::int64_t n) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

// Sets the tally for the time it lives, and puts the one before back.
class TallyScope {
 public:
  explicit TallyScope(BadRecordTally* tally) : before_(ErrorPolicy::tally_on_this_thread(tally)) {}
  ~TallyScope() { ErrorPolicy::tally_on_this_thread(before_); }
  TallyScope(const TallyScope&) = delete;
  TallyScope& operator=(const TallyScope&) = delete;

 private:
  BadRecordTally* before_;
};

// Records per input file: the source's batches each come from one file.
class FileRecords {
 public:
  void add_batch(const Batch& batch, std::uint64_t records) {
    if (batch.origin() == nullptr || records == 0) return;
    if (batch.origin() != origin_) {
      origin_ = batch.origin();
      meter_ = InputMeters::find_or_add(origin_->name);
    }
    if (meter_ != nullptr) add(meter_->records, records);
  }

 private:
  const Origin* origin_ = nullptr;
  InputMeter* meter_ = nullptr;
};

class TimedPartial final : public PartialAggregate {
 public:
  TimedPartial(std::unique_ptr<PartialAggregate> inner, StageMeter& meter)
      : inner_(std::move(inner)), meter_(meter) {}
  void add(Batch& batch, std::uint64_t chunk) override {
    const Clock::time_point start = Clock::now();
    {
      const TallyScope tally(&meter_);
      inner_->add(batch, chunk);
    }
    gpipe::add(meter_.extra_ns, nanoseconds(Clock::now() - start));
  }
  void add_partial_line(std::string_view line) override { inner_->add_partial_line(line); }
  std::unique_ptr<PartialAggregate> inner_;

 private:
  StageMeter& meter_;
};

double seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

std::string fixed(double value, int decimals) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// in = out + dropped + bad; a stage that makes records (items) has `added` instead.
struct Balance {
  std::uint64_t in, out, bad, dropped, added;
};

Balance balance(const StageMeter& meter) {
  const std::uint64_t out = meter.out.load();
  const std::uint64_t bad = meter.bad.load();
  // A source takes nothing in: what it found is what it made and what was bad.
  const std::uint64_t in = meter.is_source ? out + bad : meter.in.load();
  const std::uint64_t gone = out + bad;
  return Balance{in, out, bad, in > gone ? in - gone : 0, gone > in ? gone - in : 0};
}

std::string padded_left(std::string text, std::size_t width) {
  if (text.size() < width) text.insert(0, width - text.size(), ' ');
  return text;
}
std::string padded_right(std::string text, std::size_t width) {
  if (text.size() > width) text = text.substr(0, width - 1) + "…";
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

void StageMeter::count_bad(std::string_view reason) {
  add(bad, 1);
  const std::lock_guard lock(mutex_);
  // Reasons that name a detail (a column, a byte) could make many; a few dozen are plenty.
  constexpr std::size_t kMostReasons = 32;
  const auto found = reasons_.find(std::string(reason));
  if (found != reasons_.end()) {
    ++found->second;
  } else if (reasons_.size() < kMostReasons) {
    reasons_.emplace(reason, 1);
  } else {
    ++reasons_["(other reasons)"];
  }
}

std::map<std::string, std::uint64_t> StageMeter::bad_by_reason() const {
  const std::lock_guard lock(mutex_);
  return reasons_;
}

std::int64_t StageMeter::own_ns() const {
  return std::max<std::int64_t>(0, inclusive_ns.load() - upstream_ns.load()) + extra_ns.load();
}

std::uint64_t records_in(Batch& batch) {
  if (!batch.lines_pending()) return batch.records().size();
  const std::string_view block = batch.pending_block();
  if (block.empty()) return 0;
  const std::uint64_t newlines = count_newlines(block.data(), block.data() + block.size());
  return newlines + (block.back() == '\n' ? 0 : 1);
}

RunStats::RunStats(std::size_t stages) : started_(Clock::now()) {
  for (std::size_t i = 0; i <= stages; ++i) stages_.push_back(std::make_unique<StageMeter>());
}

BatchStream RunStats::edge(BatchStream in, StageMeter* up, StageMeter* down, EdgeCounts counts) {
  FileRecords files;
  const bool per_file = up != nullptr && up->is_source && counts.records_out;
  auto resume = [&](auto&& step) {
    const Clock::time_point start = Clock::now();
    {
      const TallyScope tally(up);
      step();
    }
    const std::int64_t spent = nanoseconds(Clock::now() - start);
    if (up != nullptr && counts.time_up) add(up->inclusive_ns, spent);
    if (down != nullptr && counts.time_down) add(down->upstream_ns, spent);
  };
  std::optional<decltype(in.begin())> it;  // (an iterator has no default constructor)
  resume([&] { it.emplace(in.begin()); });
  while (*it != in.end()) {
    Batch& batch = **it;
    const std::uint64_t n = records_in(batch);
    if (up != nullptr && counts.records_out) add(up->out, n);
    if (down != nullptr && counts.records_in) add(down->in, n);
    if (per_file) files.add_batch(batch, n);
    co_yield batch;
    resume([&] { ++*it; });
  }
}

std::shared_ptr<const AggregateSplit> RunStats::timed_split(
    std::shared_ptr<const AggregateSplit> split, StageMeter& meter) {
  auto timed = std::make_shared<AggregateSplit>(*split);
  timed->make_partial = [make = split->make_partial, &meter] {
    return std::make_unique<TimedPartial>(make(), meter);
  };
  // The merge gets its own partial states back, unwrapped.
  auto unwrap = [](std::vector<std::unique_ptr<PartialAggregate>> partials) {
    for (auto& partial : partials) {
      if (auto* timed_partial = dynamic_cast<TimedPartial*>(partial.get())) {
        partial = std::move(timed_partial->inner_);
      }
    }
    return partials;
  };
  timed->merge = [merge = split->merge, unwrap](auto partials) {
    return merge(unwrap(std::move(partials)));
  };
  if (split->merge_to_partial) {
    timed->merge_to_partial = [merge = split->merge_to_partial, unwrap](auto partials) {
      return merge(unwrap(std::move(partials)));
    };
  }
  return timed;
}

RunStats::Resources RunStats::resources() const {
  Resources r;
  r.wall = std::chrono::duration<double>(Clock::now() - started_).count();
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) {
    r.user = seconds(usage.ru_utime);
    r.system = seconds(usage.ru_stime);
    r.peak_rss = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // KiB on Linux
  }
  return r;
}

std::string RunStats::text(const PlanDescription& plan) const {
  const Resources r = resources();
  std::string out = "stats: " + fixed(r.wall, 3) + " s wall, " + fixed(r.user, 3) + " s user, " +
                    fixed(r.system, 3) + " s system, peak RSS " + readable_bytes(r.peak_rss) + "\n";
  out += "  #  stage                              in         out     dropped      bad    time\n";
  std::string reasons;
  for (std::size_t i = 0; i < plan.stages.size() && i < output_index(); ++i) {
    const StageMeter& meter = *stages_[i];
    const StageDescription& stage = plan.stages[i];
    if (stage.role == "format" || (stage.role == "sink" && meter.in == 0)) continue;
    const Balance b = balance(meter);
    std::string dropped = std::to_string(b.added != 0 ? b.added : b.dropped);
    if (b.added != 0) dropped.insert(0, 1, '+');
    out += padded_left(std::to_string(i + 1), 3) + "  " + padded_right(stage.call, 28) +
           padded_left(std::to_string(b.in), 11) + padded_left(std::to_string(b.out), 12) +
           padded_left(dropped, 12) + padded_left(std::to_string(b.bad), 9) +
           padded_left(fixed(static_cast<double>(meter.own_ns()) / 1e9, 3), 8) + " s" +
           (stage.on_threads ? "  (" + std::to_string(plan.threads) + " threads, summed)" : "") +
           "\n";
    for (const auto& [reason, count] : meter.bad_by_reason()) {
      reasons += "  bad in " + std::to_string(i + 1) + " " + stage.name + ": " +
                 std::to_string(count) + " × " + reason + "\n";
    }
  }
  const StageMeter& output = *stages_[output_index()];
  out += "     output: " + std::to_string(output.in.load()) + " records";
  if (output_bytes.load() != 0) out += ", " + readable_bytes(output_bytes.load());
  out += "\n" + reasons;
  for (const InputMeter* input : InputMeters::all()) {
    out += "  input " + input->name + ": " + readable_bytes(input->bytes_read()) + " read";
    if (!input->compression.empty()) {
      out += " (" + input->compression + ", " + readable_bytes(input->decompressed_bytes.load()) +
             " decompressed)";
    }
    out += ", " + std::to_string(input->records.load()) + " records\n";
  }
  return out;
}

std::string RunStats::json(const PlanDescription& plan) const {
  const Resources r = resources();
  std::string out = "{\"wall_seconds\":" + fixed(r.wall, 6) +
                    ",\"user_seconds\":" + fixed(r.user, 6) +
                    ",\"system_seconds\":" + fixed(r.system, 6) +
                    ",\"peak_rss_bytes\":" + std::to_string(r.peak_rss) + ",\"stages\":[";
  for (std::size_t i = 0; i < plan.stages.size() && i < output_index(); ++i) {
    const StageMeter& meter = *stages_[i];
    const StageDescription& stage = plan.stages[i];
    const Balance b = balance(meter);
    if (i != 0) out += ",";
    out += "{\"stage\":" + json_quote(stage.name) + ",\"call\":" + json_quote(stage.call) +
           ",\"threads\":" + std::to_string(stage.on_threads ? plan.threads : 1) +
           ",\"in\":" + std::to_string(b.in) + ",\"out\":" + std::to_string(b.out) +
           ",\"dropped\":" + std::to_string(b.dropped) + ",\"added\":" + std::to_string(b.added) +
           ",\"bad\":" + std::to_string(b.bad) + ",\"bad_by_reason\":{";
    bool first = true;
    for (const auto& [reason, count] : meter.bad_by_reason()) {
      if (!first) out += ',';
      out += json_quote(reason);
      out += ':';
      out += std::to_string(count);
      first = false;
    }
    out += "},\"seconds\":" + fixed(static_cast<double>(meter.own_ns()) / 1e9, 6) + "}";
  }
  const StageMeter& output = *stages_[output_index()];
  out += "],\"output\":{\"records\":" + std::to_string(output.in.load()) +
         ",\"bytes\":" + std::to_string(output_bytes.load()) + "},\"inputs\":[";
  bool first = true;
  for (const InputMeter* input : InputMeters::all()) {
    out += std::string(first ? "" : ",") + "{\"name\":" + json_quote(input->name) +
           ",\"compression\":" +
           (input->compression.empty() ? "\"none\"" : json_quote(input->compression)) +
           ",\"bytes_read\":" + std::to_string(input->bytes_read()) +
           ",\"bytes_decompressed\":" + std::to_string(input->content_bytes()) +
           ",\"records\":" + std::to_string(input->records.load()) + "}";
    first = false;
  }
  return out + "]}\n";
}

}  // namespace gpipe
