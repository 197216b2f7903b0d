// The state file of an incremental job (--state, docs/spec.md §7): for each input file its
// identity and the offset just past the last whole record the sink committed, and for
// `write --append` the output's committed length, for `sqlite` and `postgres` the generation of
// the state row in the database. Text, one entry a line, ending in a checksum
// line, so a damaged or cut file is an error rather than a silent restart from zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpipe {

// What makes a file the same file from one run to the next: device and inode, and a hash of
// its first bytes (of its content: a compressed file's decompressed bytes) with their count, so
// a file shorter than the hash window still has an identity.
struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;  // the file's size (compressed: on disk) when last seen
  std::uint32_t head_length = 0;
  std::uint64_t head_hash = 0;
};

struct InputEntry {
  std::string path;  // as last seen
  FileIdentity identity;
  std::uint64_t offset = 0;  // committed: reading resumes here (decompressed bytes)
  std::uint64_t line = 1;    // the line number of the line at `offset`
  bool compressed = false;
  bool done = false;           // a compressed file read to its end: never read again
  std::int64_t last_seen = 0;  // Unix time it was last among the inputs
  // Replaced during the run by a new entry for the same inode (truncated while followed): not
  // saved.
  bool retired = false;
};

// write --append: the output file and its length after the last committed records.
struct OutputEntry {
  std::string path;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t length = 0;
};

// sqlite and postgres: the job's state is also a row of the database's gpipe_state table,
// committed in the same transaction as the rows it covers (src/state/database_state.hpp).
struct DatabaseEntry {
  std::string job;               // made at the job's first load: tells two jobs' rows apart
  std::uint64_t generation = 0;  // load transactions committed with a state, counted
};

struct StateData {
  std::vector<InputEntry> inputs;
  std::optional<OutputEntry> output;
  std::optional<DatabaseEntry> database;
};

std::string serialize_state(const StateData& state);
// Throws IoError naming `path` when the text is empty, cut short or damaged.
StateData parse_state(std::string_view text, const std::string& path);
// The state in `path`, or nullopt when there is no such file (a first run). Throws IoError for
// an empty, unreadable or damaged one.
std::optional<StateData> load_state(const std::string& path);
// Writes the state to a temporary file beside `path`, fsyncs it, renames it over `path` and
// fsyncs the directory: after a crash the file holds the old state or the new one, whole.
void save_state(const std::string& path, const StateData& state);

}  // namespace gpipe
