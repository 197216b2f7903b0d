// InputState: what --state knows while a run goes on. Before the run it matches the input
// files against the state file (the same file, a rotated one, a truncated one, a new one) and
// says where each is read from; during the run it follows how far the records the sink has
// taken reach (the resume points batches carry) and commits that, with the output's length,
// when the sink has made them durable (docs/scheduled-jobs.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gpipe/record.hpp"
#include "state/state_file.hpp"
#include "state/state_lock.hpp"

namespace gpipe {

// One input file of a run, as the state plans it.
struct PlannedInput {
  std::string path;
  std::size_t entry = 0;     // its InputEntry in the state
  std::uint64_t offset = 0;  // where reading starts (decompressed bytes)
  std::uint64_t line = 1;    // the line number there
  bool compressed = false;
  bool skip = false;  // a compressed file already read to its end
};

class InputState {
 public:
  // The hash window: a file's identity includes a hash of its first this many bytes.
  static constexpr std::uint32_t kHeadBytes = 1024;

  // Locks and loads the state file (a missing one is a first run). Throws IoError when it is
  // locked; an empty or damaged file is an IoError at the first use of the state (a database
  // job may take its state from the database instead: adopt).
  explicit InputState(std::string path);
  const std::string& path() const { return path_; }

  // What the state file held when the run began: nullopt for a missing file, or when
  // load_error() says why it could not be read.
  const std::optional<StateData>& loaded() const { return loaded_; }
  const std::optional<std::string>& load_error() const { return load_error_; }
  // Takes `data` as the state the run starts from (the database's, which it trusts over the
  // file), before any input is planned.
  void adopt(StateData data);

  // Matches the input files against the state and orders them: files that continue a known one
  // first, in the order the state has them (the rest of a rotated file before its successor),
  // then new files, oldest modified first. Entries of files gone for more than kForgetAfter are
  // dropped.
  std::vector<PlannedInput> plan_inputs(const std::vector<std::string>& paths);
  // --follow: one file first seen during the run (a new file the glob matches, a file recreated
  // under a followed name, a compressed copy of a file read before).
  PlannedInput plan_input(const std::string& path);
  // --follow: the file `origin` was read from was truncated in place; what it holds now is a
  // new file, read from its start.
  // `read_to` and `line`: how far it had been read (a copy of it continues there).
  PlannedInput restart_input(const Origin* origin, const std::string& path, std::uint64_t read_to,
                             std::uint64_t line);

  // --follow: the first bytes of the file `origin` is read from, now that there are more of
  // them than when it was first seen (a file seen empty has no identity by its head yet).
  void saw_head(const Origin* origin, std::string_view head);
  // The source made `origin` for the planned input `entry`.
  void bind(const Origin* origin, std::size_t entry);
  // The source read `origin` to its end at `offset` (just past its last whole line).
  void reached_end(const Origin* origin, std::uint64_t offset, std::uint64_t line);
  // The sink took this batch: every record before its resume point is the sink's.
  void note(const Batch& batch);
  // The sink took the first `records_done` records of `batch` (those before it all).
  void note_part(Batch& batch, std::size_t records_done);
  // The end of the input: every file reached its end.
  void note_end_of_input();

  // write --append: before the output is opened, truncates it back to its committed length (a
  // run stopped after writing past its last commit); after it is opened, records it. Throws
  // IoError when the output is shorter than committed (something else cut it).
  void prepare_output(const std::string& path);
  void bind_output(const std::string& path);

  // Saves what the sink has taken, with the output's durable length (write --append) if given.
  void commit(std::optional<std::uint64_t> output_length);
  bool commit_due() const;

  // sqlite and postgres commit in two steps: the state of what the sink has taken (to be put
  // in the database's transaction), then, once the database has committed, the file.
  StateData& settle();
  void save();

 private:
  struct Position {
    std::uint64_t offset = 0;
    std::uint64_t line = 1;
  };
  struct Ended {
    std::size_t entry;
    Position at;
  };
  void apply_ended();
  void check_loaded() const;
  std::optional<std::size_t> entry_of(const Origin* origin) const;

  std::string path_;
  StateLock lock_;
  StateData data_;
  std::optional<StateData> loaded_;
  std::optional<std::string> load_error_;
  std::unordered_map<const Origin*, std::size_t> entry_of_;
  // By the origin's name too: `batch` passes records on in batches of its own, whose origin is
  // a copy of the source's.
  std::unordered_map<std::string, std::size_t> entry_of_name_;
  std::unordered_map<std::size_t, Position> taken_;  // by entry: what the sink has
  std::vector<Ended> ended_;
  std::unordered_map<std::size_t, std::uint64_t> end_of_compressed_;
  std::unordered_map<std::size_t, Position> read_end_;  // by entry: files read to their end
  std::vector<bool> bound_;                             // by entry: read in this run
  std::chrono::steady_clock::time_point last_commit_;
};

}  // namespace gpipe
