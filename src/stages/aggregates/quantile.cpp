// `quantile F P… [by G…]`: quantiles of a field's numbers per group, exact up to
// QuantileSketch::kExactLimit values a group, then a DDSketch with a 1% relative error.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>

#include "expr/value.hpp"
#include "gpipe/field_ref.hpp"
#include "stages/aggregates/grouped_aggregate.hpp"
#include "stages/aggregates/number_summary.hpp"
#include "stages/aggregates/numeric_aggregate.hpp"
#include "stages/aggregates/sketches/quantile_sketch.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

using sketches::QuantileSketch;

struct QuantileSpec {
  using State = QuantileSketch;
  using Input = double;

  FieldRef field;
  std::vector<FieldRef> by;
  std::string stage_text;
  std::vector<std::string> result_names;  // p50, p99.9
  std::vector<double> quantiles;          // 0.5, 0.999
  ErrorPolicy* errors;

  ReadResult read(Batch& batch, const Record& record, double& value) const {
    ReadNumber number;
    const ReadResult read = read_field_number(batch, record, field, *errors, number);
    value = number.value;
    return read;
  }
  void add(QuantileSketch& state, double value) const { state.add(value); }
  void combine(QuantileSketch& into, const QuantileSketch& from) const { into.merge(from); }
  std::size_t results(const QuantileSketch& state, std::vector<Value>& values, Arena& arena) const {
    for (const std::optional<double>& value : state.quantiles(quantiles)) {
      values.push_back(value ? double_number_value(arena, *value) : Value::null());
    }
    // Answers among the smallest magnitudes may be off by more than the bound: said once, so
    // that nobody takes them as within it.
    if (state.collapsed() && !warned_.exchange(true)) {
      spdlog::warn(
          "quantile: a group's numbers of one sign span more than the sketch's {} buckets (about "
          "17 powers of ten): answers among the smallest of them may be off by more than 1%",
          sketches::BucketStore::kMaxBuckets);
    }
    return 1;
  }
  mutable std::atomic<bool> warned_ = false;
  void write_state(const QuantileSketch& state, std::string& out) const { state.write_json(out); }
  QuantileSketch read_state(const simdjson::dom::element& state) const {
    return QuantileSketch::read_json(simdjson::minify(state));
  }
};

// P as written: `0.99` or `p99` (a percentage, `p99.9`). Its field name is the percentage:
// `p99.9`, whichever way it was written.
void read_quantile(StageArgs& args, const Argument& arg, QuantileSpec& spec) {
  std::string_view text = arg.text;
  const bool percent = text.starts_with('p') || text.starts_with('P');
  if (percent) text.remove_prefix(1);
  const std::optional<ReadNumber> number = read_number(text);
  if (!number || !number->decimal || number->mantissa < 0) {
    args.fail(arg, "expected a quantile: 0.99 or p99 (from 0 to 1, or p0 to p100)");
  }
  int scale = number->scale;
  Int128 percentage = number->mantissa;
  if (!percent) {
    for (; scale < 2; ++scale) percentage *= 10;
    scale -= 2;
  }
  const double q = number->value / (percent ? 100.0 : 1.0);
  if (q > 1) args.fail(arg, "a quantile is from 0 to 1 (p0 to p100)");
  std::string name = "p";
  name += decimal_text(percentage, scale);
  if (std::find(spec.result_names.begin(), spec.result_names.end(), name) !=
      spec.result_names.end()) {
    args.fail(arg, "'" + name + "' is asked twice");
  }
  spec.quantiles.push_back(q);
  spec.result_names.push_back(std::move(name));
}

BuiltStage build(StageArgs& args, Context& ctx) {
  auto spec = std::make_shared<QuantileSpec>();
  const Argument& field = args.positional("field");
  if (field.text == "by") args.fail(field, "missing the field F before 'by'");
  spec->field = args.needed_field(field, ctx.demand);
  std::vector<Argument> rest = args.rest();
  std::size_t i = 0;
  for (; i < rest.size() && rest[i].text != "by"; ++i) read_quantile(args, rest[i], *spec);
  if (spec->quantiles.empty()) args.fail("missing the quantiles P… (0.5 0.99, or p50 p99)");
  if (i < rest.size()) {
    if (i + 1 == rest.size()) args.fail(rest[i], "'by' needs at least one field");
    spec->by = args.needed_fields(std::span(rest).subspan(i + 1), ctx.demand);
  }
  args.finish();
  spec->stage_text = call_text(args.call());
  spec->errors = &ctx.errors;
  return grouped_aggregate_stage<QuantileSpec>(std::move(spec));
}

}  // namespace

const StageInfo kQuantile{
    .name = "quantile",
    .role = StageRole::Transform,
    .synopsis = "quantile F P… [by G…]",
    .summary = "quantiles (p50, p99, …) of a field's numbers, per group",
    .details =
        "The quantiles P of the numbers of field F, in all or per group of the `by` fields:\n"
        "the `by` fields, then one field per P, named as a percentage (`0.99` and `p99` both\n"
        "give `p99`; `p99.9`). The quantile q of n values is the value of rank floor(q(n-1))\n"
        "in sorted order, as DuckDB's quantile_disc: while exact, always one of the values,\n"
        "never an interpolation.\n"
        "\n"
        "Exact while a group holds up to 10,000 numbers. Past that, the group's values go into\n"
        "a DDSketch (Masson et al., VLDB 2019): every answer is within 1% relative error of the\n"
        "exact one (p0 and p100 are exact) while a group's numbers of one sign span at most\n"
        "about 17 powers of ten (past that the smallest lose the bound, and a warning says\n"
        "so), in at most about 16 KiB a sign per group (80 KiB\n"
        "while exact). Its merge adds bucket counts, which is exact and order-free, so -j,\n"
        "--partial | merge and one pass print the same bytes. Not t-digest: its merges are not\n"
        "associative and its error has no proof.\n"
        "\n" GPIPE_NUMERIC_FIELD_HELP
        "\n"
        "  read sample-data/access.log | quantile 9 p50 p99 by 8\n"
        "  read sample-data/tweets.jsonl | json | quantile favorite_count 0.5 0.9 0.999",
    .build = build,
    .memory = MemoryUse::GrowsWithGroups,
    .memory_bound = "up to 10,000 numbers, then a sketch of at most about 32 KiB",
};

}  // namespace gpipe::stages
