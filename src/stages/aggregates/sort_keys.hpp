// The order of `sort`: each record's keys, made once into one string of bytes (its sort key) whose
// byte-for-byte order (memcmp, the shorter first on a tie) is the order the keys ask for, so that
// the sort and the merge compare keys without looking a field up or parsing a number again.
//
// A key is a field read as text (bytewise, as LC_ALL=C sort compares) or as a number (-n), in
// ascending or descending (-r) order. Each key's bytes are one class byte, then its value:
//   number (-n)  8 bytes of the double, ordered as unsigned bytes (sign bit flipped, or every
//                bit for a negative number), then 2 bytes that order integers beyond 2^53 that
//                round to the same double (their exact distance from it)
//   text         the bytes, 0x00 written 0x00 0xFF and the end marked 0x00 0x00, so that a key
//                that is a prefix of another comes first and the next key starts after it (the
//                last key, ascending, is its bytes as they are: nothing follows it)
//   missing      the class byte alone
// Classes: numbers, then text (under -n: values that are not numbers), then missing (or null)
// values, whatever the direction; -r inverts the bytes after the class byte, so it reverses the
// order within a class but not the order of the classes: `sort -r -n F | head` gives the largest
// numbers, never the records without one.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/field_selection.hpp"
#include "gpipe/field_ref.hpp"
#include "gpipe/fields.hpp"
#include "gpipe/record.hpp"

namespace gpipe::stages {

struct SortKey {
  std::optional<FieldRef> field;  // none: the whole record (`sort`, `sort -r`, `sort -n`)
  bool numeric = false;
  bool descending = false;
};

// Makes the sort keys of records. Keyed by F…, or, with one key that has no field, by the whole
// record as it prints: a line, a raw block or a JSON value by its text; a record made of fields
// (a CSV row, kv pairs, anything reshaped) by its fields' values, in order, each a key.
class SortKeyMaker {
 public:
  SortKeyMaker(std::vector<SortKey> keys, FieldSplitter splitter);

  // Whether the sort key of `record` is its text as it is: the whole record, ascending text, a
  // record printed as its text. Then no key is made (`sort` of lines compares the lines).
  bool key_is_text(const Record& record) const {
    return whole_text_ascending_ && (!record.has_fields() || record.whole_json);
  }

  // Appends the sort key of `record` to `out`.
  void append_key(Batch& batch, const Record& record, std::string& out);

  // Appends the key bytes of one value as key `key` of `keys.size()` (tests use it too).
  static void append_value(std::string& out, const Value& value, const SortKey& key, bool last);

 private:
  std::vector<SortKey> keys_;
  std::optional<FieldSelection> selection_;  // the fields of keys_, when they name fields
  std::vector<Field> selected_;              // reused for every record
  bool whole_text_ascending_ = false;
};

// The first 8 bytes of a key as a big-endian number (0 bytes past its end): two keys whose
// prefixes differ compare as their prefixes do, so most comparisons are one of integers.
// A key of 8 bytes or more is one load: the byte loop, with its copy to the stack first, stalled
// on the copy and was the largest part of the final merge (docs/performance.md, "Sort: fewer
// copies, huge pages, one-load prefixes").
inline std::uint64_t key_prefix(std::string_view key) {
  if (key.size() >= 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, key.data(), 8);
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    return word;
  }
  std::uint64_t prefix = 0;
  for (std::size_t i = 0; i < key.size(); ++i) {
    prefix |= std::uint64_t{static_cast<unsigned char>(key[i])} << (56 - 8 * i);
  }
  return prefix;
}

// <0, 0, >0 as `a` sorts before, with or after `b`: bytewise, a key that is a prefix of the other
// first.
inline int compare_keys(std::string_view a, std::string_view b) {
  const std::size_t common = a.size() < b.size() ? a.size() : b.size();
  if (common != 0) {
    if (const int order = std::memcmp(a.data(), b.data(), common); order != 0) return order;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

}  // namespace gpipe::stages
