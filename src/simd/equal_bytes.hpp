// Equality of two short strings without a call to memcmp. Why: filters compare a field name
// with each name of a record, and a field's value with a literal, once per record; for the
// few bytes of a CSV column name or a country code the call to libc's memcmp was most of the
// cost (see docs/performance.md, "Short comparisons").
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace gpipe {

namespace detail {
template <class Word>
inline Word load_word(const char* p) {
  Word word;
  std::memcpy(&word, p, sizeof word);
  return word;
}
}  // namespace detail

inline bool equal_bytes(std::string_view a, std::string_view b) {
  using detail::load_word;
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* const x = a.data();
  const char* const y = b.data();
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      if (load_word<std::uint64_t>(x + i) != load_word<std::uint64_t>(y + i)) return false;
    }
    return load_word<std::uint64_t>(x + n - 8) == load_word<std::uint64_t>(y + n - 8);
  }
  if (n >= 4) {
    return load_word<std::uint32_t>(x) == load_word<std::uint32_t>(y) &&
           load_word<std::uint32_t>(x + n - 4) == load_word<std::uint32_t>(y + n - 4);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return false;
  }
  return true;
}

}  // namespace gpipe
