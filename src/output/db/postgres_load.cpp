#include "output/db/postgres_load.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gpipe/errors.hpp"
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

// What COPY's text format needs escaped in a value: the backslash, and the tab, newline and
// carriage return that would end the column or the row.
void append_copy_text(std::string& out, std::string_view text) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char* escape = c == '\\'   ? "\\\\"
                         : c == '\t' ? "\\t"
                         : c == '\n' ? "\\n"
                         : c == '\r' ? "\\r"
                                     : nullptr;
    if (escape == nullptr) continue;
    out.append(text.data() + run, i - run);
    out.append(escape, 2);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

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
  void format_rows(std::size_t from, std::size_t to, const std::vector<std::uint32_t>& columns);
  const PGresult* send_rows(std::size_t from, std::size_t to, Result& error);
  void load_rows(Batch& batch, std::size_t from, std::size_t to);
  std::string copy_sql(const std::string& into, const std::vector<std::uint32_t>& columns) const;
  std::string merge_sql(const std::vector<std::uint32_t>& columns) const;

  LoadOptions options_;
  ErrorPolicy& errors_;
  PGconn* connection_ = nullptr;
  std::string quoted_table_;
  bool table_exists_ = false;
  bool made_by_gpipe_ = false;
  bool in_transaction_ = false;
  std::uint64_t rows_in_transaction_ = 0;
  TableColumns table_;
  std::size_t columns_in_db_ = 0;
  std::vector<ColumnType> needed_;
  ColumnNamer namer_;
  BatchRows rows_;
  std::vector<std::uint32_t> key_columns_;
  std::string copy_buffer_;
  std::string pending_sql_;
  std::vector<std::uint32_t> copy_columns_;
  std::vector<std::uint32_t> cell_of_column_;  // per column: 1 + the row's cell, or 0
  std::vector<bool> in_copy_;
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

// The rows [from, to) in COPY's text format, columns in `columns` order (\N where a row has no
// value).
void PostgresLoader::format_rows(std::size_t from, std::size_t to,
                                 const std::vector<std::uint32_t>& columns) {
  copy_buffer_.clear();
  if (cell_of_column_.size() < table_.size()) cell_of_column_.resize(table_.size(), 0);
  for (std::size_t r = from; r < to; ++r) {
    const std::span<const Cell> cells = rows_.cells(rows_.rows()[r]);
    for (std::size_t c = 0; c < cells.size(); ++c) {
      cell_of_column_[cells[c].column] = static_cast<std::uint32_t>(c + 1);
    }
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i != 0) copy_buffer_ += '\t';
      const std::uint32_t cell = cell_of_column_[columns[i]];
      if (cell == 0 || cells[cell - 1].value.type == ColumnType::None) {
        copy_buffer_ += "\\N";
        continue;
      }
      append_copy_text(copy_buffer_, cells[cell - 1].value.text);
    }
    copy_buffer_ += '\n';
    for (const Cell& cell : cells) cell_of_column_[cell.column] = 0;
  }
}

// Sends the rows [from, to) in a savepoint: returns null when they went in, or the error's
// result (held in `error`) when the database refused them and the savepoint was rolled back.
const PGresult* PostgresLoader::send_rows(std::size_t from, std::size_t to, Result& error) {
  // The columns of these rows: a row without one of them loads NULL there.
  if (in_copy_.size() < table_.size()) in_copy_.resize(table_.size(), false);
  copy_columns_.clear();
  for (std::size_t r = from; r < to; ++r) {
    for (const Cell& cell : rows_.cells(rows_.rows()[r])) {
      if (in_copy_[cell.column]) continue;
      in_copy_[cell.column] = true;
      copy_columns_.push_back(cell.column);
    }
  }
  for (const std::uint32_t column : copy_columns_) in_copy_[column] = false;
  // Rows without any column (empty JSON objects) load as a row of nulls.
  if (copy_columns_.empty()) copy_columns_.push_back(0);
  format_rows(from, to, copy_columns_);
  const bool merge = options_.mode != LoadMode::Insert;
  pending_sql_ += "SAVEPOINT gpipe_rows; ";
  if (merge) pending_sql_ += "CREATE TEMP TABLE gpipe_load (LIKE " + quoted_table_ + "); ";
  Result started = exec_result(copy_sql(merge ? "gpipe_load" : quoted_table_, copy_columns_));
  if (PQresultStatus(started.get()) != PGRES_COPY_IN) fail("COPY", started.get());
  if (PQputCopyData(connection_, copy_buffer_.data(), static_cast<int>(copy_buffer_.size())) != 1 ||
      PQputCopyEnd(connection_, nullptr) != 1) {
    fail("COPY");
  }
  Result copied(PQgetResult(connection_));
  while (Result more{PQgetResult(connection_)}) {
  }
  const PGresult* failure = nullptr;
  if (PQresultStatus(copied.get()) != PGRES_COMMAND_OK) {
    error = std::move(copied);
    failure = error.get();
  } else if (merge) {
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

// A refused set of rows is split in halves, as pgloader does, down to the rows the database
// refuses alone: those are bad records with its reason, and the rest go in.
void PostgresLoader::load_rows(Batch& batch, std::size_t from, std::size_t to) {
  if (from >= to) return;
  Result error;
  const PGresult* failure = send_rows(from, to, error);
  if (failure == nullptr) return;
  if (to - from > 1) {
    const std::size_t middle = from + (to - from) / 2;
    load_rows(batch, from, middle);
    load_rows(batch, middle, to);
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
  const Record& record = batch.records()[rows_.rows()[from].record];
  errors_.report(BadRecord{batch.origin(), record.line, 0, reason, record.text});
}

void PostgresLoader::consume(Batch& batch) {
  if (connection_ == nullptr) connect();
  std::fill(needed_.begin(), needed_.end(), ColumnType::None);
  rows_.read(batch, namer_, table_, /*bool_as_integer=*/false, needed_);
  const std::size_t count = rows_.rows().size();
  if (count != 0) {
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
    load_rows(batch, from, to);
    rows_in_transaction_ += to - from;
    if (!follow_load_batches_ && rows_in_transaction_ >= options_.batch_rows) {
      commit(LoadCommitPoint{&batch, to});
    }
    from = to;
  }
  if (batch.closes_load_batch()) commit(LoadCommitPoint{&batch, count});
}

void PostgresLoader::finish() {
  if (connection_ == nullptr) connect();
  commit(LoadCommitPoint{});
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
