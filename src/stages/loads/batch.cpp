// `batch N [--bytes SIZE] [--every DURATION]`: groups records into load batches, each kept whole
// as OwnedRecords and passed on with its last Batch marked closes_load_batch, where sinks commit.
#include <chrono>
#include <optional>
#include <string>

#include "formats/time/timestamp.hpp"
#include "gpipe/owned_record.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

using Clock = std::chrono::steady_clock;

struct BatchLimits {
  std::size_t records = 0;
  std::size_t bytes = 0;               // 0: no limit
  std::chrono::milliseconds every{0};  // 0: no limit
};

// --state: where reading again gives every record after those a load batch holds, carried by
// its last Batch (whose origin is a copy of the source's: the state finds the file by name).
struct ResumePoint {
  std::uint64_t offset = 0;
  std::uint64_t line = 0;  // 0: none
};

// After record `index` of `batch`: the next record's start, or the batch's own resume point
// after its last.
ResumePoint resume_after(Batch& batch, std::size_t index) {
  const std::vector<Record>& records = batch.records();
  if (index + 1 < records.size()) {
    const Record& next = records[index + 1];
    return {next.offset, next.line};
  }
  if (batch.has_resume_point()) return {batch.resume_offset(), batch.resume_line()};
  return {};
}

// Yields the load batch `kept`, its last Batch marked as closing it and carrying `resume`.
BatchStream emit_load_batch(std::span<const OwnedRecord> kept, ResumePoint resume) {
  for (Batch& out : emit_owned_records(kept, {}, 4096, true)) {
    if (out.closes_load_batch() && resume.line != 0)
      out.set_resume_point(resume.offset, resume.line);
    co_yield out;
  }
}

// A record's size against --bytes: its text, as written.
std::size_t text_size(const Record& record) {
  return record.text.size();
}

BatchStream load_batches(BatchStream in, BatchLimits limits, Context& ctx) {
  std::vector<OwnedRecord> kept;  // slots reused from one load batch to the next
  std::size_t count = 0;
  std::size_t bytes = 0;
  Clock::time_point deadline{};  // --every: when the open load batch must close
  OriginKeeper origins;
  const std::string too_large =
      "record larger than batch --bytes (" + std::to_string(limits.bytes) + " bytes)";
  // --state: reading the file of the last record kept (by the source's origin) again from
  // `progress` gives every record not yet in a load batch or skipped; a file that ended before
  // it has all its records in load batches.
  const Origin* last_kept_from = nullptr;
  ResumePoint progress;
  for (Batch& batch : in) {
    const std::shared_ptr<const Origin>& origin = origins.keep(batch.origin());
    const std::vector<Record>& records = batch.records();
    for (std::size_t i = 0; i < records.size(); ++i) {
      const Record& record = records[i];
      const std::size_t size = text_size(record);
      if (limits.bytes != 0 && size > limits.bytes) {
        ctx.errors.report(BadRecord{batch.origin(), record.line, 0, too_large, record.text});
        if (last_kept_from == batch.origin()) progress = resume_after(batch, i);
        continue;
      }
      if (limits.bytes != 0 && count != 0 && bytes + size > limits.bytes) {
        co_yield elements_of(emit_load_batch(std::span(kept).first(count), progress));
        count = bytes = 0;
      }
      if (count == kept.size()) kept.emplace_back();
      kept[count++].assign(batch, record, origin);
      last_kept_from = batch.origin();
      progress = resume_after(batch, i);
      bytes += size;
      if (count == 1 && limits.every.count() != 0) deadline = Clock::now() + limits.every;
      if (count == limits.records) {
        co_yield elements_of(emit_load_batch(std::span(kept).first(count), progress));
        count = bytes = 0;
      }
    }
    if (last_kept_from == batch.origin() && batch.has_resume_point()) {
      progress = {batch.resume_offset(), batch.resume_line()};
    }
    if (count != 0 && limits.every.count() != 0 && Clock::now() >= deadline) {
      co_yield elements_of(emit_load_batch(std::span(kept).first(count), progress));
      count = bytes = 0;
    } else if (batch.raw_records().empty() && !batch.lines_pending()) {
      // --state: its resume point is past the records the open load batch holds.
      if (count != 0) batch.set_resume_point(0, 0);
      co_yield batch;  // a tick goes on: a sink after us may act on time too
    }
  }
  if (count != 0) co_yield elements_of(emit_load_batch(std::span(kept).first(count), progress));
}

BuiltStage build(StageArgs& args, Context& ctx) {
  BatchLimits limits;
  const std::optional<Argument> bytes = args.option({"--bytes"});
  const std::optional<Argument> every = args.option({"--every"});
  const Argument& count = args.positional("N");
  limits.records = args.positional_number(count, "N");
  if (limits.records == 0) args.fail(count, "N must be at least 1");
  if (bytes) {
    limits.bytes = args.size_argument(*bytes);
    if (limits.bytes == 0) args.fail(*bytes, "--bytes must be more than 0");
  }
  if (every) {
    std::int64_t millis = 0;
    std::string reason;
    if (!parse_duration(every->text, millis, reason)) args.fail(*every, reason);
    limits.every = std::chrono::milliseconds(millis);
    // A tick four times per interval: an open batch closes at most a quarter of --every late.
    const std::chrono::milliseconds tick = std::max(limits.every / 4, std::chrono::milliseconds(1));
    if (ctx.idle_tick.count() == 0 || tick < ctx.idle_tick) ctx.idle_tick = tick;
  }
  BuiltStage built;
  built.transform = [limits, &ctx](BatchStream in) {
    return load_batches(std::move(in), limits, ctx);
  };
  return built;
}

}  // namespace

const StageInfo kBatch{
    .name = "batch",
    .role = StageRole::Transform,
    .synopsis = "batch N [--bytes SIZE] [--every DURATION]",
    .summary = "groups records into load batches that sinks commit whole",
    .details =
        "Groups the records into load batches of N records and passes each on whole, marked\n"
        "as one: a sink after it commits once per batch (one JSON array with `to json-array`,\n"
        "one flush of the output; one transaction for database sinks). The records pass on\n"
        "unchanged and in order.\n"
        "\n"
        "--bytes SIZE  a batch also closes before the record that would take its text past\n"
        "              SIZE (64KiB, 1MiB; a record's text as read). A single record larger\n"
        "              than SIZE is a bad record (see --on-error): with skip it is left out.\n"
        "--every DURATION  a batch also closes once DURATION (500ms, 1s, 5m) has passed since\n"
        "              its first record came, even when the input is silent: reading a pipe\n"
        "              or a terminal then wakes every quarter of DURATION, so a batch closes\n"
        "              at most that much late. A compressed pipe does not wake; with\n"
        "              --every the stages run on one thread (-j is not used).\n"
        "\n"
        "It keeps the open batch's records, whole: memory is bounded by N records (and SIZE).\n"
        "\n"
        "  read sample-data/users.csv | csv | batch 2 | to json-array\n"
        "  read sample-data/app-api.log | batch 100 --bytes 1MiB --every 1s | to json-array",
    .build = build,
    .memory = MemoryUse::Bounded,
    .memory_bound = "N records (and --bytes)",
};

}  // namespace gpipe::stages
