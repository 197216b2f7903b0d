#include "gpipe/field_ref.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "simd/equal_bytes.hpp"

namespace gpipe {

namespace {

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_plain_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || c == '@' || c == '-' || static_cast<unsigned char>(c) >= 0x80;
}

// A quoted key starting at text[i] == '"'; on success i is just past the closing quote.
bool parse_quoted_key(std::string_view text, std::size_t& i, std::string& key,
                      std::string& reason) {
  ++i;
  while (i < text.size() && text[i] != '"') {
    if (text[i] == '\\' && i + 1 < text.size()) ++i;
    key += text[i++];
  }
  if (i == text.size()) {
    reason = "unterminated quote in field name";
    return false;
  }
  ++i;
  return true;
}

bool parse_index(std::string_view text, std::size_t& i, PathStep& step, std::string& reason) {
  const std::size_t close = text.find(']', i);
  const std::string_view digits =
      close == std::string_view::npos ? std::string_view() : text.substr(i + 1, close - i - 1);
  if (!all_digits(digits)) {
    reason = "an array index must be [N], a number";
    return false;
  }
  std::from_chars(digits.data(), digits.data() + digits.size(), step.index);
  step.is_index = true;
  i = close + 1;
  return true;
}

const Field* find_named(Batch& batch, const Record& record, std::string_view name) {
  if (!record.has_fields()) return nullptr;
  const Field* const first = batch.fields().data() + record.first_field;
  const Field* const last = first + record.field_count;
  const Field* const found =
      std::find_if(first, last, [&](const Field& f) { return equal_bytes(f.name, name); });
  return found == last ? nullptr : found;
}

Value lookup_name(Batch& batch, const Record& record, const FieldRef& ref) {
  if (const Field* field = find_named(batch, record, ref.name())) return field->value;
  const auto path = ref.path();
  if (path.size() > 1 && !path.front().is_index) {
    if (const Field* head = find_named(batch, record, path.front().key)) {
      if (head->value.kind != Value::Kind::Json) return Value::null();
      return resolve_json_path(head->value.text, path.subspan(1), batch.arena());
    }
  }
  if (record.whole_json) return resolve_json_path(record.text, path, batch.arena());
  return Value::null();
}

Value lookup_position(Batch& batch, const Record& record, std::size_t position,
                      const FieldSplitter& splitter) {
  if (record.has_fields()) {
    if (position >= record.field_count) return Value::null();
    return batch.fields()[record.first_field + position].value;
  }
  std::string_view out;
  if (!splitter.nth(record.text, position, out)) return Value::null();
  return Value::string(out);
}

// `from_end` fields before the end: 1 is the last.
Value lookup_position_from_end(Batch& batch, const Record& record, std::size_t from_end,
                               const FieldSplitter& splitter) {
  if (record.has_fields()) {
    if (from_end > record.field_count) return Value::null();
    return batch.fields()[record.first_field + record.field_count - from_end].value;
  }
  std::string_view out;
  if (!splitter.nth_from_end(record.text, from_end, out)) return Value::null();
  return Value::string(out);
}

}  // namespace

Value number_value(Arena& arena, std::uint64_t number) {
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, number);
  static_cast<void>(error);  // 24 digits always fit a 64-bit number
  return Value{Value::Kind::Number, arena.store({digits, static_cast<std::size_t>(end - digits)})};
}

bool parse_json_path(std::string_view text, std::vector<PathStep>& steps, std::string& reason) {
  steps.clear();
  std::size_t i = 0;
  if (!text.empty() && text[0] == '.') ++i;
  if (i == text.size()) {
    reason = "empty field name";
    return false;
  }
  bool expect_key = true;  // at the start or after '.'
  while (i < text.size()) {
    PathStep step;
    if (text[i] == '[') {
      if (!parse_index(text, i, step, reason)) return false;
    } else if (text[i] == '"' && expect_key) {
      if (!parse_quoted_key(text, i, step.key, reason)) return false;
    } else if (expect_key && is_plain_key_char(text[i])) {
      while (i < text.size() && is_plain_key_char(text[i])) step.key += text[i++];
    } else {
      reason = "unexpected '" + std::string(1, text[i]) + "' in field name";
      return false;
    }
    steps.push_back(std::move(step));
    expect_key = false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      expect_key = true;
      if (i == text.size()) {
        reason = "field name ends with '.'";
        return false;
      }
    }
  }
  return true;
}

FieldRef FieldRef::parse(std::string_view text) {
  FieldRef ref;
  const bool from_end = text.starts_with('-') && all_digits(text.substr(1));
  if (all_digits(text) || from_end) {
    ref.kind_ = from_end ? Kind::PositionFromEnd : Kind::Position;
    ref.name_ = std::string(text);
    const std::string_view digits = text.substr(from_end ? 1 : 0);
    const auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), ref.position_);
    if (error != std::errc()) throw std::invalid_argument("field position too large");
    if (from_end && ref.position_ == 0) {
      throw std::invalid_argument("-0 is not a position: 0 is the first field, -1 the last");
    }
    return ref;
  }
  if (text == "_file") ref.kind_ = Kind::File;
  if (text == "_line") ref.kind_ = Kind::Line;
  if (text == "_offset") ref.kind_ = Kind::Offset;
  ref.name_ = std::string(!text.empty() && text[0] == '.' ? text.substr(1) : text);
  if (ref.kind_ != Kind::Name) return ref;
  std::string reason;
  if (!parse_json_path(text, ref.path_, reason)) {
    // Not a path: still a plain name (a CSV column "user name"), matched exactly.
    ref.path_.assign(1, PathStep{ref.name_, 0, false});
  }
  if (ref.name_.empty()) throw std::invalid_argument("empty field name");
  return ref;
}

Value lookup_field(Batch& batch, const Record& record, const FieldRef& ref,
                   const FieldSplitter& splitter) {
  switch (ref.kind()) {
    case FieldRef::Kind::Position:
      return lookup_position(batch, record, ref.position(), splitter);
    case FieldRef::Kind::PositionFromEnd:
      return lookup_position_from_end(batch, record, ref.position(), splitter);
    case FieldRef::Kind::File:
      return batch.origin() ? Value::string(batch.origin()->name) : Value::null();
    case FieldRef::Kind::Line:
      return number_value(batch.arena(), record.line);
    case FieldRef::Kind::Offset:
      return number_value(batch.arena(), record.offset);
    case FieldRef::Kind::Name:
      return lookup_name(batch, record, ref);
  }
  return Value::null();
}

}  // namespace gpipe
