// libFuzzer target: the `csv` stage over arbitrary input, as `read FILE | csv …` under
// --on-error=skip. Nothing may crash, leak, hang or throw anything but an IoError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  gpipe::fuzz::run_stages(input, "csv");
  gpipe::fuzz::run_stages(input, "csv --no-header");
  gpipe::fuzz::run_stages(input, "csv --sep ';' --columns a,b,c");
  return 0;
}
