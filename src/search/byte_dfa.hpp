// A small DFA for the common regex shapes: grep's line test for the patterns it can compile,
// in place of RE2.
//
// RE2 has a fixed cost per call (locks, set-up), which dominates when nearly every line holds a
// candidate (see docs/performance.md, "Regex candidates"). Patterns made only of ASCII literals,
// positive ASCII classes (\d \w \s [a-z_]), groups, alternation and repetition are compiled here
// into a byte DFA instead; on such patterns a byte DFA decides exactly what RE2 decides (no byte >=
// 0x80 can match, so UTF-8 handling cannot differ). Anything else ('.', negated classes, anchors,
// flags, -i, -w) returns false and the RE2 path is used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gpipe {

// A byte DFA for regexes of ASCII literals, positive ASCII classes, groups, alternation and
// repetition: exactly RE2's answer on those, with no per-call cost. Newlines never match.
class ByteDfa {
 public:
  static constexpr std::size_t kMaxStates = 1024;

  // False when the pattern is outside what this DFA handles (or too big): use RE2.
  bool build(std::string_view pattern);
  // The bytes every match starts with (may be empty).
  const std::string& prefix() const { return prefix_; }
  // Whether a match starts at `p` - prefix().size(), given that the prefix is there; [p, end)
  // is the rest of the line. Inline: grep runs it for every candidate.
  bool matches_after_prefix(const char* p, const char* end) const {
    std::uint32_t state = after_prefix_;
    if (accepting_[state] != 0) return true;
    for (; p < end; ++p) {
      state = next_[state * 256 + static_cast<unsigned char>(*p)];
      if (state == 0) return false;
      if (accepting_[state] != 0) return true;
    }
    return false;
  }

 private:
  std::vector<std::uint32_t> next_;  // [state * 256 + byte]; state 0 is dead
  std::vector<std::uint8_t> accepting_;
  std::uint32_t start_ = 0;
  std::uint32_t after_prefix_ = 0;
  std::string prefix_;
};

}  // namespace gpipe
