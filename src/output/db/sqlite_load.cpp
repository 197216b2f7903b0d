#include "output/db/sqlite_load.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "gpipe/errors.hpp"
#include "output/db/load_rows.hpp"

namespace gpipe::db {

namespace {

// Written into the CREATE TABLE of the tables gpipe makes (SQLite keeps the statement's text):
// only those are rebuilt to widen a column; a table made otherwise keeps its own types.
constexpr std::string_view kMadeByGpipe = "-- made by gpipe\n";

std::string_view declared_type(ColumnType type) {
  switch (type) {
    case ColumnType::Bool:
    case ColumnType::Integer:
      return "INTEGER";
    case ColumnType::Real:
      return "REAL";
    case ColumnType::Text:
    case ColumnType::Json:
      return "TEXT";
    case ColumnType::None:
    case ColumnType::Foreign:
      return "";
  }
  return "";
}

ColumnType type_of_declared(std::string_view declared) {
  if (declared == "INTEGER") return ColumnType::Integer;
  if (declared == "REAL") return ColumnType::Real;
  if (declared == "TEXT") return ColumnType::Text;
  if (declared.empty()) return ColumnType::None;
  return ColumnType::Foreign;
}

// Rows of the same columns inserted by one statement (at most; fewer when the parameters would
// be too many).
constexpr std::size_t kRowsPerStatement = 64;

// A statement, finalized when it goes.
struct StatementDeleter {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

class SqliteLoader final : public TransactionalSink, private LoadTransaction {
 public:
  SqliteLoader(LoadOptions options, ErrorPolicy& errors)
      : options_(std::move(options)), errors_(errors), table_(true) {}
  ~SqliteLoader() override {
    forget_statements();
    // An open transaction is rolled back when the connection closes: a failed or interrupted
    // run keeps only the load batches it committed.
    if (db_ != nullptr) sqlite3_close_v2(db_);
  }
  SqliteLoader(const SqliteLoader&) = delete;
  SqliteLoader& operator=(const SqliteLoader&) = delete;

  void consume(Batch& batch) override;
  void finish() override;

 private:
  std::string_view dialect() const override { return "sqlite"; }
  void execute(std::string_view sql, std::span<const std::string_view> params) override;

  [[noreturn]] void fail(std::string_view what) const;
  void exec(const std::string& sql);
  void open();
  void read_existing_table();
  void apply_schema();
  void create_table();
  void rebuild_wider(const std::vector<ColumnType>& wider);
  void begin();
  void commit(const LoadCommitPoint& point);
  void forget_statements();
  sqlite3_stmt* prepare(const std::string& sql);
  sqlite3_stmt* statement_for(std::span<const Cell> cells);
  std::string insert_sql(const std::vector<std::uint32_t>& columns, std::size_t rows = 1) const;
  void bind(sqlite3_stmt* statement, std::span<const Cell> cells, int first_parameter = 1);
  void insert(Batch& batch, const Row& row);
  std::size_t rows_for_one_statement(std::size_t first) const;
  void insert_many(Batch& batch, std::size_t first);

  LoadOptions options_;
  ErrorPolicy& errors_;
  sqlite3* db_ = nullptr;
  bool table_exists_ = false;
  bool made_by_gpipe_ = false;
  bool in_transaction_ = false;
  std::uint64_t rows_in_transaction_ = 0;
  TableColumns table_;
  std::size_t columns_in_db_ = 0;  // table_[0, columns_in_db_) exist in the database
  std::vector<ColumnType> needed_;
  ColumnNamer namer_;
  BatchRows rows_;
  std::map<std::vector<std::uint32_t>, Statement> statements_;
  std::vector<std::uint32_t> last_columns_;
  sqlite3_stmt* last_statement_ = nullptr;
  // The statement that inserts several rows of last_columns_ at once, and how many.
  Statement many_statement_;
  std::size_t many_rows_ = 0;
  std::vector<std::uint32_t> key_columns_;
  std::vector<std::uint32_t> columns_scratch_;
};

void SqliteLoader::fail(std::string_view what) const {
  throw IoError("sqlite '" + options_.target + "': " + std::string(what) + ": " +
                (db_ != nullptr ? sqlite3_errmsg(db_) : "cannot allocate"));
}

void SqliteLoader::exec(const std::string& sql) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
}

void SqliteLoader::execute(std::string_view sql, std::span<const std::string_view> params) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) !=
      SQLITE_OK) {
    fail(sql);
  }
  const Statement statement(raw);
  for (std::size_t i = 0; i < params.size(); ++i) {
    sqlite3_bind_text64(raw, static_cast<int>(i + 1), params[i].data(), params[i].size(),
                        SQLITE_STATIC, SQLITE_UTF8);
  }
  int result = SQLITE_ROW;
  while (result == SQLITE_ROW) result = sqlite3_step(raw);
  if (result != SQLITE_DONE) fail(sql);
}

void SqliteLoader::open() {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(options_.target.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    fail("cannot open the database");
  }
  // Another writer (a second run, a reader's checkpoint) holds the lock for a moment: wait for
  // it rather than fail at once.
  sqlite3_busy_timeout(db_, 10000);
  // Large pages for a new database: a load writes every page twice (the WAL, then the
  // checkpoint), one system call each, so fewer of them; an existing database keeps its own.
  // And a page cache that holds a load batch's pages until its commit; no larger: a load only
  // appends, and every new page the cache grows by is memory faulted in and zeroed.
  exec("PRAGMA page_size=65536");
  exec("PRAGMA cache_size=-8192");
  exec("PRAGMA journal_mode=WAL");
  exec(options_.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  read_existing_table();
}

void SqliteLoader::read_existing_table() {
  sqlite3_stmt* raw = nullptr;
  const std::string schema_sql = "SELECT sql FROM sqlite_schema WHERE type='table' AND name=?1";
  if (sqlite3_prepare_v2(db_, schema_sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    fail(schema_sql);
  }
  Statement schema(raw);
  sqlite3_bind_text(raw, 1, options_.table.c_str(), -1, SQLITE_STATIC);
  if (sqlite3_step(raw) != SQLITE_ROW) return;
  table_exists_ = true;
  const auto* create = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
  made_by_gpipe_ =
      create != nullptr && std::string_view(create).find(kMadeByGpipe) != std::string_view::npos;
  const std::string info_sql = "SELECT name, type FROM pragma_table_info(?1)";
  if (sqlite3_prepare_v2(db_, info_sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) fail(info_sql);
  Statement info(raw);
  sqlite3_bind_text(raw, 1, options_.table.c_str(), -1, SQLITE_STATIC);
  while (sqlite3_step(raw) == SQLITE_ROW) {
    const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
    const auto* type = reinterpret_cast<const char*>(sqlite3_column_text(raw, 1));
    const ColumnType column_type =
        made_by_gpipe_ ? type_of_declared(type != nullptr ? type : "") : ColumnType::Foreign;
    table_.add(name != nullptr ? name : "", column_type);
  }
  columns_in_db_ = table_.size();
  needed_.assign(table_.size(), ColumnType::None);
}

void SqliteLoader::begin() {
  if (in_transaction_) return;
  exec("BEGIN IMMEDIATE");
  in_transaction_ = true;
  rows_in_transaction_ = 0;
}

void SqliteLoader::commit(const LoadCommitPoint& point) {
  if (!in_transaction_) return;
  if (hook_ != nullptr) hook_->in_transaction(*this, point);
  exec("COMMIT");
  in_transaction_ = false;
  if (hook_ != nullptr) hook_->after_commit();
}

void SqliteLoader::create_table() {
  std::string sql =
      "CREATE TABLE " + quote_identifier(options_.table) + " (" + std::string(kMadeByGpipe);
  for (std::size_t i = 0; i < table_.size(); ++i) {
    table_[i].type = needed_[i];
    if (i != 0) sql += ",\n";
    sql += quote_identifier(table_[i].name);
    if (const std::string_view type = declared_type(table_[i].type); !type.empty()) {
      sql += ' ';
      sql += type;
    }
  }
  sql += ")";
  exec(sql);
  table_exists_ = true;
  made_by_gpipe_ = true;
  columns_in_db_ = table_.size();
}

// SQLite cannot change a column's type in place (ALTER TABLE has no ALTER COLUMN): the table is
// copied into one with the wider types, in the open transaction, and takes the old one's name,
// indexes and triggers.
void SqliteLoader::rebuild_wider(const std::vector<ColumnType>& wider) {
  forget_statements();
  const std::string table = quote_identifier(options_.table);
  const std::string scratch = quote_identifier(options_.table + "__gpipe_widening");
  std::vector<std::string> dependents;
  {
    sqlite3_stmt* raw = nullptr;
    const std::string sql =
        "SELECT sql FROM sqlite_schema WHERE tbl_name=?1 AND type IN ('index','trigger') AND "
        "sql IS NOT NULL";
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) fail(sql);
    const Statement statement(raw);
    sqlite3_bind_text(raw, 1, options_.table.c_str(), -1, SQLITE_STATIC);
    while (sqlite3_step(raw) == SQLITE_ROW) {
      dependents.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(raw, 0)));
    }
  }
  std::string sql = "CREATE TABLE " + scratch + " (" + std::string(kMadeByGpipe);
  for (std::size_t i = 0; i < columns_in_db_; ++i) {
    if (i != 0) sql += ",\n";
    sql += quote_identifier(table_[i].name);
    if (const std::string_view type = declared_type(wider[i]); !type.empty()) {
      sql += ' ';
      sql += type;
    }
  }
  sql += ")";
  exec(sql);
  exec("INSERT INTO " + scratch + " SELECT * FROM " + table);
  exec("DROP TABLE " + table);
  exec("ALTER TABLE " + scratch + " RENAME TO " + table);
  for (const std::string& dependent : dependents) exec(dependent);
  for (std::size_t i = 0; i < columns_in_db_; ++i) table_[i].type = wider[i];
}

void SqliteLoader::apply_schema() {
  if (!table_exists_) {
    if (table_.size() == 0) return;
    create_table();
  }
  if (key_columns_.empty() && !options_.keys.empty()) {
    std::string index_columns;
    for (const std::string& key : options_.keys) {
      const std::size_t column = table_.find(key);
      if (column == TableColumns::npos || column >= columns_in_db_) {
        throw IoError("sqlite: --key '" + key + "' is not a column of table '" + options_.table +
                      "' (nor a field of the first batch)");
      }
      key_columns_.push_back(static_cast<std::uint32_t>(column));
      if (!index_columns.empty()) index_columns += ", ";
      index_columns += quote_identifier(table_[column].name);
    }
    // replace and upsert find the row to replace by a uniqueness constraint on --key.
    exec("CREATE UNIQUE INDEX IF NOT EXISTS " + quote_identifier(options_.table + "_gpipe_key") +
         " ON " + quote_identifier(options_.table) + " (" + index_columns + ")");
  }
  // Widening only a table gpipe made: it may rebuild that one. A None column has no declared
  // type, so SQLite stores each value as it is bound; it stays so.
  bool widen = false;
  std::vector<ColumnType> wider(columns_in_db_);
  for (std::size_t i = 0; i < columns_in_db_; ++i) {
    wider[i] = table_[i].type;
    if (!made_by_gpipe_ || table_[i].type == ColumnType::None) continue;
    const ColumnType joined = join_types(table_[i].type, needed_[i]);
    if (declared_type(joined) != declared_type(table_[i].type)) widen = true;
    wider[i] = joined;
  }
  if (widen) rebuild_wider(wider);
  for (std::size_t i = columns_in_db_; i < table_.size(); ++i) {
    table_[i].type = made_by_gpipe_ ? needed_[i] : ColumnType::Foreign;
    std::string sql = "ALTER TABLE " + quote_identifier(options_.table) + " ADD COLUMN " +
                      quote_identifier(table_[i].name);
    if (const std::string_view type = declared_type(table_[i].type); !type.empty()) {
      sql += ' ';
      sql += type;
    }
    exec(sql);
    columns_in_db_ = i + 1;
    forget_statements();
  }
}

std::string SqliteLoader::insert_sql(const std::vector<std::uint32_t>& columns,
                                     std::size_t rows) const {
  std::string sql = options_.mode == LoadMode::Replace ? "INSERT OR REPLACE INTO " : "INSERT INTO ";
  sql += quote_identifier(options_.table);
  if (columns.empty()) return sql + " DEFAULT VALUES";
  sql += " (";
  std::string values;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i != 0) {
      sql += ", ";
      values += ", ";
    }
    sql += quote_identifier(table_[columns[i]].name);
    values += '?';
    values += std::to_string(i + 1);
  }
  sql += ") VALUES (" + values + ")";
  for (std::size_t row = 1; row < rows; ++row) {
    sql += ", (";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i != 0) sql += ", ";
      sql += '?';
      sql += std::to_string(row * columns.size() + i + 1);
    }
    sql += ')';
  }
  if (options_.mode != LoadMode::Upsert) return sql;
  sql += " ON CONFLICT (";
  for (std::size_t i = 0; i < key_columns_.size(); ++i) {
    if (i != 0) sql += ", ";
    sql += quote_identifier(table_[key_columns_[i]].name);
  }
  sql += ") DO ";
  std::string updates;
  for (const std::uint32_t column : columns) {
    if (std::find(key_columns_.begin(), key_columns_.end(), column) != key_columns_.end()) {
      continue;
    }
    if (!updates.empty()) updates += ", ";
    const std::string name = quote_identifier(table_[column].name);
    updates += name + " = excluded." + name;
  }
  return sql + (updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
}

void SqliteLoader::forget_statements() {
  statements_.clear();
  last_statement_ = nullptr;
  last_columns_.clear();
  many_statement_.reset();
  many_rows_ = 0;
}

// Kept for the whole load (until the table changes): prepared once.
sqlite3_stmt* SqliteLoader::prepare(const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &raw, nullptr) != SQLITE_OK) {
    fail(sql);
  }
  return raw;
}

sqlite3_stmt* SqliteLoader::statement_for(std::span<const Cell> cells) {
  const bool same = last_statement_ != nullptr && last_columns_.size() == cells.size() &&
                    std::equal(cells.begin(), cells.end(), last_columns_.begin(),
                               [](const Cell& cell, std::uint32_t c) { return cell.column == c; });
  if (same) return last_statement_;
  columns_scratch_.clear();
  for (const Cell& cell : cells) columns_scratch_.push_back(cell.column);
  Statement& slot = statements_[columns_scratch_];
  if (slot == nullptr) slot.reset(prepare(insert_sql(columns_scratch_)));
  last_columns_ = columns_scratch_;
  last_statement_ = slot.get();
  many_statement_.reset();
  const auto parameters =
      static_cast<std::size_t>(sqlite3_limit(db_, SQLITE_LIMIT_VARIABLE_NUMBER, -1));
  many_rows_ =
      last_columns_.empty() ? 0 : std::min(kRowsPerStatement, parameters / last_columns_.size());
  return last_statement_;
}

void SqliteLoader::bind(sqlite3_stmt* statement, std::span<const Cell> cells, int first_parameter) {
  int parameter = first_parameter;
  for (const Cell& cell : cells) {
    const ColumnType column = table_[cell.column].type;
    const TypedValue& value = cell.value;
    // The values are views into the batch, valid until the statement is reset: no copies.
    switch (value.type) {
      case ColumnType::None:
        sqlite3_bind_null(statement, parameter);
        break;
      case ColumnType::Bool:
      case ColumnType::Integer:
        if (column == ColumnType::Real) {
          sqlite3_bind_double(statement, parameter, static_cast<double>(value.integer));
        } else if (column == ColumnType::Text) {
          sqlite3_bind_text64(statement, parameter, value.text.data(), value.text.size(),
                              SQLITE_STATIC, SQLITE_UTF8);
        } else {
          sqlite3_bind_int64(statement, parameter, value.integer);
        }
        break;
      case ColumnType::Real:
        if (column == ColumnType::Text) {
          sqlite3_bind_text64(statement, parameter, value.text.data(), value.text.size(),
                              SQLITE_STATIC, SQLITE_UTF8);
        } else {
          sqlite3_bind_double(statement, parameter, value.real);
        }
        break;
      case ColumnType::Text:
      case ColumnType::Json:
      case ColumnType::Foreign:
        sqlite3_bind_text64(statement, parameter, value.text.data(), value.text.size(),
                            SQLITE_STATIC, SQLITE_UTF8);
        break;
    }
    ++parameter;
  }
}

// A row the database refuses (a constraint, a value too big) is a bad record, and only it:
// SQLite rolls back just the failed statement, so the rest of the transaction stands.
void SqliteLoader::insert(Batch& batch, const Row& row) {
  const std::span<const Cell> cells = rows_.cells(row);
  sqlite3_stmt* statement = statement_for(cells);
  bind(statement, cells);
  const int result = sqlite3_step(statement);
  if (result == SQLITE_DONE) {
    sqlite3_reset(statement);
    return;
  }
  const std::string reason = std::string("rejected by SQLite: ") + sqlite3_errmsg(db_);
  sqlite3_reset(statement);
  const int primary = result & 0xff;
  if (primary != SQLITE_CONSTRAINT && primary != SQLITE_MISMATCH && primary != SQLITE_TOOBIG) {
    throw IoError("sqlite '" + options_.target + "': " + reason.substr(20));
  }
  const Record& record = batch.records()[row.record];
  errors_.report(BadRecord{batch.origin(), record.line, 0, reason, record.text});
}

// How many rows from `first` go in one statement: many_rows_ rows of the same columns, all
// before the transaction's end, when the load inserts; else one.
std::size_t SqliteLoader::rows_for_one_statement(std::size_t first) const {
  if (options_.mode != LoadMode::Insert || many_rows_ < 2) return 1;
  const std::vector<Row>& rows = rows_.rows();
  if (rows.size() - first < many_rows_) return 1;
  if (!follow_load_batches_ && options_.batch_rows - rows_in_transaction_ < many_rows_) return 1;
  for (std::size_t r = first; r < first + many_rows_; ++r) {
    const std::span<const Cell> cells = rows_.cells(rows[r]);
    const bool same =
        cells.size() == last_columns_.size() &&
        std::equal(cells.begin(), cells.end(), last_columns_.begin(),
                   [](const Cell& cell, std::uint32_t c) { return cell.column == c; });
    if (!same) return 1;
  }
  return many_rows_;
}

// many_rows_ rows from `first` in one INSERT: SQLite's cost per statement (opening the table,
// finding its end, the statement's own commit) is paid once for them. A refused statement is
// rolled back whole, and its rows are inserted one by one, so that only the refused ones are
// bad records.
void SqliteLoader::insert_many(Batch& batch, std::size_t first) {
  const std::vector<Row>& rows = rows_.rows();
  if (many_statement_ == nullptr)
    many_statement_.reset(prepare(insert_sql(last_columns_, many_rows_)));
  sqlite3_stmt* statement = many_statement_.get();
  const auto columns = static_cast<int>(last_columns_.size());
  for (std::size_t r = 0; r < many_rows_; ++r) {
    bind(statement, rows_.cells(rows[first + r]), static_cast<int>(r) * columns + 1);
  }
  const int result = sqlite3_step(statement);
  if (result == SQLITE_DONE) {
    sqlite3_reset(statement);
    return;
  }
  const std::string reason = sqlite3_errmsg(db_);
  sqlite3_reset(statement);
  const int primary = result & 0xff;
  if (primary != SQLITE_CONSTRAINT && primary != SQLITE_MISMATCH && primary != SQLITE_TOOBIG) {
    throw IoError("sqlite '" + options_.target + "': rejected by SQLite: " + reason);
  }
  for (std::size_t r = first; r < first + many_rows_; ++r) insert(batch, rows[r]);
}

void SqliteLoader::consume(Batch& batch) {
  if (db_ == nullptr) open();
  std::fill(needed_.begin(), needed_.end(), ColumnType::None);
  rows_.read(batch, namer_, table_, BatchRows::Typing{.bool_as_integer = true}, needed_);
  if (rows_.rows().empty()) {
    if (batch.closes_load_batch()) commit(LoadCommitPoint{&batch, 0});
    return;
  }
  begin();
  apply_schema();
  const std::vector<Row>& rows = rows_.rows();
  for (std::size_t i = 0; i < rows.size();) {
    if (!table_exists_) {
      const Record& record = batch.records()[rows[i].record];
      errors_.report(BadRecord{batch.origin(), record.line, 0,
                               "an empty JSON object has no columns to make a table of",
                               record.text});
      ++i;
      continue;
    }
    begin();
    const std::size_t count = rows_for_one_statement(i);
    if (count > 1) {
      insert_many(batch, i);
    } else {
      insert(batch, rows[i]);
    }
    i += count;
    rows_in_transaction_ += count;
    if (!follow_load_batches_ && rows_in_transaction_ >= options_.batch_rows) {
      commit(LoadCommitPoint{&batch, i});
    }
  }
  if (batch.closes_load_batch()) commit(LoadCommitPoint{&batch, rows.size()});
}

void SqliteLoader::finish() {
  if (db_ == nullptr) open();
  commit(LoadCommitPoint{});
  forget_statements();
  // A clean end leaves no WAL behind to replay: readers see the table file whole.
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  if (sqlite3_close(db_) != SQLITE_OK) fail("cannot close the database");
  db_ = nullptr;
}

}  // namespace

std::unique_ptr<TransactionalSink> make_sqlite_loader(LoadOptions options, ErrorPolicy& errors) {
  // No memory statistics: SQLite would take a global mutex around every allocation to keep
  // them. (Set once, before SQLite initializes; gpipe reads none of them.)
  static const bool configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  static_cast<void>(configured);
  return std::make_unique<SqliteLoader>(std::move(options), errors);
}

}  // namespace gpipe::db
