// The branch pipeline of `tee 'PIPELINE'`, run on a thread of its own in strict lock-step with
// the tee: the tee hands it one batch and waits until the branch asks for the next one (or has
// ended), so the two never run at once. Why a thread: the branch's stages are pull generators,
// and its source must wait for the tee's next batch from deep inside their nested pulls, which
// a stackless coroutine cannot suspend from; the thread is only the stack that waits
// (docs/design.md, "tee").
#pragma once

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "exec/pipeline.hpp"
#include "gpipe/record.hpp"

namespace gpipe::stages {

class BranchThread {
 public:
  BranchThread() = default;
  // Stops a branch still waiting for batches: it unwinds without committing (its `write`
  // leaves no file), as a pipeline stopped by an error does.
  ~BranchThread();
  BranchThread(const BranchThread&) = delete;
  BranchThread& operator=(const BranchThread&) = delete;

  // The batches the branch's plan reads: each one handed over, until the end.
  BatchStream sent_batches();
  // Set once, before the first hand(): what the thread runs.
  void set_plan(Plan plan) { plan_.emplace(std::move(plan)); }

  // Hands `batch` to the branch and returns when the branch is done with it. Rethrows the
  // branch's error. A branch that has ended (a `head` in it) takes no more.
  void hand(Batch& batch);
  // The end of the input: the branch finishes and commits; rethrows its error.
  void finish();

 private:
  enum class Turn { Tee, Branch };
  struct Cancelled {};
  void start();
  void run();
  // On the branch thread: gives the turn back to the tee and waits for the next batch.
  Batch* next_batch();
  void give_turn(Turn to);  // with mutex_ held by the caller's lock
  void rethrow_error();

  std::optional<Plan> plan_;

  std::mutex mutex_;
  std::condition_variable turn_changed_;
  Turn turn_ = Turn::Tee;
  Batch* offered_ = nullptr;
  bool first_pull_ = true;
  bool cancel_ = false;
  bool ended_ = false;  // the branch's run returned or threw
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace gpipe::stages
