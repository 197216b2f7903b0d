// RecordPrinter: turns batches into bytes in the chosen output format.
#include <span>
#include <vector>

#include "output/output.hpp"
#include "output/printers_delimited.hpp"
#include "output/printers_json.hpp"
#include "simd/newline_count.hpp"

namespace gpipe {

namespace {

// Calls print_one on every record, then flushes per record only when the buffer asks for it
// (a terminal), deciding that once per batch rather than once per record.
template <class PrintOne>
std::size_t print_each(std::span<const Record> records, OutputBuffer& out, PrintOne print_one) {
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
  printed = count_newlines(block.data(), block.data() + block.size());
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

// docs/spec.md §4: the default follows the input: text in, text out; CSV in, CSV out; JSON in, JSON
// lines out; aggregates print TSV with a header row.
OutputFormat RecordPrinter::format_for(const Batch& batch) const {
  if (format_ != OutputFormat::Auto) return format_;
  switch (batch.format()) {
    case DataFormat::Csv:
      return OutputFormat::Csv;
    case DataFormat::Json:
      return OutputFormat::Jsonl;
    case DataFormat::Table:  // the results of an aggregate: TSV with a header row
      return OutputFormat::Tsv;
    case DataFormat::Text:
      break;
  }
  return OutputFormat::Text;
}

std::size_t RecordPrinter::print(Batch& batch) {
  const std::size_t printed = print_records(batch);
  if (batch.closes_load_batch()) {
    if (array_open_) {
      out_.append("]\n");
      array_open_ = false;
      array_printed_ = true;
    }
    out_.flush();
  }
  return printed;
}

void RecordPrinter::finish() {
  if (format_ != OutputFormat::JsonArray) return;
  if (array_open_) {
    out_.append("]\n");
  } else if (!array_printed_) {
    out_.append("[]\n");  // as `jq -s .` prints for no input
  }
  array_open_ = false;
  array_printed_ = true;
}

std::size_t RecordPrinter::print_records(Batch& batch) {
  std::size_t printed = 0;
  if (batch.kind() != RecordKind::Bytes && format_for(batch) == OutputFormat::Text &&
      batch.lines_pending() && !out_.line_flush() && print_pending_block(batch, out_, printed)) {
    return printed;
  }
  return print_span(batch, batch.records());
}

std::size_t RecordPrinter::print_range(Batch& batch, std::size_t begin, std::size_t end) {
  return print_span(batch, std::span<const Record>(batch.records()).subspan(begin, end - begin));
}

std::size_t RecordPrinter::print_span(Batch& batch, std::span<const Record> records) {
  if (batch.kind() == RecordKind::Bytes) {
    return print_each(records, out_, [&](const Record& r) { out_.append(r.text); });
  }
  const OutputFormat format = format_for(batch);
  switch (format) {
    case OutputFormat::Tsv:
    case OutputFormat::Csv:
      return print_each(records, out_, [&](const Record& r) { print_delimited(batch, r, format); });
    case OutputFormat::Jsonl:
      return print_each(records, out_, [&](const Record& r) { print_json_record(out_, batch, r); });
    case OutputFormat::JsonArray:
      for (const Record& r : records) {
        out_.put(array_open_ ? ',' : '[');
        array_open_ = true;
        print_json_value(out_, batch, r);
      }
      return records.size();
    case OutputFormat::Auto:
    case OutputFormat::Text:
      break;
  }
  return print_each(records, out_, [&](const Record& r) { print_text(batch, r); });
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

// One CSV or TSV row, after a header row when the record's shape differs from the one before.
void RecordPrinter::print_delimited(Batch& batch, const Record& r, OutputFormat format) {
  const bool csv = format == OutputFormat::Csv;
  const Field* fields = r.has_fields() ? batch.fields().data() + r.first_field : nullptr;
  if (header_.shape_changed(fields, r.field_count) && header_.named()) print_header(format);
  printed_delimited_ = true;
  if (!r.has_fields()) {
    if (csv) {
      append_csv_column(out_, r.text, true);
    } else {
      append_tsv_column(out_, r.text);
    }
    out_.put('\n');
    return;
  }
  const char separator = csv ? ',' : '\t';
  for (std::uint32_t i = 0; i < r.field_count; ++i) {
    if (i != 0) out_.put(separator);
    const std::string_view text = fields[i].value.is_null() ? "" : fields[i].value.text;
    if (csv) {
      append_csv_column(out_, text, r.field_count == 1);
    } else {
      append_tsv_column(out_, text);
    }
  }
  out_.put('\n');
}

// The header row of a new shape; after earlier rows, a blank line first ends the block before.
void RecordPrinter::print_header(OutputFormat format) {
  if (printed_delimited_) out_.put('\n');
  const std::vector<std::string>& names = header_.names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (format == OutputFormat::Csv) {
      if (i != 0) out_.put(',');
      append_csv_column(out_, names[i], names.size() == 1);
    } else {
      if (i != 0) out_.put('\t');
      append_tsv_column(out_, names[i]);
    }
  }
  out_.put('\n');
}

}  // namespace gpipe
