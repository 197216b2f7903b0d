#include "exec/parallel/pool.hpp"

#include <utility>

namespace gpipe::parallel {

void Pool::submit(std::shared_ptr<Chunk> chunk) {
  const std::lock_guard lock(mutex_);
  queue_.push_back(std::move(chunk));
  work_changed_.notify_one();
}

std::shared_ptr<Chunk> Pool::next() {
  release_retired();
  std::unique_lock lock(mutex_);
  work_changed_.wait(lock, [&] { return closed_ || !queue_.empty(); });
  if (queue_.empty()) return nullptr;
  std::shared_ptr<Chunk> chunk = std::move(queue_.front());
  queue_.pop_front();
  return chunk;
}

void Pool::retire(ChunkResult result) {
  const std::lock_guard lock(mutex_);
  retired_.push_back(std::move(result));
}

Batch Pool::spare_batch() {
  const std::lock_guard lock(mutex_);
  if (spare_batches_.empty()) return Batch{};
  Batch batch = std::move(spare_batches_.back());
  spare_batches_.pop_back();
  return batch;
}

void Pool::recycle(std::vector<Batch>& batches) {
  const std::lock_guard lock(mutex_);
  for (Batch& batch : batches) {
    if (spare_batches_.size() >= spare_batches_limit_) break;
    spare_batches_.push_back(std::move(batch));
  }
  batches.clear();
}

void Pool::publish(std::uint64_t seq, ChunkResult result) {
  const std::lock_guard lock(mutex_);
  results_.emplace(seq, std::move(result));
  if (seq == awaited_) result_ready_.notify_one();
}

ChunkResult Pool::take(std::uint64_t seq) {
  std::unique_lock lock(mutex_);
  awaited_ = seq;
  result_ready_.wait(lock, [&] { return results_.contains(seq); });
  ChunkResult result = std::move(results_.at(seq));
  results_.erase(seq);
  return result;
}

std::uint64_t Pool::number_lines(std::uint64_t seq, std::uint64_t first_line, std::uint64_t count) {
  std::unique_lock lock(mutex_);
  if (first_line == 0) {
    numbers_changed_.wait(lock, [&] { return finished_ || line_after_.contains(seq - 1); });
    if (finished_) throw RunOver{};
    first_line = line_after_.at(seq - 1);
  }
  line_after_.erase(seq - 1);  // (its successor's, or left by a file's last chunk)
  line_after_[seq] = first_line + count;
  numbers_changed_.notify_all();
  return first_line;
}

FramedLink Pool::take_link(std::uint64_t seq) {
  std::unique_lock lock(mutex_);
  links_changed_.wait(lock, [&] { return finished_ || links_.contains(seq - 1); });
  if (finished_) throw RunOver{};
  FramedLink link = std::move(links_.at(seq - 1));
  links_.erase(seq - 1);
  return link;
}

void Pool::pass_link(std::uint64_t seq, FramedLink link) {
  const std::lock_guard lock(mutex_);
  links_.emplace(seq, std::move(link));
  links_changed_.notify_all();
}

void Pool::close() {
  const std::lock_guard lock(mutex_);
  closed_ = true;
  work_changed_.notify_all();
}

void Pool::finish() {
  const std::lock_guard lock(mutex_);
  closed_ = finished_ = true;
  work_changed_.notify_all();
  numbers_changed_.notify_all();
  links_changed_.notify_all();
  run_finished_.notify_all();
}

void Pool::worker_done() {
  const std::lock_guard lock(mutex_);
  ++workers_done_;
  workers_changed_.notify_all();
}

void Pool::wait_workers_done(unsigned workers) {
  std::unique_lock lock(mutex_);
  workers_changed_.wait(lock, [&] { return workers_done_ == workers; });
}

void Pool::wait_finished() {
  std::unique_lock lock(mutex_);
  run_finished_.wait(lock, [&] { return finished_; });
}

void Pool::release_retired() {
  std::vector<ChunkResult> retired;
  {
    const std::lock_guard lock(mutex_);
    retired.swap(retired_);
  }
  retired.clear();  // unmaps the windows no one else holds
}

}  // namespace gpipe::parallel
