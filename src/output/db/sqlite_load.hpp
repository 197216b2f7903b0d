// The `sqlite` sink: records into a table of an SQLite database, a transaction per load batch.
#pragma once

#include <memory>

#include "gpipe/context.hpp"
#include "output/db/load_options.hpp"

namespace gpipe::db {

std::unique_ptr<TransactionalSink> make_sqlite_loader(LoadOptions options, ErrorPolicy& errors);

}  // namespace gpipe::db
