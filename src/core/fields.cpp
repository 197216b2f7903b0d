#include "gpipe/fields.hpp"

#include <cstring>

namespace gpipe {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// Calls on_field(field) for each field in order until it returns false. awk's default rule:
// fields are the maximal runs of non-blank characters.
template <class OnField>
void for_each_awk_field(std::string_view text, OnField on_field) {
  const char* p = text.data();
  const char* const end = p + text.size();
  for (;;) {
    while (p < end && is_blank(*p)) ++p;
    if (p == end) return;
    const char* const start = p;
    while (p < end && !is_blank(*p)) ++p;
    if (!on_field(std::string_view(start, static_cast<std::size_t>(p - start)))) return;
  }
}

// Where the next separator starts in [p, end), or end. A one-byte separator uses memchr.
const char* find_separator(const char* p, const char* end, std::string_view separator) {
  const auto length = static_cast<std::size_t>(end - p);
  if (separator.size() == 1) {
    const void* hit = std::memchr(p, separator.front(), length);
    return hit != nullptr ? static_cast<const char*>(hit) : end;
  }
  const std::string_view rest(p, length);
  const std::size_t at = rest.find(separator);
  return at == std::string_view::npos ? end : p + at;
}

// The same for an exact separator: every occurrence separates, so "a,,b" has an empty middle
// field. An empty text has no fields at all, as with awk -F (NF is 0).
template <class OnField>
void for_each_separated_field(std::string_view text, std::string_view separator, OnField on_field) {
  const char* p = text.data();
  const char* const end = p + text.size();
  if (p == end) return;
  for (;;) {
    const char* const stop = find_separator(p, end, separator);
    if (!on_field(std::string_view(p, static_cast<std::size_t>(stop - p)))) return;
    if (stop == end) return;
    p = stop + separator.size();
  }
}

// awk's fields are runs of non-blank characters, the same read from either end, so the last ones
// are found by scanning back from the end, without reading the line before them.
bool nth_awk_field_from_end(std::string_view text, std::size_t n, std::string_view& out) {
  const char* const begin = text.data();
  const char* p = begin + text.size();
  while (n != 0) {
    while (p > begin && is_blank(p[-1])) --p;
    if (p == begin) return false;
    const char* const end = p;
    while (p > begin && !is_blank(p[-1])) --p;
    if (--n == 0) {
      out = std::string_view(p, static_cast<std::size_t>(end - p));
      return true;
    }
  }
  return false;
}

}  // namespace

bool FieldSplitter::nth_from_end(std::string_view text, std::size_t n,
                                 std::string_view& out) const {
  if (separator_.empty()) return nth_awk_field_from_end(text, n, out);
  // A separator of several bytes may overlap itself ("aa" in "aaa"), and only a scan from the
  // start finds the occurrences that separate: count the fields, then take one.
  std::size_t count = 0;
  for_each_separated_field(text, separator_, [&](std::string_view) { return ++count, true; });
  if (n == 0 || n > count) return false;
  return nth(text, count - n, out);
}

bool FieldSplitter::nth(std::string_view text, std::size_t n, std::string_view& out) const {
  std::size_t index = 0;
  bool found = false;
  const auto take = [&](std::string_view field) {
    if (index++ != n) return true;
    out = field;
    found = true;
    return false;  // stop scanning: we have it
  };
  if (separator_.empty()) {
    for_each_awk_field(text, take);
  } else {
    for_each_separated_field(text, separator_, take);
  }
  return found;
}

void FieldSplitter::split(std::string_view text, std::vector<std::string_view>& out,
                          std::size_t limit) const {
  out.clear();
  const auto append = [&](std::string_view field) {
    out.push_back(field);
    return limit == 0 || out.size() < limit;
  };
  if (separator_.empty()) {
    for_each_awk_field(text, append);
  } else {
    for_each_separated_field(text, separator_, append);
  }
}

}  // namespace gpipe
