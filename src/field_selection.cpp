#include "field_selection.hpp"

#include <algorithm>
#include <charconv>

namespace gpipe {

namespace {

std::optional<std::size_t> parse_position(std::string_view text) {
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A number formatted into the batch's arena, so it lives as long as the batch.
Value number_value(Batch& batch, std::uint64_t number) {
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, number);
  static_cast<void>(error);  // 24 digits always fit a 64-bit number
  const std::string_view text(digits, static_cast<std::size_t>(end - digits));
  return Value{Value::Kind::Number, batch.arena().store(text)};
}

}  // namespace

FieldSelection::FieldSelection(const std::vector<std::string>& specs, FieldSplitter splitter)
    : splitter_(std::move(splitter)) {
  selectors_.reserve(specs.size());
  for (const std::string& spec : specs) {
    Selector selector{spec, parse_position(spec)};
    if (selector.position) split_limit_ = std::max(split_limit_, *selector.position + 1);
    selectors_.push_back(std::move(selector));
  }
}

void FieldSelection::select(Batch& batch, const Record& record, std::vector<Field>& out) {
  out.clear();
  if (!record.has_fields() && split_limit_ != 0) splitter_.split(record.text, split_, split_limit_);
  for (const Selector& selector : selectors_) {
    Value value;
    if (!selector.position) {
      value = named_value(batch, record, selector.name);
    } else if (record.has_fields()) {
      if (*selector.position < record.field_count) {
        value = batch.fields()[record.first_field + *selector.position].value;
      }
    } else if (*selector.position < split_.size()) {
      value = Value::string(split_[*selector.position]);
    }
    out.push_back(Field{selector.name, value});
  }
}

Value FieldSelection::named_value(Batch& batch, const Record& record, std::string_view name) {
  if (record.has_fields()) {
    const Field* const first = batch.fields().data() + record.first_field;
    const Field* const last = first + record.field_count;
    const Field* const found =
        std::find_if(first, last, [&](const Field& f) { return f.name == name; });
    if (found != last) return found->value;
  }
  if (name == "_file") {
    return batch.origin() != nullptr ? Value::string(batch.origin()->name) : Value::null();
  }
  if (name == "_line") return number_value(batch, record.line);
  if (name == "_offset") return number_value(batch, record.offset);
  return Value::null();
}

}  // namespace gpipe
