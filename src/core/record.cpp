#include "gpipe/record.hpp"

#include <algorithm>
#include <cstring>

namespace gpipe {

char* Arena::allocate(std::size_t n) {
  while (current_ < blocks_.size()) {
    Block& block = blocks_[current_];
    if (block.size - block.used >= n) {
      char* p = block.data.get() + block.used;
      block.used += n;
      return p;
    }
    ++current_;
  }
  const std::size_t size = std::max(kBlockSize, n);
  blocks_.push_back(Block{std::make_unique<char[]>(size), size, n});
  current_ = blocks_.size() - 1;
  return blocks_.back().data.get();
}

std::string_view Arena::store(std::string_view s) {
  if (s.empty()) return {};
  char* p = allocate(s.size());
  std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}

void Arena::reset() {
  // Keep one block's worth of memory; drop oversized blocks so one huge record does not pin
  // memory for the rest of the run.
  std::erase_if(blocks_, [](const Block& b) { return b.size > kBlockSize; });
  for (Block& b : blocks_) b.used = 0;
  current_ = 0;
}

void Batch::reset(const Origin* origin, RecordKind kind) {
  origin_ = origin;
  kind_ = kind;
  format_ = DataFormat::Text;
  records_.clear();
  fields_.clear();
  arena_.reset();
  block_ = {};
  block_owner_.reset();
  lines_pending_ = false;
  starts_chunk_ = false;
  ends_chunk_ = false;
  closes_load_batch_ = false;
  resume_line_ = 0;
  for_threads_.reset();
}

void Batch::set_pending_lines(std::string_view block, std::uint64_t first_line,
                              std::uint64_t offset, std::shared_ptr<const void> owner) {
  block_ = block;
  block_owner_ = std::move(owner);
  block_first_line_ = first_line;
  block_offset_ = offset;
  lines_pending_ = true;
}

void Batch::split_pending_lines() {
  lines_pending_ = false;
  split_lines(block_, block_first_line_, block_offset_, records_);
}

std::uint32_t Batch::add_fields(std::span<const Field> fs) {
  const auto first = static_cast<std::uint32_t>(fields_.size());
  fields_.insert(fields_.end(), fs.begin(), fs.end());
  return first;
}

}  // namespace gpipe
