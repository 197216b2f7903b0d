#include "stages/aggregates/sort_runs.hpp"

#include <sys/statvfs.h>
#include <xxhash.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <optional>

#include "core/varint.hpp"
#include "gpipe/errors.hpp"
#include "stages/aggregates/sort_keys.hpp"

namespace gpipe::stages {

namespace {

// Fast over small: runs are written once and read once, soon after. zstd's --fast=7 took about
// a sixth less of sort's time than level 1, for files about a third larger (docs/performance.md,
// "Sort").
constexpr int kCompressionLevel = -7;

// Compressed blocks are written to a run's file this many bytes at a time.
constexpr std::size_t kWriteBytes = 256 * 1024;

void put_u64(char* out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

std::uint64_t get_u64(const char* in) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = value << 8 | static_cast<unsigned char>(in[i]);
  return value;
}

[[noreturn]] void corrupt_run(const std::string& why) {
  throw IoError("a temporary file of sort is corrupt: " + why);
}

void check_zstd(std::size_t result) {
  if (ZSTD_isError(result)) corrupt_run(ZSTD_getErrorName(result));
}

// The memory the system has available (MemAvailable), 0 when it cannot be read.
std::uint64_t available_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string name;
  std::uint64_t kilobytes = 0;
  std::string unit;
  while (meminfo >> name >> kilobytes >> unit) {
    if (name == "MemAvailable:") return kilobytes * 1024;
  }
  return 0;
}

// The bytes free for an unprivileged writer in `directory`, 0 when it cannot be read.
std::uint64_t free_space(const std::string& directory) {
  struct statvfs info {};
  if (::statvfs(directory.c_str(), &info) != 0) return 0;
  return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

}  // namespace

SpillPlace::SpillPlace(std::string directory, SpillCompression compression)
    : directory_(std::move(directory)), compression_(compression) {
  if (compression_ == SpillCompression::Auto) {
    stored_bytes_left_ = std::min(available_memory() / 2, free_space(directory_) / 4);
  }
}

bool SpillPlace::compress_next(std::size_t bytes) {
  if (compression_ != SpillCompression::Auto) return compression_ == SpillCompression::Always;
  std::uint64_t left = stored_bytes_left_.load(std::memory_order_relaxed);
  while (left >= bytes) {
    if (stored_bytes_left_.compare_exchange_weak(left, left - bytes, std::memory_order_relaxed)) {
      return false;
    }
  }
  return true;
}

std::size_t unit_size(std::string_view key, bool key_is_text, std::string_view record) {
  const std::size_t key_bytes = key_is_text ? 1 : varint_size(key.size() + 1) + key.size();
  return key_bytes + varint_size(record.size()) + record.size();
}

void write_unit(char* out, std::string_view key, bool key_is_text, std::string_view record) {
  if (key_is_text) {
    *out++ = 0;
  } else {
    out = put_varint(out, key.size() + 1);
    std::memcpy(out, key.data(), key.size());
    out += key.size();
  }
  out = put_varint(out, record.size());
  std::memcpy(out, record.data(), record.size());
}

Unit read_unit(std::string_view in) {
  Unit unit;
  std::size_t at = 0;
  std::uint64_t key_field = 0, record_size = 0;
  if (!get_varint(in, at, key_field) || (key_field != 0 && key_field - 1 > in.size() - at)) {
    corrupt_run("a sort key is cut short");
  }
  const std::size_t key_at = at;
  if (key_field != 0) at += key_field - 1;
  if (!get_varint(in, at, record_size) || record_size > in.size() - at) {
    corrupt_run("a record is cut short");
  }
  unit.bytes = in.substr(0, at + record_size);
  unit.record = in.substr(at, record_size);
  if (key_field != 0) {
    unit.key = in.substr(key_at, key_field - 1);
  } else {
    const std::optional<std::string_view> text = OwnedRecord::text_in(unit.record);
    if (!text) corrupt_run("a record is malformed");
    unit.key = *text;
  }
  return unit;
}

void MergeSource::set(const Unit& unit) {
  unit_ = unit;
  for (std::size_t i = 0; i < kPrefixes; ++i) {
    prefixes_[i] = unit.key.size() > 8 * i ? key_prefix(unit.key.substr(8 * i)) : 0;
  }
}

namespace {

// A file for a run, or an error that says which stage wanted it and where else it could go.
UnnamedTempFile run_file(const std::string& directory) {
  try {
    return UnnamedTempFile(directory);
  } catch (const IoError& e) {
    throw IoError(std::string("sort: ") + e.what() + " (set TMPDIR, or use sort --tmp DIR)");
  }
}

}  // namespace

RunWriter::RunWriter(SpillPlace& place)
    : run_{run_file(place.directory()), 0}, place_(place), context_(ZSTD_createCCtx()) {
  if (context_ == nullptr) throw IoError("cannot create a zstd compressor for sort");
  ZSTD_CCtx_setParameter(context_, ZSTD_c_compressionLevel, kCompressionLevel);
  ZSTD_CCtx_setParameter(context_, ZSTD_c_checksumFlag, 1);
  pending_.reserve(kWriteBytes + 2 * (kRunBlockHeaderBytes + kRunBlockBytes));
}

RunWriter::~RunWriter() {
  ZSTD_freeCCtx(context_);
}

std::size_t RunWriter::block_size() const {
  return block_open_ ? pending_.size() - block_at_ - kRunBlockHeaderBytes : 0;
}

void RunWriter::add(std::string_view unit) {
  // A unit goes whole into one block: the block is written first when it would not fit.
  if (block_size() != 0 && block_size() + unit.size() > kRunBlockBytes) write_block();
  if (!block_open_) {
    block_at_ = pending_.size();
    pending_.resize(block_at_ + kRunBlockHeaderBytes);
    block_open_ = true;
  }
  pending_.append(unit);
  if (block_size() >= kRunBlockBytes) write_block();
  ++run_.records;
}

void RunWriter::write_block() {
  if (!block_open_) return;
  // Units go straight into pending_ after room for their block's header: a block stored as it
  // is is then written from where it was gathered, and only a compressed one is copied.
  const std::size_t size = block_size();
  char* const header = pending_.data() + block_at_;
  const char* const block = header + kRunBlockHeaderBytes;
  if (!place_.compress_next(size)) {
    put_u64(header, size | kStoredBlock);
    put_u64(header + 8, size);
    put_u64(header + 16, XXH3_64bits(block, size));
  } else {
    compressed_.resize(ZSTD_compressBound(size));
    const std::size_t compressed_size =
        ZSTD_compress2(context_, compressed_.data(), compressed_.size(), block, size);
    if (ZSTD_isError(compressed_size)) {
      throw IoError(std::string("cannot compress a temporary file of sort: ") +
                    ZSTD_getErrorName(compressed_size));
    }
    put_u64(header, compressed_size);
    put_u64(header + 8, size);
    put_u64(header + 16, 0);
    pending_.resize(block_at_ + kRunBlockHeaderBytes);
    pending_.append(compressed_.data(), compressed_size);
  }
  block_open_ = false;
  if (pending_.size() >= kWriteBytes) flush();
}

void RunWriter::flush() {
  run_.file.append(pending_);
  pending_.clear();
}

Run RunWriter::finish() {
  write_block();
  flush();
  return std::move(run_);
}

RunDecompressor::RunDecompressor() : context_(ZSTD_createDCtx()) {
  if (context_ == nullptr) throw IoError("cannot create a zstd decompressor for sort");
}

RunDecompressor::~RunDecompressor() {
  ZSTD_freeDCtx(context_);
}

RunReader::RunReader(Run run, ZSTD_DCtx_s* context) : run_(std::move(run)), context_(context) {}

RunReader::RunReader(Run run, BlockPrefetcher& prefetcher)
    : run_(std::move(run)), prefetcher_(&prefetcher) {}

bool RunReader::read_block(std::string& into, ZSTD_DCtx_s* context) {
  const std::uint64_t file_size = run_.file.size();
  if (file_offset_ >= file_size) {
    // Read to its end: the file is closed here, on the prefetcher's thread when there is one,
    // rather than with the others at the end of the merge, on the merge's thread (dropping a
    // file's cached pages takes time).
    run_.file.release();
    return false;
  }
  if (file_size - file_offset_ < kRunBlockHeaderBytes) corrupt_run("a block is cut short");
  // The first block's header is read alone; every other came with the block before it.
  if (file_offset_ == 0) run_.file.read_at(0, header_, kRunBlockHeaderBytes);
  const std::uint64_t stored_field = get_u64(header_);
  const bool stored = (stored_field & kStoredBlock) != 0;
  const std::uint64_t stored_size = stored_field & ~kStoredBlock;
  const std::uint64_t size = get_u64(header_ + 8);
  const std::uint64_t hash = get_u64(header_ + 16);
  const std::uint64_t body_at = file_offset_ + kRunBlockHeaderBytes;
  if (stored_size > file_size - body_at) corrupt_run("a block is cut short");
  if (stored && stored_size != size) corrupt_run("a block has the wrong size");
  const std::uint64_t after = body_at + stored_size;
  const std::size_t next_header = std::min<std::uint64_t>(kRunBlockHeaderBytes, file_size - after);
  // A stored block is read straight where it is wanted; a compressed one beside it.
  std::string& bytes = stored ? into : compressed_;
  bytes.resize(stored_size + next_header);
  run_.file.read_at(body_at, bytes.data(), bytes.size());
  std::memcpy(header_, bytes.data() + stored_size, next_header);
  file_offset_ = after;
  if (stored) {
    into.resize(size);
    if (XXH3_64bits(into.data(), into.size()) != hash) corrupt_run("a block's checksum is wrong");
    return true;
  }
  into.resize(size);
  const std::size_t got =
      ZSTD_decompressDCtx(context, into.data(), into.size(), compressed_.data(), stored_size);
  check_zstd(got);
  if (got != size) corrupt_run("a block has the wrong size");
  return true;
}

bool RunReader::next_block() {
  block_offset_ = 0;
  if (prefetcher_ == nullptr) return read_block(block_, context_);
  if (!requested_) {
    prefetcher_->request(*this);
    requested_ = true;
  }
  prefetcher_->wait(*this);
  if (!spare_full_) return false;
  block_.swap(spare_);
  prefetcher_->request(*this);
  return true;
}

bool RunReader::next() {
  if (block_offset_ >= block_.size() && !next_block()) return false;
  const Unit unit = read_unit(std::string_view(block_).substr(block_offset_));
  block_offset_ += unit.bytes.size();
  set(unit);
  return true;
}

BlockPrefetcher::BlockPrefetcher() : thread_([this] { run(); }) {}

BlockPrefetcher::~BlockPrefetcher() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  requested_.notify_one();
  thread_.join();
}

void BlockPrefetcher::request(RunReader& reader) {
  {
    const std::lock_guard lock(mutex_);
    reader.pending_ = true;
    queue_.push_back(&reader);
  }
  requested_.notify_one();
}

void BlockPrefetcher::wait(RunReader& reader) {
  std::unique_lock lock(mutex_);
  finished_.wait(lock, [&] { return !reader.pending_; });
  if (reader.error_) std::rethrow_exception(reader.error_);
}

void BlockPrefetcher::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    requested_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    RunReader& reader = *queue_.front();
    queue_.pop_front();
    lock.unlock();
    bool full = false;
    std::exception_ptr error;
    try {
      full = reader.read_block(reader.spare_, decompressor_.get());
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    reader.spare_full_ = full;
    reader.error_ = error;
    reader.pending_ = false;
    finished_.notify_one();  // one thread merges, and waits for one reader at a time
  }
}

Merge::Merge(std::vector<MergeSource*> sources) : sources_(std::move(sources)) {
  const std::size_t count = sources_.size();
  live_.resize(count);
  for (std::size_t i = 0; i < count; ++i) live_[i] = sources_[i]->next() ? 1 : 0;
  if (count == 0) return;
  // Leaves count..2count-1 are the sources; inner node n plays the winners of 2n and 2n+1,
  // keeps the loser, and passes the winner up. Node 1 gives the winner of all.
  losers_.assign(count, 0);
  std::vector<std::size_t> winners(2 * count);
  for (std::size_t i = 0; i < count; ++i) winners[count + i] = i;
  for (std::size_t node = count - 1; node >= 1; --node) {
    const std::size_t a = winners[2 * node], b = winners[2 * node + 1];
    const bool a_wins = before(a, b);
    winners[node] = a_wins ? a : b;
    losers_[node] = a_wins ? b : a;
  }
  winner_ = count == 1 ? 0 : winners[1];
}

bool Merge::before(std::size_t a, std::size_t b) const {
  if (!live_[a]) return !live_[b] && a < b;
  if (!live_[b]) return true;
  const MergeSource& x = *sources_[a];
  const MergeSource& y = *sources_[b];
  for (std::size_t i = 0; i < MergeSource::kPrefixes; ++i) {
    if (x.prefix(i) != y.prefix(i)) return x.prefix(i) < y.prefix(i);
  }
  const int order = compare_keys(x.unit().key, y.unit().key);
  return order != 0 ? order < 0 : a < b;
}

void Merge::advance() {
  if (!sources_[winner_]->next()) live_[winner_] = 0;
  // Replays the matches on the way from the winner's leaf to the root.
  std::size_t candidate = winner_;
  for (std::size_t node = (winner_ + sources_.size()) / 2; node >= 1; node /= 2) {
    if (before(losers_[node], candidate)) std::swap(losers_[node], candidate);
  }
  winner_ = candidate;
}

std::size_t merge_fan_in(std::size_t memory) {
  return std::clamp<std::size_t>(memory / 8 / kRunReaderBytes, 8, 128);
}

Run merge_runs(std::vector<Run> runs, SpillPlace& place) {
  const RunDecompressor decompressor;
  std::vector<std::unique_ptr<RunReader>> readers;
  std::vector<MergeSource*> sources;
  for (Run& run : runs) {
    sources.push_back(
        readers.emplace_back(std::make_unique<RunReader>(std::move(run), decompressor.get()))
            .get());
  }
  RunWriter writer(place);
  for (Merge merge(std::move(sources)); !merge.done(); merge.advance()) {
    writer.add(merge.top().unit().bytes);
  }
  return writer.finish();
}

RunStack::RunStack(std::size_t fan_in, SpillPlace& place) : fan_in_(fan_in), place_(place) {}

void RunStack::push(Run run) {
  runs_.push_back({std::move(run), 0});
  while (runs_.size() >= fan_in_) {
    const auto first = runs_.end() - static_cast<std::ptrdiff_t>(fan_in_);
    const unsigned level = first->level;
    if (!std::all_of(first, runs_.end(), [&](const LeveledRun& r) { return r.level == level; })) {
      return;
    }
    std::vector<Run> group;
    for (auto it = first; it != runs_.end(); ++it) group.push_back(std::move(it->run));
    runs_.erase(first, runs_.end());
    runs_.push_back({merge_runs(std::move(group), place_), level + 1});
  }
}

std::vector<Run> RunStack::take(std::size_t most) {
  std::vector<Run> runs;
  for (LeveledRun& leveled : runs_) runs.push_back(std::move(leveled.run));
  runs_.clear();
  const std::size_t group_size = std::max<std::size_t>(most, 2);
  while (runs.size() > most) {
    std::vector<Run> merged;
    for (std::size_t first = 0; first < runs.size(); first += group_size) {
      const std::size_t last = std::min(runs.size(), first + group_size);
      std::vector<Run> group(std::make_move_iterator(runs.begin() + first),
                             std::make_move_iterator(runs.begin() + last));
      merged.push_back(group.size() == 1 ? std::move(group.front())
                                         : merge_runs(std::move(group), place_));
    }
    runs = std::move(merged);
  }
  return runs;
}

}  // namespace gpipe::stages
