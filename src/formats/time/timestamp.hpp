// Timestamps as logs write them, read into milliseconds since 1970-01-01T00:00:00Z, without
// allocating, for `bucket` (and any later stage that needs the time of a record).
//
// The formats, each also inside a line of text (find_timestamp):
//   ISO 8601 / RFC 3339   2026-11-21T10:00:00Z, 2026-11-21 10:00:00.123+05:30, 2026-11-21T10:00,
//                         2015-10-18 18:01:47,978 (a comma before the fraction), 2026/11/21
//                         10:00:00 (nginx), 2026-11-21 (a date alone: its midnight)
//   epoch numbers         1795255200 (10 digits: seconds, a fraction allowed), 1795255200000
//                         (13 digits: milliseconds), but not 2147483647 or 4294967295 (sentinels,
//                         sizes); read_epoch_number takes any number, by its size
//   Apache / CLF          [21/Nov/2026:10:00:00 +0000] (the brackets optional)
//   syslog (RFC 3164)     Nov 21 10:00:00, Jul  1 09:00:55 (no year: see YearlessRule)
//   ctime, Twitter        Sun Dec 04 04:47:44 2005, Sat Nov 21 00:00:00 +0000 2026
//   RFC 2822 / HTTP       Sat, 21 Nov 2026 10:00:00 GMT, 21 Nov 2026 10:00:00 +0100
// A fraction of a second may have any number of digits; the time is rounded down to the
// millisecond. A time without an offset is UTC: the local zone of the machine is never read, so
// the same input gives the same times everywhere. Month and weekday names are English, written
// as logs write them (Nov, not NOV). Fields are checked: a 30 February is not a date.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gpipe {

// Milliseconds since 1970-01-01T00:00:00Z; negative before it.
using EpochMillis = std::int64_t;

inline constexpr EpochMillis kMillisPerSecond = 1000;
inline constexpr EpochMillis kMillisPerDay = 86'400'000;

// The year of a timestamp written without one (syslog's `Nov 21 10:00:00`): `year`, unless the
// time would then be later than `latest`, when it is the year before (a December line read in
// January). From `now`: the current year, and a month of slack ahead of now.
struct YearlessRule {
  std::int64_t year = 1970;
  EpochMillis latest = INT64_MAX;

  static YearlessRule fixed(std::int64_t year) { return {year, INT64_MAX}; }
  static YearlessRule around(EpochMillis now);
};

// Whether `text` is one timestamp, whole: blanks around it and brackets ([…], or either one
// alone) are allowed. An epoch number counts only as find_timestamp finds one (10 or 13 digits).
bool parse_timestamp(std::string_view text, const YearlessRule& yearless, EpochMillis& out);

// The first timestamp in a line of text, starting at a word boundary and ending at one (not
// followed by a letter, a digit or '_'). False when there is none.
bool find_timestamp(std::string_view line, const YearlessRule& yearless, EpochMillis& out);

// A number (blanks around allowed) as epoch time, its unit told by its size as it is usual to:
// below 1e11 seconds (up to the year 5138), below 1e14 milliseconds, below 1e17 microseconds,
// else nanoseconds. For a field the user named as the time.
bool read_epoch_number(std::string_view text, EpochMillis& out);

// Days since 1970-01-01 of a date of the proleptic Gregorian calendar, and back.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);
void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day);

// ISO 8601 in UTC: "2026-11-21T10:00:00Z", or "2026-11-21T10:00:00.250Z" with `with_millis`.
// Writes into `out` and returns the length. Years before 0 or after 9999 get a sign.
inline constexpr std::size_t kUtcTextMax = 48;
std::size_t format_utc(EpochMillis time, bool with_millis, char (&out)[kUtcTextMax]);

// A duration: a number and a unit, or several (1h30m): ms, s, m, h, d, w; a decimal number is
// allowed where the result is a whole millisecond (1.5h). False, with a reason, when the text is
// not one or is not more than zero.
bool parse_duration(std::string_view text, std::int64_t& millis, std::string& reason);

}  // namespace gpipe
