// equal_bytes against std::string_view's ==, for every length its word loads treat apart and a
// difference at every position (first word, last word, the overlap between them).
#include "simd/equal_bytes.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gpipe {
namespace {

TEST(EqualBytesTest, AgreesWithStringEqualityAtEveryLengthAndPosition) {
  for (std::size_t n = 0; n <= 40; ++n) {
    const std::string a(n, 'x');
    // Copies in other buffers, so that equal strings are not the same bytes.
    const std::string same = a;
    EXPECT_TRUE(equal_bytes(a, same)) << n;
    EXPECT_FALSE(equal_bytes(a, a + "x")) << n;
    EXPECT_FALSE(equal_bytes(a + "x", a)) << n;
    for (std::size_t i = 0; i < n; ++i) {
      std::string other = a;
      other[i] = 'y';
      EXPECT_FALSE(equal_bytes(a, other)) << n << " differing at " << i;
      EXPECT_FALSE(equal_bytes(other, a)) << n << " differing at " << i;
    }
  }
}

TEST(EqualBytesTest, ComparesBytesNotCharactersOrTerminators) {
  EXPECT_TRUE(equal_bytes(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(equal_bytes(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  EXPECT_FALSE(equal_bytes("\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa8"));
  EXPECT_TRUE(equal_bytes("country", std::string("country")));
}

}  // namespace
}  // namespace gpipe
