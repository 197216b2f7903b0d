// postgres: loads the records into a PostgreSQL table with COPY.
#include "output/db/postgres_load.hpp"
#include "stages/output/load_args.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

BuiltStage build(StageArgs& args, Context& ctx) {
  const Argument& conninfo = args.positional("CONNINFO");
  // Refused before anything connects, and the error's echo of the pipeline hides the password
  // (format_pipeline_error).
  if (const std::string problem = db::conninfo_problem(conninfo.text); !problem.empty()) {
    args.fail(conninfo, problem);
  }
  const bool durable = args.flag({"--durable"});
  db::LoadOptions options = read_load_args(args, ctx, conninfo.text, db::kPostgresDefaultBatchRows);
  options.durable = durable;
  BuiltStage built;
  built.record_sink = loader_factory("postgres", std::move(options), ctx, db::make_postgres_loader);
  return built;
}

}  // namespace

const StageInfo kPostgres{
    .name = "postgres",
    .role = StageRole::Sink,
    .synopsis =
        "postgres CONNINFO TABLE [--batch N] [--mode insert|replace|upsert --key F…] "
        "[--durable]",
    .summary = "loads the records into a PostgreSQL table with COPY, a transaction per batch",
    .details =
        "Loads the records into TABLE of a PostgreSQL database, as `sqlite` does into SQLite,\n"
        "for when the data outgrows one file: the rows of each load batch are streamed into one\n"
        "COPY … FROM STDIN as they come, in text format, escaped by gpipe.\n"
        "\n"
        "CONNINFO is a libpq connection string or URI: 'host=db dbname=logs user=loader',\n"
        "postgresql://loader@db/logs, or '' for the PGHOST, PGDATABASE, PGUSER … variables.\n"
        "The password comes from PGPASSWORD or ~/.pgpass (PGPASSFILE), never from CONNINFO:\n"
        "one there would show in the process list and in logs, so it is refused, and gpipe's\n"
        "error messages hide it.\n"
        "\n"
        "Columns are named as `sqlite` names them (see `gpipe help sqlite`; PostgreSQL keeps\n"
        "their case). Types: BIGINT, DOUBLE PRECISION, TEXT, BOOLEAN for JSON true/false, JSONB\n"
        "for JSON objects and arrays (and for a JSON value that is not an object, in `value`),\n"
        "by the same rules: what a double or a BIGINT would not keep exactly (007, integers\n"
        "beyond 64 bits) is TEXT; an empty CSV value is NULL. A column null throughout the batch\n"
        "that makes it starts as TEXT and takes the type of its first values later.\n"
        "\n"
        "Later batches: a new field adds a column (ALTER TABLE ADD COLUMN); a value that does not\n"
        "fit widens its column with ALTER COLUMN … TYPE (BIGINT to DOUBLE PRECISION, anything\n"
        "mixed to TEXT: true becomes 'true', JSONB its text), in the load's transaction. Only\n"
        "tables gpipe made (it says so in their COMMENT) are widened: a table made otherwise\n"
        "keeps its types, and a value that does not fit is a refused row. A record without a\n"
        "column that the records around it have loads NULL there (not the column's default).\n"
        "\n"
        "Each load batch is one transaction (the batches of a `batch N` stage before this one,\n"
        "or else every --batch N rows, default 100000): a run that fails or is killed keeps\n"
        "only whole batches. A COPY the database refuses (a constraint, a value of the wrong\n"
        "type, a NUL byte) is rolled back to a savepoint and its rows sent again, as they\n"
        "were (the same columns: a row without a value loads NULL there), split in halves as\n"
        "pgloader does, until the refused rows are alone: each is a bad record with\n"
        "PostgreSQL's reason (see --on-error), and the others are loaded. For that, the sink\n"
        "keeps the open load batch's rows (the COPY text it sent, and each record's text for\n"
        "its report) until its COPY ends: memory grows with N, not with the input.\n"
        "\n"
        "Commits before the last do not wait for the server to flush its WAL\n"
        "(synchronous_commit off, for that transaction only); the run ends with one that does,\n"
        "and so waits for all of them: a run that succeeds is durable, and a server crash during\n"
        "one loses at most its last batches, whole, as `sqlite` in WAL mode. --durable (and\n"
        "--state) makes every commit wait.\n"
        "\n"
        "--mode upsert --key F… copies each batch into a temporary table, then INSERT … ON\n"
        "CONFLICT (F…) DO UPDATE the columns the batch has; --mode replace updates every column\n"
        "(those the record lacks become NULL). gpipe makes the UNIQUE index on the key\n"
        "(TABLE_gpipe_key).\n"
        "\n"
        "--state FILE (an incremental job, docs/scheduled-jobs.md): the job's state commits in\n"
        "each of these transactions, as a row of table gpipe_state, so a run killed at any moment\n"
        "neither loses nor repeats a row.\n"
        "\n"
        "  read sample-data/users.csv | csv | postgres 'dbname=crm' users\n"
        "  read sample-data/tweets.jsonl | json | postgres postgresql://loader@db/social tweets "
        "--mode upsert --key id",
    .build = build,
    .memory = MemoryUse::Bounded,
    .memory_bound = "the rows of one load batch (--batch N, or the N of a `batch` stage)",
};

}  // namespace gpipe::stages
