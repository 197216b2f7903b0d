// gpipe::consumer — a push-style coroutine: values are sent into it as into a running Python
// generator (gen.send(v)), for stages that hand their stream to something that takes it batch
// by batch (tee's file and branch).
//
//   consumer<Batch> print_all(Printer& printer) {
//     while (Batch* batch = co_await next_sent) printer.print(*batch);
//     printer.finish();  // null: the end of the input
//   }
//
// - Lazy: the body starts at the first send() (or finish()), and runs up to its first
//   `co_await next_sent`, which then gives the value sent.
// - send(value) resumes the body with a pointer to `value` and returns when it awaits again:
//   the pointer is valid only until then (as a generator's yielded reference).
// - finish() sends null and runs the body to its end; a body that awaits again after null is a
//   logic error. Both finish() and send() rethrow an exception the body let escape; after one,
//   the consumer is done and further sends are ignored.
// - Write the loop as above, `while (T* v = co_await next_sent)`: GCC 12 miscompiles a
//   `co_await` inside a while condition that is an expression (`while (co_await next_sent !=
//   nullptr)`), whose frame then crashes when the body throws after the loop.
// - Destroying a consumer destroys its frame (and the locals in it) at once, run or not: the
//   body's cleanup runs, but nothing after its current `co_await` does.
#pragma once

#include <coroutine>
#include <exception>
#include <stdexcept>
#include <utility>

namespace gpipe {

// The awaitable that gives a consumer the next value sent, or null at the end.
struct next_sent_t {};
inline constexpr next_sent_t next_sent{};

template <class T>
class [[nodiscard]] consumer {
 public:
  class promise_type {
   public:
    consumer get_return_object() noexcept {
      return consumer{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    std::suspend_always final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    void unhandled_exception() noexcept { error_ = std::current_exception(); }

    struct awaiter {
      promise_type& promise;
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<>) const noexcept {}
      T* await_resume() const noexcept { return promise.sent_; }
    };
    awaiter await_transform(next_sent_t) noexcept { return awaiter{*this}; }

   private:
    friend class consumer;
    T* sent_ = nullptr;
    std::exception_ptr error_;
  };

  consumer(consumer&& other) noexcept
      : handle_(std::exchange(other.handle_, {})), started_(other.started_) {}
  consumer& operator=(consumer other) noexcept {
    std::swap(handle_, other.handle_);
    std::swap(started_, other.started_);
    return *this;
  }
  ~consumer() {
    if (handle_) handle_.destroy();
  }

  // Sends `value` in; returns when the body awaits the next one (or ended). Rethrows what the
  // body threw. A consumer that has ended takes no more: the value is ignored.
  void send(T& value) {
    start();
    if (handle_.done()) return;
    resume_with(&value);
  }

  // The end of the input: sends null and runs the body to its end. Rethrows what it threw.
  void finish() {
    start();
    if (handle_.done()) return;
    resume_with(nullptr);
    if (!handle_.done()) throw std::logic_error("a consumer awaited a value after the end");
  }

  bool done() const { return !handle_ || handle_.done(); }

 private:
  explicit consumer(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}

  // Runs the body up to its first await, once.
  void start() {
    if (started_) return;
    started_ = true;
    handle_.resume();
    rethrow();
  }
  void resume_with(T* value) {
    handle_.promise().sent_ = value;
    handle_.resume();
    rethrow();
  }
  void rethrow() {
    if (std::exception_ptr error = std::exchange(handle_.promise().error_, nullptr)) {
      std::rethrow_exception(error);
    }
  }

  std::coroutine_handle<promise_type> handle_;
  bool started_ = false;
};

}  // namespace gpipe
