#include "formats/csv/row_splitter.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "formats/csv/quote_masks.hpp"
#include "formats/csv/quoted_field.hpp"
#include "simd/dispatch.hpp"

// The parser's own threads are not wanted: only the unescaping below is used.
#define CSV_IO_NO_THREAD
#include <libfccp/csv.h>

namespace gpipe::csv {

namespace {

constexpr std::size_t kNone = std::string_view::npos;

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
  // only a row shorter than 64 bytes is copied out. (The baseline masks are enough here: this
  // is the path of single lines, not of blocks.)
  void load(std::size_t pos) {
    base_ = size_ >= kWindow ? std::min(pos, size_ - kWindow) : 0;
    const Masks64 masks =
        masks_of<simd::Baseline>(data_ + base_, std::min(kWindow, size_ - base_), sep_);
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

// Straight into the batch's fields: building a vector of values first and copying it into
// fields cost the csv stage a good part of its time.
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

// fccp's unescape drops the outer quotes and turns each "" into " in place, so it gets a copy in
// the arena. (Its separator parameter is not used by unescape: ',' serves for any --sep.)
std::string_view unescape_quoted(std::string_view quoted, std::string_view after, Arena& arena) {
  char* const copy = arena.allocate(quoted.size() + after.size());
  std::memcpy(copy, quoted.data(), quoted.size());
  char* begin = copy;
  char* end = copy + quoted.size();
  io::double_quote_escape<',', kQuote>::unescape(begin, end);
  if (!after.empty()) std::memcpy(end, after.data(), after.size());
  return {begin, static_cast<std::size_t>(end - begin) + after.size()};
}

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

}  // namespace gpipe::csv
