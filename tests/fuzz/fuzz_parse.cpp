// libFuzzer target: the `parse` stage over arbitrary input, as `read FILE | parse …` under
// --on-error=skip. Nothing may crash, leak, hang or throw anything but an IoError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  gpipe::fuzz::run_stages(input, "parse '(?P<ts>[^ ]+) (?P<level>[A-Z]+)(?: (?P<msg>.*))?'");
  gpipe::fuzz::run_stages(input, "parse --keep '^(?P<k>[a-z]+)=(?P<v>[0-9]*)$' | where v > 3");
  return 0;
}
