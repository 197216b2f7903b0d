// sqlite: loads the records into a table of an SQLite database.
#include "output/db/sqlite_load.hpp"
#include "stages/output/load_args.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

BuiltStage build(StageArgs& args, Context& ctx) {
  const bool durable = args.flag({"--durable"});
  const Argument& path = args.positional("PATH");
  if (path.text.empty()) args.fail(path, "empty database file name");
  db::LoadOptions options = read_load_args(args, ctx, path.text);
  options.durable = durable;
  BuiltStage built;
  built.record_sink = loader_factory("sqlite", std::move(options), ctx, db::make_sqlite_loader);
  return built;
}

}  // namespace

const StageInfo kSqlite{
    .name = "sqlite",
    .role = StageRole::Sink,
    .synopsis = "sqlite PATH TABLE [--batch N] [--mode insert|replace|upsert --key F…] [--durable]",
    .summary = "loads the records into an SQLite table, a transaction per batch",
    .details =
        "Loads the records into TABLE of the SQLite database PATH (made if missing), creating\n"
        "the table from the fields of the first batch of records, with a type inferred from\n"
        "each column's values.\n"
        "\n"
        "Columns: a CSV row's columns by header name; a JSON object's top-level members (an\n"
        "object or array inside is stored as its compact JSON text; a JSON value that is not an\n"
        "object is one column `value`); kv and parse fields by name; fields known by position\n"
        "(`field 0 3`, `csv --no-header`) as c0, c3; a line without fields as one column\n"
        "`line`. Names are quoted as they are (spaces, quotes, keywords are fine); SQLite\n"
        "ignores their ASCII case, so Name and name are one column. A name twice in a record:\n"
        "the last value wins.\n"
        "\n"
        "Types: INTEGER for a value written as a JSON integer that fits in 64 bits, REAL for a\n"
        "JSON-style decimal with at most 15 significant digits, TEXT for anything else, so that\n"
        "every value reads back as written: 007, -0, 1.50000000000000001 and integers beyond\n"
        "64 bits (19 or 20 digits) are TEXT, exact. JSON true/false are 1/0, null is NULL, and a\n"
        "JSON string stays TEXT even when it holds digits. CSV cannot say null: an empty CSV\n"
        "value is NULL. A column that holds only nulls in the batch that makes it has no type,\n"
        "and SQLite keeps each later value as it comes.\n"
        "\n"
        "Later batches: a field not seen before adds a column (ALTER TABLE ADD COLUMN; earlier\n"
        "rows have NULL there). A value that does not fit its column's type widens the column\n"
        "(INTEGER to REAL, either to TEXT) instead of failing the run: SQLite has no ALTER\n"
        "COLUMN, so gpipe copies the table into one with the wider type, in the same\n"
        "transaction, keeping its indexes and triggers; the values already there take the new\n"
        "type (1 becomes 1.0 in REAL, '1' in TEXT). Only tables gpipe made are rebuilt (their\n"
        "CREATE TABLE says so); into a table made otherwise gpipe adds columns but keeps its\n"
        "types, and SQLite stores values by its own affinity rules.\n"
        "\n"
        "Transactions: the records go through an INSERT prepared once per set of columns, many\n"
        "rows to a statement with --mode insert, in WAL mode with synchronous=NORMAL (FULL with\n"
        "--durable: a commit survives a power cut, not only a crash), and each load batch is\n"
        "one transaction: the batches of a `batch N` stage before this one, or else every\n"
        "--batch N rows (default 10000). A run that fails or is killed keeps only whole\n"
        "batches.\n"
        "\n"
        "A row the database rejects (a UNIQUE or CHECK constraint, NOT NULL, a value too big)\n"
        "is a bad record with SQLite's reason (see --on-error), and only that row: the rest of\n"
        "its batch is loaded (a statement of many rows that SQLite refuses is rolled back, and\n"
        "its rows inserted one by one).\n"
        "\n"
        "--mode insert (default) adds every row. --mode replace --key F… replaces the row with\n"
        "the same key (INSERT OR REPLACE: columns the record lacks become NULL); --mode upsert\n"
        "--key F… updates only the columns the record has (INSERT … ON CONFLICT DO UPDATE).\n"
        "Both need a UNIQUE index on the key columns, which gpipe makes (TABLE_gpipe_key). Give\n"
        "several keys as --key a,b or --key a --key b.\n"
        "\n"
        "--state FILE (an incremental job, docs/scheduled-jobs.md): the job's state commits in\n"
        "each of these transactions, as a row of table gpipe_state, so a run killed at any moment\n"
        "neither loses nor repeats a row.\n"
        "\n"
        "  read sample-data/users.csv | csv | sqlite users.db users\n"
        "  read sample-data/tweets.jsonl | json | sqlite tweets.db tweets --mode upsert --key id",
    .build = build,
};

}  // namespace gpipe::stages
