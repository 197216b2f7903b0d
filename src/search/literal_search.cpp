#include "search/literal_search.hpp"

#include <cstring>

#include "simd/cpu_features.hpp"
#include "simd/newline_count.hpp"

#ifdef __x86_64__
#include <immintrin.h>
#endif

namespace gpipe {

namespace {

// How often a byte shows up in logs and text, roughly: the searches look for the literal's
// least common bytes, so they stop as rarely as possible.
int commonness(unsigned char c) {
  if (c == ' ') return 100;
  if (c >= 'a' && c <= 'z') return 80;
  if (c >= '0' && c <= '9') return 70;
  if (c == '.' || c == ':' || c == '-' || c == '/' || c == '=' || c == ',') return 60;
  if (c >= 'A' && c <= 'Z') return 40;
  if (c >= 0x80) return 30;
  return 20;
}

// The index of the least common byte of `literal`, leaving out index `skip` (npos: none).
std::size_t least_common_byte(std::string_view literal, std::size_t skip) {
  std::size_t best = std::string_view::npos;
  for (std::size_t i = 0; i < literal.size(); ++i) {
    if (i == skip) continue;
    if (best == std::string_view::npos ||
        commonness(static_cast<unsigned char>(literal[i])) <
            commonness(static_cast<unsigned char>(literal[best]))) {
      best = i;
    }
  }
  return best;
}

#ifdef __x86_64__
constexpr std::size_t kStep = 32;

// Scans starting positions s = from, from + 32, ... while a whole step of candidates fits
// (s + 31 + size <= text size). Returns the occurrence, or npos with `from` left where the
// scan stopped; `newlines` gains the '\n' bytes before the occurrence or the stopping point.
__attribute__((target("avx2,bmi,popcnt"))) std::size_t find_pair_avx2(
    std::string_view text, std::size_t& from, std::string_view literal, std::size_t first,
    std::size_t second, std::uint64_t& newlines) {
  const char* const data = text.data();
  const __m256i first_byte = _mm256_set1_epi8(literal[first]);
  const __m256i second_byte = _mm256_set1_epi8(literal[second]);
  const __m256i newline = _mm256_set1_epi8('\n');
  std::size_t start = from;
  for (; start + kStep - 1 + literal.size() <= text.size(); start += kStep) {
    const char* const at = data + start;
    const __m256i at_first = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + first));
    const __m256i at_second = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + second));
    const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
    auto candidates = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_and_si256(
        _mm256_cmpeq_epi8(at_first, first_byte), _mm256_cmpeq_epi8(at_second, second_byte))));
    const auto newline_bits =
        static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, newline)));
    while (candidates != 0) {
      const auto bit = static_cast<unsigned>(__builtin_ctz(candidates));
      if (std::memcmp(at + bit, literal.data(), literal.size()) == 0) {
        newlines += static_cast<unsigned>(__builtin_popcount(newline_bits & ((1U << bit) - 1)));
        return start + bit;
      }
      candidates &= candidates - 1;
    }
    newlines += static_cast<unsigned>(__builtin_popcount(newline_bits));
  }
  from = start;
  return std::string_view::npos;
}
#endif

}  // namespace

LiteralSearch::LiteralSearch(std::string literal) : literal_(std::move(literal)) {
  if (literal_.empty()) return;
  rarest_ = least_common_byte(literal_, std::string_view::npos);
  second_rarest_ = literal_.size() == 1 ? rarest_ : least_common_byte(literal_, rarest_);
}

std::size_t LiteralSearch::find(std::string_view text, std::size_t from) const {
  const std::size_t length = literal_.size();
  if (from > text.size() || text.size() - from < length) return std::string_view::npos;
  if (length == 0) return from;
  const char rare = literal_[rarest_];
  const char* const begin = text.data();
  // The rare byte of a match starting at s is at s + rarest_, and s + length <= size.
  const char* p = begin + from + rarest_;
  const char* const stop = begin + (text.size() - length) + rarest_ + 1;
  while (p < stop) {
    const auto* hit =
        static_cast<const char*>(std::memchr(p, rare, static_cast<std::size_t>(stop - p)));
    if (hit == nullptr) return std::string_view::npos;
    const char* const start = hit - rarest_;
    if (std::memcmp(start, literal_.data(), length) == 0) {
      return static_cast<std::size_t>(start - begin);
    }
    p = hit + 1;
  }
  return std::string_view::npos;
}

std::size_t LiteralSearch::find_counting_newlines(std::string_view text, std::size_t from,
                                                  std::uint64_t& newlines) const {
#ifdef __x86_64__
  if (kHaveAvx2 && !literal_.empty() && from <= text.size()) {
    const std::size_t found =
        find_pair_avx2(text, from, literal_, rarest_, second_rarest_, newlines);
    if (found != std::string_view::npos) return found;
  }
#endif
  return find_then_count(text, from, newlines);  // the rest, under a step of candidates
}

std::size_t LiteralSearch::find_then_count(std::string_view text, std::size_t from,
                                           std::uint64_t& newlines) const {
  const std::size_t found = find(text, from);
  if (from < text.size()) {
    const std::size_t counted_to = found == std::string_view::npos ? text.size() : found;
    newlines += count_newlines(text.data() + from, text.data() + counted_to);
  }
  return found;
}

}  // namespace gpipe
