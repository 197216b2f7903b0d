#include "output/split_output.hpp"

#include <gtest/gtest.h>

namespace gpipe {
namespace {

TEST(SplitPartPath, PutsTheNumberBeforeTheFirstExtension) {
  EXPECT_EQ(split_part_path("out.jsonl.zst", 1), "out-0001.jsonl.zst");
  EXPECT_EQ(split_part_path("dir.d/out.csv", 12), "dir.d/out-0012.csv");
  EXPECT_EQ(split_part_path("out", 3), "out-0003");
  EXPECT_EQ(split_part_path("/a/.hidden.log", 2), "/a/.hidden-0002.log");
  EXPECT_EQ(split_part_path("x.log", 12345), "x-12345.log");
}

}  // namespace
}  // namespace gpipe
