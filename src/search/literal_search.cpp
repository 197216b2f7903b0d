#include "search/literal_search.hpp"

#include <bit>
#include <cstring>

#include "simd/bitmask.hpp"
#include "simd/dispatch.hpp"
#include "simd/newline_count.hpp"

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

// Scans starting positions s = from, from + 64, ... while a whole window of candidates fits
// (s + 63 + size <= text size): in each window, the starts where both of the literal's chosen
// bytes are in place, and the newlines, as masks of 64 positions. Returns the occurrence, or
// npos with `from` left where the scan stopped; `newlines` gains the '\n' bytes before the
// occurrence or the stopping point.
template <class Isa>
[[gnu::always_inline]] inline std::size_t find_pair(std::string_view text, std::size_t& from,
                                                    std::string_view literal, std::size_t first,
                                                    std::size_t second, std::uint64_t& newlines) {
  using Bytes = typename Isa::Bytes64;
  constexpr std::size_t kWindow = 64;
  const char* const data = text.data();
  std::size_t start = from;
  for (; start + kWindow - 1 + literal.size() <= text.size(); start += kWindow) {
    const char* const at = data + start;
    std::uint64_t candidates =
        Bytes::load(at + first).eq(literal[first]) & Bytes::load(at + second).eq(literal[second]);
    const std::uint64_t newline_bits = Bytes::load(at).eq('\n');
    for (; candidates != 0; candidates &= candidates - 1) {
      const unsigned bit = simd::lowest_bit(candidates);
      if (std::memcmp(at + bit, literal.data(), literal.size()) == 0) {
        newlines += static_cast<unsigned>(std::popcount(newline_bits & simd::first_bits(bit)));
        return start + bit;
      }
    }
    newlines += static_cast<unsigned>(std::popcount(newline_bits));
  }
  from = start;
  return std::string_view::npos;
}

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
  if (!literal_.empty() && from <= text.size()) {
    const std::size_t found = simd::dispatch([&]<class Isa>(std::type_identity<Isa>) {
      return find_pair<Isa>(text, from, literal_, rarest_, second_rarest_, newlines);
    });
    if (found != std::string_view::npos) return found;
  }
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
