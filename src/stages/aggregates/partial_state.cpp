#include "stages/aggregates/partial_state.hpp"

#include <simdjson.h>

#include <stdexcept>

#include "expr/json_array.hpp"

namespace gpipe::stages {

namespace {

bool needs_quotes(std::string_view text) {
  if (text.empty()) return true;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '|' || c == '\'' || c == '"' || c == '\\' || c == '$') {
      return true;
    }
  }
  return false;
}

void append_hex(std::string& out, std::string_view bytes) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out += kDigits[byte >> 4];
    out += kDigits[byte & 15];
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

[[noreturn]] void malformed(const std::string& what) {
  throw std::invalid_argument(what);
}

}  // namespace

void append_key_value(std::string& out, const Value& value) {
  switch (value.kind) {
    case Value::Kind::Null:
      out += "null";
      return;
    case Value::Kind::Bool:
      out += value.text == "true" ? "true" : "false";
      return;
    case Value::Kind::Number:
      out += "{\"n\":";
      expr::append_json_string(out, value.text);
      out += "}";
      return;
    case Value::Kind::Json:
      out += "{\"json\":";
      expr::append_json_string(out, value.text);
      out += "}";
      return;
    case Value::Kind::String:
      if (simdjson::validate_utf8(value.text.data(), value.text.size())) {
        expr::append_json_string(out, value.text);
      } else {
        out += "{\"hex\":\"";
        append_hex(out, value.text);
        out += "\"}";
      }
      return;
  }
}

Value read_key_value(const simdjson::dom::element& element, Arena& arena) {
  using simdjson::dom::element_type;
  switch (element.type()) {
    case element_type::NULL_VALUE:
      return Value::null();
    case element_type::BOOL:
      return {Value::Kind::Bool, bool(element) ? "true" : "false"};
    case element_type::STRING:
      return Value::string(arena.store(std::string_view(element)));
    case element_type::OBJECT: {
      const simdjson::dom::object object(element);
      if (object.size() != 1) break;
      const auto [name, inner] = *object.begin();
      std::string_view text;
      if (inner.get_string().get(text) != simdjson::SUCCESS) break;
      if (name == "n") return {Value::Kind::Number, arena.store(text)};
      if (name == "json") return {Value::Kind::Json, arena.store(text)};
      if (name == "hex" && text.size() % 2 == 0) {
        char* bytes = arena.allocate(text.size() / 2);
        for (std::size_t i = 0; i < text.size(); i += 2) {
          const int high = hex_digit(text[i]);
          const int low = hex_digit(text[i + 1]);
          if (high < 0 || low < 0) malformed("a key's hex value has a non-hex digit");
          bytes[i / 2] = static_cast<char>(high * 16 + low);
        }
        return Value::string({bytes, text.size() / 2});
      }
      break;
    }
    default:
      break;
  }
  malformed("a key value is not a string, null, true, false or {\"n\"|\"json\"|\"hex\": text}");
}

std::string call_text(const StageCall& call) {
  std::string out = call.name;
  for (const Argument& arg : call.args) {
    out += ' ';
    if (!arg.raw.empty()) {
      out += arg.raw;
    } else if (needs_quotes(arg.text)) {
      out += '"';
      for (char c : arg.text) {
        if (c == '"' || c == '\\' || c == '$') out += '\\';
        out += c;
      }
      out += '"';
    } else {
      out += arg.text;
    }
  }
  return out;
}

void start_partial_line(std::string& out, std::string_view stage, std::span<const Value> key) {
  out += "{\"gpipe_partial\":";
  out += std::to_string(kPartialVersion);
  out += ",\"stage\":";
  expr::append_json_string(out, stage);
  out += ",\"key\":[";
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (i > 0) out += ',';
    append_key_value(out, key[i]);
  }
  out += "],\"state\":";
}

struct PartialLineReader::Impl {
  simdjson::dom::parser parser;
  simdjson::dom::element state;
  PartialLine line;
};

PartialLineReader::PartialLineReader() : impl_(std::make_unique<Impl>()) {}
PartialLineReader::~PartialLineReader() = default;

const PartialLine& PartialLineReader::read(std::string_view text, Arena& arena) {
  simdjson::dom::element document;
  if (auto error = impl_->parser.parse(text.data(), text.size()).get(document)) {
    malformed(std::string("not JSON: ") + simdjson::error_message(error));
  }
  std::int64_t version = 0;
  if (document["gpipe_partial"].get_int64().get(version) != simdjson::SUCCESS) {
    malformed("not a gpipe partial state (no \"gpipe_partial\" version)");
  }
  if (version != kPartialVersion) {
    malformed("a partial state of version " + std::to_string(version) +
              "; this gpipe reads version " + std::to_string(kPartialVersion));
  }
  PartialLine& line = impl_->line;
  if (document["stage"].get_string().get(line.stage) != simdjson::SUCCESS) {
    malformed("a partial state without its \"stage\"");
  }
  simdjson::dom::array key;
  if (document["key"].get_array().get(key) != simdjson::SUCCESS) {
    malformed("a partial state without its \"key\" array");
  }
  line.key.clear();
  for (simdjson::dom::element value : key) line.key.push_back(read_key_value(value, arena));
  if (document["state"].get(impl_->state) != simdjson::SUCCESS) {
    malformed("a partial state without its \"state\"");
  }
  line.state = &impl_->state;
  return line;
}

// --partial --keyed: each partial line as `KEY<tab>LINE`, KEY its "key" array as compact JSON,
// which Hadoop Streaming sorts and groups by.
BatchStream keyed_partial_lines(BatchStream in) {
  simdjson::dom::parser parser;
  Batch out;
  std::string line;
  for (Batch& batch : in) {
    out.reset(nullptr, RecordKind::Line);
    out.set_format(DataFormat::Text);
    for (const Record& record : batch.records()) {
      simdjson::dom::element key;
      if (parser.parse(record.text.data(), record.text.size())["key"].get(key) !=
          simdjson::SUCCESS) {
        throw std::logic_error("a partial line without its key");
      }
      line = simdjson::minify(key);
      line += '\t';
      line += record.text;
      Record keyed;
      keyed.text = out.arena().store(line);
      out.raw_records().push_back(keyed);
    }
    co_yield out;
  }
}

}  // namespace gpipe::stages
