// The built-in functions. Strings they make go into the batch's arena; views of their input
// (trim, substr) are returned as views, so they allocate nothing.
#include "expr/functions.hpp"

#include <simdjson.h>
#include <utf8proc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "expr/json_array.hpp"
#include "expr/lexer.hpp"
#include "expr/printf_format.hpp"

namespace gpipe::expr {

namespace {

bool is_ascii(std::string_view text) {
  unsigned char any = 0;
  for (const char c : text) any |= static_cast<unsigned char>(c);
  return any < 0x80;
}

char map_ascii_case(char c, bool upper) {
  if (upper && c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 'A');
  if (!upper && c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  return c;
}

// Unicode letters are mapped, as Miller, Python and DuckDB map them (Å to å, Σ to σ), by
// utf8proc's simple mappings: one code point to one, so ß becomes ẞ (U+1E9E) where Python's full
// mapping makes SS. Text that is all ASCII never reaches utf8proc. Bytes that are not valid UTF-8
// are copied through as they are.
Val map_case(std::span<const Val> args, Arena& arena, bool upper) {
  const auto text = to_text(args[0], arena);
  if (!text) return Val::null();
  if (is_ascii(*text)) {
    char* out = arena.allocate(text->size());
    for (std::size_t i = 0; i < text->size(); ++i) out[i] = map_ascii_case((*text)[i], upper);
    return Val::of_string({out, text->size()});
  }
  // A mapped character may take more bytes than the original (ⱥ, U+2C65, is the lower case of
  // the two-byte Ⱥ): the result is built in a reused buffer and then stored.
  thread_local std::string mapped;
  mapped.clear();
  const auto* const bytes = reinterpret_cast<const utf8proc_uint8_t*>(text->data());
  for (std::size_t i = 0; i < text->size();) {
    const char c = (*text)[i];
    if (static_cast<unsigned char>(c) < 0x80) {
      mapped += map_ascii_case(c, upper);
      ++i;
      continue;
    }
    utf8proc_int32_t code = 0;
    const auto length =
        utf8proc_iterate(bytes + i, static_cast<utf8proc_ssize_t>(text->size() - i), &code);
    if (length <= 0) {
      mapped += c;
      ++i;
      continue;
    }
    utf8proc_uint8_t encoded[4];
    const auto size =
        utf8proc_encode_char(upper ? utf8proc_toupper(code) : utf8proc_tolower(code), encoded);
    mapped.append(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(size));
    i += static_cast<std::size_t>(length);
  }
  return Val::of_string(arena.store(mapped));
}

Val lower(std::span<const Val> args, const Node&, Arena& arena) {
  return map_case(args, arena, false);
}
Val upper(std::span<const Val> args, const Node&, Arena& arena) {
  return map_case(args, arena, true);
}

Val trim(std::span<const Val> args, const Node&, Arena& arena) {
  auto text = to_text(args[0], arena);
  if (!text) return Val::null();
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const std::size_t first = text->find_first_not_of(kSpace);
  if (first == std::string_view::npos) return Val::of_string({}, args[0].from_field);
  const std::size_t last = text->find_last_not_of(kSpace);
  return Val::of_string(text->substr(first, last - first + 1), args[0].from_field);
}

// Elements of an array or keys of an object, counted by simdjson (one parser per thread, its
// buffer reused). Invalid JSON gives null.
std::optional<std::size_t> json_length(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (parser.parse(json.data(), json.size()).get(element) != simdjson::SUCCESS) return {};
  // size() saturates at 0xFFFFFF; beyond that, count.
  constexpr std::size_t kSaturated = 0xFFFFFF;
  simdjson::dom::array array;
  if (element.get_array().get(array) == simdjson::SUCCESS) {
    if (array.size() < kSaturated) return array.size();
    std::size_t n = 0;
    for ([[maybe_unused]] simdjson::dom::element child : array) ++n;
    return n;
  }
  simdjson::dom::object object;
  if (element.get_object().get(object) == simdjson::SUCCESS) {
    if (object.size() < kSaturated) return object.size();
    std::size_t n = 0;
    for ([[maybe_unused]] simdjson::dom::key_value_pair field : object) ++n;
    return n;
  }
  return {};
}

Val len(std::span<const Val> args, const Node&, Arena& arena) {
  const Val& v = args[0];
  if (v.kind == Val::Kind::Json) {
    const auto n = json_length(v.text);
    return n ? Val::of_number(static_cast<double>(*n)) : Val::null();
  }
  const auto text = to_text(v, arena);
  if (!text) return Val::null();
  return Val::of_number(static_cast<double>(utf8_length(*text)));
}

Val to_int(std::span<const Val> args, const Node&, Arena&) {
  const auto n = to_number(args[0]);
  if (!n || !std::isfinite(*n)) return n ? Val::of_number(*n) : Val::null();
  return Val::of_number(std::trunc(*n));
}

Val to_float(std::span<const Val> args, const Node&, Arena&) {
  const auto n = to_number(args[0]);
  return n ? Val::of_number(*n) : Val::null();
}

Val to_str(std::span<const Val> args, const Node&, Arena& arena) {
  const auto text = to_text(args[0], arena);
  return text ? Val::of_string(*text) : Val::null();
}

// Runs a two-string predicate; null when either is null.
template <class Predicate>
Val string_test(std::span<const Val> args, Arena& arena, Predicate predicate) {
  const auto a = to_text(args[0], arena);
  const auto b = to_text(args[1], arena);
  if (!a || !b) return Val::null();
  return Val::of_bool(predicate(*a, *b));
}

Val contains(std::span<const Val> args, const Node&, Arena& arena) {
  return string_test(args, arena, [](std::string_view a, std::string_view b) {
    return a.find(b) != std::string_view::npos;
  });
}
Val startswith(std::span<const Val> args, const Node&, Arena& arena) {
  return string_test(args, arena,
                     [](std::string_view a, std::string_view b) { return a.starts_with(b); });
}
Val endswith(std::span<const Val> args, const Node&, Arena& arena) {
  return string_test(args, arena,
                     [](std::string_view a, std::string_view b) { return a.ends_with(b); });
}

RE2::Options regex_options() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

// The regex of a call whose second argument is the pattern: the one compiled at start-up for a
// literal, else `pattern` compiled now into `computed`. Null when that is invalid.
const RE2* call_regex(const Node& call, std::string_view pattern, std::unique_ptr<RE2>& computed) {
  if (call.regex) return call.regex.get();
  computed =
      std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), regex_options());
  return computed->ok() ? computed.get() : nullptr;
}

void prepare_regex_argument(Node& call) {
  call.regex = compile_literal_regex(*call.children[1]);
}

// replace(s, re, with): every match of `re` replaced; `with` may use \0..\9 (RE2 rewrite).
// A pattern computed per record is compiled per record; an invalid one gives null.
Val replace(std::span<const Val> args, const Node& call, Arena& arena) {
  const auto text = to_text(args[0], arena);
  const auto pattern = to_text(args[1], arena);
  const auto with = to_text(args[2], arena);
  if (!text || !pattern || !with) return Val::null();
  std::unique_ptr<RE2> computed;
  const RE2* const regex = call_regex(call, *pattern, computed);
  if (regex == nullptr) return Val::null();
  if (!RE2::PartialMatch(re2::StringPiece(text->data(), text->size()), *regex)) {
    return Val::of_string(*text, args[0].from_field);  // nothing to replace: no copy
  }
  thread_local std::string buffer;  // reused: only the result is copied, into the arena
  buffer.assign(text->data(), text->size());
  RE2::GlobalReplace(&buffer, *regex, re2::StringPiece(with->data(), with->size()));
  return Val::of_string(arena.store(buffer));
}

// match(s, re): the text of the first capture group of the first match, or of the whole match
// when the regex has no group; null when nothing matches or the group took no part in the match
// (a(x)?b on "ab"), as Python's re.search(…).group(1) gives None. The result views `s`.
Val match_function(std::span<const Val> args, const Node& call, Arena& arena) {
  const auto text = to_text(args[0], arena);
  const auto pattern = to_text(args[1], arena);
  if (!text || !pattern) return Val::null();
  std::unique_ptr<RE2> computed;
  const RE2* const regex = call_regex(call, *pattern, computed);
  if (regex == nullptr) return Val::null();
  // An empty text may have no storage; RE2 points its pieces into the subject.
  const re2::StringPiece subject(text->data() != nullptr ? text->data() : "", text->size());
  re2::StringPiece pieces[2];
  const int wanted = regex->NumberOfCapturingGroups() > 0 ? 2 : 1;
  if (!regex->Match(subject, 0, subject.size(), RE2::UNANCHORED, pieces, wanted)) {
    return Val::null();
  }
  const re2::StringPiece& piece = pieces[wanted - 1];
  if (piece.data() == nullptr) return Val::null();
  return Val::of_string({piece.data(), piece.size()}, args[0].from_field);
}

// split(s, sep): the parts of s between occurrences of sep, as a JSON array of strings (an
// empty sep splits s into its characters, each invalid UTF-8 byte one). As Python's
// str.split(sep): splitting "" gives [""], and "a,,b" has an empty part.
Val split_function(std::span<const Val> args, const Node&, Arena& arena) {
  const auto text = to_text(args[0], arena);
  const auto separator = to_text(args[1], arena);
  if (!text || !separator) return Val::null();
  thread_local std::string json;
  json.assign(1, '[');
  const auto append_part = [&](std::string_view part) {
    if (json.size() > 1) json += ',';
    append_json_string(json, part);
  };
  if (separator->empty()) {
    for (std::size_t start = 0; start < text->size();) {
      std::size_t end = start + 1;
      while (end < text->size() && (static_cast<unsigned char>((*text)[end]) & 0xC0) == 0x80) ++end;
      append_part(text->substr(start, end - start));
      start = end;
    }
  } else {
    for (std::size_t start = 0;;) {
      const std::size_t at = text->find(*separator, start);
      append_part(text->substr(start, at == std::string_view::npos ? at : at - start));
      if (at == std::string_view::npos) break;
      start = at + separator->size();
    }
  }
  json += ']';
  Val v;
  v.kind = Val::Kind::Json;
  v.text = arena.store(json);
  return v;
}

// sprintf(fmt, values…): see printf_format.hpp. A literal format was parsed at start-up (and its
// conversions counted against the values); a computed one is parsed here, and gives null when
// it is malformed or takes another number of values.
Val sprintf_function(std::span<const Val> args, const Node& call, Arena& arena) {
  const auto format = to_text(args[0], arena);
  if (!format) return Val::null();
  thread_local std::vector<FormatItem> computed;
  std::span<const FormatItem> items = call.format;
  if (items.empty()) {
    std::string error;
    std::size_t offset = 0;
    if (!parse_format(*format, computed, error, offset)) return Val::null();
    items = computed;
  }
  if (conversion_count(items) != args.size() - 1) return Val::null();
  thread_local std::string out;
  out.clear();
  if (!append_formatted(out, *format, items, args.subspan(1), arena)) return Val::null();
  return Val::of_string(arena.store(out));
}

void prepare_format(Node& call) {
  const Node& format = *call.children[0];
  if (format.kind != NodeKind::String) return;
  std::string error;
  std::size_t offset = 0;
  if (!parse_format(format.text, call.format, error, offset)) {
    throw SyntaxError("invalid format: " + error, format.offset, format.length);
  }
  const std::size_t wanted = conversion_count(call.format);
  const std::size_t given = call.children.size() - 1;
  if (wanted != given) {
    throw SyntaxError("the format has " + std::to_string(wanted) +
                          (wanted == 1 ? " conversion" : " conversions") + " but " +
                          std::to_string(given) +
                          (given == 1 ? " value follows" : " values follow"),
                      call.offset, call.length);
  }
}

// if(cond, a, b) is evaluated by the evaluator, which takes only one branch.
void prepare_if(Node& call) {
  call.kind = NodeKind::If;
}

// The byte offset of code point `index` in `text` (its size when past the end).
std::size_t utf8_offset(std::string_view text, std::size_t index) {
  std::size_t i = 0;
  while (i < text.size()) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (index == 0) return i;
      --index;
    }
    ++i;
  }
  return text.size();
}

// substr(s, start[, length]): by characters, 0-based; a negative start counts from the end.
Val substr(std::span<const Val> args, const Node&, Arena& arena) {
  const auto text = to_text(args[0], arena);
  const auto start = to_number(args[1]);
  if (!text || !start) return Val::null();
  const double count = static_cast<double>(utf8_length(*text));
  double first = std::trunc(*start);
  if (first < 0) first = std::max(0.0, count + first);
  first = std::min(first, count);
  double last = count;
  if (args.size() > 2) {
    const auto length = to_number(args[2]);
    if (!length) return Val::null();
    last = std::clamp(first + std::trunc(*length), first, count);
  }
  const std::size_t begin = utf8_offset(*text, static_cast<std::size_t>(first));
  const std::size_t end = utf8_offset(*text, static_cast<std::size_t>(last));
  return Val::of_string(text->substr(begin, end - begin), args[0].from_field);
}

Val now(std::span<const Val>, const Node&, Arena&) {
  return Val::of_number(start_time());
}

// A NUL-terminated copy of `text` in a reused buffer (the C time functions need one).
const char* c_string(std::string& buffer, std::string_view text) {
  buffer.assign(text.data(), text.size());
  return buffer.c_str();
}

// Where %f is in a time format (not the "%f" of a literal "%%f"), or npos.
std::size_t find_fraction(std::string_view format) {
  for (std::size_t i = 0; i + 1 < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (format[i + 1] == 'f') return i;
    ++i;  // "%%" or another conversion: its second byte is not the start of one
  }
  return std::string_view::npos;
}

// `format` with each %f replaced by six digits of microseconds, as Python's strftime writes it
// ("%%" stays for strftime to read).
const char* with_microseconds(std::string& out, std::string_view format, long microseconds) {
  out.clear();
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%' && i + 1 < format.size()) {
      if (format[i + 1] == 'f') {
        char digits[8];
        std::snprintf(digits, sizeof digits, "%06ld", microseconds);
        out += digits;
      } else {
        out += format.substr(i, 2);
      }
      ++i;
      continue;
    }
    out += format[i];
  }
  return out.c_str();
}

// Reads `text` by `format` into `tm` with strptime(3), plus %f: fractional seconds (digits
// after the seconds, e.g. .740 in 08:16:08.740Z — write it as %S.%f). Returns the fraction, or
// nothing when the text does not match the whole format.
std::optional<double> parse_time(const char* text, std::string_view format, std::tm& tm) {
  thread_local std::string head;
  thread_local std::string tail;
  const std::size_t f = find_fraction(format);
  const char* end = strptime(text, c_string(head, format.substr(0, f)), &tm);
  if (end == nullptr) return std::nullopt;
  double fraction = 0;
  if (f != std::string_view::npos) {
    double scale = 0.1;
    const char* digit = end;
    while (*digit >= '0' && *digit <= '9') {
      fraction += (*digit - '0') * scale;
      scale /= 10;
      ++digit;
    }
    if (digit == end) return std::nullopt;
    end = strptime(digit, c_string(tail, format.substr(f + 2)), &tm);
    if (end == nullptr) return std::nullopt;
  }
  if (*end != '\0') return std::nullopt;
  return fraction;
}

// strptime(s, fmt): epoch seconds (UTC unless the format reads a zone with %z); null when the
// text does not match.
Val parse_time_function(std::span<const Val> args, const Node&, Arena& arena) {
  const auto text = to_text(args[0], arena);
  const auto format = to_text(args[1], arena);
  if (!text || !format) return Val::null();
  thread_local std::string text_buffer;
  std::tm tm{};
  const auto fraction = parse_time(c_string(text_buffer, *text), *format, tm);
  if (!fraction) return Val::null();
  const long offset = tm.tm_gmtoff;  // set by %z
  const std::time_t seconds = timegm(&tm);
  return Val::of_number(static_cast<double>(seconds - offset) + *fraction);
}

// strftime(n, fmt): epoch seconds formatted in UTC. The time is first rounded to the microsecond,
// as Python's datetime takes a timestamp, so %f of 1.74 is 740000 (not 739999) and a time a
// hair below a whole second is that second.
Val format_time_function(std::span<const Val> args, const Node&, Arena& arena) {
  const auto seconds = to_number(args[0]);
  const auto format = to_text(args[1], arena);
  // Beyond ±1e17 s (three billion years) the conversion to time_t would overflow (found by
  // fuzzing: strftime(strftime($3, "%fZ"), "%F") made a 9e18).
  constexpr double kLimit = 1e17;
  if (!seconds || !format || !std::isfinite(*seconds) || std::fabs(*seconds) > kLimit) {
    return Val::null();
  }
  double floor = std::floor(*seconds);
  long microseconds = std::lround((*seconds - floor) * 1e6);
  if (microseconds == 1'000'000) {
    floor += 1;
    microseconds = 0;
  }
  const auto whole = static_cast<std::time_t>(floor);
  std::tm tm{};
  if (gmtime_r(&whole, &tm) == nullptr) return Val::null();
  thread_local std::string fmt;
  char buffer[512];
  const std::size_t n =
      std::strftime(buffer, sizeof buffer, with_microseconds(fmt, *format, microseconds), &tm);
  if (n == 0 && !format->empty()) return Val::null();
  return Val::of_string(arena.store({buffer, n}));
}

constexpr Function kFunctions[] = {
    {"lower", 1, 1, lower, "lower(s): s in lower case"},
    {"upper", 1, 1, upper, "upper(s): s in upper case"},
    {"trim", 1, 1, trim, "trim(s): s without leading and trailing white space"},
    {"len", 1, 1, len, "len(x): characters of a string, elements of an array, keys of an object"},
    {"int", 1, 1, to_int, "int(x): x as a number, truncated toward zero"},
    {"float", 1, 1, to_float, "float(x): x as a number"},
    {"str", 1, 1, to_str, "str(x): x as a string"},
    {"contains", 2, 2, contains, "contains(s, sub)"},
    {"startswith", 2, 2, startswith, "startswith(s, prefix)"},
    {"endswith", 2, 2, endswith, "endswith(s, suffix)"},
    {"replace", 3, 3, replace, "replace(s, re, with)", prepare_regex_argument},
    {"match", 2, 2, match_function, "match(s, re): the first group of re in s, or the match",
     prepare_regex_argument},
    {"split", 2, 2, split_function, "split(s, sep): an array of the parts of s"},
    {"sprintf", 1, kMaxArgs, sprintf_function, "sprintf(fmt, values…)", prepare_format},
    {"format", 1, kMaxArgs, sprintf_function, "format(fmt, values…), as sprintf", prepare_format},
    {"if", 3, 3, nullptr, "if(cond, a, b): a when cond is true, else b", prepare_if},
    {"substr", 2, 3, substr, "substr(s, start[, length])"},
    {"coalesce", 1, kVariadic, nullptr, "coalesce(a, b, …): the first that is not null"},
    {"now", 0, 0, now, "now(): epoch seconds when the run started"},
    {"strptime", 2, 2, parse_time_function, "strptime(s, fmt): epoch seconds"},
    {"strftime", 2, 2, format_time_function,
     "strftime(n, fmt): UTC time as text (%f: microseconds)"},
};

}  // namespace

std::span<const Function> functions() {
  return kFunctions;
}

const Function* find_function(std::string_view name) {
  for (const Function& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::unique_ptr<RE2> compile_literal_regex(const Node& pattern) {
  if (pattern.kind != NodeKind::String) return nullptr;
  auto regex = std::make_unique<RE2>(pattern.text, regex_options());
  if (!regex->ok()) {
    throw SyntaxError("invalid regular expression: " + regex->error(), pattern.offset,
                      pattern.length);
  }
  return regex;
}

Val element_at(const Val& container, const Val& index, Arena& arena) {
  if (container.kind != Val::Kind::Json) return Val::null();
  const auto position = to_number(index);
  return position ? json_array_element(container.text, *position, arena) : Val::null();
}

double start_time() {
  static const double start =
      static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
  return start;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace gpipe::expr
