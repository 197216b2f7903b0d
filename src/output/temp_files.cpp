#include "output/temp_files.hpp"

#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>

namespace gpipe {

namespace {

constexpr std::size_t kMaxTempFiles = 16;

// Fixed storage: the handler may only touch memory that needs no allocation and no lock.
struct Slot {
  std::atomic<bool> used{false};
  char path[PATH_MAX] = {};
};
std::array<Slot, kMaxTempFiles> slots;

extern "C" void remove_temp_files_and_die(int signal_number) {
  for (Slot& slot : slots) {
    if (slot.used.load()) ::unlink(slot.path);  // unlink is async-signal-safe
  }
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

}  // namespace

void install_temp_file_cleanup() {
  struct sigaction action {};
  action.sa_handler = remove_temp_files_and_die;
  sigemptyset(&action.sa_mask);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signal_number, &action, nullptr);
}

void register_temp_file(const std::string& path) {
  if (path.size() >= PATH_MAX) return;
  for (Slot& slot : slots) {
    if (slot.used.load()) continue;
    std::memcpy(slot.path, path.c_str(), path.size() + 1);
    slot.used.store(true);
    return;
  }
}

void unregister_temp_file(const std::string& path) {
  for (Slot& slot : slots) {
    if (slot.used.load() && path == slot.path) {
      slot.used.store(false);
      return;
    }
  }
}

}  // namespace gpipe
