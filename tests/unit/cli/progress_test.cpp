#include "cli/progress.hpp"

#include <gtest/gtest.h>

namespace gpipe {
namespace {

TEST(ProgressText, PercentOfAKnownTotalWithRateAndEta) {
  const std::uint64_t mib = 1024 * 1024;
  EXPECT_EQ(progress_text(25 * mib, 100 * mib, 1234, 1.0),
            "gpipe:  25% 25 MiB of 100 MiB, 1234 records out, 25 MiB/s, ETA 0:03");
}

TEST(ProgressText, UnknownTotalShowsBytesAndRateOnly) {
  EXPECT_EQ(progress_text(2048, std::nullopt, 7, 2.0),
            "gpipe: 2.0 KiB read, 7 records out, 1.0 KiB/s");
}

TEST(ProgressText, NoEtaOnceAllIsRead) {
  EXPECT_EQ(progress_text(4096, 4096, 0, 1.0),
            "gpipe: 100% 4.0 KiB of 4.0 KiB, 0 records out, 4.0 KiB/s");
}

}  // namespace
}  // namespace gpipe
