#include "output/db/load_columns.hpp"

#include <charconv>
#include <cmath>

namespace gpipe::db {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// The JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. Sets `integral` when
// there is neither a fraction nor an exponent, and counts the significant digits of the mantissa.
bool json_number_syntax(std::string_view s, bool& integral, std::size_t& significant) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n || !is_digit(s[i])) return false;
  bool leading = true;  // zeros before the first non-zero digit are not significant
  significant = 0;
  auto count = [&](char c) {
    if (c != '0') leading = false;
    if (!leading) ++significant;
  };
  if (s[i] == '0') {
    ++i;
  } else {
    while (i < n && is_digit(s[i])) count(s[i++]);
  }
  integral = true;
  if (i < n && s[i] == '.') {
    integral = false;
    ++i;
    if (i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) count(s[i++]);
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    integral = false;
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) ++i;
  }
  return i == n;
}

// A double keeps any decimal of this many significant digits exactly (DBL_DIG).
constexpr std::size_t kExactRealDigits = 15;

// The common number first: an integer of at most 18 digits, which always fits in 64 bits, read
// in the same pass that checks it. Anything else (a leading zero, -0, more digits, a fraction)
// is left to the whole grammar.
constexpr std::size_t kAlwaysFittingDigits = 18;

bool short_integer(std::string_view text, std::int64_t& value) {
  const bool negative = !text.empty() && text[0] == '-';
  const std::size_t first = negative ? 1 : 0;
  const std::size_t digits = text.size() - first;
  if (digits == 0 || digits > kAlwaysFittingDigits || (text[first] == '0' && digits > 1)) {
    return false;
  }
  std::int64_t read = 0;
  for (std::size_t i = first; i < text.size(); ++i) {
    if (!is_digit(text[i])) return false;
    read = read * 10 + (text[i] - '0');
  }
  if (negative && read == 0) return false;
  value = negative ? -read : read;
  return true;
}

TypedValue number_or_text(std::string_view text) {
  TypedValue typed;
  typed.text = text;
  if (short_integer(text, typed.integer)) {
    typed.type = ColumnType::Integer;
    return typed;
  }
  typed.type = ColumnType::Text;
  bool integral = false;
  std::size_t significant = 0;
  if (!json_number_syntax(text, integral, significant)) return typed;
  if (integral) {
    // "-0" would come back as 0: it stays text, as written.
    if (text == "-0") return typed;
    const auto [end, error] =
        std::from_chars(text.data(), text.data() + text.size(), typed.integer);
    if (error == std::errc() && end == text.data() + text.size()) {
      typed.type = ColumnType::Integer;
    }
    return typed;
  }
  if (significant > kExactRealDigits) return typed;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), typed.real);
  if (error == std::errc() && end == text.data() + text.size() && std::isfinite(typed.real)) {
    typed.type = ColumnType::Real;
  }
  return typed;
}

}  // namespace

ColumnType join_types(ColumnType a, ColumnType b) {
  if (a == b || b == ColumnType::None) return a;
  if (a == ColumnType::None) return b;
  if (a == ColumnType::Foreign || b == ColumnType::Foreign) return ColumnType::Foreign;
  const bool a_number = a == ColumnType::Integer || a == ColumnType::Real;
  const bool b_number = b == ColumnType::Integer || b == ColumnType::Real;
  if (a_number && b_number) return ColumnType::Real;
  return ColumnType::Text;
}

TypedValue type_value(const Value& value, bool infer_from_text, bool empty_is_null) {
  TypedValue typed;
  typed.text = value.text;
  switch (value.kind) {
    case Value::Kind::Null:
      return typed;
    case Value::Kind::Bool:
      typed.type = ColumnType::Bool;
      typed.integer = value.text == "true" ? 1 : 0;
      return typed;
    case Value::Kind::Json:
      typed.type = ColumnType::Json;
      return typed;
    case Value::Kind::Number:
      return number_or_text(value.text);
    case Value::Kind::String:
      if (value.text.empty() && empty_is_null) return typed;
      if (infer_from_text) return number_or_text(value.text);
      typed.type = ColumnType::Text;
      return typed;
  }
  return typed;
}

std::string_view ColumnNamer::position_name(std::string_view digits) {
  std::size_t position = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), position);
  constexpr std::size_t kIndexed = 4096;
  if (error != std::errc() || end != digits.data() + digits.size() || position >= kIndexed ||
      (digits.size() > 1 && digits[0] == '0')) {
    auto named = long_names_.find(digits);
    if (named == long_names_.end()) {
      std::string name = "c";
      name += digits;
      named = long_names_.emplace(std::string(digits), std::move(name)).first;
    }
    return named->second;
  }
  while (by_position_.size() <= position) {
    std::string& name = by_position_.emplace_back("c");
    name += std::to_string(by_position_.size() - 1);
  }
  return by_position_[position];
}

void ColumnNamer::columns(const Batch& batch, const Record& record, std::vector<Column>& out) {
  out.clear();
  if (!record.has_fields()) {
    out.push_back({"line", Value::string(record.text)});
    return;
  }
  if (record.field_count == 0) {
    // A JSON record without top-level members: an empty object has no columns; any other JSON
    // value (an array, a number, a string) is one column `value`.
    if (record.whole_json) {
      const std::size_t start = record.text.find_first_not_of(" \t\r");
      if (start != std::string_view::npos && record.text[start] != '{') {
        std::string_view json = record.text.substr(start);
        json = json.substr(0, json.find_last_not_of(" \t\r") + 1);
        out.push_back({"value", Value{Value::Kind::Json, json}});
      }
    }
    return;
  }
  const Field* fields = batch.fields().data() + record.first_field;
  for (std::uint32_t i = 0; i < record.field_count; ++i) {
    const Field& field = fields[i];
    std::string_view name = field.name;
    if (name.empty()) {
      name = position_name(std::to_string(i));
    } else if (all_digits(name)) {
      name = position_name(name);
    }
    out.push_back({name, field.value});
  }
}

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (const char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string TableColumns::key(std::string_view name) const {
  std::string folded(name);
  for (char& c : folded) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return folded;
}

std::size_t TableColumns::find(std::string_view name) const {
  if (fold_case_) {
    key_.assign(name);
    for (char& c : key_) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    name = key_;
  }
  const auto it = index_.find(name);
  return it == index_.end() ? npos : it->second;
}

std::size_t TableColumns::add(std::string_view name, ColumnType type) {
  const std::size_t index = columns_.size();
  columns_.push_back({std::string(name), type});
  index_.emplace(fold_case_ ? key(name) : std::string(name), index);
  return index;
}

}  // namespace gpipe::db
