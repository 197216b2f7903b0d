// libFuzzer target: the `json` stage over arbitrary input, as `read FILE | json …` under
// --on-error=skip. Nothing may crash, leak, hang or throw anything but an IoError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  gpipe::fuzz::run_stages(input, "json | select a b.c x[0] .\"k k\"[1].d");
  gpipe::fuzz::run_stages(input, "json | where a > 1 or len(b) == 2 | drop zz");
  return 0;
}
