// Where the separators, quotes and line ends of CSV text are, 64 bytes at a time, and which of
// those bytes are inside quoted fields: what the block splitter, the row splitter and the -j
// row boundary scan read fields and rows off.
//
// Fields are short (a few to a few dozen bytes in typical files), so a memchr per field spent
// most of its time in its fixed cost. Instead the bytes that matter are marked in 64-bit masks
// (bit i: byte i of 64, from simd/'s Bytes64 of the ISA chosen at run time), and fields are read
// off the masks' bits. Nothing loads past the end of the text: a last window shorter than 64
// bytes is loaded padded.
#pragma once

#include <cstddef>
#include <cstdint>

#include "formats/csv/row_splitter.hpp"
#include "simd/bitmask.hpp"

namespace gpipe::csv {

struct Masks64 {
  std::uint64_t seps;
  std::uint64_t quotes;
  std::uint64_t newlines;
};

// The masks of p[0, n), n in 1..64; bits n and up are 0.
template <class Isa>
[[gnu::always_inline]] inline Masks64 masks_of(const char* p, std::size_t n, char sep) {
  using Bytes = typename Isa::Bytes64;
  if (n == 64) {
    const Bytes bytes = Bytes::load(p);
    return {bytes.eq(sep), bytes.eq(kQuote), bytes.eq('\n')};
  }
  const Bytes bytes = Bytes::load_partial(p, n);
  const std::uint64_t valid = simd::first_bits(n);  // the padding's zeros could match --sep
  return {bytes.eq(sep) & valid, bytes.eq(kQuote) & valid, bytes.eq('\n') & valid};
}

// The quote state carried from one window of 64 bytes to the next. The prefix XOR of the quote
// bits (simd::prefix_xor) matches split_row's rules only while each quote that opens a region
// does so at a field's start or right after a closing quote ("" inside a quoted field);
// `undecided` marks the others (a"b, "ab"c"d), where the caller must go back to the rules.
struct QuoteState {
  std::uint64_t in_quotes = 0;    // all ones when the window starts inside a quoted region
  std::uint64_t after_start = 1;  // 1 when a field starts at the window's first byte
  std::uint64_t after_quote = 0;  // 1 when the byte before the window is a quote

  struct Window {
    std::uint64_t quoted;     // inside a quoted region (its opening quote included)
    std::uint64_t ends;       // field ends outside quotes: separators and line ends
    std::uint64_t row_ends;   // line ends outside quotes
    std::uint64_t doubled;    // the second quote of each "" inside quotes
    std::uint64_t undecided;  // quotes that open a region where the rules would not
  };

  // `n` is the window's length (1..64).
  Window advance(const Masks64& masks, std::size_t n) {
    const std::uint64_t ends = masks.seps | masks.newlines;
    const std::uint64_t quoted = simd::prefix_xor(masks.quotes) ^ in_quotes;
    const std::uint64_t opening = masks.quotes & quoted;
    const std::uint64_t field_start = ends << 1 | after_start;
    const std::uint64_t quote_before = masks.quotes << 1 | after_quote;
    const auto last = static_cast<unsigned>(n - 1);
    in_quotes = ((quoted >> last) & 1) != 0 ? ~std::uint64_t{0} : 0;
    after_start = (ends >> last) & 1;
    after_quote = (masks.quotes >> last) & 1;
    return {quoted, ends & ~quoted, masks.newlines & ~quoted, opening & quote_before,
            opening & ~(field_start | quote_before)};
  }
};

}  // namespace gpipe::csv
