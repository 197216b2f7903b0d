// The built-in functions. Strings they make go into the batch's arena; views of their input
// (trim, substr) are returned as views, so they allocate nothing.
#include "expr/functions.hpp"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <string>

namespace gpipe::expr {

namespace {

// ASCII case mapping: bytes of other UTF-8 characters are left as they are.
Val map_case(std::span<const Val> args, Arena& arena, bool upper) {
  const auto text = to_text(args[0], arena);
  if (!text) return Val::null();
  char* out = arena.allocate(text->size());
  for (std::size_t i = 0; i < text->size(); ++i) {
    const char c = (*text)[i];
    if (upper && c >= 'a' && c <= 'z') {
      out[i] = static_cast<char>(c - 'a' + 'A');
    } else if (!upper && c >= 'A' && c <= 'Z') {
      out[i] = static_cast<char>(c - 'A' + 'a');
    } else {
      out[i] = c;
    }
  }
  return Val::of_string({out, text->size()});
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

// replace(s, re, with): every match of `re` replaced; `with` may use \0..\9 (RE2 rewrite).
// A pattern computed per record is compiled per record; an invalid one gives null.
Val replace(std::span<const Val> args, const Node& call, Arena& arena) {
  const auto text = to_text(args[0], arena);
  const auto pattern = to_text(args[1], arena);
  const auto with = to_text(args[2], arena);
  if (!text || !pattern || !with) return Val::null();
  std::unique_ptr<RE2> computed;
  const RE2* regex = call.regex.get();
  if (regex == nullptr) {
    computed =
        std::make_unique<RE2>(re2::StringPiece(pattern->data(), pattern->size()), regex_options());
    if (!computed->ok()) return Val::null();
    regex = computed.get();
  }
  if (!RE2::PartialMatch(re2::StringPiece(text->data(), text->size()), *regex)) {
    return Val::of_string(*text, args[0].from_field);  // nothing to replace: no copy
  }
  thread_local std::string buffer;  // reused: only the result is copied, into the arena
  buffer.assign(text->data(), text->size());
  RE2::GlobalReplace(&buffer, *regex, re2::StringPiece(with->data(), with->size()));
  return Val::of_string(arena.store(buffer));
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

// Reads `text` by `format` into `tm` with strptime(3), plus %f: fractional seconds (digits
// after the seconds, e.g. .740 in 08:16:08.740Z — write it as %S.%f). Returns the fraction, or
// nothing when the text does not match the whole format.
std::optional<double> parse_time(const char* text, std::string_view format, std::tm& tm) {
  thread_local std::string head;
  thread_local std::string tail;
  const std::size_t f = format.find("%f");
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

// strftime(n, fmt): epoch seconds formatted in UTC.
Val format_time_function(std::span<const Val> args, const Node&, Arena& arena) {
  const auto seconds = to_number(args[0]);
  const auto format = to_text(args[1], arena);
  // Beyond ±1e17 s (three billion years) the conversion to time_t would overflow (found by
  // fuzzing: strftime(strftime($3, "%fZ"), "%F") made a 9e18).
  constexpr double kLimit = 1e17;
  if (!seconds || !format || !std::isfinite(*seconds) || std::fabs(*seconds) > kLimit) {
    return Val::null();
  }
  const auto whole = static_cast<std::time_t>(std::floor(*seconds));
  std::tm tm{};
  if (gmtime_r(&whole, &tm) == nullptr) return Val::null();
  thread_local std::string fmt;
  char buffer[512];
  const std::size_t n = std::strftime(buffer, sizeof buffer, c_string(fmt, *format), &tm);
  if (n == 0 && !format->empty()) return Val::null();
  return Val::of_string(arena.store({buffer, n}));
}

constexpr Function kFunctions[] = {
    {"lower", 1, 1, lower, "lower(s): s in lower case (ASCII letters)"},
    {"upper", 1, 1, upper, "upper(s): s in upper case (ASCII letters)"},
    {"trim", 1, 1, trim, "trim(s): s without leading and trailing white space"},
    {"len", 1, 1, len, "len(x): characters of a string, elements of an array, keys of an object"},
    {"int", 1, 1, to_int, "int(x): x as a number, truncated toward zero"},
    {"float", 1, 1, to_float, "float(x): x as a number"},
    {"str", 1, 1, to_str, "str(x): x as a string"},
    {"contains", 2, 2, contains, "contains(s, sub)"},
    {"startswith", 2, 2, startswith, "startswith(s, prefix)"},
    {"endswith", 2, 2, endswith, "endswith(s, suffix)"},
    {"replace", 3, 3, replace, "replace(s, re, with)"},
    {"substr", 2, 3, substr, "substr(s, start[, length])"},
    {"coalesce", 1, kVariadic, nullptr, "coalesce(a, b, …): the first that is not null"},
    {"now", 0, 0, now, "now(): epoch seconds when the run started"},
    {"strptime", 2, 2, parse_time_function, "strptime(s, fmt): epoch seconds"},
    {"strftime", 2, 2, format_time_function, "strftime(n, fmt): UTC time as text"},
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
