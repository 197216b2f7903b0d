// `top N F [by G…] [--exact]`: the N most frequent values of a field per group, by SpaceSaving in
// bounded memory, or counted exactly.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <stdexcept>

#include "gpipe/field_ref.hpp"
#include "stages/aggregates/grouped_aggregate.hpp"
#include "stages/aggregates/sketches/frequent_values.hpp"
#include "stages/aggregates/value_keys.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

using sketches::FrequentValues;

struct TopSpecBase {
  std::size_t n = 0;
  FieldRef field;
  std::vector<FieldRef> by;
  std::string stage_text;
  std::vector<std::string> result_names;  // F, count

  // Null and missing values are not values: they are not counted.
  ReadResult read(Batch& batch, const Record& record, Value& value) const {
    value = lookup_field(batch, record, field);
    return value.is_null() ? ReadResult::Empty : ReadResult::Value;
  }
  // One row: the value, its count.
  static void append_row(std::string_view key, std::uint64_t count, std::vector<Value>& values,
                         Arena& arena) {
    const Value value = key_value(key);
    values.push_back({value.kind, arena.store(value.text)});
    values.push_back(number_value(arena, count));
  }
};

// A group's SpaceSaving summary, made with the capacity N asks for when the group appears.
struct SketchState {
  std::optional<FrequentValues> values;
};

struct SketchSpec : TopSpecBase {
  using State = SketchState;
  using Input = Value;
  std::size_t capacity = 0;

  void add(SketchState& state, const Value& value) const {
    thread_local std::string key;
    value_key(value, key);
    if (!state.values) state.values.emplace(capacity);
    state.values->add(key);
  }
  void combine(SketchState& into, const SketchState& from) const {
    if (!from.values) return;
    if (!into.values) {
      into.values = from.values;
    } else {
      into.values->merge(*from.values);
    }
  }
  std::size_t results(const SketchState& state, std::vector<Value>& values, Arena& arena) const {
    if (!state.values) return 0;
    const std::vector<FrequentValues::Entry> top = state.values->top(n);
    for (const FrequentValues::Entry& entry : top) {
      append_row(entry.key, entry.count, values, arena);
      // A count that may be over the true one is said once, so that nobody takes it as exact.
      if (entry.max_error > 0 && !warned_.exchange(true)) {
        spdlog::warn(
            "top: counts may be up to {} over the true ones ({} counters for {} records in a "
            "group: the values are too evenly spread for the sketch); --exact counts exactly",
            entry.max_error, state.values->capacity(), state.values->total());
      }
    }
    return top.size();
  }
  mutable std::atomic<bool> warned_ = false;
  void write_state(const SketchState& state, std::string& out) const {
    (state.values ? *state.values : FrequentValues(capacity)).write_json(out);
  }
  SketchState read_state(const simdjson::dom::element& state) const {
    return SketchState{FrequentValues::read_json(simdjson::minify(state))};
  }
};

struct ExactSpec : TopSpecBase {
  using State = KeyMap<std::uint64_t>;
  using Input = Value;

  void add(State& state, const Value& value) const {
    thread_local std::string key;
    value_key(value, key);
    if (auto found = state.find(std::string_view(key)); found != state.end()) {
      ++found->second;
    } else {
      state.emplace(key, 1);
    }
  }
  void combine(State& into, const State& from) const {
    for (const auto& [key, count] : from) into[key] += count;
  }
  // The N largest counts, ties broken by the values' bytes (as the sketch does).
  std::size_t results(const State& state, std::vector<Value>& values, Arena& arena) const {
    std::vector<std::pair<std::string_view, std::uint64_t>> entries(state.begin(), state.end());
    const auto first = [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    };
    const std::size_t shown = std::min(n, entries.size());
    std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(shown),
                      entries.end(), first);
    for (std::size_t i = 0; i < shown; ++i)
      append_row(entries[i].first, entries[i].second, values, arena);
    return shown;
  }
  // {"counts":[[value,count],…]}, sorted by value.
  void write_state(const State& state, std::string& out) const {
    std::vector<std::pair<std::string_view, std::uint64_t>> entries(state.begin(), state.end());
    std::sort(entries.begin(), entries.end());
    out += "{\"counts\":[";
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out += ',';
      out += '[';
      append_key_json(out, entries[i].first);
      out += ',';
      out += std::to_string(entries[i].second);
      out += ']';
    }
    out += "]}";
  }
  State read_state(const simdjson::dom::element& state) const {
    simdjson::dom::array counts;
    if (state["counts"].get_array().get(counts) != simdjson::SUCCESS) {
      throw std::invalid_argument("an exact top state needs its \"counts\" array");
    }
    State map;
    for (simdjson::dom::element pair : counts) {
      std::uint64_t count = 0;
      if (!pair.is_array() || pair.at(1).get_uint64().get(count) != simdjson::SUCCESS) {
        throw std::invalid_argument("an exact top state's counts are [value, count] pairs");
      }
      map[key_from_json(pair.at(0))] += count;
    }
    return map;
  }
};

template <class Spec>
BuiltStage build_with(StageArgs& args, Context& ctx, std::size_t n) {
  auto spec = std::make_shared<Spec>();
  spec->n = n;
  read_field_and_groups(args, ctx, *spec);
  spec->result_names = {std::string(spec->field.name()), "count"};
  if constexpr (requires { spec->capacity; }) spec->capacity = FrequentValues::capacity_for_top(n);
  return grouped_aggregate_stage<Spec>(std::move(spec));
}

BuiltStage build(StageArgs& args, Context& ctx) {
  const bool exact = args.flag({"--exact"});
  const Argument& count = args.positional("N");
  const std::size_t n = args.positional_number(count, "N");
  if (n == 0) args.fail(count, "N must be at least 1");
  if (exact) return build_with<ExactSpec>(args, ctx, n);
  return build_with<SketchSpec>(args, ctx, n);
}

}  // namespace

const StageInfo kTop{
    .name = "top",
    .role = StageRole::Transform,
    .synopsis = "top N F [by G…] [--exact]",
    .summary = "the N most frequent values of a field, per group",
    .details =
        "The N most frequent values of field F with their counts, most frequent first (ties in\n"
        "the order of the values' bytes), in all or per group of the `by` fields: a record per\n"
        "value, the `by` fields, then F (named as written) and `count`. Null and missing values\n"
        "are not counted.\n"
        "\n"
        "By default SpaceSaving (Metwally et al.) with max(1024, 32N) counters a group: a count\n"
        "is never below the true one and at most the group's record count / counters above it,\n"
        "and every value more frequent than that is listed; skewed data (logs) gives the exact\n"
        "top. Merged as in Agarwal et al.'s mergeable summaries: the bound holds across -j and\n"
        "--partial | merge, with the same answer for the same split. --exact counts every value\n"
        "instead, in memory that grows with them.\n"
        "\n"
        "  read sample-data/access.log | top 3 6\n"
        "  read sample-data/access.log | top 2 6 by 8 --exact",
    .build = build,
    .memory = MemoryUse::GrowsWithGroups,
    .memory_bound = "max(1024, 32N) counters (--exact: every distinct value)",
};

}  // namespace gpipe::stages
