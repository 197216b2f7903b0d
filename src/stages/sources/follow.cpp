// `read --follow`: the files, then what is written to them, as `tail -F` follows them: by name
// (a file renamed away and created again is read to its end, then the new one from its start),
// through truncation (copytruncate: read again from the start), and new files matching a glob.
// Woken by inotify on the files' directories, with a short poll as the fallback; SIGINT and
// SIGTERM end it as the end of input would.
#include <glob.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <set>

#include "gpipe/errors.hpp"
#include "io/io.hpp"
#include "output/temp_files.hpp"
#include "stages/sources/incremental_files.hpp"
#include "stages/sources/sources.hpp"
#include "state/input_state.hpp"

namespace gpipe::stages {

namespace {

using Clock = std::chrono::steady_clock;

// Without inotify (or for changes it does not report, such as on network file systems), the
// files are looked at this often.
constexpr std::chrono::milliseconds kPollInterval{200};
// With --state and no stage asking for ticks, an idle follow still lets the runner commit
// what it has this often.
constexpr std::chrono::milliseconds kStateTick{1000};

bool has_glob_characters(const std::string& path) {
  return path.find_first_of("*?[") != std::string::npos;
}

// The files the patterns name now: a glob's matches (none is not an error: they may come), a
// plain path if it exists.
std::vector<std::string> current_paths(const std::vector<std::string>& patterns) {
  std::vector<std::string> paths;
  for (const std::string& pattern : patterns) {
    if (!has_glob_characters(pattern)) {
      struct stat status {};
      if (::stat(pattern.c_str(), &status) == 0 && S_ISREG(status.st_mode))
        paths.push_back(pattern);
      continue;
    }
    glob_t matches{};
    if (::glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
      for (std::size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
    }
    ::globfree(&matches);
  }
  return paths;
}

// Wakes the follower when something changes in the directories of the patterns.
class DirectoryWatch {
 public:
  explicit DirectoryWatch(const std::vector<std::string>& patterns)
      : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    if (fd_ < 0) return;
    std::set<std::string> directories;
    for (const std::string& pattern : patterns) {
      const std::size_t slash = pattern.rfind('/');
      directories.insert(slash == std::string::npos ? "." : pattern.substr(0, slash + 1));
    }
    for (const std::string& directory : directories) {
      ::inotify_add_watch(fd_, directory.c_str(),
                          IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                              IN_CLOSE_WRITE | IN_ATTRIB);
    }
  }
  ~DirectoryWatch() {
    if (fd_ >= 0) ::close(fd_);
  }
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  // Waits for a change, at most `limit`; a signal ends the wait at once.
  void wait(std::chrono::milliseconds limit) {
    const auto timeout = static_cast<int>(std::min(limit, kPollInterval).count());
    if (fd_ < 0) {
      ::poll(nullptr, 0, timeout);
      return;
    }
    pollfd waiting{fd_, POLLIN, 0};
    if (::poll(&waiting, 1, timeout) > 0) {
      char events[4096];
      while (::read(fd_, events, sizeof events) > 0) {
      }
    }
  }

 private:
  int fd_;
};

struct Followed {
  PositionedFile file;
  const Origin* origin = nullptr;
  bool gone = false;  // no longer under any name the patterns match: read to its end, closed
  // A plain file's first bytes as read (up to InputState::kHeadBytes): a file truncated and
  // written again to the same length or longer shows by them.
  std::string head;
};

std::string read_head(int fd, std::uint64_t length) {
  std::string head(static_cast<std::size_t>(length), '\0');
  const ssize_t got = ::pread(fd, head.data(), head.size(), 0);
  head.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return head;
}

// After reading on: the first bytes of what has been read, once there are more of them.
void remember_head(Followed& f, InputState* state) {
  if (f.file.fd < 0 || f.head.size() >= InputState::kHeadBytes) return;
  const std::uint64_t read = f.file.reader->next_offset();
  if (read <= f.head.size()) return;
  f.head = read_head(f.file.fd, std::min<std::uint64_t>(read, InputState::kHeadBytes));
  if (state != nullptr) state->saw_head(f.origin, f.head);
}

// Truncated in place (copytruncate, `> file`): shorter than what was read, or other first bytes.
bool truncated(const Followed& f) {
  struct stat status {};
  if (f.file.fd < 0 || ::fstat(f.file.fd, &status) != 0) return false;
  if (static_cast<std::uint64_t>(status.st_size) < f.file.reader->next_offset()) return true;
  return !f.head.empty() && read_head(f.file.fd, f.head.size()) != f.head;
}

bool same_file(const Followed& followed, const struct stat& status) {
  return followed.file.device == static_cast<std::uint64_t>(status.st_dev) &&
         followed.file.inode == static_cast<std::uint64_t>(status.st_ino);
}

}  // namespace

BatchStream follow_lines(std::vector<std::string> patterns, Context& ctx) {
  stop_on_signals();
  InputState* const state = ctx.input_state;
  DirectoryWatch watch(patterns);
  std::deque<Followed> followed;  // a deque: open_file's pointers stay valid
  Batch batch;
  std::string first_line;
  const std::chrono::milliseconds tick =
      ctx.idle_tick.count() != 0 ? ctx.idle_tick
                                 : (state != nullptr ? kStateTick : std::chrono::milliseconds{0});
  auto open_file = [&](const std::string& path, const PlannedInput& at) {
    Followed& f = followed.emplace_back();
    f.origin = &ctx.origins.emplace_back(Origin{display_name(path)});
    if (state != nullptr) state->bind(f.origin, at.entry);
    f.file = open_positioned(path, at.offset, at.line, ctx);
    return &f;
  };
  // The files there at the start: planned by the state, or read from their start.
  std::vector<std::string> paths = current_paths(patterns);
  std::vector<Followed*> resumed;
  if (state != nullptr) {
    for (const PlannedInput& input : state->plan_inputs(paths)) {
      Followed* f = open_file(input.path, input);
      if (input.skip) f->gone = true;
      if (input.offset != 0) resumed.push_back(f);
    }
  } else {
    for (const std::string& path : paths) open_file(path, PlannedInput{path});
  }
  for (Followed* f : resumed) {
    if (ctx.resume_with_first_line && !f->gone &&
        first_line_batch(f->file.path, *f->origin, batch, first_line)) {
      co_yield batch;
    }
  }
  Clock::time_point last_output = Clock::now();
  for (;;) {
    bool any = false;
    for (Followed& f : followed) {
      if (f.gone && f.file.reader == nullptr) continue;
      for (Batch& lines : positioned_lines(f.file, *f.origin, batch, ctx)) {
        any = true;
        co_yield lines;
      }
      f.file.reader->read_on();
      remember_head(f, state);
      if (f.gone) {
        if (state != nullptr) {
          state->reached_end(f.origin, f.file.reader->next_offset(), f.file.reader->next_line());
        }
        f.file.reader.reset();
        f.file.source.reset();
      }
    }
    std::erase_if(followed, [](const Followed& f) { return f.gone && f.file.reader == nullptr; });
    if (stop_requested()) co_return;
    const Clock::time_point now = Clock::now();
    if (any) {
      last_output = now;
    } else if (tick.count() != 0 && now - last_output >= tick) {
      batch.reset(nullptr, RecordKind::Line);  // a tick: no records
      co_yield batch;
      last_output = Clock::now();
    }
    watch.wait(tick.count() != 0 ? tick : kPollInterval);
    if (stop_requested()) continue;  // read what came, then end

    // What the names hold now: the same files, truncated ones, new ones, and files gone.
    paths = current_paths(patterns);
    std::vector<struct stat> statuses(paths.size());
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (::stat(paths[i].c_str(), &statuses[i]) != 0) statuses[i] = {};
    }
    for (Followed& f : followed) {
      const bool present = std::any_of(statuses.begin(), statuses.end(),
                                       [&](const struct stat& s) { return same_file(f, s); });
      if (!present) {
        f.gone = true;  // renamed away or removed: read what is left of it, then close it
        continue;
      }
      if (truncated(f)) {
        // Truncated in place (copytruncate): what it holds now is new, from its start.
        // A new origin: a stage that keeps something per file (csv, its header) starts over.
        const std::string path = f.file.path;
        const PlannedInput at =
            state != nullptr ? state->restart_input(f.origin, path, f.file.reader->next_offset(),
                                                    f.file.reader->next_line())
                             : PlannedInput{path};
        f.origin = &ctx.origins.emplace_back(Origin{display_name(path)});
        f.file = open_positioned(path, 0, 1, ctx);
        f.head.clear();
        if (state != nullptr) state->bind(f.origin, at.entry);
      }
    }
    for (std::size_t i = 0; i < paths.size(); ++i) {
      const bool known = std::any_of(followed.begin(), followed.end(),
                                     [&](const Followed& f) { return same_file(f, statuses[i]); });
      // An empty new file is left until something is written to it: a copy being made (cp,
      // copytruncate) is empty at first, and only its first bytes tell what it is a copy of.
      if (known || statuses[i].st_size == 0) continue;
      const PlannedInput at =
          state != nullptr ? state->plan_input(paths[i]) : PlannedInput{paths[i]};
      Followed* f = open_file(paths[i], at);
      if (at.skip) f->gone = true;
    }
  }
}

}  // namespace gpipe::stages
