#include "cli/progress.hpp"

#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "exec/plan_description.hpp"
#include "io/input_meter.hpp"

namespace gpipe {

namespace {

std::atomic<ProgressLine*> g_active{nullptr};  // the line drawn now, for the log sink

constexpr auto kTick = std::chrono::milliseconds(100);  // at most ten redraws a second
// A run that ends quicker than this never draws: no flash of a line on short runs.
constexpr double kFirstDrawSeconds = 0.5;

std::string duration_text(double seconds) {
  const auto total = static_cast<std::uint64_t>(seconds + 0.5);
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%llu:%02llu:%02llu",
                  static_cast<unsigned long long>(total / 3600),
                  static_cast<unsigned long long>(total / 60 % 60),
                  static_cast<unsigned long long>(total % 60));
  } else {
    std::snprintf(text, sizeof text, "%llu:%02llu", static_cast<unsigned long long>(total / 60),
                  static_cast<unsigned long long>(total % 60));
  }
  return text;
}

void write_stderr(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) return;  // a progress line is not worth an error
    done += static_cast<std::size_t>(n);
  }
}

// Clears the progress line before each message it passes on.
class ProgressAwareSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  ProgressAwareSink() : inner_(std::make_shared<spdlog::sinks::stderr_color_sink_st>()) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    if (ProgressLine* line = g_active.load()) line->clear();
    inner_->log(message);
  }
  void flush_() override { inner_->flush(); }
  void set_pattern_(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<spdlog::sinks::stderr_color_sink_st> inner_;
};

}  // namespace

std::string progress_text(std::uint64_t read, std::optional<std::uint64_t> total,
                          std::uint64_t records, double elapsed_seconds) {
  const double rate = elapsed_seconds > 0 ? static_cast<double>(read) / elapsed_seconds : 0;
  std::string out = "gpipe: ";
  if (total && *total > 0) {
    const double fraction = std::min(1.0, static_cast<double>(read) / static_cast<double>(*total));
    char percent[16];
    std::snprintf(percent, sizeof percent, "%3.0f%%", fraction * 100);
    out += std::string(percent) + " " + readable_bytes(read) + " of " + readable_bytes(*total);
  } else {
    out += readable_bytes(read) + " read";
  }
  out += ", " + std::to_string(records) + " records out, " +
         readable_bytes(static_cast<std::uint64_t>(rate)) + "/s";
  if (total && rate > 0 && read < *total) {
    out += ", ETA " + duration_text(static_cast<double>(*total - read) / rate);
  }
  return out;
}

ProgressLine::ProgressLine(std::optional<std::uint64_t> total,
                           std::shared_ptr<const std::atomic<std::uint64_t>> written)
    : total_(total), written_(std::move(written)) {
  g_active = this;
  thread_ = std::thread([this] { run(); });
}

ProgressLine::~ProgressLine() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  g_active = nullptr;
  clear();
}

void ProgressLine::clear() {
  const std::lock_guard lock(mutex_);
  if (!drawn_) return;
  write_stderr("\r\033[K");
  drawn_ = false;
}

void ProgressLine::run() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, kTick, [this] { return stopping_; })) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed >= kFirstDrawSeconds) draw(elapsed);
  }
}

void ProgressLine::draw(double elapsed_seconds) {
  const std::string text =
      progress_text(InputMeters::total_read(), total_, written_->load(std::memory_order_relaxed),
                    elapsed_seconds);
  write_stderr("\r" + text + "\033[K");
  drawn_ = true;
}

std::shared_ptr<spdlog::sinks::sink> progress_log_sink() {
  return std::make_shared<ProgressAwareSink>();
}

}  // namespace gpipe
