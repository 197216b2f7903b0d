// The `postgres` sink: records into a PostgreSQL table with COPY, a transaction per load batch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "gpipe/context.hpp"
#include "output/db/load_options.hpp"

namespace gpipe::db {

// The default --batch: larger than SQLite's, as each transaction (and its COPY) costs the server
// a setup of its own; the sink keeps a load batch's records until its COPY ends.
inline constexpr std::uint64_t kPostgresDefaultBatchRows = 100000;

std::unique_ptr<TransactionalSink> make_postgres_loader(LoadOptions options, ErrorPolicy& errors);

// Why `conninfo` may not be used (it holds a password, which would show in the process list
// and in logs, or it does not parse), or "" when it may.
std::string conninfo_problem(const std::string& conninfo);

}  // namespace gpipe::db
