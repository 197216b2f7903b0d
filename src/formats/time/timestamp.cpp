#include "formats/time/timestamp.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace gpipe {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
// A byte that continues a word: a timestamp must neither start nor end inside one.
bool is_word_char(char c) {
  return is_digit(c) || is_upper(c) || is_lower(c) || c == '_';
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t quotient = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient;
}

bool is_leap(std::int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

unsigned days_in_month(std::int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// A date and time as written, before its offset is applied.
struct Civil {
  std::int64_t year = 1970;
  unsigned month = 1;
  unsigned day = 1;
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
  unsigned millis = 0;
  int offset_minutes = 0;  // east of UTC
  bool has_year = true;
};

// Reads forward over [p, end); every read either consumes what it matched or leaves p alone.
struct Cursor {
  const char* p;
  const char* end;

  char peek(std::size_t ahead = 0) const {
    return static_cast<std::size_t>(end - p) > ahead ? p[ahead] : '\0';
  }
  bool accept(char c) {
    if (peek() != c) return false;
    ++p;
    return true;
  }
  // Exactly `count` digits.
  bool digits(unsigned count, unsigned& out) {
    unsigned value = 0;
    for (unsigned i = 0; i < count; ++i) {
      const char c = peek(i);
      if (!is_digit(c)) return false;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    p += count;
    out = value;
    return true;
  }
  // One or two digits (a day written "1" or "01").
  bool one_or_two_digits(unsigned& out) { return digits(2, out) || digits(1, out); }
  // A fraction of a second after '.' or ',': any number of digits, kept to the millisecond.
  void fraction(unsigned& millis) {
    if ((peek() != '.' && peek() != ',') || !is_digit(peek(1))) return;
    ++p;
    unsigned value = 0;
    unsigned kept = 0;
    while (is_digit(peek())) {
      if (kept < 3) {
        value = value * 10 + static_cast<unsigned>(*p - '0');
        ++kept;
      }
      ++p;
    }
    for (; kept < 3; ++kept) value *= 10;
    millis = value;
  }
  // The three letters of an English month name, "Jan" to "Dec".
  bool month_name(unsigned& month) {
    static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return name_in(kMonths, month);
  }
  bool weekday_name() {
    static constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    unsigned ignored = 0;
    return name_in(kDays, ignored);
  }
  template <std::size_t N>
  bool name_in(const std::string_view (&names)[N], unsigned& index) {
    if (end - p < 3 || is_lower(peek(3)) || is_upper(peek(3))) return false;
    const std::string_view word(p, 3);
    for (std::size_t i = 0; i < N; ++i) {
      if (word == names[i]) {
        index = static_cast<unsigned>(i + 1);
        p += 3;
        return true;
      }
    }
    return false;
  }
  // HH:MM, then :SS and a fraction (required when `need_seconds`).
  bool time_of_day(Civil& c, bool need_seconds) {
    const Cursor start = *this;
    if (!digits(2, c.hour) || !accept(':') || !digits(2, c.minute)) return reset(start);
    if (peek() == ':' && is_digit(peek(1))) {
      ++p;
      if (!digits(2, c.second)) return reset(start);
      fraction(c.millis);
    } else if (need_seconds) {
      return reset(start);
    }
    return true;
  }
  // +HHMM or -HHMM, four digits (Apache, ctime, RFC 2822), or +HH:MM (ISO 8601 after a space).
  bool numeric_offset(Civil& c) {
    const Cursor start = *this;
    const char sign = peek();
    if (sign != '+' && sign != '-') return false;
    ++p;
    unsigned hours = 0;
    unsigned minutes = 0;
    if (!digits(2, hours)) return reset(start);
    accept(':');
    if (!digits(2, minutes)) return reset(start);
    return set_offset(c, sign, hours, minutes) || reset(start);
  }
  // ISO 8601: Z, or +HH:MM, +HHMM, +HH.
  bool iso_offset(Civil& c) {
    if (accept('Z') || accept('z')) return true;
    const Cursor start = *this;
    const char sign = peek();
    if (sign != '+' && sign != '-') return false;
    ++p;
    unsigned hours = 0;
    unsigned minutes = 0;
    if (!digits(2, hours)) return reset(start);
    const bool colon = accept(':');
    if ((colon || is_digit(peek())) && !digits(2, minutes)) return reset(start);
    return set_offset(c, sign, hours, minutes) || reset(start);
  }
  // " UTC", " GMT", " UT" or " Z" after a time: no offset.
  bool zone_name() {
    for (const std::string_view name : {" UTC", " GMT", " UT", " Z"}) {
      if (static_cast<std::size_t>(end - p) >= name.size() &&
          std::string_view(p, name.size()) == name && !is_word_char(peek(name.size()))) {
        p += name.size();
        return true;
      }
    }
    return false;
  }
  static bool set_offset(Civil& c, char sign, unsigned hours, unsigned minutes) {
    if (hours > 23 || minutes > 59) return false;
    const int total = static_cast<int>(hours * 60 + minutes);
    c.offset_minutes = sign == '-' ? -total : total;
    return true;
  }
  bool reset(const Cursor& start) {
    *this = start;
    return false;
  }
};

// 2026-11-21, then T or a space and a time, then an offset; or the same with '/' (nginx).
const char* read_iso(Cursor in, Civil& c) {
  unsigned year = 0;
  if (!in.digits(4, year)) return nullptr;
  const char separator = in.peek();
  if (separator != '-' && separator != '/') return nullptr;
  ++in.p;
  if (!in.digits(2, c.month) || !in.accept(separator) || !in.digits(2, c.day)) return nullptr;
  c.year = year;
  const char between = in.peek();
  if ((between == 'T' || between == 't' || between == ' ') && is_digit(in.peek(1))) {
    Cursor time = in;
    ++time.p;
    if (time.time_of_day(c, false)) {
      in = time;
      if (!in.iso_offset(c)) {
        // A space before a numeric offset or a zone name (`2026-11-21 10:00:00 +0100`).
        Cursor zone = in;
        ++zone.p;
        if (in.peek() == ' ' && zone.numeric_offset(c)) {
          in = zone;
        } else {
          in.zone_name();
        }
      }
    }
  }
  return in.p;
}

// 21/Nov/2026:10:00:00 +0000 (Apache's common log format).
const char* read_clf(Cursor in, Civil& c) {
  unsigned year = 0;
  if (!in.digits(2, c.day) || !in.accept('/') || !in.month_name(c.month) || !in.accept('/') ||
      !in.digits(4, year) || !in.accept(':') || !in.time_of_day(c, true)) {
    return nullptr;
  }
  c.year = year;
  Cursor zone = in;
  if (zone.accept(' ') && zone.numeric_offset(c)) in = zone;
  return in.p;
}

// 21 Nov 2026 10:00:00 +0100 (RFC 2822, after its optional weekday).
const char* read_rfc2822_from_day(Cursor in, Civil& c) {
  unsigned year = 0;
  if (!in.one_or_two_digits(c.day) || !in.accept(' ') || !in.month_name(c.month) ||
      !in.accept(' ') || !in.digits(4, year) || !in.accept(' ') || !in.time_of_day(c, false)) {
    return nullptr;
  }
  c.year = year;
  Cursor zone = in;
  if (zone.accept(' ') && zone.numeric_offset(c)) {
    in = zone;
  } else {
    in.zone_name();
  }
  return in.p;
}

// Nov 21 10:00:00 (syslog), with an optional weekday before (ctime: Sun Dec 04 04:47:44 2005),
// an offset after (Twitter: Sat Nov 21 00:00:00 +0000 2026) and a year after that; or, after
// "Sat, ", RFC 2822.
const char* read_named(Cursor in, Civil& c) {
  Cursor weekday = in;
  if (weekday.weekday_name()) {
    if (weekday.accept(',')) {
      weekday.accept(' ');
      return read_rfc2822_from_day(weekday, c);
    }
    if (!weekday.accept(' ')) return nullptr;
    in = weekday;
  }
  if (!in.month_name(c.month) || !in.accept(' ')) return nullptr;
  in.accept(' ');  // a day below 10 padded with a space: "Jul  1"
  if (!in.one_or_two_digits(c.day) || !in.accept(' ') || !in.time_of_day(c, true)) return nullptr;
  Cursor zone = in;
  if (zone.accept(' ') && zone.numeric_offset(c)) in = zone;
  c.has_year = false;
  Cursor year_at = in;
  unsigned year = 0;
  if (year_at.accept(' ') && year_at.digits(4, year) && !is_word_char(year_at.peek())) {
    c.year = year;
    c.has_year = true;
    in = year_at;
  }
  return in.p;
}

bool valid(const Civil& c) {
  return c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= days_in_month(c.year, c.month) &&
         c.hour <= 23 && c.minute <= 59 && c.second <= 60;  // 60: a leap second
}

EpochMillis to_millis(const Civil& c) {
  const std::int64_t seconds_of_day = (static_cast<std::int64_t>(c.hour) * 60 + c.minute) * 60 +
                                      c.second - static_cast<std::int64_t>(c.offset_minutes) * 60;
  return days_from_civil(c.year, c.month, c.day) * kMillisPerDay +
         seconds_of_day * kMillisPerSecond + c.millis;
}

// The time of a civil date read without its year, by the yearless rule.
bool finish(Civil& c, const YearlessRule& yearless, EpochMillis& out) {
  if (!c.has_year) {
    c.year = yearless.year;
    // A 29 February is checked against the year before too: it may be the one meant.
    if (!valid(c) || to_millis(c) > yearless.latest) --c.year;
  }
  if (!valid(c)) return false;
  out = to_millis(c);
  return true;
}

// 10 digits (seconds, a fraction allowed) or 13 (milliseconds).
const char* read_epoch_digits(Cursor in, EpochMillis& out) {
  const char* const start = in.p;
  std::int64_t value = 0;
  while (is_digit(in.peek())) {
    if (in.p - start > 13) return nullptr;
    value = value * 10 + (*in.p - '0');
    ++in.p;
  }
  const auto count = in.p - start;
  // The limits of 32-bit integers, which logs print as sizes and sentinels, are not times.
  if (value == INT32_MAX || value == UINT32_MAX) return nullptr;
  if (count == 13) {
    out = value;
    return in.p;
  }
  if (count != 10) return nullptr;
  unsigned millis = 0;
  in.fraction(millis);
  out = value * kMillisPerSecond + millis;
  return in.p;
}

// The timestamp that starts at in.p, in any format, and where it ends; null when none does.
const char* read_at(Cursor in, const YearlessRule& yearless, EpochMillis& out) {
  const char first = in.peek();
  if (is_digit(first)) {
    for (const auto reader : {read_iso, read_clf, read_rfc2822_from_day}) {
      Civil c;
      if (const char* end = reader(in, c); end != nullptr && finish(c, yearless, out)) return end;
    }
    return read_epoch_digits(in, out);
  }
  if (is_upper(first)) {
    Civil c;
    if (const char* end = read_named(in, c); end != nullptr && finish(c, yearless, out)) {
      return end;
    }
  }
  return nullptr;
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

// Beyond this many milliseconds from 1970 (about 275,000 years, as JavaScript's Date) a number
// is not taken as a time.
constexpr EpochMillis kLimit = 8'640'000'000'000'000;

}  // namespace

YearlessRule YearlessRule::around(EpochMillis now) {
  std::int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  civil_from_days(floor_div(now, kMillisPerDay), year, month, day);
  return {year, now + 31 * kMillisPerDay};
}

bool parse_timestamp(std::string_view text, const YearlessRule& yearless, EpochMillis& out) {
  text = trim_blanks(text);
  // Brackets as Apache writes them, also one alone (an awk field of an access log holds
  // "[21/Nov/2026:10:00:00", the next one "+0000]").
  if (!text.empty() && text.front() == '[') text = trim_blanks(text.substr(1));
  if (!text.empty() && text.back() == ']') text = trim_blanks(text.substr(0, text.size() - 1));
  if (text.empty()) return false;
  const Cursor in{text.data(), text.data() + text.size()};
  return read_at(in, yearless, out) == in.end;
}

bool find_timestamp(std::string_view line, const YearlessRule& yearless, EpochMillis& out) {
  const char* const begin = line.data();
  const char* const end = begin + line.size();
  for (const char* p = begin; p != end; ++p) {
    if (!is_digit(*p) && !is_upper(*p)) continue;
    if (p != begin && is_word_char(p[-1])) continue;
    const char* const found = read_at(Cursor{p, end}, yearless, out);
    if (found != nullptr && (found == end || !is_word_char(*found))) return true;
  }
  return false;
}

bool read_epoch_number(std::string_view text, EpochMillis& out) {
  text = trim_blanks(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  const char* const last = text.data() + text.size();
  std::int64_t integer = 0;
  if (const auto [ptr, ec] = std::from_chars(text.data(), last, integer);
      ec == std::errc() && ptr == last) {
    const std::int64_t size = integer < 0 ? -(integer + 1) : integer;  // no overflow at INT64_MIN
    if (size < 100'000'000'000) {
      out = integer * kMillisPerSecond;
    } else if (size < 100'000'000'000'000) {
      out = integer;
    } else if (size < 100'000'000'000'000'000) {
      out = floor_div(integer, 1'000);
    } else {
      out = floor_div(integer, 1'000'000);
    }
    return true;
  }
  double number = 0;
  if (const auto [ptr, ec] = std::from_chars(text.data(), last, number);
      ec != std::errc() || ptr != last || !std::isfinite(number)) {
    return false;
  }
  const double size = std::fabs(number);
  const double millis = size < 1e11   ? number * 1e3
                        : size < 1e14 ? number
                        : size < 1e17 ? number / 1e3
                                      : number / 1e6;
  if (!(std::fabs(millis) <= static_cast<double>(kLimit))) return false;
  out = static_cast<EpochMillis>(std::floor(millis));
  return true;
}

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  // Howard Hinnant's days_from_civil: years counted from March, in eras of 400 years.
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = floor_div(year, 400);
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const std::int64_t era = floor_div(days, 146097);
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned month_from_march = (5 * day_of_year + 2) / 153;
  day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
  month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
  year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
}

std::size_t format_utc(EpochMillis time, bool with_millis, char (&out)[kUtcTextMax]) {
  const std::int64_t days = floor_div(time, kMillisPerDay);
  const std::int64_t of_day = time - days * kMillisPerDay;
  std::int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  civil_from_days(days, year, month, day);
  char* p = out;
  const auto put = [&p](std::int64_t value, int width) {
    char digits[24];
    int count = 0;
    do {
      digits[count++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    for (int i = count; i < width; ++i) *p++ = '0';
    while (count > 0) *p++ = digits[--count];
  };
  if (year < 0 || year > 9999) *p++ = year < 0 ? '-' : '+';
  put(year < 0 ? -year : year, 4);
  *p++ = '-';
  put(month, 2);
  *p++ = '-';
  put(day, 2);
  *p++ = 'T';
  put(of_day / 3'600'000, 2);
  *p++ = ':';
  put(of_day / 60'000 % 60, 2);
  *p++ = ':';
  put(of_day / 1'000 % 60, 2);
  if (with_millis) {
    *p++ = '.';
    put(of_day % 1'000, 3);
  }
  *p++ = 'Z';
  return static_cast<std::size_t>(p - out);
}

bool parse_duration(std::string_view text, std::int64_t& millis, std::string& reason) {
  const std::string example = "expected a duration such as 30s, 5m, 1h, 1d or 1h30m";
  if (text.empty()) {
    reason = example;
    return false;
  }
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    // A number: digits, optionally a fraction, kept as mantissa / 10^scale_digits.
    std::int64_t mantissa = 0;
    std::int64_t scale = 1;
    std::size_t digit_count = 0;
    bool in_fraction = false;
    for (; i < text.size() && (is_digit(text[i]) || (text[i] == '.' && !in_fraction)); ++i) {
      if (text[i] == '.') {
        in_fraction = true;
        continue;
      }
      if (++digit_count > 15) {
        reason = "the duration '" + std::string(text) + "' is too long";
        return false;
      }
      mantissa = mantissa * 10 + (text[i] - '0');
      if (in_fraction) scale *= 10;
    }
    if (digit_count == 0) {
      reason = example + ", got '" + std::string(text) + "'";
      return false;
    }
    std::size_t unit_end = i;
    while (unit_end < text.size() && !is_digit(text[unit_end]) && text[unit_end] != '.') {
      ++unit_end;
    }
    const std::string_view unit = text.substr(i, unit_end - i);
    i = unit_end;
    std::int64_t unit_millis = 0;
    if (unit == "ms") {
      unit_millis = 1;
    } else if (unit == "s") {
      unit_millis = kMillisPerSecond;
    } else if (unit == "m") {
      unit_millis = 60 * kMillisPerSecond;
    } else if (unit == "h") {
      unit_millis = 3600 * kMillisPerSecond;
    } else if (unit == "d") {
      unit_millis = kMillisPerDay;
    } else if (unit == "w") {
      unit_millis = 7 * kMillisPerDay;
    } else if (unit == "mo" || unit == "M" || unit == "y" || unit == "month" || unit == "year") {
      reason = "months and years have no fixed length: give days (30d) or weeks (4w)";
      return false;
    } else {
      reason = unit.empty()
                   ? "the number in '" + std::string(text) + "' needs a unit: ms, s, m, h, d or w"
                   : "unknown unit '" + std::string(unit) + "' in '" + std::string(text) +
                         "': use ms, s, m, h, d or w";
      return false;
    }
    // mantissa * unit / scale must be a whole number of milliseconds, and not overflow.
    __extension__ using I128 = __int128;
    const I128 scaled = static_cast<I128>(mantissa) * unit_millis;
    if (scaled % scale != 0) {
      reason = "the duration '" + std::string(text) + "' is not a whole number of milliseconds";
      return false;
    }
    const I128 part = scaled / scale;
    if (part > INT64_MAX / 2 || total + part > INT64_MAX / 2) {
      reason = "the duration '" + std::string(text) + "' is too long";
      return false;
    }
    total += static_cast<std::int64_t>(part);
  }
  if (total <= 0) {
    reason = "a duration must be more than zero, got '" + std::string(text) + "'";
    return false;
  }
  millis = total;
  return true;
}

}  // namespace gpipe
