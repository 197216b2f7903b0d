#include "stages/aggregates/numeric_aggregate.hpp"

#include <string>

#include "gpipe/field_ref.hpp"
#include "stages/aggregates/grouped_aggregate.hpp"
#include "stages/aggregates/number_summary.hpp"

namespace gpipe::stages {

namespace {

constexpr std::size_t kShownValueBytes = 40;

struct NumericSpec {
  using State = NumberSummary;
  using Input = ReadNumber;

  FieldRef field;
  std::vector<FieldRef> by;
  std::string stage_text;
  std::vector<std::string> result_names;
  NumericResults kind;
  ErrorPolicy* errors;

  ReadResult read(Batch& batch, const Record& record, ReadNumber& number) const {
    return read_field_number(batch, record, field, *errors, number);
  }

  void add(NumberSummary& state, const ReadNumber& number) const { state.add(number); }
  void combine(NumberSummary& into, const NumberSummary& from) const { into.merge(from); }

  std::size_t results(const NumberSummary& state, std::vector<Value>& values, Arena& arena) const {
    switch (kind) {
      case NumericResults::Sum:
        values.push_back(state.sum(arena));
        break;
      case NumericResults::Avg:
        values.push_back(state.mean(arena));
        break;
      case NumericResults::Min:
        values.push_back(state.min(arena));
        break;
      case NumericResults::Max:
        values.push_back(state.max(arena));
        break;
      case NumericResults::Stats:
        values.push_back(state.count_value(arena));
        values.push_back(state.mean(arena));
        values.push_back(state.min(arena));
        values.push_back(state.max(arena));
        values.push_back(state.stddev(arena));
        break;
    }
    return 1;
  }

  void write_state(const NumberSummary& state, std::string& out) const { state.write_json(out); }
  NumberSummary read_state(const simdjson::dom::element& state) const {
    return NumberSummary::read_json(state);
  }
};

std::vector<std::string> names_of(NumericResults kind) {
  switch (kind) {
    case NumericResults::Sum:
      return {"sum"};
    case NumericResults::Avg:
      return {"avg"};
    case NumericResults::Min:
      return {"min"};
    case NumericResults::Max:
      return {"max"};
    case NumericResults::Stats:
      return {"count", "mean", "min", "max", "stddev"};
  }
  return {};
}

}  // namespace

ReadResult read_field_number(Batch& batch, const Record& record, const FieldRef& field,
                             ErrorPolicy& errors, ReadNumber& number) {
  const Value value = lookup_field(batch, record, field);
  bool not_a_number = false;
  const std::optional<ReadNumber> read = number_of(value, not_a_number);
  if (read) {
    number = *read;
    return ReadResult::Value;
  }
  if (!not_a_number) return ReadResult::Empty;
  std::string reason;
  if (field.kind() == FieldRef::Kind::Position) {
    reason.append("field ").append(field.name());
  } else {
    reason.append("field '").append(field.name()).append("'");
  }
  reason.append(" is not a number: ");
  const bool quoted = value.kind != Value::Kind::Bool && value.kind != Value::Kind::Json;
  if (quoted) reason.append("'");
  reason.append(value.text.substr(0, kShownValueBytes));
  if (value.text.size() > kShownValueBytes) reason.append("…");
  if (quoted) reason.append("'");
  errors.report(BadRecord{batch.origin(), record.line, 0, reason, record.text});
  return ReadResult::Bad;
}

BuiltStage build_numeric_aggregate(StageArgs& args, Context& ctx, NumericResults results) {
  auto spec = std::make_shared<NumericSpec>();
  read_field_and_groups(args, ctx, *spec);
  spec->result_names = names_of(results);
  spec->kind = results;
  spec->errors = &ctx.errors;
  return grouped_aggregate_stage<NumericSpec>(std::move(spec));
}

}  // namespace gpipe::stages
