// split_lines: a block of whole lines cut into records. With AVX2 the newlines of 64 bytes at a
// time become a bit mask whose set bits are walked; why not memchr per line: for the json
// benchmark task's lines (about 320 bytes) the call and its set-up cost more than the scan, and
// memchr was 5% of that task's samples.
#include <cstring>

#include "simd/cpu_features.hpp"
#include "gpipe/record.hpp"

#ifdef __x86_64__
#include <immintrin.h>
#endif

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

#ifdef __x86_64__
// Cuts at every newline in [p, end) up to the last whole 64 bytes; returns where it stopped.
__attribute__((target("avx2,bmi"))) const char* cut_lines_avx2(const char* p, const char* end,
                                                               LineCutter& cutter) {
  const __m256i newline = _mm256_set1_epi8('\n');
  for (; end - p >= 64; p += 64) {
    const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    auto mask =
        static_cast<std::uint64_t>(
            static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, newline)))) |
        (static_cast<std::uint64_t>(
             static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(high, newline))))
         << 32);
    while (mask != 0) {
      cutter.cut_at(p + _tzcnt_u64(mask));
      mask = _blsr_u64(mask);
    }
  }
  return p;
}
#endif

}  // namespace

void split_lines(std::string_view block, std::uint64_t first_line, std::uint64_t offset,
                 std::vector<Record>& out) {
  const char* p = block.data();
  const char* const end = p + block.size();
  LineCutter cutter(p, first_line, offset, out);
#ifdef __x86_64__
  if (kHaveAvx2) p = cut_lines_avx2(p, end, cutter);
#endif
  while (p < end) {
    const auto* newline =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (newline == nullptr) break;
    cutter.cut_at(newline);
    p = newline + 1;
  }
  if (cutter.line_start() < end) cutter.cut_at(end);
}

}  // namespace gpipe
