// --progress: one line on stderr, redrawn at most ten times a second, of the bytes read of the
// known total (compressed bytes of compressed input, so that the percentage is true), the
// records written, the rate and the time left. Cleared at the end, and before every message:
// gpipe's logger clears it first (progress_log_sink), so a warning never lands inside it.
#pragma once

#include <spdlog/sinks/sink.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace gpipe {

class ProgressLine {
 public:
  // `total`: the inputs' bytes when all are known; `written`: the records out so far.
  ProgressLine(std::optional<std::uint64_t> total,
               std::shared_ptr<const std::atomic<std::uint64_t>> written);
  ~ProgressLine();  // stops, and clears the line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Clears the line if it is drawn (a message is about to be written); the next tick redraws.
  void clear();

 private:
  void run();
  void draw(double elapsed_seconds);

  std::optional<std::uint64_t> total_;
  std::shared_ptr<const std::atomic<std::uint64_t>> written_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool drawn_ = false;
  std::thread thread_;
};

// The line as drawn, without the escape that clears to its end: "12% 1.2 GiB of 9.8 GiB …".
// Apart so that tests can check it.
std::string progress_text(std::uint64_t read, std::optional<std::uint64_t> total,
                          std::uint64_t records, double elapsed_seconds);

// The sink gpipe's logger writes through: stderr, in colour on a terminal, clearing the
// progress line (if any) before each message.
std::shared_ptr<spdlog::sinks::sink> progress_log_sink();

}  // namespace gpipe
