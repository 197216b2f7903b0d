#include "state/input_state.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <stdexcept>

#include "gpipe/errors.hpp"
#include "io/io.hpp"

namespace gpipe {

namespace {

// Entries of files no longer among the inputs are kept this long: a file that comes back (a
// disk mounted again, a glob widened) is not read twice, and the state does not grow forever
// with deleted rotations.
constexpr std::int64_t kForgetAfterSeconds = 30 * 24 * 3600;
// How often a running job commits when no `batch` says when. GPIPE_STATE_COMMIT_MS sets
// another interval, for tests that kill runs between commits (tests/e2e/state_kill.sh).
std::chrono::milliseconds commit_interval() {
  static const std::chrono::milliseconds interval = [] {
    const char* text = std::getenv("GPIPE_STATE_COMMIT_MS");
    const long value = text != nullptr ? std::strtol(text, nullptr, 10) : 0;
    return std::chrono::milliseconds(value > 0 ? value : 1000);
  }();
  return interval;
}

std::int64_t now_seconds() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

// An input file as it is now: identity, first bytes (decompressed), whether compressed.
struct SeenFile {
  std::string path;
  FileIdentity identity;
  std::string head;  // up to kHeadBytes
  bool compressed = false;
  std::int64_t modified_ns = 0;
};

std::uint64_t hash_of(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

SeenFile look_at(const std::string& path) {
  SeenFile seen;
  seen.path = path;
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    throw IoError(errno_message("cannot open", path, errno));
  }
  seen.identity.device = static_cast<std::uint64_t>(status.st_dev);
  seen.identity.inode = static_cast<std::uint64_t>(status.st_ino);
  seen.identity.size = static_cast<std::uint64_t>(status.st_size);
  seen.modified_ns =
      static_cast<std::int64_t>(status.st_mtim.tv_sec) * 1000000000 + status.st_mtim.tv_nsec;
  seen.compressed = S_ISREG(status.st_mode) && is_compressed_file(path);
  const std::unique_ptr<ByteSource> source = open_input(path);
  seen.head.resize(InputState::kHeadBytes);
  std::size_t got = 0;
  while (got < seen.head.size()) {
    const std::size_t n = source->read(seen.head.data() + got, seen.head.size() - got);
    if (n == 0) break;
    got += n;
  }
  seen.head.resize(got);
  seen.identity.head_length = static_cast<std::uint32_t>(got);
  seen.identity.head_hash = hash_of(seen.head);
  return seen;
}

// Whether `seen` begins with the bytes the entry's head hash was made of.
bool same_head(const InputEntry& entry, const SeenFile& seen) {
  const std::uint32_t length = entry.identity.head_length;
  if (length == 0 || length > seen.head.size()) return false;
  return hash_of(std::string_view(seen.head).substr(0, length)) == entry.identity.head_hash;
}

bool same_inode(const InputEntry& entry, const SeenFile& seen) {
  return entry.identity.device == seen.identity.device &&
         entry.identity.inode == seen.identity.inode && entry.compressed == seen.compressed;
}

// Where a known file resumes: a plain file shorter than its committed offset was truncated
// (copytruncate) and is read from its start.
bool still_holds(const InputEntry& entry, const SeenFile& seen) {
  return same_head(entry, seen) && (seen.compressed || seen.identity.size >= entry.offset);
}

}  // namespace

InputState::InputState(std::string path)
    : path_(std::move(path)), lock_(path_), last_commit_(std::chrono::steady_clock::now()) {
  try {
    loaded_ = load_state(path_);
  } catch (const IoError& error) {
    load_error_ = error.what();
  }
  if (loaded_) data_ = *loaded_;
}

void InputState::adopt(StateData data) {
  data_ = std::move(data);
  load_error_.reset();
}

void InputState::check_loaded() const {
  if (load_error_) throw IoError(*load_error_);
}

std::optional<std::size_t> InputState::entry_of(const Origin* origin) const {
  if (origin == nullptr) return std::nullopt;
  if (const auto found = entry_of_.find(origin); found != entry_of_.end()) return found->second;
  if (const auto found = entry_of_name_.find(origin->name); found != entry_of_name_.end()) {
    return found->second;
  }
  return std::nullopt;
}

std::vector<PlannedInput> InputState::plan_inputs(const std::vector<std::string>& paths) {
  check_loaded();
  std::vector<SeenFile> seen;
  seen.reserve(paths.size());
  for (const std::string& path : paths) seen.push_back(look_at(path));

  const std::size_t known = data_.inputs.size();
  std::vector<std::optional<std::size_t>> match(seen.size());  // entry each file continues
  std::vector<bool> claimed(known, false);
  std::vector<bool> stale(known, false);  // its inode now holds other content
  // The same inode with the same first bytes: the same file, wherever it is now.
  for (std::size_t i = 0; i < seen.size(); ++i) {
    for (std::size_t e = 0; e < known; ++e) {
      if (claimed[e] || !same_inode(data_.inputs[e], seen[i])) continue;
      if (still_holds(data_.inputs[e], seen[i])) {
        match[i] = e;
        claimed[e] = true;
      } else {
        stale[e] = true;  // truncated, rewritten, or the inode reused by another file
        spdlog::debug("'{}' was truncated or replaced: read from its start", seen[i].path);
      }
      break;
    }
  }
  // A file under a new inode with the first bytes of one whose inode is gone or holds other
  // content now: a copy of it (copytruncate's copy, a rotated file compressed, an atomic
  // rewrite), which continues where that one was.
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (match[i]) continue;
    std::optional<std::size_t> best;
    for (std::size_t e = 0; e < known; ++e) {
      if (claimed[e] || !same_head(data_.inputs[e], seen[i])) continue;
      const bool inode_present = std::any_of(seen.begin(), seen.end(), [&](const SeenFile& s) {
        return same_inode(data_.inputs[e], s);
      });
      if (inode_present && !stale[e]) continue;  // two live files with the same first bytes
      if (!best || data_.inputs[e].last_seen > data_.inputs[*best].last_seen) best = e;
    }
    if (best) {
      match[i] = best;
      claimed[*best] = true;
    }
  }

  // The new list: continuing files in their old order, then new ones oldest first, then the
  // entries of files gone (kept a while).
  std::vector<std::size_t> order(seen.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (match[a].has_value() != match[b].has_value()) return match[a].has_value();
    if (match[a]) return *match[a] < *match[b];
    return seen[a].modified_ns < seen[b].modified_ns;
  });
  const std::int64_t now = now_seconds();
  StateData next;
  next.output = data_.output;
  next.database = data_.database;
  std::vector<PlannedInput> planned;
  for (const std::size_t i : order) {
    InputEntry entry;
    if (match[i]) {
      entry = data_.inputs[*match[i]];
      // A plain file's compressed copy continues it; it is then a compressed file.
      if (entry.compressed != seen[i].compressed) entry.done = false;
    }
    entry.path = seen[i].path;
    entry.identity = seen[i].identity;
    entry.compressed = seen[i].compressed;
    entry.last_seen = now;
    PlannedInput input{entry.path, next.inputs.size(), entry.offset,
                       entry.line, entry.compressed,   entry.done};
    planned.push_back(input);
    next.inputs.push_back(std::move(entry));
  }
  for (std::size_t e = 0; e < known; ++e) {
    if (claimed[e] || stale[e]) continue;
    if (now - data_.inputs[e].last_seen > kForgetAfterSeconds) continue;
    next.inputs.push_back(data_.inputs[e]);
  }
  data_ = std::move(next);
  return planned;
}

PlannedInput InputState::plan_input(const std::string& path) {
  check_loaded();
  const SeenFile seen = look_at(path);
  bound_.resize(data_.inputs.size(), false);
  for (std::size_t e = 0; e < data_.inputs.size(); ++e) {
    InputEntry& entry = data_.inputs[e];
    if (entry.retired || !same_inode(entry, seen)) continue;
    if (!still_holds(entry, seen)) {
      entry.retired = true;  // the inode holds another file now
      break;
    }
    entry.path = path;
    entry.identity = seen.identity;
    entry.last_seen = now_seconds();
    return {path, e, entry.offset, entry.line, entry.compressed, entry.done};
  }
  // A copy of a known file (a rotated file compressed, copytruncate's copy): it continues where
  // that one was read to. A file read to its end in this run (or truncated under it) gives its
  // entry over; a file still followed keeps its own, and the copy gets a new one.
  for (std::size_t e = 0; e < data_.inputs.size(); ++e) {
    InputEntry& entry = data_.inputs[e];
    const auto read_end = read_end_.find(e);
    const bool given_over = read_end != read_end_.end();
    if ((entry.retired && !given_over) || !same_head(entry, seen)) continue;
    Position at{entry.offset, entry.line};
    if (given_over) {
      at = read_end->second;
    } else if (const auto taken = taken_.find(e); taken != taken_.end()) {
      at = taken->second;
    }
    if (bound_[e] && !given_over) {
      InputEntry& copy = data_.inputs.emplace_back();
      copy.path = path;
      copy.identity = seen.identity;
      copy.compressed = seen.compressed;
      copy.offset = at.offset;
      copy.line = at.line;
      copy.last_seen = now_seconds();
      return {path, data_.inputs.size() - 1, at.offset, at.line, seen.compressed, false};
    }
    entry.path = path;
    entry.identity = seen.identity;
    entry.compressed = seen.compressed;
    entry.done = false;
    entry.retired = false;
    entry.last_seen = now_seconds();
    read_end_.erase(e);
    return {path, e, at.offset, at.line, entry.compressed, false};
  }
  InputEntry& entry = data_.inputs.emplace_back();
  entry.path = path;
  entry.identity = seen.identity;
  entry.compressed = seen.compressed;
  entry.last_seen = now_seconds();
  return {path, data_.inputs.size() - 1, 0, 1, entry.compressed, false};
}

PlannedInput InputState::restart_input(const Origin* origin, const std::string& path,
                                       std::uint64_t read_to, std::uint64_t line) {
  if (const auto found = entry_of_.find(origin); found != entry_of_.end()) {
    // Not saved unless a copy of what it held turns up (copytruncate's) and takes it over.
    data_.inputs[found->second].retired = true;
    read_end_[found->second] = {read_to, line};
  }
  const SeenFile seen = look_at(path);
  InputEntry& entry = data_.inputs.emplace_back();
  entry.path = path;
  entry.identity = seen.identity;
  entry.compressed = seen.compressed;
  entry.last_seen = now_seconds();
  return {path, data_.inputs.size() - 1, 0, 1, entry.compressed, false};
}

void InputState::saw_head(const Origin* origin, std::string_view head) {
  const auto found = entry_of_.find(origin);
  if (found == entry_of_.end()) return;
  FileIdentity& identity = data_.inputs[found->second].identity;
  if (head.size() <= identity.head_length) return;
  identity.head_length = static_cast<std::uint32_t>(head.size());
  identity.head_hash = hash_of(head);
}

void InputState::bind(const Origin* origin, std::size_t entry) {
  entry_of_[origin] = entry;
  entry_of_name_[origin->name] = entry;
  if (bound_.size() <= entry) bound_.resize(entry + 1, false);
  bound_[entry] = true;
}

void InputState::reached_end(const Origin* origin, std::uint64_t offset, std::uint64_t line) {
  const auto found = entry_of_.find(origin);
  if (found == entry_of_.end()) return;
  ended_.push_back({found->second, {offset, line}});
  read_end_[found->second] = {offset, line};
  if (data_.inputs[found->second].compressed) end_of_compressed_[found->second] = offset;
}

// Files the source finished before the batch the sink takes now: all their records are the
// sink's, also those of batches a filter emptied and dropped.
void InputState::apply_ended() {
  for (const Ended& end : ended_) taken_[end.entry] = end.at;
  ended_.clear();
}

void InputState::note(const Batch& batch) {
  apply_ended();
  if (!batch.has_resume_point()) return;
  if (const std::optional<std::size_t> entry = entry_of(batch.origin())) {
    taken_[*entry] = {batch.resume_offset(), batch.resume_line()};
  }
}

// A record's offset and line are where reading again gives it and every later record.
void InputState::note_part(Batch& batch, std::size_t records_done) {
  const std::vector<Record>& records = batch.records();
  if (records_done >= records.size()) {
    note(batch);
    return;
  }
  apply_ended();
  if (records_done == 0) return;
  const Record& next = records[records_done];
  if (next.line == 0) {
    throw std::logic_error("--state: a commit within a batch of records made by a stage");
  }
  if (const std::optional<std::size_t> entry = entry_of(batch.origin())) {
    taken_[*entry] = {next.offset, next.line};
  }
}

void InputState::note_end_of_input() {
  apply_ended();
}

void InputState::prepare_output(const std::string& path) {
  check_loaded();
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0 || !data_.output || data_.output->path != path ||
      data_.output->device != static_cast<std::uint64_t>(status.st_dev) ||
      data_.output->inode != static_cast<std::uint64_t>(status.st_ino)) {
    return;  // a new output (or a new file under its name): appended to as it is
  }
  const auto size = static_cast<std::uint64_t>(status.st_size);
  const std::uint64_t committed = data_.output->length;
  if (size < committed) {
    throw IoError("'" + path + "' is " + std::to_string(size) + " bytes long, shorter than the " +
                  std::to_string(committed) + " bytes state file '" + path_ +
                  "' says were committed: something else cut it; move it away to start a new one");
  }
  if (size > committed) {
    if (::truncate(path.c_str(), static_cast<off_t>(committed)) != 0) {
      throw IoError(errno_message("cannot truncate", path, errno));
    }
    spdlog::info("'{}': removed {} bytes a stopped run wrote after its last commit", path,
                 size - committed);
  }
}

void InputState::bind_output(const std::string& path) {
  check_loaded();
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) throw IoError(errno_message("cannot write", path, errno));
  OutputEntry now{path, static_cast<std::uint64_t>(status.st_dev),
                  static_cast<std::uint64_t>(status.st_ino),
                  static_cast<std::uint64_t>(status.st_size)};
  if (data_.output && data_.output->path == now.path && data_.output->device == now.device &&
      data_.output->inode == now.inode && data_.output->length == now.length) {
    return;
  }
  // A first run, or a new output file: its length now is where this job's records begin, saved
  // before any is written, so a run killed before its first commit is truncated back to it.
  data_.output = now;
  save_state(path_, data_);
}

bool InputState::commit_due() const {
  return std::chrono::steady_clock::now() - last_commit_ >= commit_interval();
}

void InputState::commit(std::optional<std::uint64_t> output_length) {
  settle();
  if (output_length && data_.output) data_.output->length = *output_length;
  save();
}

StateData& InputState::settle() {
  check_loaded();
  for (const auto& [entry, at] : taken_) {
    InputEntry& input = data_.inputs[entry];
    input.offset = at.offset;
    input.line = at.line;
    if (const auto end = end_of_compressed_.find(entry);
        end != end_of_compressed_.end() && end->second == at.offset) {
      input.done = true;
    }
  }
  return data_;
}

void InputState::save() {
  save_state(path_, data_);
  last_commit_ = std::chrono::steady_clock::now();
}

}  // namespace gpipe
