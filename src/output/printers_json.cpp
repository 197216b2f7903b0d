// JSON lines output: string escaping with UTF-8 validation, and records as JSON values.
#include "output/printers_json.hpp"

#include <cstdint>

#include "formats/json/json_number.hpp"

namespace gpipe {

namespace {

// Most strings need no escape. This branch-free test of every byte compiles to vector compares.
bool needs_json_escape(std::string_view text) {
  std::uint8_t found = 0;  // 8-bit, not bool: with a bool GCC keeps the loop scalar
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    found |= static_cast<std::uint8_t>((c < 0x20) | (c == '"') | (c == '\\') | (c >= 0x80));
  }
  return found != 0;
}

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// The length of the valid UTF-8 sequence starting at text[i] (a byte >= 0x80), or, as a
// negative number, how many bytes make up its invalid prefix (at least 1), which is replaced by
// one U+FFFD. Ranges after the Unicode standard, table 3-7 (no overlongs, no surrogates).
int utf8_sequence(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  int length = 0;
  unsigned char low = 0x80;  // the allowed range of the second byte
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return -1;
  }
  for (int k = 1; k < length; ++k) {
    const std::size_t at = i + static_cast<std::size_t>(k);
    if (at >= text.size()) return -k;
    const auto c = static_cast<unsigned char>(text[at]);
    const bool ok = k == 1 ? (c >= low && c <= high) : is_continuation(c);
    if (!ok) return -k;
  }
  return length;
}

void append_control_escape(OutputBuffer& out, unsigned char c) {
  switch (c) {
    case '\n':
      return out.append("\\n");
    case '\t':
      return out.append("\\t");
    case '\r':
      return out.append("\\r");
    case '\b':
      return out.append("\\b");
    case '\f':
      return out.append("\\f");
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      return out.append(std::string_view(escape, sizeof escape));
    }
  }
}

// Appends the bytes of `text` that need escaping with their escapes, plain runs in one piece.
void append_escaped(OutputBuffer& out, std::string_view text) {
  std::size_t run_start = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const int length = utf8_sequence(text, i);
      if (length > 0) {  // valid UTF-8 stays in the run
        i += static_cast<std::size_t>(length);
        continue;
      }
      out.append(text.substr(run_start, i - run_start));
      out.append("\\ufffd");
      i += static_cast<std::size_t>(-length);
      run_start = i;
      continue;
    }
    out.append(text.substr(run_start, i - run_start));
    if (c == '"' || c == '\\') {
      out.put('\\');
      out.put(static_cast<char>(c));
    } else {
      append_control_escape(out, c);
    }
    run_start = ++i;
  }
  out.append(text.substr(run_start));
}

void append_json_value(OutputBuffer& out, const Value& value) {
  switch (value.kind) {
    case Value::Kind::Null:
      return out.append("null");
    case Value::Kind::Bool:
      if (value.text == "true" || value.text == "false") return out.append(value.text);
      break;
    case Value::Kind::Number:
      // A number made by a stage may be written in a way JSON does not allow ("inf", "0x1f",
      // "+1"); it is then a string, never broken JSON.
      if (is_json_number(value.text)) return out.append(value.text);
      break;
    case Value::Kind::Json:
      if (!value.text.empty()) return out.append(value.text);
      return out.append("null");
    case Value::Kind::String:
      break;
  }
  append_json_string(out, value.text);
}

}  // namespace

void append_json_string(OutputBuffer& out, std::string_view text) {
  out.put('"');
  if (needs_json_escape(text)) {
    append_escaped(out, text);
  } else {
    out.append(text);
  }
  out.put('"');
}

void print_json_value(OutputBuffer& out, Batch& batch, const Record& record) {
  if (record.whole_json) {
    out.append(record.text);
  } else if (!record.has_fields()) {
    append_json_string(out, record.text);
  } else {
    const Field* fields = batch.fields().data() + record.first_field;
    out.put('{');
    for (std::uint32_t i = 0; i < record.field_count; ++i) {
      if (i != 0) out.put(',');
      append_json_string(out, fields[i].name);
      out.put(':');
      append_json_value(out, fields[i].value);
    }
    out.put('}');
  }
}

void print_json_record(OutputBuffer& out, Batch& batch, const Record& record) {
  print_json_value(out, batch, record);
  out.put('\n');
}

}  // namespace gpipe
