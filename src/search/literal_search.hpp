// Finding a literal in text: in a line, or in a whole block of lines while counting the lines
// passed on the way, so that `read | grep LITERAL` goes over each byte once
// (docs/spec.md §8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gpipe {

class LiteralSearch {
 public:
  LiteralSearch() = default;
  explicit LiteralSearch(std::string literal);

  const std::string& literal() const { return literal_; }

  // The offset of the first occurrence starting at or after `from`, or npos. For a line or a
  // short text: memchr for the literal's least common byte, then a compare.
  std::size_t find(std::string_view text, std::size_t from) const;

  // The same answer, for a block of many lines; adds to `newlines` the number of '\n' bytes in
  // [from, the occurrence) (to the end of `text` when there is none). It tests 64 starting
  // positions a step for two of the literal's bytes at once (the packed pair of Hyperscan and
  // ripgrep's memchr crate) and counts newlines in the same pass: memchr for one byte stopped at
  // every common one (an 'E' for "ERROR"), and counting line numbers was a second pass.
  std::size_t find_counting_newlines(std::string_view text, std::size_t from,
                                     std::uint64_t& newlines) const;

 private:
  std::size_t find_then_count(std::string_view text, std::size_t from,
                              std::uint64_t& newlines) const;

  std::string literal_;
  std::size_t rarest_ = 0;         // the index of the literal's least common byte
  std::size_t second_rarest_ = 0;  // another index (the same one for a one-byte literal)
};

}  // namespace gpipe
