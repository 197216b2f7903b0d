// The generators behind the source stages read, chunks and seq, callable without the pipeline
// language (the stage builders only parse arguments and call these).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gpipe/context.hpp"
#include "gpipe/record.hpp"
#include "gpipe/stage.hpp"

namespace gpipe::stages {

// The PATH… arguments of read and chunks: at least one; "-" claims standard input (once per
// run); globs expanded now, so one that matches nothing throws IoError before anything runs.
std::vector<std::string> input_path_arguments(StageArgs& args, Context& ctx);

// Lines of each file in turn (paths already glob-expanded; "-" is standard input), as batches
// of pending (unsplit) lines. Files are opened one at a time, when reached.
BatchStream read_lines(std::vector<std::string> paths, Context& ctx);

// --state: the files as the state plans them (src/state/input_state.hpp), each from where the
// last run's committed records end; batches carry their resume points.
BatchStream read_lines_incrementally(std::vector<std::string> paths, Context& ctx);

// read --follow: the files matching `patterns`, then what is written to them, until SIGINT or
// SIGTERM (stages/sources/follow.cpp).
BatchStream follow_lines(std::vector<std::string> patterns, Context& ctx);

// Raw blocks of exactly `chunk_size` bytes (each file's last one shorter), decompressed as read.
BatchStream read_chunks(std::vector<std::string> paths, std::size_t chunk_size, Context& ctx);

// first, first+step, … up to and including `last` (endless without it, up to the 64-bit limit).
BatchStream count_numbers(std::int64_t first, std::optional<std::int64_t> last, std::int64_t step);

// "64 MiB", "512 KiB", "100 bytes": a size as a person would write it.
std::string human_size(std::size_t bytes);

}  // namespace gpipe::stages
