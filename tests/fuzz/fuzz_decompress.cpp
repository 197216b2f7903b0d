// libFuzzer target: the .zst / .gz readers (open_input detects them by their magic bytes). The
// input is written to a scratch file and read through in random-sized reads; a corrupt or
// truncated stream may only throw IoError. Output is capped so a small bomb ends quickly.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.hpp"
#include "gpipe/errors.hpp"
#include "io/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string& path = gpipe::fuzz::write_scratch(input);
  gpipe::fuzz::Random random(gpipe::fuzz::hash_bytes(input));
  std::vector<char> buffer(1 << 16);
  std::size_t total = 0;
  try {
    auto source = gpipe::open_input(path);
    while (total < (64u << 20)) {
      const std::size_t want = 1 + random.below(buffer.size());
      const std::size_t got = source->read(buffer.data(), want);
      if (got > want) __builtin_trap();
      if (got == 0) break;
      total += got;
    }
  } catch (const gpipe::IoError&) {
  }
  return 0;
}
