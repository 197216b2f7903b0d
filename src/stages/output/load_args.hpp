// The arguments `sqlite` and `postgres` share: TARGET TABLE [--batch N] [--mode M --key F…].
#pragma once

#include "gpipe/stage.hpp"
#include "output/db/load_options.hpp"

namespace gpipe::stages {

// Reads TABLE and the options after TARGET (read by the caller, whose meaning differs);
// --batch is `default_batch_rows` when not given. Every record field becomes a column, so the
// parsers make all of them (ctx.demand).
db::LoadOptions read_load_args(StageArgs& args, Context& ctx, std::string target,
                               std::uint64_t default_batch_rows = db::LoadOptions{}.batch_rows);

// The planner's record sink for a loader: made when the pipeline runs, not while it is planned.
// `dialect`: "sqlite" or "postgres" (db::TransactionalSink::dialect).
RecordSinkFactory loader_factory(std::string dialect, db::LoadOptions options, Context& ctx,
                                 std::unique_ptr<db::TransactionalSink> (*make)(db::LoadOptions,
                                                                                ErrorPolicy&));

}  // namespace gpipe::stages
