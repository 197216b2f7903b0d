#include "formats/csv/csv_parser.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "simd/cpu_features.hpp"

#ifdef __x86_64__
#include <immintrin.h>
#endif

// The parser's own threads are not wanted: only the unescaping below is used.
#define CSV_IO_NO_THREAD
#include <libfccp/csv.h>

namespace gpipe::csv {

namespace {

constexpr std::size_t kNone = std::string_view::npos;

// `quoted` is a whole quoted field, both quotes included; `after` is the text between its
// closing quote and the separator (normally empty). fccp's unescape drops the outer quotes and
// turns each "" into " in place, so it gets a copy in the arena. (Its separator parameter is
// not used by unescape: ',' serves for any --sep.)
std::string_view unescape_quoted(std::string_view quoted, std::string_view after, Arena& arena) {
  char* const copy = arena.allocate(quoted.size() + after.size());
  std::memcpy(copy, quoted.data(), quoted.size());
  char* begin = copy;
  char* end = copy + quoted.size();
  io::double_quote_escape<',', kQuote>::unescape(begin, end);
  if (!after.empty()) std::memcpy(end, after.data(), after.size());
  return {begin, static_cast<std::size_t>(end - begin) + after.size()};
}

// --- Where the separators, quotes and line ends are, 64 bytes at a time ---
//
// Fields are short (5-30 bytes in typical files), so a memchr per field spent most of its time
// in its fixed cost. Instead the bytes that matter are marked in 64-bit masks (bit i: byte i of
// 64), and fields are read off the masks' bits. SSE2 is the x86-64 baseline; AVX2 (half the
// loads and compares) is chosen at run time, as in newline_count.cpp. Nothing here loads past
// the end of the text: a last window shorter than 64 bytes is copied out first.

struct Masks64 {
  std::uint64_t seps;
  std::uint64_t quotes;
  std::uint64_t newlines;
};

// Without SSE2 (other architectures): byte by byte.
struct PortableBytes {
  static Masks64 masks(const char* p, char sep) {
    Masks64 masks{0, 0, 0};
    for (unsigned i = 0; i < 64; ++i) {
      masks.seps |= std::uint64_t{p[i] == sep} << i;
      masks.quotes |= std::uint64_t{p[i] == kQuote} << i;
      masks.newlines |= std::uint64_t{p[i] == '\n'} << i;
    }
    return masks;
  }
};

#ifdef __SSE2__
struct Sse2Bytes {
  [[gnu::always_inline]] static Masks64 masks(const char* p, char sep) {
    const __m128i seps = _mm_set1_epi8(sep);
    const __m128i quotes = _mm_set1_epi8(kQuote);
    const __m128i newlines = _mm_set1_epi8('\n');
    Masks64 masks{0, 0, 0};
    for (unsigned at = 0; at < 64; at += 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
      masks.seps |= bits(_mm_cmpeq_epi8(bytes, seps)) << at;
      masks.quotes |= bits(_mm_cmpeq_epi8(bytes, quotes)) << at;
      masks.newlines |= bits(_mm_cmpeq_epi8(bytes, newlines)) << at;
    }
    return masks;
  }

  static std::uint64_t bits(__m128i equal) {
    return static_cast<std::uint32_t>(_mm_movemask_epi8(equal));
  }
};
using BaselineBytes = Sse2Bytes;
#else
using BaselineBytes = PortableBytes;
#endif

#ifdef __x86_64__
struct Avx2Bytes {
  __attribute__((target("avx2"))) static Masks64 masks(const char* p, char sep) {
    const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    const __m256i seps = _mm256_set1_epi8(sep);
    const __m256i quotes = _mm256_set1_epi8(kQuote);
    const __m256i newlines = _mm256_set1_epi8('\n');
    const auto bits = [](int low_half, int high_half) {
      return std::uint64_t{static_cast<std::uint32_t>(low_half)} |
             std::uint64_t{static_cast<std::uint32_t>(high_half)} << 32;
    };
    return {bits(_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, seps)),
                 _mm256_movemask_epi8(_mm256_cmpeq_epi8(high, seps))),
            bits(_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, quotes)),
                 _mm256_movemask_epi8(_mm256_cmpeq_epi8(high, quotes))),
            bits(_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, newlines)),
                 _mm256_movemask_epi8(_mm256_cmpeq_epi8(high, newlines)))};
  }
};
#endif

// The masks of p[0, n), n <= 64; bits n and up are 0.
template <class Bytes>
[[gnu::always_inline]] inline Masks64 masks_of(const char* p, std::size_t n, char sep) {
  if (n == 64) return Bytes::masks(p, sep);
  char copy[64] = {};
  std::memcpy(copy, p, n);
  Masks64 masks = Bytes::masks(copy, sep);
  const std::uint64_t keep = (std::uint64_t{1} << n) - 1;  // the zeros could match --sep
  masks.seps &= keep;
  masks.quotes &= keep;
  masks.newlines &= keep;
  return masks;
}

// Bit i: the XOR of bits 0..i. Over the quote bits, the bytes from an opening quote up to its
// closing quote (the opening one included): the quoted regions, as simdjson and simdcsv find
// strings.
std::uint64_t prefix_xor(std::uint64_t bits) {
  bits ^= bits << 1;
  bits ^= bits << 2;
  bits ^= bits << 4;
  bits ^= bits << 8;
  bits ^= bits << 16;
  bits ^= bits << 32;
  return bits;
}

// The quote state carried from one window of 64 bytes to the next. The prefix XOR of the quote
// bits matches split_row's rules only while each quote that opens a region does so at a field's
// start or right after a closing quote ("" inside a quoted field); `undecided` marks the others
// (a"b, "ab"c"d), where the caller must go back to the rules.
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
    const std::uint64_t quoted = prefix_xor(masks.quotes) ^ in_quotes;
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

// Where the separator and the quotes are in one row (the csv stage's lines one by one), read
// off masks of 64 bytes.
class RowBytes {
 public:
  RowBytes(std::string_view row, char sep) : data_(row.data()), size_(row.size()), sep_(sep) {}

  // Appends the unquoted fields from the field start `start` on, up to the first field that
  // opens with a quote: returns where that one starts, or kNone when the row ended first.
  // A quote opens a field only at its start, so the fields up to the first quote that
  // follows a separator are all plain: each is a set bit of the window's separator mask,
  // with no test per field for what it holds.
  template <class Out>
  std::size_t plain_fields(std::size_t start, Out& out) {
    std::size_t field = start;  // where the field being read began
    std::size_t pos = start;    // scanned up to here
    for (;;) {
      if (pos - base_ >= kWindow) {  // wraps when pos < base_: reloads too
        if (pos >= size_) break;
        load(pos);
      }
      const std::size_t offset = pos - base_;
      const std::uint64_t seps = seps_ >> offset;  // bit i: data_[pos + i]
      const std::uint64_t starts = (seps << 1) | (pos == field ? 1 : 0);
      const std::uint64_t opens = (quotes_ >> offset) & starts;
      // The separators before the first opening quote (the one just before it included).
      std::uint64_t ends = opens != 0 ? seps & ((opens & -opens) - 1) : seps;
      for (; ends != 0; ends &= ends - 1) {
        const std::size_t end = pos + static_cast<std::size_t>(__builtin_ctzll(ends));
        out.add({data_ + field, end - field});
        field = end + 1;
      }
      if (opens != 0) return field;
      if (size_ - base_ <= kWindow) break;  // this window reached the row's end
      pos = base_ + kWindow;
    }
    out.add({data_ + field, size_ - field});
    return kNone;
  }

  // The first separator (quote) at or after `pos`, or kNone. Any `pos` is right; positions
  // that only grow, as a row is split from left to right, load each 64 bytes once.
  std::size_t next_sep(std::size_t pos) { return next(pos, seps_); }
  std::size_t next_quote(std::size_t pos) { return next(pos, quotes_); }

 private:
  static constexpr std::size_t kWindow = 64;

  // `bits` is seps_ or quotes_: a member, so that a load() seen through it is the new window.
  std::size_t next(std::size_t pos, const std::uint64_t& bits) {
    for (;;) {
      const std::size_t offset = pos - base_;  // wraps to huge when pos < base_: reloads
      if (offset >= kWindow) {
        if (pos >= size_) return kNone;
        load(pos);
        continue;
      }
      if (const std::uint64_t ahead = bits >> offset; ahead != 0) {
        return pos + static_cast<std::size_t>(__builtin_ctzll(ahead));
      }
      if (size_ - base_ <= kWindow) return kNone;  // the window reaches the row's end
      pos = base_ + kWindow;
      load(pos);
    }
  }

  // A window holding `pos` (< size_): [pos, pos + 64), or in a row of 64 bytes or more, its
  // last 64 bytes when fewer are left (bits below `pos` are then never looked at), so that
  // only a row shorter than 64 bytes is copied out. (The SSE2 masks are enough here: this is
  // the path of single lines, not of blocks.)
  void load(std::size_t pos) {
    base_ = size_ >= kWindow ? std::min(pos, size_ - kWindow) : 0;
    const Masks64 masks =
        masks_of<BaselineBytes>(data_ + base_, std::min(kWindow, size_ - base_), sep_);
    seps_ = masks.seps;
    quotes_ = masks.quotes;
  }

  const char* data_;
  std::size_t size_;
  char sep_;
  std::size_t base_ = kNone - kWindow;  // no window yet: every offset from it is >= kWindow
  std::uint64_t seps_ = 0;              // bit i: data_[base_ + i] is the separator
  std::uint64_t quotes_ = 0;            // bit i: data_[base_ + i] is a quote
};

// Where the quoted field starting at `open` (the opening quote) closes, or kNone when it is
// still open at the end of `row`. Sets `doubled` when it holds "".
std::size_t closing_quote(std::string_view row, RowBytes& bytes, std::size_t open, bool& doubled) {
  std::size_t i = open + 1;
  for (;;) {
    const std::size_t q = bytes.next_quote(i);
    if (q == kNone) return kNone;
    if (q + 1 < row.size() && row[q + 1] == kQuote) {
      doubled = true;
      i = q + 2;
      continue;
    }
    return q;
  }
}

// The same, in a text without RowBytes (a field the block splitter hands back).
std::size_t closing_quote(std::string_view text, std::size_t open, bool& doubled) {
  std::size_t i = open + 1;
  for (;;) {
    const std::size_t q = text.find(kQuote, i);
    if (q == kNone || q + 1 >= text.size() || text[q + 1] != kQuote) return q;
    doubled = true;
    i = q + 2;
  }
}

// The value of the quoted field `field`: from its opening quote to the separator or the row's
// end, its closing quote at `close`. A view inside the quotes when there is nothing to
// unescape (no "", no text after the closing quote), else unescaped into `arena`.
std::string_view quoted_value(std::string_view field, std::size_t close, bool doubled,
                              Arena& arena) {
  if (!doubled && close + 1 == field.size()) return field.substr(1, close - 1);
  return unescape_quoted(field.substr(0, close + 1), field.substr(close + 1), arena);
}

// One RowBytes scan of the row finds every field, quoted or not (no first pass to see whether
// the row has a quote at all: typical rows do, in a field or two). `out.add(value)` takes the
// values in order.
template <class Out>
bool split_fields(std::string_view row, char sep, Arena& arena, Out& out) {
  RowBytes bytes(row, sep);
  std::size_t start = 0;
  for (;;) {
    start = bytes.plain_fields(start, out);
    if (start == kNone) return true;
    // A quoted field opens at `start`.
    bool doubled = false;
    const std::size_t close = closing_quote(row, bytes, start, doubled);
    if (close == kNone) return false;
    const std::size_t end = bytes.next_sep(close + 1);  // kNone: the row's last field
    const std::size_t after_end = end == kNone ? row.size() : end;
    out.add(quoted_value(row.substr(start, after_end - start), close - start, doubled, arena));
    if (end == kNone) return true;
    start = end + 1;
  }
}

struct ValuesOut {
  std::vector<std::string_view>& values;
  void add(std::string_view value) { values.push_back(value); }
};

// Straight into the batch's fields: the csv stage first built a vector of values and then
// copied it into fields, and that copy was a tenth of its time.
struct FieldsOut {
  std::vector<Field>& fields;
  std::span<const std::string_view> names;
  std::size_t count = 0;
  void add(std::string_view value) {
    fields.push_back(
        Field{count < names.size() ? names[count] : std::string_view{}, Value::string(value)});
    ++count;
  }
};

}  // namespace

bool split_row(std::string_view row, char sep, Arena& arena,
               std::vector<std::string_view>& values) {
  values.clear();
  ValuesOut out{values};
  return split_fields(row, sep, arena, out);
}

std::optional<std::size_t> split_row(std::string_view row, char sep, Arena& arena,
                                     std::span<const std::string_view> names,
                                     std::vector<Field>& fields) {
  const std::size_t first = fields.size();
  FieldsOut out{fields, names};
  if (!split_fields(row, sep, arena, out)) {
    fields.resize(first);
    return std::nullopt;
  }
  return out.count;
}

namespace {

std::string_view unescape_tsv(std::string_view text, Arena& arena) {
  char* const out = arena.allocate(text.size());
  std::size_t size = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      const char next = text[i + 1];
      if (next == 't' || next == 'n' || next == 'r' || next == '\\') {
        c = next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : '\\';
        ++i;
      }
    }
    out[size++] = c;
  }
  return {out, size};
}

template <class Out>
void split_tsv_fields(std::string_view row, Arena& arena, Out& out) {
  for (std::size_t start = 0;;) {
    const std::size_t tab = row.find('\t', start);
    const std::string_view value = row.substr(start, tab - start);
    out.add(value.find('\\') == std::string_view::npos ? value : unescape_tsv(value, arena));
    if (tab == std::string_view::npos) return;
    start = tab + 1;
  }
}

}  // namespace

void split_tsv_row(std::string_view row, Arena& arena, std::vector<std::string_view>& values) {
  values.clear();
  ValuesOut out{values};
  split_tsv_fields(row, arena, out);
}

std::size_t split_tsv_row(std::string_view row, Arena& arena,
                          std::span<const std::string_view> names, std::vector<Field>& fields) {
  FieldsOut out{fields, names};
  split_tsv_fields(row, arena, out);
  return out.count;
}

namespace {

// For the rare positions (of "" and of line ends inside quotes).
void push_positions(std::vector<std::size_t>& out, std::size_t base, std::uint64_t bits) {
  for (; bits != 0; bits &= bits - 1) {
    out.push_back(base + static_cast<std::size_t>(__builtin_ctzll(bits)));
  }
}

}  // namespace

void BlockSplitter::restart(std::string_view block, std::size_t start,
                            std::span<const std::string_view> names) {
  const bool same_names =
      std::equal(names.begin(), names.end(), named_row_.begin(), named_row_.end(),
                 [](std::string_view name, const Field& field) {
                   return name.data() == field.name.data() && name.size() == field.name.size();
                 });
  if (!same_names) {
    named_row_.clear();
    for (const std::string_view name : names) {
      named_row_.push_back(Field{name, Value::string({})});
    }
  }
  data_ = block.data();
  size_ = block.size();
  start_ = start;
  scanned_ = start;
  in_quotes_ = 0;
  after_start_ = 1;
  after_quote_ = 0;
  first_bad_ = kNoPosition;
  base_ = start;
  ends_ = row_ends_ = 0;
  doubled_.clear();
  doubled_taken_ = 0;
  next_doubled_ = kNoPosition;
  quoted_newlines_.clear();
  quoted_newlines_taken_ = 0;
}

// Scans the next 64 bytes (fewer at the block's end) into the window. False when the block is
// all scanned.
bool BlockSplitter::scan_window() {
  return kHaveAvx2 ? scan_window_avx2() : scan_window_baseline();
}

bool BlockSplitter::scan_window_baseline() {
  return scan_window_with<BaselineBytes>();
}

#ifdef __x86_64__
// flatten: Avx2Bytes::masks is inlined too (a call per 64 bytes would cost what AVX2 gains).
__attribute__((target("avx2"), flatten)) bool BlockSplitter::scan_window_avx2() {
  return scan_window_with<Avx2Bytes>();
}
#else
bool BlockSplitter::scan_window_avx2() {
  return scan_window_baseline();
}
#endif

template <class Bytes>
[[gnu::always_inline]] inline bool BlockSplitter::scan_window_with() {
  if (scanned_ >= size_) return false;
  const std::size_t base = scanned_;
  const std::size_t n = std::min<std::size_t>(64, size_ - base);
  const Masks64 masks = masks_of<Bytes>(data_ + base, n, sep_);
  QuoteState quotes{in_quotes_, after_start_, after_quote_};
  const QuoteState::Window window = quotes.advance(masks, n);
  in_quotes_ = quotes.in_quotes;
  after_start_ = quotes.after_start;
  after_quote_ = quotes.after_quote;
  if (window.undecided != 0) {
    const std::size_t bad = base + static_cast<std::size_t>(__builtin_ctzll(window.undecided));
    first_bad_ = std::min(first_bad_, bad);
  }
  if (window.doubled != 0) {
    push_positions(doubled_, base, window.doubled);
    next_doubled_ = doubled_[doubled_taken_];
  }
  if (const std::uint64_t newlines = masks.newlines & window.quoted; newlines != 0) {
    push_positions(quoted_newlines_, base, newlines);
  }
  base_ = base;
  ends_ = window.ends;
  row_ends_ = window.row_ends;
  scanned_ = base + n;
  return true;
}

// A quoted field with "" inside or text after its closing quote, block[begin, end): its
// value as split_row makes it. Nullopt only if the scan were wrong (no closing quote).
std::optional<std::string_view> BlockSplitter::unusual_quoted(std::size_t begin, std::size_t end,
                                                              Arena& arena) {
  while (doubled_taken_ < doubled_.size() && doubled_[doubled_taken_] < end) ++doubled_taken_;
  next_doubled_ = doubled_taken_ < doubled_.size() ? doubled_[doubled_taken_] : kNoPosition;
  const std::string_view field(data_ + begin, end - begin);
  bool doubled = false;
  const std::size_t close = closing_quote(field, 0, doubled);
  if (close == kNone) return std::nullopt;
  return quoted_value(field, close, doubled, arena);
}

bool BlockSplitter::next(Arena& arena, std::vector<Field>& fields, Row& row) {
  if (start_ >= size_) return false;
  if (doubled_taken_ == doubled_.size()) {
    doubled_.clear();
    doubled_taken_ = 0;
  }
  if (quoted_newlines_taken_ == quoted_newlines_.size()) {
    quoted_newlines_.clear();
    quoted_newlines_taken_ = 0;
  }
  const std::size_t first_field = fields.size();
  const std::size_t width = named_row_.size();
  fields.insert(fields.end(), named_row_.begin(), named_row_.end());
  Field* const row_fields = fields.data() + first_field;
  const auto decline = [&] {
    fields.resize(first_field);
    return false;
  };
  const char* const data = data_;
  std::size_t count = 0;
  // Sets the value of the field block[begin, end). The common fields take no call and no copy.
  const auto add = [&](std::size_t begin, std::size_t end) {
    if (count == width) return false;
    std::string_view text(data + begin, end - begin);
    if (!text.empty() && text[0] == kQuote) {
      // No "" inside (next_doubled_ is past it) and the closing quote last: the common one.
      if (next_doubled_ < end || text.size() < 2 || text.back() != kQuote) {
        const std::optional<std::string_view> value = unusual_quoted(begin, end, arena);
        if (!value) return false;
        text = *value;
      } else {
        text = text.substr(1, text.size() - 2);
      }
    }
    row_fields[count++].value.text = text;
    return true;
  };
  // The window in locals: the loop stores into fields, which the compiler cannot tell from
  // these members. An undecided quote (first_bad_) is looked for once the row's end is known:
  // the values found before are then dropped.
  std::size_t base = base_;
  std::uint64_t ends = ends_;
  std::uint64_t row_ends = row_ends_;
  std::size_t begin = start_;  // of the current field
  std::size_t end;             // the row's end: its "\n", or the block's end
  for (;;) {
    if (ends == 0) {
      // Past an undecided quote the regions mean nothing, and could run on to the block's end:
      // this row has it (an earlier one would have been declined), so decline it now.
      if (first_bad_ != kNoPosition) return decline();
      if (!scan_window()) {
        if (in_quotes_ != 0) return decline();  // the block ends inside a quoted field
        end = size_;                            // the last line, without its "\n"
        break;
      }
      base = base_;
      ends = ends_;
      row_ends = row_ends_;
      continue;
    }
    const auto bit = static_cast<unsigned>(__builtin_ctzll(ends));
    ends &= ends - 1;
    end = base + bit;
    if (((row_ends >> bit) & 1) != 0) break;
    if (!add(begin, end)) return decline();
    begin = end + 1;
  }
  ends_ = ends;
  if (first_bad_ < end) return decline();
  std::size_t text_end = end;
  if (text_end > start_ && data[text_end - 1] == '\r') --text_end;  // as the line source does
  row.lines = 1;
  while (quoted_newlines_taken_ < quoted_newlines_.size() &&
         quoted_newlines_[quoted_newlines_taken_] < end) {
    ++quoted_newlines_taken_;
    ++row.lines;
  }
  if (row.lines > 1 && text_end - start_ > max_line_) return decline();
  if (count == 0 && text_end == start_) {
    fields.resize(first_field);  // a blank line: no values, and no row
  } else if (!add(begin, text_end) || count != width) {
    return decline();
  }
  row.start = start_;
  row.text_end = text_end;
  row.next = end == size_ ? size_ : end + 1;
  row.values = count;
  start_ = row.next;
  return true;
}

bool ends_in_quotes(std::string_view line, char sep, bool starts_in_quotes) {
  std::size_t i = 0;
  bool in_quotes = starts_in_quotes;
  for (;;) {
    if (in_quotes) {
      const std::size_t q = line.find(kQuote, i);
      if (q == kNone) return true;
      if (q + 1 < line.size() && line[q + 1] == kQuote) {
        i = q + 2;
        continue;
      }
      i = q + 1;
      in_quotes = false;
    } else if (i < line.size() && line[i] == kQuote) {
      ++i;
      in_quotes = true;
      continue;
    }
    // In an unquoted field, or after a closing quote: quotes are plain bytes up to the separator.
    const std::size_t end = line.find(sep, i);
    if (end == kNone) return false;
    i = end + 1;
  }
}

namespace {

// Scans for row ends from `text`'s start (a row start) to the last one, or to the first one
// when `first_only`. See whole_rows_length.
class RowEndScanner {
 public:
  // `uncounted`: positions of bytes the stage does not count, in the text of which `text`
  // starts at `base`.
  RowEndScanner(std::string_view text, char sep, std::size_t max_line, std::size_t first_field,
                std::span<const std::size_t> uncounted = {}, std::size_t base = 0)
      : text_(text),
        sep_(sep),
        max_line_(max_line),
        first_field_(std::min(first_field, text.size())),
        uncounted_(uncounted),
        base_(base) {}

  std::size_t scan(bool first_only) {
    std::size_t pos = first_field_;
    for (;;) {
      const std::size_t quote = text_.find(kQuote, pos);
      if (row_end_before(pos, quote == kNone ? text_.size() : quote, first_only)) return last_end_;
      if (quote == kNone) return last_end_;
      pos = quote + 1;
      // A quote opens a quoted field only at a field's start; elsewhere it is a plain byte.
      const bool opens = quote == row_start_ || (row_start_ == 0 && quote == first_field_) ||
                         text_[quote - 1] == sep_;
      if (opens && !skip_quoted(pos)) return last_end_;
      if (first_only && last_end_ != 0) return last_end_;
    }
  }

 private:
  // Outside quotes every line end in [pos, stop) ends a row. True when scanning should stop.
  bool row_end_before(std::size_t pos, std::size_t stop, bool first_only) {
    const char* const data = text_.data();
    const void* newline = first_only ? std::memchr(data + pos, '\n', stop - pos)
                                     : ::memrchr(data + pos, '\n', stop - pos);
    if (newline == nullptr) return false;
    last_end_ = row_start_ = static_cast<std::size_t>(static_cast<const char*>(newline) - data) + 1;
    return first_only;
  }

  // Inside a quoted field from `pos`: moves `pos` past its closing quote and returns true, or
  // returns false when the text ends inside it. A row that the --max-line rule ends inside
  // the field also returns true, with `pos` just after that line.
  bool skip_quoted(std::size_t& pos) {
    for (;;) {
      const std::size_t quote = text_.find(kQuote, pos);
      const std::size_t stop = quote == kNone ? text_.size() : quote;
      if (stop - row_start_ > max_line_) {
        if (const std::size_t cut = overlong_row_end(pos, stop); cut != kNone) {
          last_end_ = row_start_ = pos = cut;
          return true;
        }
      }
      if (quote == kNone) return false;
      if (quote + 1 < text_.size() && text_[quote + 1] == kQuote) {
        pos = quote + 2;  // "" inside quotes
        continue;
      }
      pos = quote + 1;
      return true;
    }
  }

  // The first line end in [pos, stop) at which the open row is longer than max_line (its text
  // as the csv stage gathers it: without the byte order mark and the last line's terminator).
  std::size_t overlong_row_end(std::size_t pos, std::size_t stop) const {
    const std::size_t bom = row_start_ == 0 ? first_field_ : 0;
    for (;;) {
      const void* found = std::memchr(text_.data() + pos, '\n', stop - pos);
      if (found == nullptr) return kNone;
      const auto newline = static_cast<std::size_t>(static_cast<const char*>(found) - text_.data());
      const std::size_t cr = newline > 0 && text_[newline - 1] == '\r' ? 1 : 0;
      // The stage checks when it adds a line to an open row, so never at the row's first line
      // (which the line reader keeps within max_line anyway).
      const bool first_line =
          std::memchr(text_.data() + row_start_, '\n', newline - row_start_) == nullptr;
      const std::size_t length =
          newline - cr - row_start_ - bom - uncounted_in(row_start_, newline - cr);
      if (!first_line && length > max_line_) return newline + 1;
      pos = newline + 1;
    }
  }

  // How many uncounted bytes are in text_[begin, end).
  std::size_t uncounted_in(std::size_t begin, std::size_t end) const {
    if (uncounted_.empty()) return 0;
    const auto first = std::lower_bound(uncounted_.begin(), uncounted_.end(), base_ + begin);
    const auto last = std::lower_bound(first, uncounted_.end(), base_ + end);
    return static_cast<std::size_t>(last - first);
  }

  std::string_view text_;
  char sep_;
  std::size_t max_line_;
  std::size_t first_field_;
  std::span<const std::size_t> uncounted_;
  std::size_t base_;
  std::size_t row_start_ = 0;
  std::size_t last_end_ = 0;
};

// Whether the row text[begin, end) (end just past its '\n') is blank: the csv stage skips it.
bool blank_row(std::string_view text, std::size_t begin, std::size_t end) {
  std::size_t length = end - begin;
  if (length > 0 && text[end - 1] == '\n') --length;
  if (length > 0 && text[begin + length - 1] == '\r') --length;
  return length == 0;
}

}  // namespace

namespace {

// -j cuts every chunk (256 KiB) with this scan, on the one thread that also reads the input
// and writes the output, so it is done 64 bytes at a time as BlockSplitter does: the last line
// end outside the quoted regions. Where the regions may not be the ones the rules make (an
// undecided quote, see QuoteState), or where the --max-line rule could end a row inside a
// quoted field (a line end inside quotes, more than max_line bytes into its row),
// RowEndScanner takes over from the start of that row.
template <class Bytes>
[[gnu::always_inline]] inline std::size_t whole_rows_with(std::string_view text, char sep,
                                                          std::size_t max_line,
                                                          std::size_t first_field,
                                                          std::span<const std::size_t> uncounted) {
  const std::size_t size = text.size();
  std::size_t row_start = 0;  // after the last row end found
  std::size_t pos = std::min(first_field, size);
  for (;;) {
    QuoteState quotes;  // at a row start
    for (; pos < size; pos += 64) {
      const std::size_t n = std::min<std::size_t>(64, size - pos);
      const Masks64 masks = masks_of<Bytes>(text.data() + pos, n, sep);
      const QuoteState::Window window = quotes.advance(masks, n);
      if ((masks.newlines & window.quoted) != 0 && pos + n - row_start > max_line) break;
      if (window.undecided != 0) {
        const std::uint64_t undecided = window.undecided & -window.undecided;
        if (const std::uint64_t before = window.row_ends & (undecided - 1); before != 0) {
          row_start = pos + static_cast<std::size_t>(63 - __builtin_clzll(before)) + 1;
        }
        break;
      }
      if (window.row_ends != 0) {
        row_start = pos + static_cast<std::size_t>(63 - __builtin_clzll(window.row_ends)) + 1;
      }
    }
    if (pos >= size) return row_start;
    // The row at row_start is one the masks cannot decide: the byte-wise rules find its end,
    // and the 64-byte scan goes on after it (one stray quote must not slow the whole chunk).
    // (Uncounted bytes only make a row shorter: the masks' length test above is safe.)
    const std::size_t row = RowEndScanner(text.substr(row_start), sep, max_line,
                                          row_start == 0 ? first_field : 0, uncounted, row_start)
                                .scan(/*first_only=*/true);
    if (row == 0) return row_start;  // it does not end in `text`
    row_start += row;
    pos = row_start;
  }
}

std::size_t whole_rows_baseline(std::string_view text, char sep, std::size_t max_line,
                                std::size_t first_field, std::span<const std::size_t> uncounted) {
  return whole_rows_with<BaselineBytes>(text, sep, max_line, first_field, uncounted);
}

#ifdef __x86_64__
__attribute__((target("avx2"), flatten)) std::size_t whole_rows_avx2(
    std::string_view text, char sep, std::size_t max_line, std::size_t first_field,
    std::span<const std::size_t> uncounted) {
  return whole_rows_with<Avx2Bytes>(text, sep, max_line, first_field, uncounted);
}
#endif

}  // namespace

std::size_t whole_rows_length(std::string_view text, char sep, std::size_t max_line,
                              std::size_t first_field, std::span<const std::size_t> uncounted) {
#ifdef __x86_64__
  if (kHaveAvx2) return whole_rows_avx2(text, sep, max_line, first_field, uncounted);
#endif
  return whole_rows_baseline(text, sep, max_line, first_field, uncounted);
}

std::size_t first_row_length(std::string_view text, char sep, std::size_t max_line,
                             std::size_t first_field) {
  std::size_t start = 0;
  for (;;) {
    const std::string_view rest = text.substr(start);
    const std::size_t field = start == 0 ? first_field : 0;
    const std::size_t length = RowEndScanner(rest, sep, max_line, field).scan(true);
    if (length == 0) return 0;
    if (!blank_row(text, start + field, start + length)) return start + length;
    start += length;
  }
}

}  // namespace gpipe::csv
