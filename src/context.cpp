#include "gpipe/context.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "gpipe/errors.hpp"

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

}  // namespace

void FieldDemand::need(std::string_view name) {
  for (const std::string& known : names) {
    if (known == name) return;
  }
  names.emplace_back(name);
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

namespace {
thread_local std::vector<HeldBadRecord>* t_held = nullptr;
}  // namespace

void ErrorPolicy::hold_on_this_thread(std::vector<HeldBadRecord>* held) {
  t_held = held;
}

void ErrorPolicy::report(const BadRecord& bad) {
  if (t_held != nullptr) {
    std::optional<Origin> origin;
    if (bad.origin != nullptr) origin = *bad.origin;
    t_held->push_back(HeldBadRecord{std::move(origin), bad.line, bad.column,
                                    std::string(bad.reason), std::string(bad.raw)});
    if (mode_ == Mode::Fail) throw HeldBadRecordStop{};
    return;
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
    // One line per bad record: location and reason, a tab, then the raw text with newlines
    // escaped so that each bad record stays one line.
    std::string line = describe(bad);
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
