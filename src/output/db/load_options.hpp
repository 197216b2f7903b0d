// What the sqlite and postgres sinks are asked to do, and the hook by which a job's own state
// (`--state`) commits in the same transaction as the rows it covers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/record.hpp"
#include "gpipe/record_sink.hpp"

namespace gpipe::db {

enum class LoadMode : std::uint8_t {
  Insert,   // every row is a new row; a duplicate key is a rejected row
  Replace,  // a row whose --key is there already replaces it whole
  Upsert,   // a row whose --key is there already updates the columns the row has
};

struct LoadOptions {
  std::string target;  // the database file, or the PostgreSQL connection string
  std::string table;
  // Rows per transaction when no `batch` stage upstream closes load batches.
  std::uint64_t batch_rows = 10000;
  LoadMode mode = LoadMode::Insert;
  std::vector<std::string> keys;  // --key, for replace and upsert
  bool durable = false;           // sqlite: synchronous=FULL; postgres: every commit synchronous
};

// The open transaction of a load, for a commit hook: runs SQL in it.
class LoadTransaction {
 public:
  virtual ~LoadTransaction() = default;
  // "sqlite" or "postgres": the SQL dialect (parameters are ?1, ?2… and $1, $2…).
  virtual std::string_view dialect() const = 0;
  // Runs one statement with text parameters in the open transaction; throws IoError when the
  // database refuses it (the transaction is then rolled back and the run fails).
  virtual void execute(std::string_view sql, std::span<const std::string_view> params = {}) = 0;
};

// Where the load has got to when a transaction commits: every record of the batches the sink
// was given before `batch`, and the first `records_done` records of `batch`, are in it.
struct LoadCommitPoint {
  const Batch* batch = nullptr;  // null at finish() when the last batch was wholly in before
  std::size_t records_done = 0;
};

// Runs in every load transaction just before its COMMIT (in_transaction, where `--state`
// writes its row, so that the state and the rows it covers commit together or not at all) and
// just after it (after_commit). Nothing runs for a transaction that is rolled back.
class LoadCommitHook {
 public:
  virtual ~LoadCommitHook() = default;
  virtual void in_transaction(LoadTransaction& transaction, const LoadCommitPoint& point) = 0;
  virtual void after_commit() = 0;
};

// A RecordSink that loads into a database in transactions: the planner's record_sink of
// `sqlite` and `postgres`. A caller that owns a hook sets it before the first batch
// (dynamic_cast<TransactionalSink*>(plan.record_sink.get())).
class TransactionalSink : public RecordSink {
 public:
  void set_commit_hook(LoadCommitHook* hook) { hook_ = hook; }
  // Which database it loads into, for `--state` (which reads its row before the run): "sqlite"
  // or "postgres", and the database file or connection string. Set by the stage.
  void set_database(std::string dialect, std::string target) {
    dialect_ = std::move(dialect);
    target_ = std::move(target);
  }
  const std::string& dialect() const { return dialect_; }
  const std::string& target() const { return target_; }
  // Set by the planner when a `batch` stage comes before the sink: each of its load batches is
  // one transaction, and the sink's own --batch count is not used.
  void follow_load_batches() { follow_load_batches_ = true; }

 protected:
  LoadCommitHook* hook_ = nullptr;
  bool follow_load_batches_ = false;

 private:
  std::string dialect_;
  std::string target_;
};

}  // namespace gpipe::db
