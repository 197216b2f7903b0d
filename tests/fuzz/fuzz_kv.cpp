// libFuzzer target: the `kv` stage over arbitrary input, as `read FILE | kv …` under
// --on-error=skip. Nothing may crash, leak, hang or throw anything but an IoError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  gpipe::fuzz::run_stages(input, "kv");
  gpipe::fuzz::run_stages(input, "kv --sep :");
  return 0;
}
