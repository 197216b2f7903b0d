#include "state/database_state.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

#include "gpipe/errors.hpp"
#include "state/state_file.hpp"

namespace gpipe {

namespace {

// The job's row as the database has it.
struct StoredRow {
  std::string job;
  std::string state;  // the state file's text (serialize_state)
};

// A connection of gpipe's own to the sink's database, outside the sink's transactions: to read
// the job's row before the run, and to write it after the run when no load transaction did.
class StateConnection : public db::LoadTransaction {
 public:
  virtual std::optional<StoredRow> read_row(const std::string& key) = 0;
  virtual void begin() = 0;
  void commit() { execute("COMMIT"); }
};

class SqliteStateConnection final : public StateConnection {
 public:
  // Null when the database file does not exist and `create` is false (nothing loaded yet).
  static std::unique_ptr<SqliteStateConnection> open(const std::string& path, bool create) {
    if (!create && !std::filesystem::exists(path)) return nullptr;
    auto connection = std::unique_ptr<SqliteStateConnection>(new SqliteStateConnection(path));
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path.c_str(), &connection->db_, flags, nullptr) != SQLITE_OK) {
      connection->fail("cannot open the database");
    }
    // Another job loading into the same database holds its lock for a moment.
    sqlite3_busy_timeout(connection->db_, 10000);
    return connection;
  }
  ~SqliteStateConnection() override {
    if (db_ != nullptr) sqlite3_close_v2(db_);
  }
  SqliteStateConnection(const SqliteStateConnection&) = delete;
  SqliteStateConnection& operator=(const SqliteStateConnection&) = delete;

  std::string_view dialect() const override { return "sqlite"; }

  void execute(std::string_view sql, std::span<const std::string_view> params = {}) override {
    sqlite3_stmt* statement = prepare(sql, params);
    int result = SQLITE_ROW;
    while (result == SQLITE_ROW) result = sqlite3_step(statement);
    sqlite3_finalize(statement);
    if (result != SQLITE_DONE) fail(sql);
  }

  std::optional<StoredRow> read_row(const std::string& key) override {
    const std::string_view table = DatabaseState::kTable;
    const std::string_view exists_params[] = {table};
    if (!has_row("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1", exists_params)) {
      return std::nullopt;
    }
    const std::string_view params[] = {key};
    sqlite3_stmt* statement =
        prepare("SELECT job, state FROM gpipe_state WHERE state_file = ?1", params);
    std::optional<StoredRow> row;
    const int result = sqlite3_step(statement);
    if (result == SQLITE_ROW) row = StoredRow{text(statement, 0), text(statement, 1)};
    sqlite3_finalize(statement);
    if (result != SQLITE_ROW && result != SQLITE_DONE) fail("cannot read table gpipe_state");
    return row;
  }

  void begin() override { execute("BEGIN IMMEDIATE"); }

 private:
  explicit SqliteStateConnection(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(std::string_view what) const {
    throw IoError("sqlite '" + path_ + "': " + std::string(what) + ": " +
                  (db_ != nullptr ? sqlite3_errmsg(db_) : "cannot allocate"));
  }

  sqlite3_stmt* prepare(std::string_view sql, std::span<const std::string_view> params) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr) !=
        SQLITE_OK) {
      fail(sql);
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      sqlite3_bind_text64(statement, static_cast<int>(i + 1), params[i].data(), params[i].size(),
                          SQLITE_STATIC, SQLITE_UTF8);
    }
    return statement;
  }

  bool has_row(std::string_view sql, std::span<const std::string_view> params) {
    sqlite3_stmt* statement = prepare(sql, params);
    const int result = sqlite3_step(statement);
    sqlite3_finalize(statement);
    if (result != SQLITE_ROW && result != SQLITE_DONE) fail(sql);
    return result == SQLITE_ROW;
  }

  static std::string text(sqlite3_stmt* statement, int column) {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, column));
    const int size = sqlite3_column_bytes(statement, column);
    return bytes != nullptr ? std::string(bytes, static_cast<std::size_t>(size)) : std::string();
  }

  std::string path_;
  sqlite3* db_ = nullptr;
};

class PostgresStateConnection final : public StateConnection {
 public:
  explicit PostgresStateConnection(const std::string& conninfo)
      : connection_(PQconnectdb(conninfo.c_str())) {
    if (connection_ == nullptr || PQstatus(connection_) != CONNECTION_OK) {
      fail("cannot connect", nullptr);
    }
    if (PQsetClientEncoding(connection_, "UTF8") != 0) {
      fail("cannot set the client encoding", nullptr);
    }
    execute("SET client_min_messages = warning");
  }
  ~PostgresStateConnection() override { PQfinish(connection_); }
  PostgresStateConnection(const PostgresStateConnection&) = delete;
  PostgresStateConnection& operator=(const PostgresStateConnection&) = delete;

  std::string_view dialect() const override { return "postgres"; }

  void execute(std::string_view sql, std::span<const std::string_view> params = {}) override {
    run(sql, params);
  }

  std::optional<StoredRow> read_row(const std::string& key) override {
    const Result exists = run("SELECT to_regclass('gpipe_state') IS NOT NULL", {});
    if (std::string_view(PQgetvalue(exists.get(), 0, 0)) != "t") return std::nullopt;
    const std::string_view params[] = {key};
    const Result row = run("SELECT job, state FROM gpipe_state WHERE state_file = $1", params);
    if (PQntuples(row.get()) == 0) return std::nullopt;
    return StoredRow{PQgetvalue(row.get(), 0, 0), PQgetvalue(row.get(), 0, 1)};
  }

  void begin() override { execute("BEGIN"); }

 private:
  struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
  };
  using Result = std::unique_ptr<PGresult, ResultDeleter>;

  // The message names no connection string: it may hold what the user did not mean to show.
  [[noreturn]] void fail(std::string_view what, const PGresult* result) const {
    std::string message = "postgres: " + std::string(what) + ": ";
    const char* error = result != nullptr ? PQresultErrorMessage(result) : "";
    if (error == nullptr || *error == 0) error = PQerrorMessage(connection_);
    message += error;
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    throw IoError(message);
  }

  Result run(std::string_view sql, std::span<const std::string_view> params) {
    std::vector<std::string> values(params.begin(), params.end());
    std::vector<const char*> pointers;
    for (const std::string& value : values) pointers.push_back(value.c_str());
    const std::string statement(sql);
    Result result(PQexecParams(connection_, statement.c_str(), static_cast<int>(pointers.size()),
                               nullptr, pointers.data(), nullptr, nullptr, 0));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(statement, result.get());
    return result;
  }

  PGconn* connection_ = nullptr;
};

std::unique_ptr<StateConnection> connect(const std::string& dialect, const std::string& target,
                                         bool create) {
  if (dialect == "sqlite") return SqliteStateConnection::open(target, create);
  return std::make_unique<PostgresStateConnection>(target);
}

std::string create_table_sql(std::string_view dialect) {
  const bool sqlite = dialect == "sqlite";
  return std::string("CREATE TABLE IF NOT EXISTS gpipe_state (state_file TEXT PRIMARY KEY, ") +
         "job TEXT NOT NULL, generation " + (sqlite ? "INTEGER" : "BIGINT") +
         " NOT NULL, state TEXT NOT NULL, committed " + (sqlite ? "TEXT" : "TIMESTAMPTZ") +
         " NOT NULL)";
}

std::string upsert_sql(std::string_view dialect) {
  const bool sqlite = dialect == "sqlite";
  return std::string("INSERT INTO gpipe_state (state_file, job, generation, state, committed) ") +
         (sqlite ? "VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
                 : "VALUES ($1, $2, $3, $4, now())") +
         " ON CONFLICT (state_file) DO UPDATE SET job = excluded.job, generation = "
         "excluded.generation, state = excluded.state, committed = excluded.committed";
}

std::string new_job_id() {
  std::random_device random;
  const std::uint64_t value = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::string describe_table(const std::string& dialect, const std::string& target) {
  if (dialect == "sqlite") return "table gpipe_state of '" + target + "'";
  return "table gpipe_state of the postgres database";
}

}  // namespace

DatabaseState::DatabaseState(InputState& state, const db::TransactionalSink& sink, bool at_end_only)
    : state_(state),
      dialect_(sink.dialect()),
      target_(sink.target()),
      key_(std::filesystem::absolute(state.path()).lexically_normal().string()),
      at_end_only_(at_end_only) {
  const std::string table = describe_table(dialect_, target_);
  std::optional<StoredRow> row;
  if (const std::unique_ptr<StateConnection> connection = connect(dialect_, target_, false)) {
    row = connection->read_row(key_);
  }
  const std::optional<StateData>& file = state.loaded();
  if (!row) {
    if (state.load_error()) throw IoError(*state.load_error());
    if (file && file->database) {
      throw IoError("state file '" + state.path() + "' says this job committed " +
                    std::to_string(file->database->generation) + " loads, but " + table +
                    " has no row for it ('" + key_ +
                    "'): the database was replaced, or restored from a backup older than the "
                    "job's first load; restore the database, or empty its table and remove the "
                    "state file to load every input again");
    }
    // The job's first load: a job of its own.
    StateData start = file.value_or(StateData{});
    start.output.reset();
    start.database = DatabaseEntry{new_job_id(), 0};
    state.adopt(std::move(start));
    return;
  }
  StateData stored = parse_state(row->state, table + " (its row for '" + key_ + "')");
  if (!stored.database || stored.database->job != row->job) {
    throw IoError(table + ": the row for '" + key_ + "' is damaged (its job does not match)");
  }
  const DatabaseEntry& in_db = *stored.database;
  if (file && file->database && file->database->job != in_db.job) {
    throw IoError(table + " holds the state of another job (" + in_db.job + ") for state file '" +
                  state.path() + "' (of job " + file->database->job +
                  "): two jobs with state files of this path, on two machines perhaps, load "
                  "into this database; give one of them another state file");
  }
  if (state.load_error()) {
    spdlog::warn("{}; the job goes on from the state in {} (load {})", *state.load_error(), table,
                 in_db.generation);
  } else if (!file) {
    spdlog::warn("state file '{}' is missing: the job goes on from the state in {} (load {})",
                 state.path(), table, in_db.generation);
  } else if (!file->database) {
    spdlog::warn(
        "state file '{}' has no database entry: the job goes on from the state in {} "
        "(load {})",
        state.path(), table, in_db.generation);
  } else if (file->database->generation > in_db.generation) {
    spdlog::warn(
        "{} is at load {}, behind state file '{}' (load {}): the database lost its last "
        "commits (restored from a backup, or a power cut); the job goes on from the "
        "database's state, loading those records again",
        table, in_db.generation, state.path(), file->database->generation);
  } else if (file->database->generation < in_db.generation) {
    spdlog::info(
        "state file '{}' (load {}) is behind {} (load {}): the last run stopped between "
        "the two commits; the job goes on from the database's state",
        state.path(), file->database->generation, table, in_db.generation);
  }
  state.adopt(std::move(stored));
}

DatabaseState::~DatabaseState() = default;

void DatabaseState::note(const Batch& batch) {
  if (!at_end_only_) state_.note(batch);
}

void DatabaseState::in_transaction(db::LoadTransaction& transaction,
                                   const db::LoadCommitPoint& point) {
  if (point.batch == nullptr) {
    state_.note_end_of_input();
    everything_committed_ = true;
  } else if (at_end_only_) {
    throw std::logic_error("--state: a load committed before the end of an aggregate's output");
  } else {
    // The sink has read the batch's records, so its lines are split: records() changes nothing.
    state_.note_part(const_cast<Batch&>(*point.batch), point.records_done);
  }
  write_row(transaction);
}

void DatabaseState::write_row(db::LoadTransaction& transaction) {
  StateData& data = state_.settle();
  DatabaseEntry& entry = data.database.value();
  ++entry.generation;
  const std::string text = serialize_state(data);
  if (!table_made_) {
    transaction.execute(create_table_sql(transaction.dialect()));
    table_made_ = true;
  }
  const std::string generation = std::to_string(entry.generation);
  const std::string_view params[] = {key_, entry.job, generation, text};
  transaction.execute(upsert_sql(transaction.dialect()), params);
}

// The database's row is the state a run starts from; the file (two fsyncs) follows it at most
// once per commit interval, and at the end, and a file left behind by a crash is harmless.
void DatabaseState::after_commit() {
  if (everything_committed_ || state_.commit_due()) state_.save();
}

void DatabaseState::finish() {
  if (everything_committed_) return;
  state_.note_end_of_input();
  const std::unique_ptr<StateConnection> connection = connect(dialect_, target_, true);
  table_made_ = false;
  connection->begin();
  write_row(*connection);
  connection->commit();
  state_.save();
}

}  // namespace gpipe
