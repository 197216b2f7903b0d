// The line test behind `grep`: does a line match PATTERN under -i, -F and -w, exactly as GNU
// grep decides it, plus a way to find candidate lines in a whole block of lines without
// splitting it (docs/spec.md §8: `read | grep LITERAL` finds line ends only around matches).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "search/byte_dfa.hpp"
#include "search/literal_search.hpp"

namespace re2 {
class RE2;
}

namespace gpipe {

struct MatchOptions {
  std::string pattern;
  bool ignore_case = false;  // -i
  bool fixed = false;        // -F: the pattern is a literal string, not a regex
  bool word = false;         // -w: the match must be a whole word, as GNU grep -w decides
};

class LineMatcher {
 public:
  // Compiles the pattern once. On an invalid regex returns null and sets `error` to RE2's
  // message ("missing ): a(b").
  static std::unique_ptr<LineMatcher> create(const MatchOptions& options, std::string& error);
  ~LineMatcher();
  LineMatcher(const LineMatcher&) = delete;
  LineMatcher& operator=(const LineMatcher&) = delete;

  // Whether the line (without its terminator) matches.
  bool matches(std::string_view line) const;

  // Whether a candidate is confirmed by confirm() on the rest of its line, rather than by
  // matches() on the whole line.
  bool confirms_candidates() const { return line_test_ == LineTest::Dfa; }
  // Whether a match starts at the candidate that `rest` starts with; `rest` runs to the end of
  // the candidate's line (without "\r\n").
  bool confirm(std::string_view rest) const;

  // Whether find_candidate() may be used on blocks of lines.
  bool can_search_blocks() const { return block_search_ != BlockSearch::None; }

  // The offset in `block` of the first byte of a possible match at or after `from`; npos when
  // no line from there on can match. Every line that matches contains a candidate, so scanning
  // candidates and checking their lines with matches() finds exactly the matching lines.
  // Candidates never span a newline. Adds to `newlines` the '\n' bytes in [from, candidate)
  // (to the block's end when there is none), which a literal search counts as it goes.
  std::size_t find_candidate(std::string_view block, std::size_t from,
                             std::uint64_t& newlines) const;

 private:
  enum class LineTest { Literal, Regex, Dfa };
  enum class BlockSearch { None, Literal, Regex };

  LineMatcher() = default;

  LiteralSearch literal_;  // for the literal tests
  LineTest line_test_ = LineTest::Regex;
  BlockSearch block_search_ = BlockSearch::None;
  std::unique_ptr<re2::RE2> line_regex_;   // the whole per-line test (with -w's bounds)
  std::unique_ptr<re2::RE2> block_regex_;  // multi-line prefilter: never crosses a newline
  ByteDfa dfa_;                            // for LineTest::Dfa; literal_ is its prefix
};

}  // namespace gpipe
