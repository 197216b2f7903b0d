#include "stages/loads/branch_thread.hpp"

namespace gpipe::stages {

BranchThread::~BranchThread() {
  if (!thread_.joinable()) return;
  {
    const std::lock_guard lock(mutex_);
    if (!ended_) {
      cancel_ = true;
      give_turn(Turn::Branch);
    }
  }
  thread_.join();
}

BatchStream BranchThread::sent_batches() {
  while (Batch* batch = next_batch()) co_yield *batch;
}

Batch* BranchThread::next_batch() {
  std::unique_lock lock(mutex_);
  if (first_pull_) {
    first_pull_ = false;  // the tee handed the first batch (or the end) as it started us
  } else {
    give_turn(Turn::Tee);
    turn_changed_.wait(lock, [this] { return turn_ == Turn::Branch; });
  }
  if (cancel_) throw Cancelled{};
  return offered_;
}

void BranchThread::give_turn(Turn to) {
  turn_ = to;
  turn_changed_.notify_all();
}

void BranchThread::run() {
  std::exception_ptr error;
  try {
    run_branch_plan(*plan_);
  } catch (const Cancelled&) {
  } catch (...) {
    error = std::current_exception();
  }
  // The plan (its stages, its sink) goes now, on this thread: a file not committed is removed.
  plan_.reset();
  const std::lock_guard lock(mutex_);
  error_ = error;
  ended_ = true;
  give_turn(Turn::Tee);
}

void BranchThread::start() {
  turn_ = Turn::Branch;
  thread_ = std::thread([this] { run(); });
}

void BranchThread::hand(Batch& batch) {
  std::unique_lock lock(mutex_);
  if (ended_) return rethrow_error();
  offered_ = &batch;
  if (thread_.joinable()) {
    give_turn(Turn::Branch);
  } else {
    start();
  }
  turn_changed_.wait(lock, [this] { return turn_ == Turn::Tee; });
  offered_ = nullptr;
  rethrow_error();
}

void BranchThread::finish() {
  {
    std::unique_lock lock(mutex_);
    if (!ended_) {
      offered_ = nullptr;
      if (thread_.joinable()) {
        give_turn(Turn::Branch);
      } else {
        start();
      }
      turn_changed_.wait(lock, [this] { return ended_; });
    }
  }
  if (thread_.joinable()) thread_.join();
  rethrow_error();
}

void BranchThread::rethrow_error() {
  if (std::exception_ptr error = std::exchange(error_, nullptr)) std::rethrow_exception(error);
}

}  // namespace gpipe::stages
