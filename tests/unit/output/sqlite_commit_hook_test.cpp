// The sqlite sink's commit hook (for --state): called in every transaction just before its
// COMMIT, with the point the load has reached, and after it; what it runs commits with the rows.
// Rows go many to an INSERT, and a --batch that ends inside a gpipe batch must still commit
// exactly there.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <string>
#include <vector>

#include "gpipe/context.hpp"
#include "output/db/sqlite_load.hpp"
#include "test_util.hpp"

namespace gpipe::db {
namespace {

// Records each point, and writes into the transaction how many rows the table holds there.
class RecordingHook final : public LoadCommitHook {
 public:
  explicit RecordingHook(const std::uint64_t& records_before_batch)
      : records_before_batch_(records_before_batch) {}
  void in_transaction(LoadTransaction& transaction, const LoadCommitPoint& point) override {
    EXPECT_EQ(transaction.dialect(), "sqlite");
    transaction.execute("CREATE TABLE IF NOT EXISTS state (rows_in_table, rows_at_point)");
    const std::string at_point =
        point.batch == nullptr ? "all" : std::to_string(records_before_batch_ + point.records_done);
    const std::array<std::string_view, 1> params{at_point};
    transaction.execute("INSERT INTO state SELECT count(*), ?1 FROM t", params);
    ++in_transaction_calls;
    EXPECT_EQ(in_transaction_calls, after_commit_calls + 1);
  }
  void after_commit() override { ++after_commit_calls; }

  int in_transaction_calls = 0;
  int after_commit_calls = 0;

 private:
  const std::uint64_t& records_before_batch_;
};

std::vector<std::string> query_rows(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::vector<std::string> rows;
  sqlite3_exec(
      db, sql.c_str(),
      [](void* out, int columns, char** values, char**) {
        std::string row;
        for (int i = 0; i < columns; ++i) {
          if (i != 0) row += '|';
          row += values[i] != nullptr ? values[i] : "NULL";
        }
        static_cast<std::vector<std::string>*>(out)->push_back(row);
        return 0;
      },
      &rows, nullptr);
  sqlite3_close(db);
  return rows;
}

TEST(SqliteCommitHook, EveryCommitAtItsPointWithTheRowsBeforeIt) {
  std::string path = ::testing::TempDir() + "gpipe_commit_hook_XXXXXX";
  const int fd = mkstemp(path.data());
  ASSERT_GE(fd, 0);
  close(fd);
  std::remove(path.c_str());
  std::vector<std::string> lines;
  for (int i = 0; i < 1000; ++i) lines.push_back("line " + std::to_string(i));
  Context ctx;
  LoadOptions options;
  options.target = path;
  options.table = "t";
  options.batch_rows = 100;  // ends inside the batches of 150 records, after many-row INSERTs
  std::unique_ptr<TransactionalSink> sink = make_sqlite_loader(options, ctx.errors);
  std::uint64_t records_before_batch = 0;
  RecordingHook hook(records_before_batch);
  sink->set_commit_hook(&hook);
  for (Batch& batch : test::lines_source(lines, 150)) {
    sink->consume(batch);
    records_before_batch += batch.records().size();
  }
  sink->finish();
  EXPECT_EQ(hook.in_transaction_calls, 10);
  EXPECT_EQ(hook.after_commit_calls, 10);
  std::vector<std::string> expected;
  for (int rows = 100; rows <= 1000; rows += 100) {
    expected.push_back(std::to_string(rows) + "|" + std::to_string(rows));
  }
  EXPECT_EQ(query_rows(path, "SELECT * FROM state ORDER BY rowid"), expected);
  EXPECT_EQ(query_rows(path, "SELECT count(*), min(line), max(line) FROM t"),
            std::vector<std::string>{"1000|line 0|line 999"});
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

}  // namespace
}  // namespace gpipe::db
