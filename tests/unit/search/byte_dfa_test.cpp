// The byte DFA behind grep's regex line test: which patterns it takes, the prefix every match
// starts with, and its answer against RE2's on the lines it is given. (grep_test.cpp checks it
// through the grep stage, on random patterns.)
#include "search/byte_dfa.hpp"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <string>
#include <vector>

namespace gpipe {
namespace {

// Whether some match starts in `line`, as grep asks the DFA: at each place the prefix is.
bool dfa_matches(const ByteDfa& dfa, std::string_view line) {
  const std::string& prefix = dfa.prefix();
  for (std::size_t at = 0; at + prefix.size() <= line.size(); ++at) {
    if (line.substr(at, prefix.size()) != prefix) continue;
    const char* const rest = line.data() + at + prefix.size();
    if (dfa.matches_after_prefix(rest, line.data() + line.size())) return true;
  }
  return false;
}

TEST(ByteDfaTest, BuildsOnlyWhatItDecidesExactly) {
  ByteDfa dfa;
  ASSERT_TRUE(dfa.build("latency_ms=[0-9]{3,}"));
  EXPECT_EQ(dfa.prefix(), "latency_ms=");
  ASSERT_TRUE(ByteDfa().build("\\s+x"));
  ByteDfa alternatives;
  ASSERT_TRUE(alternatives.build("ab(?:c|d)|abe"));
  EXPECT_EQ(alternatives.prefix(), "ab");
  // Anything whose bytes RE2 could read as UTF-8 or as anchors goes to RE2.
  for (const char* other : {".", "a.b", "[^x]+", "\\S", "^a", "a$", "(?i)a", "\\bx", "é", "a{2}{3}",
                            "[[:alpha:]]", "\\pL", "a{,3}"}) {
    EXPECT_FALSE(ByteDfa().build(other)) << other;
  }
}

TEST(ByteDfaTest, DecidesAsRe2DoesOnEachLine) {
  const std::vector<std::string> lines = {"",
                                          "latency_ms=99",
                                          "latency_ms=100",
                                          "x latency_ms=12 latency_ms=1234",
                                          "ab",
                                          "abc",
                                          "abd e",
                                          "xabe",
                                          "k=\t1",
                                          "k= 1",
                                          "k=\t\t\t",
                                          "k=1.5.6",
                                          "\xc3\xa9k=7",
                                          "k=",
                                          "k=22k=333"};
  for (const char* pattern : {"latency_ms=[0-9]{3,}", "ab(?:c|d)|abe", "k=\\s*\\d",
                              "k=[\\d.]+\\.\\d", "k=(?:22|333)+", "k=\\w?"}) {
    ByteDfa dfa;
    ASSERT_TRUE(dfa.build(pattern)) << pattern;
    const RE2 re(pattern);
    for (const std::string& line : lines) {
      EXPECT_EQ(dfa_matches(dfa, line), RE2::PartialMatch(line, re)) << pattern << " on " << line;
    }
  }
}

}  // namespace
}  // namespace gpipe
