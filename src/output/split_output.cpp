#include "output/split_output.hpp"

#include <algorithm>
#include <cstdio>

namespace gpipe {

std::string split_part_path(const std::string& path, std::uint64_t number) {
  const std::size_t slash = path.rfind('/');
  const std::size_t name_start = slash == std::string::npos ? 0 : slash + 1;
  // The first dot after the name's first character: a leading dot is part of a hidden name.
  std::size_t dot = path.find('.', name_start + 1);
  if (dot == std::string::npos) dot = path.size();
  char counter[24];
  std::snprintf(counter, sizeof counter, "-%04llu", static_cast<unsigned long long>(number));
  return path.substr(0, dot) + counter + path.substr(dot);
}

struct SplitOutput::Part {
  explicit Part(const OutputSpec& spec, const std::string& path)
      : sink(open_file_sink(path, /*append=*/false, spec.level)),
        buffer(*sink),
        printer(spec, buffer) {}
  std::unique_ptr<ByteSink> sink;
  OutputBuffer buffer;
  RecordPrinter printer;
};

SplitOutput::SplitOutput(const OutputSpec& spec) : spec_(spec) {
  open_next_part();
}

SplitOutput::~SplitOutput() = default;

void SplitOutput::open_next_part() {
  if (part_) {
    part_->printer.finish();
    commit();
  }
  part_ = std::make_unique<Part>(spec_, split_part_path(spec_.path, ++number_));
  part_records_ = 0;
}

bool SplitOutput::part_full() const {
  if (spec_.split_lines != 0 && part_records_ >= spec_.split_lines) return true;
  return spec_.split_bytes != 0 && part_->buffer.total_bytes() >= spec_.split_bytes;
}

std::uint64_t SplitOutput::print(Batch& batch) {
  const std::size_t count = batch.records().size();
  std::size_t at = 0;
  while (at < count) {
    if (part_full()) open_next_part();
    // Records up to the line limit in one go; with a byte limit, one at a time (its size is
    // known once printed).
    std::size_t take = count - at;
    if (spec_.split_lines != 0) {
      take = std::min<std::uint64_t>(take, spec_.split_lines - part_records_);
    }
    if (spec_.split_bytes != 0) take = 1;
    part_->printer.print_range(batch, at, at + take);
    part_records_ += take;
    at += take;
  }
  // A load batch (`batch N`) that closes ends its JSON array and is flushed, as in one file.
  if (batch.closes_load_batch()) {
    Batch none;
    none.set_closes_load_batch();
    part_->printer.print(none);
  }
  return count;
}

void SplitOutput::finish_records() {
  part_->printer.finish();
}

void SplitOutput::commit() {
  part_->buffer.flush();
  part_->sink->commit();
}

}  // namespace gpipe
