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
  db::LoadOptions options = read_load_args(args, ctx, conninfo.text);
  options.durable = durable;
  BuiltStage built;
  built.record_sink = loader_factory(std::move(options), ctx, db::make_postgres_loader);
  return built;
}

}  // namespace

const StageInfo kPostgres{
    .name = "postgres",
    .role = StageRole::Sink,
    .synopsis = "postgres CONNINFO TABLE [--batch N] [--mode insert|replace|upsert --key F…]",
    .summary = "loads the records into a PostgreSQL table with COPY, a transaction per batch",
    .details =
        "Loads the records into TABLE of a PostgreSQL database, as `sqlite` does into SQLite,\n"
        "for when the data outgrows one file: each batch is streamed with COPY … FROM STDIN in\n"
        "text format, escaped by gpipe.\n"
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
        "keeps its types, and a value that does not fit is a refused row. Within one COPY, a "
        "record\n"
        "without a column that another record of its batch has loads NULL there.\n"
        "\n"
        "Each load batch is one transaction (the batches of a `batch N` stage before this one,\n"
        "or else every --batch N rows, default 10000): a run that fails or is killed keeps only\n"
        "whole batches. A COPY the database refuses (a constraint, a value of the wrong type, a\n"
        "NUL byte) is rolled back to a savepoint and split in halves, as pgloader does, until\n"
        "the refused rows are alone: each is a bad record with PostgreSQL's reason (see\n"
        "--on-error), and the others are loaded.\n"
        "\n"
        "--mode upsert --key F… copies each batch into a temporary table, then INSERT … ON\n"
        "CONFLICT (F…) DO UPDATE the columns the batch has; --mode replace updates every column\n"
        "(those the record lacks become NULL). gpipe makes the UNIQUE index on the key\n"
        "(TABLE_gpipe_key).\n"
        "\n"
        "  read sample-data/users.csv | csv | postgres 'dbname=crm' users\n"
        "  read sample-data/tweets.jsonl | json | postgres postgresql://loader@db/social tweets "
        "--mode upsert --key id",
    .build = build,
};

}  // namespace gpipe::stages
