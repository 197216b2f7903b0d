#include "formats/csv/block_splitter.hpp"

#include <algorithm>

#include "formats/csv/quote_masks.hpp"
#include "formats/csv/quoted_field.hpp"
#include "simd/dispatch.hpp"

namespace gpipe::csv {

namespace {

// For the rare positions (of "" and of line ends inside quotes). Inlined into the window scan,
// whose AVX2 copy would otherwise call it.
[[gnu::always_inline]] inline void push_positions(std::vector<std::size_t>& out, std::size_t base,
                                                  std::uint64_t bits) {
  for (; bits != 0; bits &= bits - 1) {
    out.push_back(base + simd::lowest_bit(bits));
  }
}

}  // namespace

void BlockSplitter::restart(std::string_view block, std::size_t start,
                            std::span<const std::string_view> all_names, std::size_t made) {
  width_ = all_names.size();
  const std::span<const std::string_view> names = all_names.first(std::min(made, width_));
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

template <class Isa>
[[gnu::always_inline]] inline bool BlockSplitter::scan_window_with() {
  if (scanned_ >= size_) return false;
  const std::size_t base = scanned_;
  const std::size_t n = std::min<std::size_t>(64, size_ - base);
  const Masks64 masks = masks_of<Isa>(data_ + base, n, sep_);
  QuoteState quotes{in_quotes_, after_start_, after_quote_};
  const QuoteState::Window window = quotes.advance(masks, n);
  in_quotes_ = quotes.in_quotes;
  after_start_ = quotes.after_start;
  after_quote_ = quotes.after_quote;
  if (window.undecided != 0) {
    const std::size_t bad = base + simd::lowest_bit(window.undecided);
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

// Scans the next 64 bytes (fewer at the block's end) into the window, with the byte masks of
// the ISA chosen at run time. False when the block is all scanned.
bool BlockSplitter::scan_window() {
  return simd::dispatch(
      [this]<class Isa>(std::type_identity<Isa>) { return scan_window_with<Isa>(); });
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
  if (close == std::string_view::npos) return std::nullopt;
  return quoted_value(field, close, doubled, arena);
}

// The "" pairs before `end` that no value was made of (in columns only counted) are passed
// over, so that a later quoted field does not take them for its own.
void BlockSplitter::skip_doubled_before(std::size_t end) {
  while (doubled_taken_ < doubled_.size() && doubled_[doubled_taken_] < end) ++doubled_taken_;
  next_doubled_ = doubled_taken_ < doubled_.size() ? doubled_[doubled_taken_] : kNoPosition;
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
  const std::size_t width = width_;
  const std::size_t made = named_row_.size();
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
    if (count >= made) {  // a column no later stage reads: counted only
      ++count;
      return true;
    }
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
    if (count >= made) {
      // Past the columns made, the separators before the row's end in this window are only
      // counted, all at once (with the row's last one when it ends here).
      const std::uint64_t row_end = ends & row_ends;
      const std::uint64_t before = row_end != 0 ? ends & ((row_end & -row_end) - 1) : ends;
      ends &= ~before;
      // Bit by bit: the baseline build has no popcount instruction (the builtin is a call),
      // and a window holds few separators of a row.
      for (std::uint64_t bits = before; bits != 0; bits &= bits - 1) ++count;
      if (ends == 0) continue;
    }
    const unsigned bit = simd::lowest_bit(ends);
    ends &= ends - 1;
    end = base + bit;
    if (((row_ends >> bit) & 1) != 0) break;
    if (!add(begin, end)) return decline();
    begin = end + 1;
  }
  ends_ = ends;
  if (first_bad_ < end) return decline();
  if (made < width) skip_doubled_before(end);
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
  row.made = std::min(count, made);
  start_ = row.next;
  return true;
}

}  // namespace gpipe::csv
