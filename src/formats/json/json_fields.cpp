#include "formats/json/json_fields.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <mutex>
#include <unordered_set>

#include "formats/json/json_number.hpp"
#include "simd/equal_bytes.hpp"

namespace gpipe {

namespace {

using simdjson::error_code;
using simdjson::SUCCESS;
namespace od = simdjson::ondemand;

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && is_json_space(text.back())) text.remove_suffix(1);
  return text;
}

// Objects and arrays print as compact JSON: the raw text when it has no white space, else a
// minified copy in the arena.
error_code compact_json(std::string_view raw, Arena& arena, Value& out) {
  raw = trim_right(raw);
  if (std::none_of(raw.begin(), raw.end(), is_json_space)) {
    out = Value{Value::Kind::Json, raw};
    return SUCCESS;
  }
  char* dst = arena.allocate(raw.size());
  std::size_t length = 0;
  if (const error_code e = simdjson::minify(raw.data(), raw.size(), dst, length)) return e;
  out = Value{Value::Kind::Json, std::string_view(dst, length)};
  return SUCCESS;
}

// A string token `"…"`: a view inside the quotes when it has no escape, else unescaped.
template <class V>
error_code string_value(V& value, std::string_view token, Arena& arena, Value& out) {
  token = trim_right(token);
  if (token.size() >= 2 && token.find('\\') == std::string_view::npos) {
    out = Value::string(token.substr(1, token.size() - 2));
    return SUCCESS;
  }
  std::string_view unescaped;
  if (const error_code e = value.get_string().get(unescaped)) return e;
  out = Value::string(arena.store(unescaped));  // the parser's string buffer is reused
  return SUCCESS;
}

error_code number_value(std::string_view token, Value& out) {
  token = trim_right(token);
  if (!is_json_number(token)) return simdjson::NUMBER_ERROR;
  out = Value{Value::Kind::Number, token};
  return SUCCESS;
}

template <class V>
error_code atom_value(V& value, od::json_type type, Value& out) {
  if (type == od::json_type::boolean) {
    bool b = false;
    if (value.get_bool().get(b)) return simdjson::T_ATOM_ERROR;  // "tru", "fals"…
    out = Value{Value::Kind::Bool, b ? "true" : "false"};
    return SUCCESS;
  }
  bool null = false;
  if (value.is_null().get(null) || !null) return simdjson::N_ATOM_ERROR;
  out = Value::null();
  return SUCCESS;
}

// An object key, unescaped. Most keys have no escape: they are a view between their quotes
// (found with memchr; the closing quote is there, stage 1 checked the strings), and only keys
// with a backslash go through simdjson's unescaping.
error_code field_key(od::field& field, const char* end, std::string_view& key) {
  const char* const start = field.key().raw();
  const auto* quote =
      static_cast<const char*>(std::memchr(start, '"', static_cast<std::size_t>(end - start)));
  if (quote != nullptr &&
      std::memchr(start, '\\', static_cast<std::size_t>(quote - start)) == nullptr) {
    key = std::string_view(start, static_cast<std::size_t>(quote - start));
    return SUCCESS;
  }
  return field.unescaped_key().get(key);
}

// The deepest nesting accepted (as simdjson's default): deeper documents are bad records, and the
// walk's recursion stays bounded.
constexpr std::size_t kMaxDepth = simdjson::DEFAULT_MAX_DEPTH;

// Checks a value no path asks for, without keeping anything: On-Demand skips such values
// checking only brackets, and `json` promises that invalid JSON is a bad record.
error_code validate(od::value value, std::size_t depth, const char* end);

error_code validate_object(od::object object, std::size_t depth, const char* end) {
  for (auto entry : object) {
    od::field field;
    std::string_view key;
    if (const error_code e = std::move(entry).get(field)) return e;
    if (const error_code e = field_key(field, end, key)) return e;
    if (const error_code e = validate(field.value(), depth + 1, end)) return e;
  }
  return SUCCESS;
}

error_code validate_array(od::array array, std::size_t depth, const char* end) {
  for (auto entry : array) {
    od::value element;
    if (const error_code e = entry.get(element)) return e;
    if (const error_code e = validate(element, depth + 1, end)) return e;
  }
  return SUCCESS;
}

error_code validate(od::value value, std::size_t depth, const char* end) {
  if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (const error_code e = value.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (const error_code e = value.get_object().get(object)) return e;
      return validate_object(object, depth, end);
    }
    case od::json_type::array: {
      od::array array;
      if (const error_code e = value.get_array().get(array)) return e;
      return validate_array(array, depth, end);
    }
    case od::json_type::string: {
      if (value.raw_json_token().find('\\') == std::string_view::npos) return SUCCESS;
      std::string_view unescaped;
      return value.get_string().get(unescaped);
    }
    case od::json_type::number: {
      Value ignored;
      return number_value(value.raw_json_token(), ignored);
    }
    case od::json_type::boolean:
    case od::json_type::null: {
      Value ignored;
      return atom_value(value, type, ignored);
    }
  }
  return simdjson::TAPE_ERROR;
}

}  // namespace

std::string json_error_message(error_code code) {
  return std::string("invalid JSON: ") + simdjson::error_message(code);
}

error_code json_to_value(od::value value, Arena& arena, Value& out, std::string_view* raw_out) {
  od::json_type type;
  if (const error_code e = value.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      std::string_view raw;
      if (const error_code e = value.get_object().get(object)) return e;
      if (const error_code e = object.raw_json().get(raw)) return e;
      if (raw_out != nullptr) *raw_out = raw;
      return compact_json(raw, arena, out);
    }
    case od::json_type::array: {
      od::array array;
      std::string_view raw;
      if (const error_code e = value.get_array().get(array)) return e;
      if (const error_code e = array.raw_json().get(raw)) return e;
      if (raw_out != nullptr) *raw_out = raw;
      return compact_json(raw, arena, out);
    }
    case od::json_type::string:
      return string_value(value, value.raw_json_token(), arena, out);
    case od::json_type::number:
      return number_value(value.raw_json_token(), out);
    case od::json_type::boolean:
    case od::json_type::null:
      return atom_value(value, type, out);
  }
  return simdjson::TAPE_ERROR;
}

namespace {

// A copy of `name` that lives as long as the process, one per distinct name. Field names are
// few (the paths a pipeline names), so keeping them costs nothing, and a record's field names
// then outlive any stage: a kept record or a batch handed from a thread never dangles.
std::string_view stable_name(std::string_view name) {
  static std::mutex mutex;
  static std::unordered_set<std::string> names;  // nodes do not move when the set grows
  const std::lock_guard lock(mutex);
  return *names.emplace(name).first;
}

}  // namespace

JsonFieldExtractor::JsonFieldExtractor(const std::vector<std::string>& names, bool all)
    : nodes_(1), all_(all) {
  for (const std::string& name : names) {
    const FieldRef ref = FieldRef::parse(name);
    if (ref.kind() != FieldRef::Kind::Name) continue;
    std::size_t node = 0;
    for (const PathStep& step : ref.path()) node = child(node, step);
    if (nodes_[node].slot >= 0) continue;  // the same path under another spelling
    nodes_[node].slot = static_cast<int>(slot_names_.size());
    slot_names_.push_back(stable_name(ref.name()));
  }
  values_.resize(slot_names_.size());
  shadowed_.assign(slot_names_.size(), false);
  mark_shadowed(0, false);
}

JsonFieldExtractor::JsonFieldExtractor(std::span<const PathStep> path) : nodes_(1) {
  std::size_t node = 0;
  for (const PathStep& step : path) node = child(node, step);
  nodes_[node].slot = 0;
  slot_names_.emplace_back();
  values_.resize(1);
  shadowed_.assign(1, false);
}

// A demanded path below another demanded path is not made a field (walk() does not descend into
// the outer value): lookup_field finds it inside the outer field's JSON text.
void JsonFieldExtractor::mark_shadowed(std::size_t node, bool below_slot) {
  const int slot = nodes_[node].slot;
  if (slot >= 0 && below_slot) shadowed_[static_cast<std::size_t>(slot)] = true;
  for (const std::size_t c : nodes_[node].children) mark_shadowed(c, below_slot || slot >= 0);
}

std::size_t JsonFieldExtractor::child(std::size_t parent, const PathStep& step) {
  for (const std::size_t c : nodes_[parent].children) {
    const Node& n = nodes_[c];
    if (n.is_index == step.is_index && (step.is_index ? n.index == step.index : n.key == step.key))
      return c;
  }
  nodes_.push_back(
      Node{step.is_index ? std::string() : step.key, step.index, step.is_index, -1, {}, 0});
  nodes_[parent].children.push_back(nodes_.size() - 1);
  if (!step.is_index) nodes_[parent].key_lengths |= key_length_bit(step.key.size());
  return nodes_.size() - 1;
}

// A value that becomes a field. Scalars are checked as they are converted; an object or array is
// taken as its raw text, which is then checked with a second parser (On-Demand reads forward
// only, so it cannot both hand out the raw text and walk the value).
error_code JsonFieldExtractor::take(od::value value, Arena& arena, Value& out, std::size_t depth) {
  std::string_view raw;
  if (const error_code e = json_to_value(value, arena, out, &raw)) return e;
  if (out.kind != Value::Kind::Json) return SUCCESS;
  od::document doc;
  const auto capacity = static_cast<std::size_t>(document_end_ - raw.data());
  if (const error_code e = checker_.iterate(raw.data(), raw.size(), capacity).get(doc)) return e;
  od::json_type type;
  if (const error_code e = doc.type().get(type)) return e;
  if (type == od::json_type::object) {
    od::object object;
    if (const error_code e = doc.get_object().get(object)) return e;
    return validate_object(object, depth, document_end_);
  }
  od::array array;
  if (const error_code e = doc.get_array().get(array)) return e;
  return validate_array(array, depth, document_end_);
}

// A node that is itself demanded takes the whole value and is not descended into: a longer
// demanded path below it is left out of the record, and field lookup resolves it inside this
// value's text.
error_code JsonFieldExtractor::walk(od::value value, std::size_t node, Arena& arena,
                                    std::size_t depth) {
  if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
  const int slot = nodes_[node].slot;
  if (slot >= 0) return take(value, arena, values_[static_cast<std::size_t>(slot)], depth);
  od::json_type type;
  if (const error_code e = value.type().get(type)) return e;
  if (type == od::json_type::object) {
    od::object object;
    if (const error_code e = value.get_object().get(object)) return e;
    return walk_object(object, node, arena, depth);
  }
  if (type == od::json_type::array) {
    od::array array;
    if (const error_code e = value.get_array().get(array)) return e;
    return walk_array(array, node, arena, depth);
  }
  return SUCCESS;  // a scalar where the path goes on: the path's fields stay null
}

// Every key is visited (a repeated key: the last one wins, as in jq); values no path names are
// skipped by On-Demand without being parsed.
error_code JsonFieldExtractor::walk_object(od::object object, std::size_t node, Arena& arena,
                                           std::size_t depth) {
  for (auto entry : object) {
    od::field field;
    if (const error_code e = std::move(entry).get(field)) return e;
    std::string_view key;
    if (const error_code e = field_key(field, document_end_, key)) return e;
    bool matched = false;
    for (const std::size_t c : nodes_[node].children) {
      if (nodes_[c].is_index || nodes_[c].key != key) continue;
      if (const error_code e = walk(field.value(), c, arena, depth + 1)) return e;
      matched = true;
      break;
    }
    if (!matched) {
      if (const error_code e = validate(field.value(), depth + 1, document_end_)) return e;
    }
  }
  return SUCCESS;
}

error_code JsonFieldExtractor::walk_array(od::array array, std::size_t node, Arena& arena,
                                          std::size_t depth) {
  std::size_t index = 0;
  for (auto entry : array) {
    od::value element;
    if (const error_code e = entry.get(element)) return e;
    bool matched = false;
    for (const std::size_t c : nodes_[node].children) {
      if (!nodes_[c].is_index || nodes_[c].index != index) continue;
      if (const error_code e = walk(element, c, arena, depth + 1)) return e;
      matched = true;
      break;
    }
    if (!matched) {
      if (const error_code e = validate(element, depth + 1, document_end_)) return e;
    }
    ++index;
  }
  return SUCCESS;
}

error_code JsonFieldExtractor::all_top_level(od::object object, Arena& arena,
                                             std::vector<Field>& out) {
  for (auto entry : object) {
    od::field field;
    if (const error_code e = std::move(entry).get(field)) return e;
    std::string_view key;
    if (const error_code e = field_key(field, document_end_, key)) return e;
    Field f;
    f.name = arena.store(key);  // the unescape buffer is reused by the next key
    if (const error_code e = take(field.value(), arena, f.value, 2)) return e;
    out.push_back(f);
  }
  return SUCCESS;
}

error_code JsonFieldExtractor::walk_root(od::document& doc, std::string_view whole, Arena& arena,
                                         std::vector<Field>& out) {
  od::json_type type;
  if (const error_code e = doc.type().get(type)) return e;
  Value ignored;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (const error_code e = doc.get_object().get(object)) return e;
      return all_ ? all_top_level(object, arena, out) : walk_object(object, 0, arena, 1);
    }
    case od::json_type::array: {
      od::array array;
      if (const error_code e = doc.get_array().get(array)) return e;
      return walk_array(array, 0, arena, 1);
    }
    case od::json_type::string:
    case od::json_type::number: {
      // A scalar document: its one token must be all there is.
      std::string_view token;
      if (const error_code e = doc.raw_json_token().get(token)) return e;
      token = trim_right(token);
      if (token.data() + token.size() != trim_right(whole).data() + trim_right(whole).size())
        return simdjson::TRAILING_CONTENT;
      scalar_root_ = true;
      return type == od::json_type::number ? number_value(token, ignored)
                                           : string_value(doc, token, arena, ignored);
    }
    case od::json_type::boolean:
    case od::json_type::null:
      return atom_value(doc, type, ignored);
  }
  return simdjson::TAPE_ERROR;
}

namespace {

// Documents up to this size take the DOM fast path. Its parser's buffers grow to the largest
// document it has seen (about ten times its size), so a 64 MiB line must not go through it.
constexpr std::size_t kDomMaxBytes = 256 * kKiB;
// Shallower than kMaxDepth: a document near the limit goes the On-Demand way, which decides
// exactly as before where the limit lies.
constexpr std::size_t kDomMaxDepth = 256;

}  // namespace

// Parses the document with the DOM parser and takes the demanded values from its tape. The
// result must be exactly the On-Demand walk's, so this gives up (false), leaving the decision to
// that walk, whenever the DOM cannot show the value as written or might judge the document
// otherwise: a DOM error of any kind (the walk finds the same error and its column, or accepts
// a number too big for the DOM), a float (its text as written is gone), an integer 0 when the
// document holds "-0", and an object or array (kept as their raw text).
bool JsonFieldExtractor::extract_with_dom(std::string_view json, Arena& arena) {
  if (!dom_fast_path_ || all_ || json.size() > kDomMaxBytes) return false;
  if (dom_.max_depth() != kDomMaxDepth && dom_.allocate(kKiB, kDomMaxDepth) != SUCCESS) {
    return false;
  }
  simdjson::dom::element root;
  if (dom_.parse(json.data(), json.size(), /*realloc_if_needed=*/false).get(root) != SUCCESS) {
    return false;
  }
  document_ = json;
  return dom_walk(root, 0, arena);
}

// As walk(): a demanded node takes the value, other nodes descend; a repeated key's last value
// wins, as in jq.
bool JsonFieldExtractor::dom_walk(simdjson::dom::element element, std::size_t node, Arena& arena) {
  const int slot = nodes_[node].slot;
  if (slot >= 0) return dom_take(element, arena, values_[static_cast<std::size_t>(slot)]);
  if (element.type() == simdjson::dom::element_type::OBJECT) {
    // One pass over the keys; every occurrence of a repeated key is walked in turn, as walk()
    // does, so the last one's values win.
    const std::uint64_t key_lengths = nodes_[node].key_lengths;
    for (const simdjson::dom::key_value_pair field : simdjson::dom::object(element)) {
      if ((key_lengths & key_length_bit(field.key.size())) == 0) continue;
      for (const std::size_t c : nodes_[node].children) {
        if (nodes_[c].is_index || !equal_bytes(nodes_[c].key, field.key)) continue;
        if (!dom_walk(field.value, c, arena)) return false;
        break;
      }
    }
  } else if (element.type() == simdjson::dom::element_type::ARRAY) {
    const simdjson::dom::array array(element);
    for (const std::size_t c : nodes_[node].children) {
      if (!nodes_[c].is_index) continue;
      simdjson::dom::element found;
      if (array.at(nodes_[c].index).get(found) == SUCCESS && !dom_walk(found, c, arena)) {
        return false;
      }
    }
  }
  return true;  // a scalar where the path goes on: the path's fields stay null
}

bool JsonFieldExtractor::dom_take(simdjson::dom::element element, Arena& arena, Value& out) {
  switch (element.type()) {
    case simdjson::dom::element_type::STRING:
      // The DOM's string buffer is reused by the next document.
      out = Value::string(arena.store(std::string_view(element)));
      return true;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: {
      // JSON has one spelling per integer (no leading zeros, no '+'), except -0.
      char digits[24];
      const auto [end, ec] =
          element.type() == simdjson::dom::element_type::INT64
              ? std::to_chars(digits, digits + sizeof digits, std::int64_t(element))
              : std::to_chars(digits, digits + sizeof digits, std::uint64_t(element));
      const std::string_view text(digits, static_cast<std::size_t>(end - digits));
      if (text == "0" && document_.find("-0") != std::string_view::npos) return false;
      out = Value{Value::Kind::Number, arena.store(text)};
      return true;
    }
    case simdjson::dom::element_type::BOOL:
      out = Value{Value::Kind::Bool, bool(element) ? "true" : "false"};
      return true;
    case simdjson::dom::element_type::NULL_VALUE:
      out = Value::null();
      return true;
    default:  // DOUBLE, OBJECT, ARRAY: their text as written is wanted
      return false;
  }
}

bool JsonFieldExtractor::extract(std::string_view json, Arena& arena, std::vector<Field>& out,
                                 JsonError& error) {
  std::fill(values_.begin(), values_.end(), Value::null());
  if (extract_with_dom(json, arena)) {
    append_slots(out);
    return true;
  }
  std::uint64_t column = 0;
  error_code e = walk_document(json, arena, out, column);
  if (e) e = locate_error(json, arena, out, e, column);
  if (e) {
    error.message = json_error_message(e);
    error.column = column;
    return false;
  }
  // With every top-level key made, demanded paths below them resolve inside those fields'
  // values; adding them as fields too would make keys such as "user.id" in JSON output.
  if (all_) return true;
  append_slots(out);
  return true;
}

// The On-Demand walk over the whole document; on an error, `column` is where simdjson says it
// stopped (1-based), or 0 when it cannot say.
error_code JsonFieldExtractor::walk_document(std::string_view json, Arena& arena,
                                             std::vector<Field>& out, std::uint64_t& column) {
  std::fill(values_.begin(), values_.end(), Value::null());
  document_end_ = json.data() + json.size() + kJsonPadding;
  od::document doc;
  error_code e = parser_.iterate(json.data(), json.size(), json.size() + kJsonPadding).get(doc);
  const bool iterated = !e;  // a document that failed to start has no location to ask
  scalar_root_ = false;
  if (!e) e = walk_root(doc, json, arena, out);
  if (!e && !scalar_root_) {
    // Anything left after the value is trailing content ("1 2", "{} x").
    const char* rest = nullptr;
    if (doc.current_location().get(rest) == SUCCESS) e = simdjson::TRAILING_CONTENT;
  }
  column = 0;
  const char* at = nullptr;
  if (e && iterated && doc.current_location().get(at) == SUCCESS && at >= json.data() &&
      at <= json.data() + json.size()) {
    column = static_cast<std::uint64_t>(at - json.data()) + 1;
  }
  return e;
}

namespace {

// Where the first value of a document ends, told by its brackets and strings alone: the error
// path's guide where simdjson cannot say where it stopped. simdjson checks that the brackets
// of a whole document balance before it reads any value, so text after a complete value
// (`{"a":1} x`) reads as an object that "ended early" at column 1, and a string still open at
// the end of the line has no location at all.
struct FirstValue {
  enum class End { Complete, InString, Open } end = End::Open;
  std::size_t at = 0;  // Complete: just past the value; InString: the string's opening quote
};

// From `pos` at an opening quote: just past the closing one, or npos.
std::size_t past_string(std::string_view json, std::size_t pos) {
  for (++pos; pos < json.size(); ++pos) {
    if (json[pos] == '\\') {
      ++pos;
    } else if (json[pos] == '"') {
      return pos + 1;
    }
  }
  return std::string_view::npos;
}

FirstValue first_value(std::string_view json) {
  std::size_t pos = 0;
  while (pos < json.size() && is_json_space(json[pos])) ++pos;
  const std::size_t start = pos;
  std::size_t depth = 0;
  while (pos < json.size()) {
    const char c = json[pos];
    if (c == '"') {
      const std::size_t end = past_string(json, pos);
      if (end == std::string_view::npos) return {FirstValue::End::InString, pos};
      pos = end;
    } else if (c == '{' || c == '[') {
      ++depth;
      ++pos;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return {pos > start ? FirstValue::End::Complete : FirstValue::End::Open, pos};
      --depth;
      ++pos;
    } else if (depth == 0 && (is_json_space(c) || c == ',' || c == ':')) {
      return {pos > start ? FirstValue::End::Complete : FirstValue::End::Open, pos};
    } else {
      ++pos;
    }
    if (depth == 0 && (c == '"' || c == '}' || c == ']')) return {FirstValue::End::Complete, pos};
  }
  return {depth == 0 && pos > start ? FirstValue::End::Complete : FirstValue::End::Open, pos};
}

}  // namespace

// An error the walk gave without a true location gets one: the column of text after a complete
// first value (`{"a":1} x`: 9), after checking that the value itself is valid, whose own error
// comes first; the opening quote of a string still open at the end. Returns the error to
// report (SUCCESS never: the document stays invalid).
error_code JsonFieldExtractor::locate_error(std::string_view json, Arena& arena,
                                            std::vector<Field>& out, error_code e,
                                            std::uint64_t& column) {
  const FirstValue value = first_value(json);
  if (value.end == FirstValue::End::InString) {
    column = value.at + 1;
    return simdjson::UNCLOSED_STRING;
  }
  if (value.end != FirstValue::End::Complete) return e;
  std::size_t trailing = value.at;
  while (trailing < json.size() && is_json_space(json[trailing])) ++trailing;
  if (trailing == json.size() || value.at == 0) return e;
  std::uint64_t value_column = 0;
  const std::size_t fields_before = out.size();
  const error_code inner = walk_document(json.substr(0, value.at), arena, out, value_column);
  out.resize(fields_before);
  if (inner) {
    column = value_column;
    return inner;
  }
  column = trailing + 1;
  return simdjson::TRAILING_CONTENT;
}

void JsonFieldExtractor::append_slots(std::vector<Field>& out) const {
  for (std::size_t i = 0; i < slot_names_.size(); ++i) {
    if (shadowed_[i]) continue;
    out.push_back(Field{slot_names_[i], values_[i]});
  }
}

bool JsonFieldExtractor::extract_padded(std::string_view json, const char* readable_end,
                                        Arena& arena, std::vector<Field>& out, JsonError& error) {
  if (readable_end != nullptr && readable_end >= json.data() + json.size() &&
      static_cast<std::size_t>(readable_end - (json.data() + json.size())) >= kJsonPadding) {
    return extract(json, arena, out, error);
  }
  char* copy = arena.allocate(json.size() + kJsonPadding);
  std::memcpy(copy, json.data(), json.size());
  std::memset(copy + json.size(), ' ', kJsonPadding);
  return extract(std::string_view(copy, json.size()), arena, out, error);
}

}  // namespace gpipe
