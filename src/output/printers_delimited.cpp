// CSV and TSV columns, and the shape of records that decides their header rows.
#include "output/printers_delimited.hpp"

#include <cstdint>

namespace gpipe {

namespace {

// The two-character escape of a byte that cannot appear raw in a TSV column, or nullptr.
const char* tsv_escape(char c) {
  switch (c) {
    case '\t':
      return "\\t";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\\':
      return "\\\\";
    default:
      return nullptr;
  }
}

// Most values need no escape. These branch-free tests of every byte compile to vector compares,
// so the common case costs a fast scan instead of a switch per byte.
bool needs_tsv_escape(std::string_view text) {
  // An 8-bit accumulator, not a bool: with a bool GCC keeps the loop scalar.
  std::uint8_t found = 0;
  for (const char c : text) {
    found |= static_cast<std::uint8_t>((c == '\t') | (c == '\n') | (c == '\r') | (c == '\\'));
  }
  return found != 0;
}

bool needs_csv_quotes(std::string_view text) {
  std::uint8_t found = 0;
  for (const char c : text) {
    found |= static_cast<std::uint8_t>((c == ',') | (c == '"') | (c == '\r') | (c == '\n'));
  }
  return found != 0;
}

// A field name made of digits only is a position (`field 0 3`, `csv --no-header`).
bool is_position(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

void append_tsv_column(OutputBuffer& out, std::string_view text) {
  if (!needs_tsv_escape(text)) return out.append(text);
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char* escape = tsv_escape(text[i]);
    if (escape == nullptr) continue;
    out.append(text.substr(run_start, i - run_start));
    out.append(std::string_view(escape, 2));
    run_start = i + 1;
  }
  out.append(text.substr(run_start));
}

void append_csv_column(OutputBuffer& out, std::string_view text, bool alone) {
  if (!needs_csv_quotes(text)) {
    if (text.empty() && alone) return out.append("\"\"");
    return out.append(text);
  }
  out.put('"');
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '"') continue;
    out.append(text.substr(run_start, i + 1 - run_start));  // through the quote, then one more
    out.put('"');
    run_start = i + 1;
  }
  out.append(text.substr(run_start));
  out.put('"');
}

bool HeaderRow::shape_changed(const Field* fields, std::uint32_t count) {
  const bool fieldless = count == Record::kWholeText;
  if (known_ && fieldless == fieldless_) {
    if (fieldless) return false;
    if (count == count_) {
      std::uint32_t same = 0;
      while (same < count && fields[same].name == names_[same]) ++same;
      if (same == count) return false;
    }
  }
  known_ = true;
  fieldless_ = fieldless;
  named_ = false;
  count_ = fieldless ? 0 : count;
  names_.resize(count_);
  for (std::size_t i = 0; i < count_; ++i) {
    names_[i].assign(fields[i].name);
    named_ = named_ || !is_position(fields[i].name);
  }
  return true;
}

}  // namespace gpipe
