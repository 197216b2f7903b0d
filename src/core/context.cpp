#include "gpipe/context.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <functional>
#include <utility>

#include "gpipe/errors.hpp"
#include "gpipe/field_ref.hpp"

namespace gpipe {

namespace {

// Raw record text in a message: at most this many bytes, control bytes shown as \xNN, so a
// binary or huge record never floods the terminal.
constexpr std::size_t kShownRawBytes = 80;

std::string printable(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size() && i < kShownRawBytes; ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (raw.size() > kShownRawBytes) out += "...";
  return out;
}

// What a dead-letter entry adds to its reason when it holds only the record's first bytes:
// " [cut: the first 1024 bytes follow]", with " of N" when the whole length is known.
std::string cut_note(const BadRecord& bad) {
  std::string note = " [cut: the first " + std::to_string(bad.raw.size());
  if (bad.raw_length != 0) note += " of " + std::to_string(bad.raw_length);
  return note + " bytes follow]";
}

}  // namespace

void FieldDemand::need(std::string_view name) {
  for (const std::string& known : names) {
    if (known == name) return;
  }
  names.emplace_back(name);
}

void FieldDemand::need(const FieldRef& ref) {
  if (ref.kind() == FieldRef::Kind::Name) need(ref.name());
  if (ref.kind() == FieldRef::Kind::Position || ref.kind() == FieldRef::Kind::PositionFromEnd) {
    need_all();
  }
}

std::string describe(const BadRecord& bad) {
  std::string out = bad.origin ? bad.origin->name : std::string("<input>");
  out += ':' + std::to_string(bad.line);
  if (bad.column != 0) out += ':' + std::to_string(bad.column);
  out += ": ";
  out += bad.reason;
  return out;
}

ErrorPolicy::ErrorPolicy(Mode mode, std::string dead_letter_path)
    : mode_(mode), dead_letter_path_(std::move(dead_letter_path)) {}

ErrorPolicy::~ErrorPolicy() {
  if (dead_letter_ != nullptr) std::fclose(dead_letter_);
}

void HeldBadRecords::hold(const BadRecord& bad, std::string_view raw) {
  Entry entry;
  entry.line = bad.line;
  entry.column = static_cast<std::uint32_t>(std::min<std::uint64_t>(bad.column, UINT32_MAX));
  if (bad.raw_cut || raw.size() > kStable - 1) {
    cuts_.push_back(Cut{entries_.size(), bad.raw_cut ? bad.raw_length : raw.size()});
  }
  raw = raw.substr(0, std::min<std::size_t>(raw.size(), kStable - 1));
  entry.raw_size = static_cast<std::uint32_t>(raw.size());
  const std::less_equal<const char*> not_after;  // (a total order, unlike <= on pointers)
  if (!raw.empty() && not_after(stable_.data(), raw.data()) &&
      not_after(raw.data() + raw.size(), stable_.data() + stable_.size())) {
    entry.raw_begin = static_cast<std::uint64_t>(raw.data() - stable_.data());
    entry.raw_size |= kStable;
  } else {
    entry.raw_begin = raw_.size();
    raw_.append(raw);
  }
  const std::string_view reason =
      bad.reason.substr(0, std::min<std::size_t>(bad.reason.size(), UINT16_MAX));
  entry.reason_size = static_cast<std::uint16_t>(reason.size());
  const std::string_view reasons(reasons_);
  if (!entries_.empty() &&
      reasons.substr(entries_.back().reason_begin, entries_.back().reason_size) == reason) {
    entry.reason_begin = entries_.back().reason_begin;
  } else {
    entry.reason_begin = static_cast<std::uint32_t>(reasons_.size());
    reasons_.append(reason);
  }
  entry.origin = origin_index(bad.origin);
  entries_.push_back(entry);
}

std::uint16_t HeldBadRecords::origin_index(const Origin* origin) {
  if (origin == nullptr) return 0;
  for (std::size_t i = 0; i < origins_.size(); ++i) {
    if (origins_[i].from == origin) return static_cast<std::uint16_t>(i + 1);
  }
  if (origins_.size() == UINT16_MAX) return 0;  // (a chunk is of one file: never)
  origins_.push_back(CopiedOrigin{origin, *origin});
  return static_cast<std::uint16_t>(origins_.size());
}

namespace {
thread_local HeldBadRecords* t_held = nullptr;
thread_local BadRecordTally* t_tally = nullptr;
thread_local bool t_reporting_held = false;  // counted where they were found
}  // namespace

void HeldBadRecords::report_to(ErrorPolicy& errors, std::uint64_t line_shift) const {
  Mark from;
  report_to(errors, line_shift, from, mark());
}

void HeldBadRecords::report_to(ErrorPolicy& errors, std::uint64_t line_shift, Mark& from,
                               Mark to) const {
  // Moved first: a report that throws (--on-error=fail) is not made again.
  const Mark begin = std::exchange(from, to);
  struct ReportingHeld {
    ReportingHeld() { t_reporting_held = true; }
    ~ReportingHeld() { t_reporting_held = false; }
  } const reporting_held;
  auto cut = std::lower_bound(cuts_.begin(), cuts_.end(), begin.entries,
                              [](const Cut& c, std::size_t entry) { return c.entry < entry; });
  for (std::size_t i = begin.entries; i < to.entries; ++i) {
    const Entry& entry = entries_[i];
    const std::string_view reason =
        std::string_view(reasons_).substr(entry.reason_begin, entry.reason_size);
    const std::size_t raw_size = entry.raw_size & ~kStable;
    const std::string_view raw = (entry.raw_size & kStable) != 0
                                     ? stable_.substr(entry.raw_begin, raw_size)
                                     : std::string_view(raw_).substr(entry.raw_begin, raw_size);
    const Origin* origin = entry.origin == 0 ? nullptr : &origins_[entry.origin - 1].copy;
    BadRecord bad{origin, entry.line + line_shift, entry.column, reason, raw};
    if (cut != cuts_.end() && cut->entry == i) {
      bad.raw_cut = true;
      bad.raw_length = cut->length;
      ++cut;
    }
    errors.report(bad);
  }
  if (to.counted > begin.counted) errors.count_more(to.counted - begin.counted);
}

BadRecordTally* ErrorPolicy::tally_on_this_thread(BadRecordTally* tally) {
  return std::exchange(t_tally, tally);
}

void ErrorPolicy::hold_on_this_thread(HeldBadRecords* held) {
  t_held = held;
}

void ErrorPolicy::report(const BadRecord& bad) {
  if (t_tally != nullptr && !t_reporting_held) t_tally->count_bad(bad.reason);
  if (t_held != nullptr) {
    switch (mode_) {
      case Mode::Fail:  // the message shows the raw text's first bytes ("..." if there is more)
        t_held->hold(bad, bad.raw.substr(0, std::min(bad.raw.size(), kShownRawBytes + 1)));
        throw HeldBadRecordStop{};
      case Mode::Skip:  // kept: the first few messages, which need no raw text; then a count
        if (t_held->held() < kKeptMessages) {
          t_held->hold(bad, {});
        } else {
          t_held->count_one();
        }
        return;
      case Mode::DeadLetter:
        t_held->hold(bad, bad.raw);
        return;
    }
  }
  const std::lock_guard lock(mutex_);
  ++count_;
  if (mode_ == Mode::Fail) {
    std::string message = describe(bad);
    if (!bad.raw.empty()) message += "\n  record: " + printable(bad.raw);
    throw BadRecordError(message);
  }
  if (first_messages_.size() < kKeptMessages) first_messages_.push_back(describe(bad));
  if (mode_ == Mode::DeadLetter) {
    if (dead_letter_ == nullptr) {
      dead_letter_ = std::fopen(dead_letter_path_.c_str(), "ab");
      if (dead_letter_ == nullptr) {
        throw IoError(errno_message("cannot open dead-letter file", dead_letter_path_, errno));
      }
    }
    // One line per bad record: location and reason (and how much of the record follows, when
    // not all of it), a tab, then the raw text with newlines escaped so that each bad record
    // stays one line.
    std::string line = describe(bad);
    if (bad.raw_cut) line += cut_note(bad);
    line += '\t';
    for (char c : bad.raw) {
      if (c == '\n') {
        line += "\\n";
      } else if (c == '\\') {
        line += "\\\\";
      } else {
        line += c;
      }
    }
    line += '\n';
    if (std::fwrite(line.data(), 1, line.size(), dead_letter_) != line.size()) {
      throw IoError(errno_message("cannot write dead-letter file", dead_letter_path_, errno));
    }
  }
}

void ErrorPolicy::flush() {
  if (dead_letter_ != nullptr && std::fflush(dead_letter_) != 0) {
    throw IoError(errno_message("cannot write dead-letter file", dead_letter_path_, errno));
  }
}

namespace {

// A percentage for a message: "1.2", "33.3", "100", "0.5" (three significant digits).
std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", fraction * 100);
  return text;
}

}  // namespace

std::string ErrorPolicy::rate_exceeded(std::uint64_t records_out) const {
  if (!max_rate_ || count_ == 0) return "";
  const std::uint64_t total = count_ + std::max(good_, records_out);
  const double rate = static_cast<double>(count_) / static_cast<double>(total);
  if (rate <= *max_rate_) return "";
  return std::to_string(count_) + " of " + std::to_string(total) + " records were bad (" +
         percent(rate) + "%), more than --max-error-rate " + percent(*max_rate_) + "%";
}

bool parse_rate(std::string_view text, double& out) {
  double scale = 1;
  if (text.ends_with('%')) {
    text.remove_suffix(1);
    scale = 100;
  }
  double number = 0;
  const char* const last = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), last, number);
  if (ec != std::errc() || ptr != last || text.empty()) return false;
  // from_chars also reads "inf" and "nan": the range test (false for nan) rejects them.
  const double rate = number / scale;
  if (!(rate >= 0 && rate <= 1)) return false;
  out = rate;
  return true;
}

bool parse_size(std::string_view text, std::size_t& out) {
  std::uint64_t number = 0;
  const char* const first = text.data();
  const char* const last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, number);
  if (ec != std::errc() || ptr == first) return false;
  const std::string_view unit(ptr, static_cast<std::size_t>(last - ptr));
  std::uint64_t scale = 1;
  if (unit.empty() || unit == "B") {
    scale = 1;
  } else if (unit == "k" || unit == "K" || unit == "KiB" || unit == "kiB") {
    scale = 1ULL << 10;
  } else if (unit == "M" || unit == "MiB") {
    scale = 1ULL << 20;
  } else if (unit == "G" || unit == "GiB") {
    scale = 1ULL << 30;
  } else if (unit == "KB" || unit == "kB") {
    scale = 1000;
  } else if (unit == "MB") {
    scale = 1000 * 1000;
  } else if (unit == "GB") {
    scale = 1000 * 1000 * 1000;
  } else {
    return false;
  }
  if (number > UINT64_MAX / scale) return false;
  out = static_cast<std::size_t>(number * scale);
  return true;
}

}  // namespace gpipe
