#include "output/db/postgres_load.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "gpipe/errors.hpp"
#include "gpipe/owned_record.hpp"
#include "output/db/copy_text.hpp"
#include "output/db/load_rows.hpp"

namespace gpipe::db {

namespace {

std::string_view declared_type(ColumnType type) {
  switch (type) {
    case ColumnType::Bool:
      return "BOOLEAN";
    case ColumnType::Integer:
      return "BIGINT";
    case ColumnType::Real:
      return "DOUBLE PRECISION";
    case ColumnType::Json:
      return "JSONB";
    case ColumnType::None:  // until a value says more (then widened from all nulls)
    case ColumnType::Text:
    case ColumnType::Foreign:
      return "TEXT";
  }
  return "TEXT";
}

ColumnType type_of_declared(std::string_view declared) {
  if (declared == "bigint") return ColumnType::Integer;
  if (declared == "double precision") return ColumnType::Real;
  if (declared == "text") return ColumnType::Text;
  if (declared == "jsonb") return ColumnType::Json;
  if (declared == "boolean") return ColumnType::Bool;
  return ColumnType::Foreign;
}

// The comment on the tables gpipe makes: only their columns are widened; a table made
// otherwise keeps its types (its bigint key stays bigint, and a value that does not fit is a
// refused row).
constexpr std::string_view kMadeByGpipe = "made by gpipe";

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// SQLSTATE classes of errors that a row's values cause (data exceptions, constraints, a row
// affected twice by an upsert, a value too large): the rows are split to find it. Any other
// error (the connection, the server, a permission) stops the run.
bool is_row_error(const PGresult* result) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  if (state == nullptr) return false;
  const std::string_view code(state);
  return code.starts_with("22") || code.starts_with("23") || code.starts_with("21") ||
         code.starts_with("54");
}

class PostgresLoader final : public TransactionalSink, private LoadTransaction {
 public:
  PostgresLoader(LoadOptions options, ErrorPolicy& errors)
      : options_(std::move(options)), errors_(errors), table_(false) {}
  ~PostgresLoader() override {
    // The server rolls back a transaction left open by a closed connection.
    if (connection_ != nullptr) PQfinish(connection_);
  }
  PostgresLoader(const PostgresLoader&) = delete;
  PostgresLoader& operator=(const PostgresLoader&) = delete;

  void consume(Batch& batch) override;
  void finish() override;

 private:
  std::string_view dialect() const override { return "postgres"; }
  void execute(std::string_view sql, std::span<const std::string_view> params) override;

  [[noreturn]] void fail(std::string_view what, const PGresult* result = nullptr) const;
  void exec(const std::string& sql);
  void flush_pending();
  Result exec_result(const std::string& sql);
  void connect();
  void read_existing_table();
  void apply_schema();
  void begin();
  void commit(const LoadCommitPoint& point);
  bool schema_needs_change() const;
  void columns_of(const BatchRows& rows, std::size_t from, std::size_t to);
  void open_copy();
  void put_copy_data(std::string_view data);
  const PGresult* close_copy(Result& error);
  void stream_rows(Batch& batch, std::size_t from, std::size_t to);
  void end_copy();
  void index_sent_rows();
  std::string_view sent_lines(std::size_t from, std::size_t to) const;
  void resend(std::size_t from, std::size_t to);
  void refused(std::size_t from, std::size_t to, const PGresult* failure);
  std::string copy_sql(const std::string& into, const std::vector<std::uint32_t>& columns) const;
  std::string merge_sql(const std::vector<std::uint32_t>& columns) const;

  LoadOptions options_;
  ErrorPolicy& errors_;
  PGconn* connection_ = nullptr;
  std::string quoted_table_;
  bool table_exists_ = false;
  bool made_by_gpipe_ = false;
  bool in_transaction_ = false;
  bool unflushed_commits_ = false;  // a transaction committed without waiting for the WAL
  std::uint64_t rows_in_transaction_ = 0;
  TableColumns table_;
  std::size_t columns_in_db_ = 0;
  std::vector<ColumnType> needed_;
  ColumnNamer namer_;
  BatchRows rows_;
  std::vector<std::uint32_t> key_columns_;
  std::string pending_sql_;
  std::vector<std::uint32_t> row_columns_;  // the columns of the rows columns_of() read
  std::vector<bool> in_columns_;
  // The open COPY: rows stream into it batch after batch, up to the end of the transaction, in
  // a savepoint. Its columns, and each column's place in them (1 + index, or 0).
  bool copying_ = false;
  std::vector<std::uint32_t> copy_columns_;
  std::vector<std::uint32_t> place_in_copy_;
  // The rows sent in the open COPY, as its text (one line a row), kept until it ends: if the
  // database refuses the COPY, its lines are sent again, split, to find the rows it refuses.
  CopyText copy_text_;
  std::size_t copy_sent_ = 0;  // how much of copy_text_ went to the server
  // Of each row sent, what a bad-record report says of it (SPEC 6), one after the other: a
  // SentRow, then its text as read. Not a kept record: nothing is ever emitted of it, and a
  // refused row is reported with what the batch it came in would have given.
  struct SentRow {
    std::uint64_t line = 0;
    std::uint64_t text_size = 0;
    std::uint32_t origin = 0;  // in sent_origins_
  };
  GrowingBytes sent_rows_;
  std::size_t sent_count_ = 0;
  // Once a COPY is refused: where each sent row's line ends in copy_text_, and where its
  // SentRow is in sent_rows_.
  struct SentPlace {
    std::size_t copy_end = 0;
    std::size_t report_at = 0;
  };
  std::vector<SentPlace> sent_places_;
  OriginKeeper origins_;
  OriginTable sent_origins_;
};

void PostgresLoader::fail(std::string_view what, const PGresult* result) const {
  std::string message = "postgres: " + std::string(what) + ": ";
  const char* error = result != nullptr ? PQresultErrorMessage(result) : "";
  if (error == nullptr || *error == 0) error = PQerrorMessage(connection_);
  message += error;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  throw IoError(message);
}

// Statements that need no answer of their own (BEGIN, RELEASE SAVEPOINT, …) wait in
// pending_sql_ and go with the next one, in the same round trip: a load spends its time in round
// trips to the server, not in the statements.
Result PostgresLoader::exec_result(const std::string& sql) {
  if (copying_) throw IoError("postgres: internal error: a statement while a COPY is open");
  if (pending_sql_.empty()) return Result(PQexec(connection_, sql.c_str()));
  pending_sql_ += sql;
  Result result(PQexec(connection_, pending_sql_.c_str()));
  pending_sql_.clear();
  return result;
}

void PostgresLoader::flush_pending() {
  if (pending_sql_.empty()) return;
  std::string sql;
  sql.swap(pending_sql_);
  exec(sql);
}

void PostgresLoader::exec(const std::string& sql) {
  const Result result = exec_result(sql);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(sql, result.get());
}

void PostgresLoader::execute(std::string_view sql, std::span<const std::string_view> params) {
  flush_pending();
  std::vector<std::string> values(params.begin(), params.end());
  std::vector<const char*> pointers;
  for (const std::string& value : values) pointers.push_back(value.c_str());
  const std::string statement(sql);
  const Result result(PQexecParams(connection_, statement.c_str(),
                                   static_cast<int>(pointers.size()), nullptr, pointers.data(),
                                   nullptr, nullptr, 0));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(statement, result.get());
}

void PostgresLoader::connect() {
  connection_ = PQconnectdb(options_.target.c_str());
  if (connection_ == nullptr || PQstatus(connection_) != CONNECTION_OK) {
    fail("cannot connect");
  }
  if (PQsetClientEncoding(connection_, "UTF8") != 0) fail("cannot set the client encoding");
  exec("SET client_min_messages = warning");
  quoted_table_ = quote_identifier(options_.table);
  read_existing_table();
}

void PostgresLoader::read_existing_table() {
  const char* params[] = {quoted_table_.c_str()};
  const Result result(
      PQexecParams(connection_,
                   "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
                   "coalesce(obj_description(a.attrelid, 'pg_class'), '') FROM pg_attribute a "
                   "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped "
                   "ORDER BY a.attnum",
                   1, nullptr, params, nullptr, nullptr, 0));
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK)
    fail("reading the table's columns", result.get());
  const int count = PQntuples(result.get());
  table_exists_ = count > 0;
  made_by_gpipe_ = count > 0 && PQgetvalue(result.get(), 0, 2) == kMadeByGpipe;
  for (int i = 0; i < count; ++i) {
    table_.add(
        PQgetvalue(result.get(), i, 0),
        made_by_gpipe_ ? type_of_declared(PQgetvalue(result.get(), i, 1)) : ColumnType::Foreign);
  }
  columns_in_db_ = table_.size();
  needed_.assign(table_.size(), ColumnType::None);
}

void PostgresLoader::begin() {
  if (in_transaction_) return;
  pending_sql_ += "BEGIN; ";
  // The load's commits before its last need not wait for the WAL to reach the disk: a server
  // crash loses at most the last few of them, whole, as SQLite's synchronous=NORMAL does, and
  // finish() makes them all durable before the run succeeds. A commit hook (--state) or
  // --durable keeps every commit synchronous.
  if (hook_ == nullptr && !options_.durable) {
    pending_sql_ += "SET LOCAL synchronous_commit = off; ";
    unflushed_commits_ = true;
  }
  in_transaction_ = true;
  rows_in_transaction_ = 0;
}

void PostgresLoader::commit(const LoadCommitPoint& point) {
  if (!in_transaction_) return;
  if (hook_ != nullptr) hook_->in_transaction(*this, point);
  exec("COMMIT");
  in_transaction_ = false;
  if (hook_ != nullptr) hook_->after_commit();
}

void PostgresLoader::apply_schema() {
  if (!table_exists_) {
    if (table_.size() == 0) return;
    std::string sql = "CREATE TABLE " + quoted_table_ + " (";
    for (std::size_t i = 0; i < table_.size(); ++i) {
      table_[i].type = needed_[i];
      if (i != 0) sql += ", ";
      sql += quote_identifier(table_[i].name);
      sql += ' ';
      sql += declared_type(table_[i].type);
    }
    exec(sql + ")");
    exec("COMMENT ON TABLE " + quoted_table_ + " IS '" + std::string(kMadeByGpipe) + "'");
    table_exists_ = true;
    made_by_gpipe_ = true;
    columns_in_db_ = table_.size();
  }
  if (key_columns_.empty() && !options_.keys.empty()) {
    std::string index_columns;
    for (const std::string& key : options_.keys) {
      const std::size_t column = table_.find(key);
      if (column == TableColumns::npos || column >= columns_in_db_) {
        throw IoError("postgres: --key '" + key + "' is not a column of table '" + options_.table +
                      "' (nor a field of the first batch)");
      }
      key_columns_.push_back(static_cast<std::uint32_t>(column));
      if (!index_columns.empty()) index_columns += ", ";
      index_columns += quote_identifier(table_[column].name);
    }
    // ON CONFLICT finds the row to update by a unique index on --key.
    exec("CREATE UNIQUE INDEX IF NOT EXISTS " + quote_identifier(options_.table + "_gpipe_key") +
         " ON " + quoted_table_ + " (" + index_columns + ")");
  }
  // One ALTER TABLE for all the columns this batch widens: one rewrite of the table.
  std::string alter;
  for (std::size_t i = 0; i < columns_in_db_; ++i) {
    const ColumnType current = table_[i].type;
    if (current == ColumnType::Foreign || needed_[i] == ColumnType::None) continue;
    const ColumnType joined = join_types(current, needed_[i]);
    if (joined == current) continue;
    table_[i].type = joined;
    if (declared_type(joined) == declared_type(current)) continue;  // None into TEXT
    const std::string name = quote_identifier(table_[i].name);
    alter += alter.empty() ? "ALTER TABLE " + quoted_table_ + " " : ", ";
    alter += "ALTER COLUMN " + name + " TYPE ";
    alter += declared_type(joined);
    alter += " USING " + name + "::";
    alter += declared_type(joined);
  }
  for (std::size_t i = columns_in_db_; i < table_.size(); ++i) {
    table_[i].type = made_by_gpipe_ ? needed_[i] : ColumnType::Foreign;
    alter += alter.empty() ? "ALTER TABLE " + quoted_table_ + " " : ", ";
    alter += "ADD COLUMN " + quote_identifier(table_[i].name) + " ";
    alter += declared_type(needed_[i]);
  }
  if (!alter.empty()) exec(alter);
  columns_in_db_ = table_.size();
}

std::string PostgresLoader::copy_sql(const std::string& into,
                                     const std::vector<std::uint32_t>& columns) const {
  std::string sql = "COPY " + into + " (";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i != 0) sql += ", ";
    sql += quote_identifier(table_[columns[i]].name);
  }
  return sql + ") FROM STDIN";
}

// upsert and replace: the rows are copied into a temporary table, then merged by --key.
std::string PostgresLoader::merge_sql(const std::vector<std::uint32_t>& columns) const {
  std::vector<std::uint32_t> all;
  const std::vector<std::uint32_t>* set = &columns;
  if (options_.mode == LoadMode::Replace) {
    for (std::uint32_t i = 0; i < columns_in_db_; ++i) all.push_back(i);
    set = &all;
  }
  std::string names;
  for (const std::uint32_t column : *set) {
    if (!names.empty()) names += ", ";
    names += quote_identifier(table_[column].name);
  }
  std::string sql = "INSERT INTO " + quoted_table_ + " (" + names + ") SELECT " + names +
                    " FROM gpipe_load ON CONFLICT (";
  for (std::size_t i = 0; i < key_columns_.size(); ++i) {
    if (i != 0) sql += ", ";
    sql += quote_identifier(table_[key_columns_[i]].name);
  }
  std::string updates;
  for (const std::uint32_t column : *set) {
    if (std::find(key_columns_.begin(), key_columns_.end(), column) != key_columns_.end()) continue;
    if (!updates.empty()) updates += ", ";
    const std::string name = quote_identifier(table_[column].name);
    updates += name + " = EXCLUDED." + name;
  }
  return sql + ") DO " + (updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
}

// Whether the rows read last need DDL first (the table made, a column added or widened, the
// key's index), which cannot run while a COPY is open.
bool PostgresLoader::schema_needs_change() const {
  if (!table_exists_) return table_.size() != 0;
  if (key_columns_.empty() && !options_.keys.empty()) return true;
  if (columns_in_db_ < table_.size()) return true;
  for (std::size_t i = 0; i < columns_in_db_; ++i) {
    const ColumnType current = table_[i].type;
    if (current == ColumnType::Foreign || needed_[i] == ColumnType::None) continue;
    if (join_types(current, needed_[i]) != current) return true;
  }
  return false;
}

// The columns of the rows [from, to) into row_columns_, in the order they first come: a row
// without one of them loads NULL there. Rows without any column (empty JSON objects) load as a
// row of nulls.
void PostgresLoader::columns_of(const BatchRows& rows, std::size_t from, std::size_t to) {
  if (in_columns_.size() < table_.size()) in_columns_.resize(table_.size(), false);
  row_columns_.clear();
  for (std::size_t r = from; r < to; ++r) {
    for (const Cell& cell : rows.cells(rows.rows()[r])) {
      if (in_columns_[cell.column]) continue;
      in_columns_[cell.column] = true;
      row_columns_.push_back(cell.column);
    }
  }
  for (const std::uint32_t column : row_columns_) in_columns_[column] = false;
  if (row_columns_.empty()) row_columns_.push_back(0);
}

// Starts a COPY of copy_columns_ in a savepoint (upsert and replace: into a temporary table,
// merged when it ends). Goes in one round trip with the statements pending before it.
void PostgresLoader::open_copy() {
  const bool merge = options_.mode != LoadMode::Insert;
  pending_sql_ += "SAVEPOINT gpipe_rows; ";
  if (merge) pending_sql_ += "CREATE TEMP TABLE gpipe_load (LIKE " + quoted_table_ + "); ";
  Result started = exec_result(copy_sql(merge ? "gpipe_load" : quoted_table_, copy_columns_));
  if (PQresultStatus(started.get()) != PGRES_COPY_IN) fail("COPY", started.get());
  copying_ = true;
}

// libpq takes an int for the size: rows sent again after a refusal may come to more, so the
// data goes in pieces that fit (COPY takes its rows across pieces).
void PostgresLoader::put_copy_data(std::string_view data) {
  constexpr std::size_t kMostBytes = std::numeric_limits<int>::max();
  while (!data.empty()) {
    const std::size_t bytes = std::min(data.size(), kMostBytes);
    if (PQputCopyData(connection_, data.data(), static_cast<int>(bytes)) != 1) fail("COPY");
    data.remove_prefix(bytes);
  }
}

// Ends the open COPY (and merges it, for upsert and replace): returns null when its rows went
// in, or the error's result (held in `error`) when the database refused them and the savepoint
// was rolled back. An error that is not about the rows stops the run.
const PGresult* PostgresLoader::close_copy(Result& error) {
  copying_ = false;
  if (PQputCopyEnd(connection_, nullptr) != 1) fail("COPY");
  Result copied(PQgetResult(connection_));
  while (Result more{PQgetResult(connection_)}) {
  }
  const PGresult* failure = nullptr;
  if (PQresultStatus(copied.get()) != PGRES_COMMAND_OK) {
    error = std::move(copied);
    failure = error.get();
  } else if (options_.mode != LoadMode::Insert) {
    Result merged = exec_result(merge_sql(copy_columns_));
    if (PQresultStatus(merged.get()) != PGRES_COMMAND_OK) {
      error = std::move(merged);
      failure = error.get();
    } else {
      pending_sql_ += "DROP TABLE gpipe_load; ";
    }
  }
  if (failure == nullptr) {
    pending_sql_ += "RELEASE SAVEPOINT gpipe_rows; ";
    return nullptr;
  }
  if (!is_row_error(failure)) fail("loading rows", failure);
  pending_sql_ += "ROLLBACK TO SAVEPOINT gpipe_rows; RELEASE SAVEPOINT gpipe_rows; ";
  return failure;
}

// The rows [from, to) of the batch read last go into the transaction's COPY, opened first (and
// the open one ended when these rows have other columns); their lines, and what a report of a
// refused one needs, are kept until the COPY ends.
void PostgresLoader::stream_rows(Batch& batch, std::size_t from, std::size_t to) {
  columns_of(rows_, from, to);
  if (copying_) {
    const bool same_columns =
        row_columns_.size() == copy_columns_.size() &&
        std::all_of(row_columns_.begin(), row_columns_.end(), [&](std::uint32_t column) {
          return column < place_in_copy_.size() && place_in_copy_[column] != 0;
        });
    if (!same_columns) end_copy();
  }
  if (!copying_) {
    copy_columns_ = row_columns_;
    place_in_copy_.assign(table_.size(), 0);
    for (std::size_t i = 0; i < copy_columns_.size(); ++i) {
      place_in_copy_[copy_columns_[i]] = static_cast<std::uint32_t>(i + 1);
    }
    open_copy();
  }
  const std::uint32_t origin = sent_origins_.index_of(origins_.keep(batch.origin()));
  const std::vector<Record>& records = batch.records();
  for (std::size_t r = from; r < to; ++r) {
    const Row& row = rows_.rows()[r];
    copy_text_.append_row(rows_.cells(row), copy_columns_, table_.size());
    const Record& record = records[row.record];
    const SentRow sent{record.line, record.text.size(), origin};
    sent_rows_.append({reinterpret_cast<const char*>(&sent), sizeof sent});
    sent_rows_.append(record.text);
  }
  sent_count_ += to - from;
  put_copy_data(copy_text_.text().substr(copy_sent_));
  copy_sent_ = copy_text_.size();
}

// Ends the transaction's COPY, if one is open; if the database refused it, its lines are sent
// again, split, so that only the rows it refuses alone are bad records.
void PostgresLoader::end_copy() {
  if (!copying_) return;
  Result error;
  if (const PGresult* failure = close_copy(error)) {
    index_sent_rows();
    refused(0, sent_count_, failure);
  }
  copy_text_.clear();
  copy_sent_ = 0;
  sent_rows_.clear();
  sent_count_ = 0;
  sent_origins_ = OriginTable{};
}

// Finds each sent row's line (COPY text has one a row) and its SentRow, for a refused COPY.
void PostgresLoader::index_sent_rows() {
  sent_places_.clear();
  const std::string_view text = copy_text_.text();
  const std::string_view reports = sent_rows_.view();
  std::size_t line_end = 0;
  std::size_t report_at = 0;
  for (std::size_t i = 0; i < sent_count_; ++i) {
    line_end = text.find('\n', line_end) + 1;
    sent_places_.push_back(SentPlace{line_end, report_at});
    SentRow sent;
    std::memcpy(&sent, reports.data() + report_at, sizeof sent);
    report_at += sizeof sent + sent.text_size;
  }
}

// The COPY lines of the sent rows [from, to).
std::string_view PostgresLoader::sent_lines(std::size_t from, std::size_t to) const {
  const std::size_t begin = from == 0 ? 0 : sent_places_[from - 1].copy_end;
  return copy_text_.text().substr(begin, sent_places_[to - 1].copy_end - begin);
}

// Sends the sent rows [from, to) again, in a COPY of their own with the same columns (in a
// savepoint); those the database refuses are found by refused().
void PostgresLoader::resend(std::size_t from, std::size_t to) {
  if (from >= to) return;
  open_copy();
  put_copy_data(sent_lines(from, to));
  Result error;
  if (const PGresult* failure = close_copy(error)) refused(from, to, failure);
}

// The database refused the sent rows [from, to) (`failure` says why): they are split, into
// parts of a few thousand rows and then in halves, as pgloader does, down to the rows it
// refuses alone: those are bad records with its reason, and the rest go in.
void PostgresLoader::refused(std::size_t from, std::size_t to, const PGresult* failure) {
  constexpr std::size_t kFirstSplit = 4096;
  if (to - from > kFirstSplit) {
    for (std::size_t part = from; part < to; part += kFirstSplit) {
      resend(part, std::min(to, part + kFirstSplit));
    }
    return;
  }
  if (to - from > 1) {
    const std::size_t middle = from + (to - from) / 2;
    resend(from, middle);
    resend(middle, to);
    return;
  }
  std::string reason = "rejected by PostgreSQL: ";
  const char* primary = PQresultErrorField(failure, PG_DIAG_MESSAGE_PRIMARY);
  reason += primary != nullptr ? primary : "error";
  if (const char* detail = PQresultErrorField(failure, PG_DIAG_MESSAGE_DETAIL)) {
    reason += " (";
    reason += detail;
    reason += ")";
  }
  const std::size_t report_at = sent_places_[from].report_at;
  SentRow sent;
  std::memcpy(&sent, sent_rows_.view().data() + report_at, sizeof sent);
  const std::string_view text = sent_rows_.view().substr(report_at + sizeof sent, sent.text_size);
  errors_.report(BadRecord{sent_origins_.find(sent.origin)->get(), sent.line, 0, reason, text});
}

void PostgresLoader::consume(Batch& batch) {
  if (connection_ == nullptr) connect();
  std::fill(needed_.begin(), needed_.end(), ColumnType::None);
  rows_.read(batch, namer_, table_, BatchRows::Typing{.text_columns_untyped = true}, needed_);
  const std::size_t count = rows_.rows().size();
  if (count != 0) {
    if (schema_needs_change()) end_copy();
    begin();
    apply_schema();
    if (!table_exists_) {
      for (const Row& row : rows_.rows()) {
        const Record& record = batch.records()[row.record];
        errors_.report(BadRecord{batch.origin(), record.line, 0,
                                 "an empty JSON object has no columns to make a table of",
                                 record.text});
      }
      return;
    }
  }
  std::size_t from = 0;
  while (from < count) {
    begin();
    std::size_t to = count;
    if (!follow_load_batches_) {
      to = std::min<std::size_t>(count, from + (options_.batch_rows - rows_in_transaction_));
    }
    stream_rows(batch, from, to);
    rows_in_transaction_ += to - from;
    if (!follow_load_batches_ && rows_in_transaction_ >= options_.batch_rows) {
      end_copy();
      commit(LoadCommitPoint{&batch, to});
    }
    from = to;
  }
  if (batch.closes_load_batch()) {
    end_copy();
    commit(LoadCommitPoint{&batch, count});
  }
}

void PostgresLoader::finish() {
  if (connection_ == nullptr) connect();
  end_copy();
  commit(LoadCommitPoint{});
  // A synchronous commit of a transaction that writes (it takes an id) waits for the WAL up to
  // it, and so for every commit before it.
  if (unflushed_commits_) exec("BEGIN; SELECT txid_current(); COMMIT");
  PQfinish(connection_);
  connection_ = nullptr;
}

}  // namespace

std::unique_ptr<TransactionalSink> make_postgres_loader(LoadOptions options, ErrorPolicy& errors) {
  return std::make_unique<PostgresLoader>(std::move(options), errors);
}

std::string conninfo_problem(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "not a connection string";
    PQfreemem(error);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return "not a libpq connection string or URI: " + message;
  }
  bool has_password = false;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (std::string_view(option->keyword) == "password" && option->val != nullptr &&
        *option->val != 0) {
      has_password = true;
    }
  }
  PQconninfoFree(options);
  if (!has_password) return {};
  return "a password in CONNINFO would show in the process list and in logs: put it in "
         "PGPASSWORD or ~/.pgpass (PGPASSFILE) instead";
}

}  // namespace gpipe::db
