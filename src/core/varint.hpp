// Variable-length unsigned integers (LEB128: seven bits a byte, low bits first, the high bit set
// on every byte but the last), for the byte forms of records written to temporary files: the
// sizes, line numbers and offsets they hold are mostly small, and take one or two bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gpipe {

inline constexpr std::size_t kMaxVarintBytes = 10;

// Writes `value` at `out`, which has room for it (varint_size), and returns the end.
inline char* put_varint(char* out, std::uint64_t value) {
  while (value >= 0x80) {
    *out++ = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<char>(value);
  return out;
}

inline void put_varint(std::string& out, std::uint64_t value) {
  char bytes[kMaxVarintBytes];
  out.append(bytes, static_cast<std::size_t>(put_varint(bytes, value) - bytes));
}

inline std::size_t varint_size(std::uint64_t value) {
  std::size_t size = 1;
  for (; value >= 0x80; value >>= 7) ++size;
  return size;
}

// Reads a varint at `at` in `in` and moves `at` past it. False (and `at` unchanged) when `in`
// ends before the varint does, or it is longer than a 64-bit value needs.
inline bool get_varint(std::string_view in, std::size_t& at, std::uint64_t& value) {
  std::uint64_t result = 0;
  std::size_t i = at;
  for (unsigned shift = 0; shift < 64 && i < in.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in[i++]);
    result |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      value = result;
      at = i;
      return true;
    }
  }
  return false;
}

}  // namespace gpipe
