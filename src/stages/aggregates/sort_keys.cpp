#include "stages/aggregates/sort_keys.hpp"

#include <bit>
#include <charconv>

#include "expr/value.hpp"

namespace gpipe::stages {

namespace {

enum KeyClass : char { kNumber = 1, kText = 2, kMissing = 3 };

void append_big_endian(std::string& out, std::uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

// The distance of an integer written in `text` (blanks, a sign, digits) from `rounded`, the
// double it reads as: 0 up to 2^53, where doubles hold every integer; beyond, the part the
// double lost (at most 2048 below 2^64), so that two integers that round alike still order.
// 0 for any other number, and for integers past 64 bits (they compare as doubles).
std::int64_t integer_remainder(std::string_view text, double rounded) {
  if (rounded > -9007199254740992.0 && rounded < 9007199254740992.0) return 0;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  const bool negative = !text.empty() && text.front() == '-';
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  std::uint64_t magnitude = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), magnitude);
  if (error != std::errc() || end != text.data() + text.size()) return 0;
  __extension__ using I128 = __int128;
  const I128 exact = negative ? -static_cast<I128>(magnitude) : static_cast<I128>(magnitude);
  return static_cast<std::int64_t>(exact - static_cast<I128>(rounded));
}

// A double as 8 bytes whose unsigned order is the numbers' order: positive numbers get the
// sign bit set, negative ones every bit flipped (-0 is 0).
std::uint64_t ordered_bits(double number) {
  if (number == 0) number = 0;  // -0 sorts as 0
  const auto bits = std::bit_cast<std::uint64_t>(number);
  return (bits & (1ULL << 63)) != 0 ? ~bits : bits | (1ULL << 63);
}

void append_number(std::string& out, double number, std::int64_t remainder) {
  append_big_endian(out, ordered_bits(number), 8);
  append_big_endian(out, static_cast<std::uint64_t>(remainder + 0x8000), 2);
}

// Text bytes whose order is kept when more bytes follow them: 0x00 escaped, then an end mark
// that sorts before any byte.
void append_terminated(std::string& out, std::string_view text) {
  std::size_t start = 0;
  for (std::size_t zero = text.find('\0'); zero != std::string_view::npos;
       zero = text.find('\0', start)) {
    out.append(text.substr(start, zero + 1 - start));
    out.push_back('\xff');
    start = zero + 1;
  }
  out.append(text.substr(start));
  out.append(2, '\0');
}

}  // namespace

SortKeyMaker::SortKeyMaker(std::vector<SortKey> keys, FieldSplitter splitter)
    : keys_(std::move(keys)) {
  if (keys_.size() == 1 && !keys_[0].field) {
    whole_text_ascending_ = !keys_[0].numeric && !keys_[0].descending;
    return;
  }
  std::vector<FieldRef> refs;
  for (const SortKey& key : keys_) refs.push_back(*key.field);
  selection_.emplace(std::move(refs), std::move(splitter));
}

void SortKeyMaker::append_value(std::string& out, const Value& value, const SortKey& key,
                                bool last) {
  if (value.is_null()) {
    out.push_back(kMissing);
    return;
  }
  const std::size_t start = out.size() + 1;
  double number = 0;
  if (key.numeric && value.kind != Value::Kind::Json && value.kind != Value::Kind::Bool &&
      expr::parse_number_into(value.text, number)) {
    out.push_back(kNumber);
    append_number(out, number, integer_remainder(value.text, number));
  } else {
    out.push_back(kText);
    if (last && !key.descending) {
      out.append(value.text);
      return;
    }
    append_terminated(out, value.text);
  }
  if (key.descending) {
    for (std::size_t i = start; i < out.size(); ++i) out[i] = static_cast<char>(~out[i]);
  }
}

void SortKeyMaker::append_key(Batch& batch, const Record& record, std::string& out) {
  if (!selection_) {
    // The whole record: its text, or each of its fields' values.
    const SortKey& key = keys_[0];
    if (!record.has_fields() || record.whole_json) {
      append_value(out, Value::string(record.text), key, true);
      return;
    }
    const Field* const fields = batch.fields().data() + record.first_field;
    for (std::uint32_t i = 0; i < record.field_count; ++i) {
      append_value(out, fields[i].value, key, i + 1 == record.field_count);
    }
    return;
  }
  selection_->select(batch, record, selected_);
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    append_value(out, selected_[i].value, keys_[i], i + 1 == keys_.size());
  }
}

}  // namespace gpipe::stages
