// RecordPrinter: turns batches into bytes in the chosen output format.
#include <algorithm>
#include <vector>

#include "gpipe/output.hpp"

namespace gpipe {

namespace {

// Calls print_one on every record, then flushes per record only when the buffer asks for it
// (a terminal), deciding that once per batch rather than once per record.
template <class PrintOne>
std::size_t print_each(std::vector<Record>& records, OutputBuffer& out, PrintOne print_one) {
  if (out.line_flush()) {
    for (const Record& r : records) {
      print_one(r);
      out.end_record();
    }
  } else {
    for (const Record& r : records) print_one(r);
  }
  return records.size();
}

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

// Most values need no escape. This branch-free test of every byte compiles to vector compares,
// so the common case costs a fast scan instead of a switch per byte.
bool needs_tsv_escape(std::string_view text) {
  // An 8-bit accumulator, not a bool: with a bool GCC keeps the loop scalar.
  std::uint8_t found = 0;
  for (const char c : text) {
    found |= static_cast<std::uint8_t>((c == '\t') | (c == '\n') | (c == '\r') | (c == '\\'));
  }
  return found != 0;
}

// Appends a TSV column: runs of plain bytes in one piece, escapes between them.
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

// Counts '\n' bytes. std::count keeps a 64-bit counter, which stops the compiler from using
// byte-wide vector compares; an 8-bit counter per run of 255 bytes lets it, several times faster.
std::size_t count_newlines(std::string_view text) {
  constexpr std::size_t kRun = 255;  // the most an 8-bit counter can count
  std::size_t total = 0;
  for (std::size_t start = 0; start < text.size(); start += kRun) {
    const std::size_t end = std::min(text.size(), start + kRun);
    std::uint8_t in_run = 0;
    for (std::size_t i = start; i < end; ++i) in_run += static_cast<std::uint8_t>(text[i] == '\n');
    total += in_run;
  }
  return total;
}

// A pending block of lines (lines_pending()) prints as the block itself when no line ends in
// "\r\n" (whose "\r" the record would drop): no splitting and one copy for the whole block.
// Returns false when the block has to be split after all.
bool print_pending_block(Batch& batch, OutputBuffer& out, std::size_t& printed) {
  const std::string_view block = batch.pending_block();
  if (block.find('\r') != std::string_view::npos) return false;
  batch.take_pending_block();
  if (block.empty()) {
    printed = 0;
    return true;
  }
  printed = count_newlines(block);
  out.append(block);
  if (block.back() != '\n') {  // the last line of the input, without its newline
    out.put('\n');
    ++printed;
  }
  return true;
}

}  // namespace

RecordPrinter::RecordPrinter(const OutputSpec& spec, OutputBuffer& out)
    : format_(spec.format), ofs_(spec.ofs), out_(out) {}

std::size_t RecordPrinter::print(Batch& batch) {
  if (batch.kind() == RecordKind::Bytes) {
    return print_each(batch.records(), out_, [&](const Record& r) { out_.append(r.text); });
  }
  if (format_ == OutputFormat::Tsv) {
    return print_each(batch.records(), out_, [&](const Record& r) { print_tsv(batch, r); });
  }
  std::size_t printed = 0;
  if (batch.lines_pending() && !out_.line_flush() && print_pending_block(batch, out_, printed)) {
    return printed;
  }
  return print_each(batch.records(), out_, [&](const Record& r) { print_text(batch, r); });
}

void RecordPrinter::print_text(Batch& batch, const Record& r) {
  if (!r.has_fields()) {
    out_.append(r.text);
    out_.put('\n');
    return;
  }
  const Field* fields = batch.fields().data() + r.first_field;
  for (std::uint32_t i = 0; i < r.field_count; ++i) {
    if (i != 0) out_.append(ofs_);
    if (!fields[i].value.is_null()) out_.append(fields[i].value.text);
  }
  out_.put('\n');
}

void RecordPrinter::print_tsv(Batch& batch, const Record& r) {
  if (!r.has_fields()) {
    append_tsv_column(out_, r.text);
    out_.put('\n');
    return;
  }
  const Field* fields = batch.fields().data() + r.first_field;
  for (std::uint32_t i = 0; i < r.field_count; ++i) {
    if (i != 0) out_.put('\t');
    if (!fields[i].value.is_null()) append_tsv_column(out_, fields[i].value.text);
  }
  out_.put('\n');
}

}  // namespace gpipe
