#include "io/input_meter.hpp"

#include <deque>
#include <mutex>

namespace gpipe {

namespace {

struct Registry {
  std::mutex mutex;
  std::deque<InputMeter> meters;  // a deque: the addresses handed out stay put
  std::atomic<bool> enabled{false};
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

void InputMeters::enable() {
  registry().enabled = true;
}

bool InputMeters::enabled() {
  return registry().enabled.load(std::memory_order_relaxed);
}

InputMeter* InputMeters::find_or_add(const std::string& name) {
  Registry& r = registry();
  if (!r.enabled.load(std::memory_order_relaxed)) return nullptr;
  const std::lock_guard lock(r.mutex);
  for (InputMeter& meter : r.meters) {
    if (meter.name == name) return &meter;
  }
  InputMeter& added = r.meters.emplace_back();
  added.name = name;
  return &added;
}

std::vector<const InputMeter*> InputMeters::all() {
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  std::vector<const InputMeter*> out;
  for (const InputMeter& meter : r.meters) out.push_back(&meter);
  return out;
}

std::uint64_t InputMeters::total_read() {
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  std::uint64_t total = 0;
  for (const InputMeter& meter : r.meters) {
    total += meter.bytes_read();
  }
  return total;
}

}  // namespace gpipe
