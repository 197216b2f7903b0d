// libFuzzer target: the timestamp reader of `bucket` over arbitrary text, and the stages with
// state between records over arbitrary input (`read FILE | bucket … | running … | window … |
// dedup | sample …` under --on-error=skip). Nothing may crash, leak, hang or throw, and a time
// read back from its own ISO 8601 text must be the same time.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "formats/time/timestamp.hpp"
#include "fuzz/fuzz_util.hpp"

namespace {

void check_round_trip(gpipe::EpochMillis time) {
  char text[gpipe::kUtcTextMax];
  const std::size_t size = gpipe::format_utc(time, true, text);
  gpipe::EpochMillis back = 0;
  // Years 0 to 9999 are written in four digits, which read_iso reads back.
  if (text[0] == '+' || text[0] == '-') return;
  if (!gpipe::parse_timestamp({text, size}, gpipe::YearlessRule::fixed(2026), back) ||
      back != time) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // dedup --max warns once per run, and each input is a run.
  static const bool quiet = (spdlog::set_level(spdlog::level::off), true);
  static_cast<void>(quiet);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto yearless = gpipe::YearlessRule::fixed(2026);
  gpipe::EpochMillis time = 0;
  if (gpipe::parse_timestamp(input, yearless, time)) check_round_trip(time);
  if (gpipe::find_timestamp(input, yearless, time)) check_round_trip(time);
  if (gpipe::read_epoch_number(input, time)) check_round_trip(time);
  std::int64_t millis = 0;
  std::string reason;
  if (gpipe::parse_duration(input.substr(0, 64), millis, reason) && millis <= 0) std::abort();
  gpipe::fuzz::run_stages(input, "bucket 90s --year 2026 | running sum avg 1 | dedup 0");
  gpipe::fuzz::run_stages(input, "window 3 sum min max 0 | sample 50% | dedup --max 4");
  gpipe::fuzz::run_stages(input, "kv | bucket 250ms on t | sample 30% by t");
  return 0;
}
