// `write --split-lines N` / `--split-bytes SIZE`: the output in parts PATH-0001.EXT, PATH-0002.EXT,
// … (the number before the first extension: out.jsonl.zst gives out-0001.jsonl.zst), each a
// complete file in itself: its own zstd frame or gzip member, its own CSV header, its own JSON
// array. Each part is committed (synced, renamed, its directory synced) before the next one is
// opened, so a part under its real name is always whole.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "output/output.hpp"

namespace gpipe {

// The name of part `number` of `path`.
std::string split_part_path(const std::string& path, std::uint64_t number);

class SplitOutput {
 public:
  explicit SplitOutput(const OutputSpec& spec);
  ~SplitOutput();
  SplitOutput(const SplitOutput&) = delete;
  SplitOutput& operator=(const SplitOutput&) = delete;

  // Prints the batch's records, starting a new part before a record that would go past the
  // limit. Returns how many records it printed.
  std::uint64_t print(Batch& batch);
  // The end of the records (a JSON array closes).
  void finish_records();
  // Commits the last part.
  void commit();

 private:
  struct Part;
  void open_next_part();
  bool part_full() const;

  OutputSpec spec_;
  std::unique_ptr<Part> part_;
  std::uint64_t number_ = 0;
  std::uint64_t part_records_ = 0;
};

}  // namespace gpipe
