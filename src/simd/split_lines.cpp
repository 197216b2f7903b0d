// split_lines: a block of whole lines cut into records. The newlines of 64 bytes at a time
// become a mask whose set bits are walked. Why not memchr per line: for lines of a few hundred
// bytes (JSON lines) its call and set-up cost more than the scan (see
// docs/performance.md, "Cutting lines").
#include "gpipe/record.hpp"
#include "simd/bitmask.hpp"
#include "simd/dispatch.hpp"

namespace gpipe {

namespace {

// Appends the records of the lines that start at `from` as `Record`s, numbering from `line`.
class LineCutter {
 public:
  LineCutter(const char* base, std::uint64_t first_line, std::uint64_t offset,
             std::vector<Record>& out)
      : base_(base), line_start_(base), line_(first_line), offset_(offset), out_(out) {}

  // The line that ends at `newline` ('\n', or the block's end for a last line without one).
  void cut_at(const char* newline) {
    Record record;
    record.text =
        chomp_cr(std::string_view(line_start_, static_cast<std::size_t>(newline - line_start_)));
    record.line = line_++;
    record.offset = offset_ + static_cast<std::uint64_t>(line_start_ - base_);
    out_.push_back(record);
    line_start_ = newline + 1;
  }
  const char* line_start() const { return line_start_; }

 private:
  const char* const base_;
  const char* line_start_;
  std::uint64_t line_;
  const std::uint64_t offset_;
  std::vector<Record>& out_;
};

// Cuts at every newline of the 64-byte window at `p` whose newline mask is `newlines`.
[[gnu::always_inline]] inline void cut_window(const char* p, std::uint64_t newlines,
                                              LineCutter& cutter) {
  for (; newlines != 0; newlines &= newlines - 1) cutter.cut_at(p + simd::lowest_bit(newlines));
}

// Cuts at every newline in [p, end): whole windows of 64 bytes, then the last one padded.
template <class Isa>
[[gnu::always_inline]] inline void cut_lines(const char* p, const char* end, LineCutter& cutter) {
  using Bytes = typename Isa::Bytes64;
  for (; end - p >= 64; p += 64) cut_window(p, Bytes::load(p).eq('\n'), cutter);
  if (p < end) {
    cut_window(p, Bytes::load_partial(p, static_cast<std::size_t>(end - p)).eq('\n'), cutter);
  }
}

}  // namespace

void split_lines(std::string_view block, std::uint64_t first_line, std::uint64_t offset,
                 std::vector<Record>& out) {
  const char* const begin = block.data();
  const char* const end = begin + block.size();
  LineCutter cutter(begin, first_line, offset, out);
  simd::dispatch([&]<class Isa>(std::type_identity<Isa>) { cut_lines<Isa>(begin, end, cutter); });
  if (cutter.line_start() < end) cutter.cut_at(end);
}

}  // namespace gpipe
