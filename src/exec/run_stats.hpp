// --stats: per stage, the records that went in and came out, the time spent inside it and its
// bad records by reason; per input file, bytes and records; for the run, wall, user and system
// time and peak RSS.
//
// Counted per batch, never per record: the planner puts an edge between two stages (only when
// --stats is on), which adds a batch's records to the upstream stage's `out` and the downstream
// stage's `in`, and reads the clock around each resume of the upstream stage. A stage's own time
// is the time spent resuming it less the time it spent resuming its upstream, on the same
// thread. While an edge resumes its upstream, that stage is the one bad records are counted for
// (ErrorPolicy::tally_on_this_thread). Under -j every thread runs its own edges into the same
// counters (atomic), so the threads' counts and times are summed.
//
// So in = out + dropped + bad for every stage, with `dropped` what is left over (head's `in`
// is what it pulled before it stopped; an aggregate's `out` is its groups); a stage that makes
// more records than it takes (items) shows `added` instead.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exec/plan_description.hpp"
#include "gpipe/context.hpp"
#include "gpipe/record.hpp"
#include "gpipe/stage.hpp"

namespace gpipe {

class StageMeter final : public BadRecordTally {
 public:
  std::atomic<std::uint64_t> in{0};
  std::atomic<std::uint64_t> out{0};
  std::atomic<std::uint64_t> bad{0};
  std::atomic<std::int64_t> inclusive_ns{0};  // resuming this stage, on every thread
  std::atomic<std::int64_t> upstream_ns{0};   // of that, resuming its upstream
  std::atomic<std::int64_t> extra_ns{0};      // own time measured apart (-j aggregates' adds)
  bool is_source = false;

  void count_bad(std::string_view reason) override;
  std::map<std::string, std::uint64_t> bad_by_reason() const;
  std::int64_t own_ns() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> reasons_;
};

// What an edge counts. Under -j the parts of one edge may be counted on different threads, so
// each part can be left out where another thread counts it.
struct EdgeCounts {
  bool records_out = true;  // the batches' records into up.out (and per input file)
  bool records_in = true;   // and into down.in
  bool time_up = true;      // the resume time into up.inclusive_ns
  bool time_down = true;    // and into down.upstream_ns
};

class RunStats {
 public:
  // One meter per stage as planned, and one for the output (records written).
  explicit RunStats(std::size_t stages);

  StageMeter& stage(std::size_t index) { return *stages_[index]; }
  std::size_t output_index() const { return stages_.size() - 1; }
  std::atomic<std::uint64_t> output_bytes{0};

  // `in`, seen between stage `up` and stage `down` (null: not a stage, as the -j threads).
  BatchStream edge(BatchStream in, StageMeter* up, StageMeter* down, EdgeCounts counts = {});
  // An aggregate's split whose partial states time their adds into `meter` (-j).
  std::shared_ptr<const AggregateSplit> timed_split(std::shared_ptr<const AggregateSplit> split,
                                                    StageMeter& meter);

  // The run's end: the report for people (stderr), or one JSON object.
  std::string text(const PlanDescription& plan) const;
  std::string json(const PlanDescription& plan) const;

 private:
  struct Resources {
    double wall = 0, user = 0, system = 0;
    std::uint64_t peak_rss = 0;
  };
  Resources resources() const;

  std::vector<std::unique_ptr<StageMeter>> stages_;
  std::chrono::steady_clock::time_point started_;
};

// The records a batch holds, counted without splitting lines a source left pending (a grep
// after it may never split them).
std::uint64_t records_in(Batch& batch);

}  // namespace gpipe
