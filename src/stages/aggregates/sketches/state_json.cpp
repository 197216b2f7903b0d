#include "stages/aggregates/sketches/state_json.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace gpipe::sketches::state_json {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One parser per thread, reused: `merge` reads a state per group, and a fresh parser would
// allocate its buffers each time.
simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// Valid UTF-8 as a JSON string: only '"', '\' and control bytes need escapes. (The JSON writers
// elsewhere replace invalid UTF-8, which must not happen to a key; append_bytes hex-encodes that.)
void append_utf8_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == '"' || byte == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += "\\u00";
      out += kHexDigits[byte >> 4];
      out += kHexDigits[byte & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string quoted(std::string_view name) {
  std::string out = "\"";
  out += name;
  out += '"';
  return out;
}

}  // namespace

void open_state(std::string& out, std::string_view sketch, std::uint64_t version) {
  out += "{\"sketch\":\"";
  out += sketch;
  out += "\",\"version\":";
  append_uint(out, version);
}

void append_uint(std::string& out, std::uint64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_double(std::string& out, double value) {
  char buffer[40];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_bytes(std::string& out, std::string_view bytes) {
  if (simdjson::validate_utf8(bytes)) {
    append_utf8_string(out, bytes);
    return;
  }
  out += "{\"hex\":\"";
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out += kHexDigits[byte >> 4];
    out += kHexDigits[byte & 15];
  }
  out += "\"}";
}

void append_key(std::string& out, std::string_view name) {
  out += ",\"";
  out += name;
  out += "\":";
}

Reader::Reader(std::string_view json, std::string_view sketch, std::uint64_t version)
    : sketch_(sketch) {
  simdjson::dom::element root;
  if (const auto error = thread_parser().parse(json.data(), json.size()).get(root)) {
    fail("not valid JSON (", simdjson::error_message(error), ")");
  }
  if (root.get_object().get(root_)) fail("not a JSON object");
  std::string_view name;
  if (!has("sketch") || field("sketch").get_string().get(name)) {
    fail("no \"sketch\" name: not a gpipe sketch state");
  }
  if (name != sketch) {
    fail("this is a \"", name, "\" state, not a \"", sketch, "\" one");
  }
  std::uint64_t found_version = 0;
  if (!has("version") || field("version").get_uint64().get(found_version)) {
    fail("no \"version\" number");
  }
  if (found_version != version) {
    fail("version ", std::to_string(found_version), " is not supported (this gpipe reads version ",
         std::to_string(version), ")");
  }
}

bool Reader::has(std::string_view name) const {
  simdjson::dom::element element;
  return !root_[name].get(element) && !element.is_null();
}

simdjson::dom::element Reader::field(std::string_view name) const {
  simdjson::dom::element element;
  if (root_[name].get(element) || element.is_null()) {
    fail("the field ", quoted(name), " is missing");
  }
  return element;
}

std::uint64_t Reader::uint_field(std::string_view name) const {
  return as_uint(field(name), quoted(name));
}

double Reader::double_field(std::string_view name) const {
  return as_double(field(name), quoted(name));
}

bool Reader::bool_field(std::string_view name) const {
  bool value = false;
  if (field(name).get_bool().get(value)) fail(quoted(name), " is not true or false");
  return value;
}

std::string_view Reader::string_field(std::string_view name) const {
  std::string_view value;
  if (field(name).get_string().get(value)) fail(quoted(name), " is not a string");
  return value;
}

simdjson::dom::array Reader::array_field(std::string_view name) const {
  return as_array(field(name), quoted(name));
}

std::uint64_t Reader::as_uint(simdjson::dom::element element, std::string_view what) const {
  std::uint64_t value = 0;
  if (element.get_uint64().get(value)) {
    fail(what, " is not a whole number from 0 to 2^64-1");
  }
  return value;
}

std::int64_t Reader::as_int(simdjson::dom::element element, std::string_view what) const {
  std::int64_t value = 0;
  if (element.get_int64().get(value)) fail(what, " is not a whole number");
  return value;
}

double Reader::as_double(simdjson::dom::element element, std::string_view what) const {
  double value = 0;
  if (element.get_double().get(value) || !std::isfinite(value)) {
    fail(what, " is not a finite number");
  }
  return value;
}

std::string Reader::as_bytes(simdjson::dom::element element, std::string_view what) const {
  std::string_view text;
  if (!element.get_string().get(text)) return std::string(text);
  simdjson::dom::object object;
  if (element.get_object().get(object) || object.size() != 1 ||
      object["hex"].get_string().get(text) || text.size() % 2 != 0) {
    fail(what, " is neither a string nor {\"hex\":\"even number of hex digits\"}");
  }
  std::string bytes(text.size() / 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const int high = hex_value(text[2 * i]);
    const int low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) fail(what, " has a \"hex\" string with a non-hex digit");
    bytes[i] = static_cast<char>(high * 16 + low);
  }
  return bytes;
}

simdjson::dom::array Reader::as_array(simdjson::dom::element element, std::string_view what) const {
  simdjson::dom::array array;
  if (element.get_array().get(array)) fail(what, " is not an array");
  return array;
}

simdjson::dom::object Reader::as_object(simdjson::dom::element element,
                                        std::string_view what) const {
  simdjson::dom::object object;
  if (element.get_object().get(object)) fail(what, " is not an object");
  return object;
}

void Reader::throw_invalid(std::string_view what) const {
  std::string message(sketch_);
  message += " state: ";
  message += what;
  throw std::invalid_argument(message);
}

}  // namespace gpipe::sketches::state_json
