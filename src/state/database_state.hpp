// --state for the sqlite and postgres sinks. The job's state is a row of the database's
// gpipe_state table, written in each load transaction just before its COMMIT (the sink's commit
// hook), so the rows and the state that covers them commit together or not at all; the state
// file follows once the database has committed (at most once a second, and at the end). A run
// starts from the database's row, which is right about what the database holds even when the file
// is behind it (a crash between the two commits), ahead of it (a database restored from a backup,
// or a power cut that took its last commits), missing or damaged (docs/scheduled-jobs.md).
#pragma once

#include <memory>
#include <string>

#include "gpipe/record.hpp"
#include "output/db/load_options.hpp"
#include "state/input_state.hpp"

namespace gpipe {

class DatabaseState final : public db::LoadCommitHook {
 public:
  // The table gpipe keeps its jobs' states in, one row per state file.
  static constexpr std::string_view kTable = "gpipe_state";

  // Reads the database's row for this state file (on a connection of its own, before the sink
  // connects) and decides which state the run starts from. Throws IoError when the two cannot
  // be reconciled: the file says loads were committed but the database has no row (it was
  // replaced), or the row is another job's. `at_end_only`: a stage before the sink gives its
  // output only at the end of the input, which the sink then loads in one transaction.
  DatabaseState(InputState& state, const db::TransactionalSink& sink, bool at_end_only);
  ~DatabaseState() override;
  DatabaseState(const DatabaseState&) = delete;
  DatabaseState& operator=(const DatabaseState&) = delete;

  // The sink consumed `batch`: its records are committed or in the open transaction.
  void note(const Batch& batch);
  void in_transaction(db::LoadTransaction& transaction, const db::LoadCommitPoint& point) override;
  void after_commit() override;
  // After the sink's finish: a state that moved on since the last load transaction (input read
  // whose records were not loaded: filtered out, or none new) commits in a transaction of its
  // own, so that the next run does not read that input again.
  void finish();

 private:
  void write_row(db::LoadTransaction& transaction);

  InputState& state_;
  std::string dialect_;
  std::string target_;
  std::string key_;  // the state file's absolute path
  bool at_end_only_ = false;
  bool table_made_ = false;            // CREATE TABLE IF NOT EXISTS ran in this run
  bool everything_committed_ = false;  // the last transaction was the sink's last, at its finish
};

}  // namespace gpipe
