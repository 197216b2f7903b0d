#include "stages/aggregates/sort_buffer.hpp"

#include <algorithm>

#include "gpipe/errors.hpp"

namespace gpipe::stages {

std::size_t RunBuffer::bytes() const {
  return used_slot_bytes_ + entries_.size() * (sizeof(OwnedRecord) + sizeof(Entry)) + keys_.size();
}

std::size_t RunBuffer::held_bytes() const {
  return slot_bytes_ + slots_ * sizeof(OwnedRecord) + keys_.capacity() +
         entries_.capacity() * sizeof(Entry);
}

void RunBuffer::release_spare_slots() {
  for (std::size_t i = entries_.size(); i < slots_; ++i) {
    slot_bytes_ -= slot(i).heap_bytes();
    slot(i).release_storage();
  }
}

OwnedRecord& RunBuffer::next_slot(std::size_t size) {
  const std::size_t index = entries_.size();
  if (index == slots_) {
    if (slots_ % kSlotsPerChunk == 0) {
      chunks_.push_back(std::make_unique<OwnedRecord[]>(kSlotsPerChunk));
    }
    ++slots_;
  }
  OwnedRecord& record = slot(index);
  if (record.heap_bytes() > 4 * size + 256) {
    slot_bytes_ -= record.heap_bytes();
    record.release_storage();
  }
  return record;
}

void RunBuffer::add_entry(std::size_t slot_bytes_before, bool key_is_text, std::size_t key_begin) {
  OwnedRecord& record = slot(entries_.size());
  slot_bytes_ += record.heap_bytes() - slot_bytes_before;
  used_slot_bytes_ += record.heap_bytes();
  Entry entry;
  entry.slot = static_cast<std::uint32_t>(entries_.size());
  if (key_is_text) {
    entry.key_begin = kTextKey;
    entry.prefix = key_prefix(record.text());
  } else {
    const std::string_view key = std::string_view(keys_).substr(key_begin);
    if (key.size() > UINT32_MAX) throw IoError("sort: a sort key is larger than 4 GiB");
    entry.key_begin = key_begin;
    entry.key_size = static_cast<std::uint32_t>(key.size());
    entry.prefix = key_prefix(key);
  }
  entries_.push_back(entry);
}

void RunBuffer::add(Batch& batch, const Record& record, const std::shared_ptr<const Origin>& origin,
                    SortKeyMaker& keys) {
  OwnedRecord& kept = next_slot(record.text.size());
  const std::size_t before = kept.heap_bytes();
  kept.assign(batch, record, origin);
  const bool key_is_text = keys.key_is_text(record);
  const std::size_t key_begin = keys_.size();
  if (!key_is_text) keys.append_key(batch, record, keys_);
  add_entry(before, key_is_text, key_begin);
}

void RunBuffer::adopt(OwnedRecord& record, std::string_view key, bool key_is_text) {
  OwnedRecord& kept = next_slot(record.text().size());
  const std::size_t before = kept.heap_bytes();
  std::swap(kept, record);
  const std::size_t key_begin = keys_.size();
  if (!key_is_text) keys_.append(key);
  add_entry(before, key_is_text, key_begin);
}

std::string_view RunBuffer::key(std::size_t i) const {
  const Entry& entry = entries_[i];
  if (entry.key_begin == kTextKey) return slot(entry.slot).text();
  return {keys_.data() + entry.key_begin, entry.key_size};
}

void RunBuffer::sort() {
  const auto key_of = [this](const Entry& entry) -> std::string_view {
    if (entry.key_begin == kTextKey) return slot(entry.slot).text();
    return {keys_.data() + entry.key_begin, entry.key_size};
  };
  std::sort(entries_.begin(), entries_.end(), [&](const Entry& a, const Entry& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    const int order = compare_keys(key_of(a), key_of(b));
    return order != 0 ? order < 0 : a.slot < b.slot;
  });
}

void RunBuffer::write_to(RunWriter& writer) {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    writer.add(key(i), key_is_text(i), record(i));
  }
}

void RunBuffer::clear() {
  entries_.clear();
  keys_.clear();
  used_slot_bytes_ = 0;
}

bool BufferSource::next() {
  if (next_ >= buffer_.size()) return false;
  record_ = &buffer_.record(next_);
  key_is_text_ = buffer_.key_is_text(next_);
  if (!key_is_text_) key_ = buffer_.key(next_);
  prefix_ = key_prefix(key());
  ++next_;
  return true;
}

}  // namespace gpipe::stages
