// A byte buffer that only grows, for what a load keeps until its transaction ends (the COPY
// text, and what reports of its refused rows need). It grows by realloc, which moves a large
// block by remapping its pages, not by copying them, and leaves new room untouched: a
// std::string copies every byte on each doubling and zero-fills room it resizes into, each page
// faulted in once more.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

namespace gpipe::db {

class GrowingBytes {
 public:
  GrowingBytes() = default;
  ~GrowingBytes() { std::free(data_); }
  GrowingBytes(const GrowingBytes&) = delete;
  GrowingBytes& operator=(const GrowingBytes&) = delete;

  // Where `bytes` more may be written, after size(); they count once commit() says how many.
  char* room(std::size_t bytes) {
    if (capacity_ - size_ < bytes) grow(size_ + bytes);
    return data_ + size_;
  }
  // The bytes written at room() up to `end` are kept.
  void commit(const char* end) { size_ = static_cast<std::size_t>(end - data_); }
  void append(std::string_view bytes) {
    char* out = room(bytes.size());
    if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
    size_ += bytes.size();
  }

  std::string_view view() const { return {data_, size_}; }
  std::size_t size() const { return size_; }
  // Empties it, keeping its storage.
  void clear() { size_ = 0; }

 private:
  void grow(std::size_t needed) {
    std::size_t capacity = capacity_ < 4096 ? 4096 : 2 * capacity_;
    if (capacity < needed) capacity = needed;
    void* grown = std::realloc(data_, capacity);
    if (grown == nullptr) throw std::bad_alloc();
    data_ = static_cast<char*>(grown);
    capacity_ = capacity;
  }

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace gpipe::db
