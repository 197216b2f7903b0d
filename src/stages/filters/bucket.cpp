// `bucket DURATION [on F] [--year Y]`: adds `_bucket`, the start of the time bucket that the
// record's timestamp falls in, for `count by _bucket`.
#include <optional>
#include <string>
#include <vector>

#include "core/field_edit.hpp"
#include "expr/functions.hpp"
#include "formats/time/timestamp.hpp"
#include "stages/filters/running_values.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

constexpr std::string_view kBucketField = "_bucket";
// Monday 1970-01-05: buckets of whole weeks start on Mondays (ISO 8601 weeks), not on the
// Thursday the epoch fell on.
constexpr EpochMillis kFirstMonday = 4 * kMillisPerDay;
constexpr std::int64_t kLatestYear = 9999;

struct BucketSpec {
  std::int64_t width = 0;    // milliseconds
  EpochMillis start_of = 0;  // a time where a bucket starts: 0, or the first Monday for weeks
  bool with_millis = false;  // the width is not whole seconds: bucket starts print milliseconds
  std::optional<FieldRef> field;
  std::string field_text;  // F as written, for messages
  YearlessRule yearless;
};

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t quotient = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient;
}

bool may_hold_time(const Value& value) {
  return value.kind == Value::Kind::String || value.kind == Value::Kind::Number;
}

// The first timestamp of a record: in its text, or the first field whose value is one.
bool detect_time(Batch& batch, const Record& record, const YearlessRule& yearless,
                 EpochMillis& out) {
  if (!record.has_fields()) return find_timestamp(record.text, yearless, out);
  const Field* const first = batch.fields().data() + record.first_field;
  for (const Field* field = first; field != first + record.field_count; ++field) {
    if (may_hold_time(field->value) && parse_timestamp(field->value.text, yearless, out)) {
      return true;
    }
  }
  return false;
}

// The record's time, or false with the reason in `message`.
bool time_of(Batch& batch, const Record& record, const BucketSpec& spec, EpochMillis& out,
             std::string& message) {
  if (!spec.field) {
    if (detect_time(batch, record, spec.yearless, out)) return true;
    message = record.has_fields()
                  ? "bucket: no field holds a timestamp (name the field: bucket DURATION on F)"
                  : "bucket: no timestamp in the line";
    return false;
  }
  const Value value = lookup_field(batch, record, *spec.field);
  if (may_hold_time(value) &&
      (parse_timestamp(value.text, spec.yearless, out) || read_epoch_number(value.text, out))) {
    return true;
  }
  message = "bucket on " + spec.field_text + ": ";
  if (value.is_null()) {
    message += "the record has no " + spec.field_text;
  } else if (value.text.find_first_not_of(" \t") == std::string_view::npos) {
    message += spec.field_text + " is empty";
  } else {
    append_value_excerpt(message, value);
    message += " is not a timestamp";
  }
  return false;
}

BatchStream bucket_records(BatchStream in, BucketSpec spec, Context* ctx) {
  FieldEditor editor(/*split_text=*/true);
  std::vector<Field> fields;  // reused for every record
  std::string message;
  for (Batch& batch : in) {
    // Records next to each other mostly share a bucket: its text is made once while they do.
    EpochMillis last_start = 0;
    std::string_view last_text;
    std::vector<Record>& records = batch.records();
    std::size_t kept = 0;
    for (Record record : records) {
      EpochMillis time = 0;
      if (!time_of(batch, record, spec, time, message)) {
        ctx->errors.report(BadRecord{batch.origin(), record.line, 0, message, record.text});
        continue;
      }
      const EpochMillis start =
          floor_div(time - spec.start_of, spec.width) * spec.width + spec.start_of;
      if (last_text.empty() || start != last_start) {
        char text[kUtcTextMax];
        last_text = batch.arena().store({text, format_utc(start, spec.with_millis, text)});
        last_start = start;
      }
      editor.fields_of(batch, record, fields);
      set_named_field(fields, kBucketField, Value::string(last_text));
      FieldEditor::replace_fields(batch, record, fields);
      records[kept++] = record;
    }
    records.resize(kept);
    co_yield batch;  // even empty: a tick or the end of a load batch (docs/design.md, Ticks)
  }
}

YearlessRule yearless_rule(StageArgs& args) {
  const std::optional<Argument> year = args.option({"--year"});
  if (!year) {
    return YearlessRule::around(static_cast<EpochMillis>(expr::start_time()) * kMillisPerSecond);
  }
  const std::size_t value = args.positional_number(*year, "the year");
  if (value < 1 || value > kLatestYear) args.fail(*year, "expected a year from 1 to 9999");
  return YearlessRule::fixed(static_cast<std::int64_t>(value));
}

BuiltStage build(StageArgs& args, Context& ctx) {
  BucketSpec spec;
  spec.yearless = yearless_rule(args);
  const Argument& duration = args.positional("DURATION (5m, 1h, 1d)");
  std::string reason;
  if (!parse_duration(duration.text, spec.width, reason)) args.fail(duration, reason);
  spec.with_millis = spec.width % kMillisPerSecond != 0;
  if (spec.width % (7 * kMillisPerDay) == 0) spec.start_of = kFirstMonday;
  if (const std::optional<Argument> on = args.optional_positional()) {
    if (on->text != "on")
      args.fail(*on, "expected 'on F' after the duration, got '" + on->text + "'");
    const Argument& field = args.positional("F after 'on'");
    spec.field = args.needed_field(field, ctx.demand);
    spec.field_text = field.text;
  }
  ctx.demand.need_all();  // the record keeps every field it has (and, without F, any may be it)
  BuiltStage built;
  built.transform = [spec = std::move(spec), context = &ctx](BatchStream in) {
    return bucket_records(std::move(in), spec, context);
  };
  return built;
}

}  // namespace

const StageInfo kBucket{
    .name = "bucket",
    .role = StageRole::Transform,
    .synopsis = "bucket DURATION [on F] [--year Y]",
    .summary = "adds _bucket, the start of the record's time bucket",
    .details =
        "Adds the field _bucket to each record: the start of the bucket of length DURATION that\n"
        "its timestamp falls in, for `count by _bucket` and the like. DURATION is a number and a\n"
        "unit, ms, s, m, h, d or w, or several (1h30m); months and years, of no fixed length,\n"
        "are not durations. Buckets are counted from 1970-01-01T00:00:00Z, so 1d starts at\n"
        "midnight UTC and 15m on the quarter hour; a whole number of weeks starts on a Monday.\n"
        "_bucket is ISO 8601 in UTC, 2026-11-21T10:05:00Z (with milliseconds when DURATION is\n"
        "not whole seconds), whatever the input's offset, so that the buckets of inputs written\n"
        "in different offsets group together and sort as text in time order. The record gets\n"
        "the field as `set` adds one (a text record becomes its fields, joined by a tab).\n"
        "\n"
        "Timestamps read: ISO 8601 / RFC 3339 (2026-11-21T10:00:00Z, 2026-11-21 10:00:00.123\n"
        "+05:30, a comma before the fraction, 2026/11/21 10:00:00, a date alone); epoch\n"
        "seconds (10 digits, a fraction allowed; not the 32-bit limits 2147483647 and\n"
        "4294967295) and milliseconds (13 digits); Apache [21/Nov/2026:10:00:00 +0000]; syslog\n"
        "Nov 21 10:00:00; ctime and Twitter (Sun Dec 04 04:47:44 2005, Sat Nov 21 00:00:00\n"
        "+0000 2026); RFC 2822 (Sat, 21 Nov 2026 10:00:00 GMT). A time without an offset is\n"
        "UTC (the machine's zone is never read). Fractions of a second are kept to the\n"
        "millisecond. Syslog leaves the year out: it is --year Y, or else the current year, but\n"
        "the year before for a date more than a month ahead of now (a December log read in\n"
        "January).\n"
        "\n"
        "Which timestamp: with `on F`, the value of F, which must be one timestamp (blanks\n"
        "and Apache's brackets around it allowed) or a number, epoch time told by its size\n"
        "(below 1e11 seconds, 1e14 milliseconds, 1e17 microseconds, else nanoseconds: a\n"
        "`set ts = strptime(…)` field too). Without F, the first one found: in a text line,\n"
        "the first timestamp starting and ending at a word boundary, anywhere in the line; in\n"
        "a record with fields (CSV, JSON, kv), the first field whose whole value is one (top-\n"
        "level JSON keys only: name a nested one with `on`). Each record is searched on its\n"
        "own. A record without a timestamp, or whose F is missing or not one, is a bad record\n"
        "(see --on-error) and is not passed on.\n"
        "\n"
        "  read sample-data/app-api.log | bucket 1m | count by _bucket\n"
        "  read sample-data/access.log | bucket 5m | count by _bucket 8\n"
        "  read sample-data/tweets.jsonl | json | bucket 1h on created_at | count by _bucket\n"
        "  read sample-data/users.csv | csv | bucket 1w on signup_date | count by _bucket",
    .build = build,
    .parallel = true,
};

}  // namespace gpipe::stages
