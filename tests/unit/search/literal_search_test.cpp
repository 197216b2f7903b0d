// LiteralSearch against std::string_view::find and a plain count of newlines: occurrences at
// every place relative to the 32-byte steps and the scalar tail, near misses of each byte.
#include "search/literal_search.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

namespace gpipe {
namespace {

std::uint64_t newlines_in(std::string_view text, std::size_t from, std::size_t to) {
  return static_cast<std::uint64_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(from),
                                               text.begin() + static_cast<std::ptrdiff_t>(to),
                                               '\n'));
}

// Every occurrence in order, from every kind of starting point, as find() and a count give it.
void expect_same_as_find(const LiteralSearch& search, const std::string& text) {
  const std::string_view literal = search.literal();
  for (std::size_t from = 0; from <= text.size(); from += 1 + from % 7) {
    std::uint64_t newlines = 5;  // added to, not set
    const std::size_t found = search.find_counting_newlines(text, from, newlines);
    const std::size_t expected = std::string_view(text).find(literal, from);
    ASSERT_EQ(found, expected) << "literal '" << literal << "' from " << from << " in '" << text
                               << "'";
    ASSERT_EQ(search.find(text, from), expected);
    const std::size_t counted_to = expected == std::string_view::npos ? text.size() : expected;
    ASSERT_EQ(newlines, 5 + newlines_in(text, from, counted_to))
        << "literal '" << literal << "' from " << from;
  }
}

TEST(LiteralSearchTest, FindsEveryOccurrenceAndCountsTheNewlinesBeforeIt) {
  std::mt19937 random(7);
  const std::string alphabet = "ERO \nrx";  // near misses of the literals' bytes, and newlines
  for (const std::string literal : {"E", "ER", "ERROR", "RxE", "ERROR ERROR rx OR E\nx"}) {
    const LiteralSearch search(literal);
    for (int round = 0; round < 40; ++round) {
      std::string text(static_cast<std::size_t>(random() % 200), ' ');
      for (char& byte : text) byte = alphabet[random() % alphabet.size()];
      // One planted occurrence at a random place, so that most texts hold one.
      if (text.size() >= literal.size()) {
        text.replace(random() % (text.size() - literal.size() + 1), literal.size(), literal);
      }
      expect_same_as_find(search, text);
    }
  }
}

TEST(LiteralSearchTest, OccurrencesOnEitherSideOfEveryStepBoundary) {
  const LiteralSearch search("ERROR");
  for (std::size_t size = 0; size < 140; ++size) {
    for (std::size_t at = 0; at + 5 <= size; at += 3) {
      std::string text(size, 'x');
      for (std::size_t i = 0; i < size; i += 11) text[i] = '\n';
      text.replace(at, 5, "ERROR");
      expect_same_as_find(search, text);
    }
  }
}

TEST(LiteralSearchTest, NewlinesAreCountedOverLongBlocks) {
  std::string text;
  for (int line = 0; line < 5000; ++line) text += "2026-11-21 INFO ok\n";
  text += "2026-11-21 ERROR bad\n";
  const LiteralSearch search("ERROR");
  std::uint64_t newlines = 0;
  EXPECT_EQ(search.find_counting_newlines(text, 0, newlines), 5000 * 19 + 11);
  EXPECT_EQ(newlines, 5000u);
  newlines = 0;
  EXPECT_EQ(search.find_counting_newlines(text, 5000 * 19 + 12, newlines), std::string::npos);
  EXPECT_EQ(newlines, 1u);
}

TEST(LiteralSearchTest, EmptyLiteralIsFoundWhereTheSearchStarts) {
  const LiteralSearch search("");
  std::uint64_t newlines = 0;
  EXPECT_EQ(search.find_counting_newlines("a\nb", 1, newlines), 1u);
  EXPECT_EQ(newlines, 0u);
  EXPECT_EQ(search.find("a\nb", 3), 3u);
}

}  // namespace
}  // namespace gpipe
