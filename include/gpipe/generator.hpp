// gpipe::generator — a lazy, move-only coroutine generator.
//
// Its interface is a subset of C++23 std::generator<Ref, V> so that it can become an alias one
// day: begin()/end() with std::default_sentinel_t, co_yield of the `yielded` type (and a copy of
// an lvalue for value generators), co_yield gpipe::elements_of(gen) to delegate to a
// sub-generator ("yield from"), exceptions thrown in the body rethrown at the consumer's
// begin()/operator++, and no default constructor.
//
// Semantics the rest of gpipe relies on (each pinned by tests/unit/core/generator_test.cpp):
// - Lazy: the body does not start until begin() is called.
// - Destroying a generator destroys its coroutine frame at once, and with it every local of the
//   frame, including upstream generators held by value. So when `head` stops pulling and its
//   consumer drops it, the whole upstream chain is torn down and files are closed immediately.
// - A yielded reference stays valid until the consumer next advances the iterator.
// - Delegation is symmetric: a nested generator is resumed directly by the consumer (no
//   per-element trampolining through the parent), and when it finishes control transfers back to
//   the parent without recursion on the machine stack.
#pragma once

#include <coroutine>
#include <exception>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>

namespace gpipe {

template <class Range>
struct elements_of {
  // A constructor, not aggregate initialisation: clang 14 lacks CTAD for aggregates.
  explicit elements_of(Range r) noexcept : range(static_cast<Range>(r)) {}
  Range range;
};
template <class Range>
elements_of(Range&&) -> elements_of<Range&&>;

template <class Ref, class V = void>
class [[nodiscard]] generator {
 public:
  using value = std::conditional_t<std::is_void_v<V>, std::remove_cvref_t<Ref>, V>;
  using reference = std::conditional_t<std::is_void_v<V>, Ref&&, Ref>;
  using yielded = std::conditional_t<std::is_reference_v<reference>, reference, const reference&>;

  class promise_type;
  class iterator;

  generator(generator&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  generator& operator=(generator other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  ~generator() {
    if (handle_) handle_.destroy();
  }

  iterator begin() {
    auto& root = handle_.promise();
    root.resume_leaf();
    return iterator{handle_};
  }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  using handle_type = std::coroutine_handle<promise_type>;
  explicit generator(handle_type handle) noexcept : handle_(handle) {}
  handle_type handle_;
};

template <class Ref, class V>
class generator<Ref, V>::promise_type {
 public:
  generator get_return_object() noexcept { return generator{handle_type::from_promise(*this)}; }
  std::suspend_always initial_suspend() const noexcept { return {}; }

  // When a nested generator finishes, control transfers to its parent; the root stays suspended
  // at its end so the consumer sees done().
  struct final_awaiter {
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(handle_type self) noexcept {
      promise_type& p = self.promise();
      if (p.parent_ == nullptr) return std::noop_coroutine();
      p.root_->leaf_ = p.parent_;
      return handle_type::from_promise(*p.parent_);
    }
    void await_resume() const noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }

  std::suspend_always yield_value(yielded value) noexcept {
    root_->value_ = std::addressof(value);
    return {};
  }

  // `co_yield lvalue` in a generator of values: the copy lives in the awaiter, which lives in
  // this frame until the consumer resumes us.
  auto yield_value(const std::remove_reference_t<yielded>&lvalue) requires
      std::is_rvalue_reference_v<yielded> && std::constructible_from < std::remove_cvref_t<yielded>,
  const std::remove_reference_t<yielded>& > {
    struct copy_awaiter {
      std::remove_cvref_t<yielded> copy;
      bool await_ready() const noexcept { return false; }
      void await_suspend(handle_type self) noexcept {
        self.promise().root_->value_ = std::addressof(copy);
      }
      void await_resume() const noexcept {}
    };
    return copy_awaiter{lvalue};
  }

  // Delegation: co_yield gpipe::elements_of(sub). The sub-generator is owned by the awaiter,
  // which lives in our frame, so destroying us destroys it too.
  template <class R2, class V2>
  auto yield_value(elements_of<generator<R2, V2>&&> nested) noexcept {
    return nested_awaiter{std::move(nested.range)};
  }
  template <class R2, class V2>
  auto yield_value(elements_of<generator<R2, V2>&> nested) noexcept {
    return nested_awaiter{std::move(nested.range)};
  }

  void await_transform() = delete;  // generators only yield
  void return_void() const noexcept {}
  void unhandled_exception() { exception_ = std::current_exception(); }

 private:
  friend class generator;
  friend class iterator;

  struct nested_awaiter {
    generator nested;
    bool await_ready() const noexcept { return !nested.handle_; }
    std::coroutine_handle<> await_suspend(handle_type self) noexcept {
      promise_type& inner = nested.handle_.promise();
      promise_type& outer = self.promise();
      inner.root_ = outer.root_;
      inner.parent_ = &outer;
      outer.root_->leaf_ = &inner;
      return nested.handle_;
    }
    void await_resume() {
      if (nested.handle_ && nested.handle_.promise().exception_) {
        std::rethrow_exception(std::exchange(nested.handle_.promise().exception_, {}));
      }
    }
  };

  void resume_leaf() {
    handle_type::from_promise(*leaf_).resume();
    if (exception_) std::rethrow_exception(std::exchange(exception_, {}));
  }
  promise_type* root_ = this;
  promise_type* parent_ = nullptr;
  promise_type* leaf_ = this;  // meaningful on the root only: the frame to resume next
  std::add_pointer_t<yielded> value_ = nullptr;
  std::exception_ptr exception_;
};

template <class Ref, class V>
class generator<Ref, V>::iterator {
 public:
  using value_type = generator::value;
  using difference_type = std::ptrdiff_t;

  iterator(iterator&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  iterator& operator=(iterator&& other) noexcept {
    handle_ = std::exchange(other.handle_, {});
    return *this;
  }

  reference operator*() const noexcept { return static_cast<reference>(*handle_.promise().value_); }
  iterator& operator++() {
    handle_.promise().resume_leaf();
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
    return it.handle_.done();
  }

 private:
  friend class generator;
  explicit iterator(handle_type handle) noexcept : handle_(handle) {}
  handle_type handle_;
};

}  // namespace gpipe
