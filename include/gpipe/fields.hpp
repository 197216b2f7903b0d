// Positional fields of a text record (docs/spec.md §3): by default split on runs of spaces and
// tabs, ignoring leading and trailing ones, as awk does; with a separator, split on each occurrence
// of that exact string (so empty fields count, as with awk -F, or cut -d).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gpipe {

class FieldSplitter {
 public:
  FieldSplitter() = default;  // awk's default splitting
  explicit FieldSplitter(std::string separator) : separator_(std::move(separator)) {}

  // The n-th field (0-based); false when the record has fewer fields.
  bool nth(std::string_view text, std::size_t n, std::string_view& out) const;
  // The n-th field from the end (1 is the last); false when the record has fewer than n fields.
  bool nth_from_end(std::string_view text, std::size_t n, std::string_view& out) const;
  // Splits into at most `limit` leading fields (all when limit is 0); reuses `out`'s capacity.
  void split(std::string_view text, std::vector<std::string_view>& out,
             std::size_t limit = 0) const;

 private:
  std::string separator_;  // empty: awk's default
};

}  // namespace gpipe
