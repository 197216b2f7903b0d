// `chunks SIZE PATH…`: raw byte blocks instead of lines.
#include <algorithm>
#include <deque>
#include <memory>

#include "gpipe/errors.hpp"
#include "io/io.hpp"
#include "stages/sources/sources.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

// Small chunks are gathered several to a batch so coroutines still switch per batch, not per
// chunk; a batch holds at least this many bytes (or one chunk, if chunks are larger).
constexpr std::size_t kMinBatchBytes = 256 * kKiB;

// Reads until `buffer` is full or the input ends (read(2) on a pipe returns what is there).
std::size_t read_full(ByteSource& source, char* buffer, std::size_t size) {
  std::size_t filled = 0;
  while (filled < size) {
    const std::size_t got = source.read(buffer + filled, size - filled);
    if (got == 0) break;
    filled += got;
  }
  return filled;
}

BatchStream chunk_file(const std::string& path, const Origin& origin, std::size_t chunk_size,
                       char* buffer, std::size_t buffer_size, Batch& batch) {
  const std::unique_ptr<ByteSource> source = open_input(path);
  std::uint64_t chunk_index = 0;
  std::uint64_t offset = 0;
  for (;;) {
    const std::size_t filled = read_full(*source, buffer, buffer_size);
    if (filled == 0) co_return;
    batch.reset(&origin, RecordKind::Bytes);
    for (std::size_t start = 0; start < filled; start += chunk_size) {
      Record record;
      record.text = std::string_view(buffer + start, std::min(chunk_size, filled - start));
      record.line = ++chunk_index;
      record.offset = offset + start;
      batch.raw_records().push_back(record);
    }
    offset += filled;
    co_yield batch;
    if (filled < buffer_size) co_return;
  }
}

BuiltStage build(StageArgs& args, Context& ctx) {
  const Argument size_argument = args.positional("SIZE");
  const std::size_t chunk_size = args.size_argument(size_argument);
  if (chunk_size == 0) args.fail(size_argument, "SIZE must be at least 1 byte");
  BuiltStage built;
  built.inputs = input_path_arguments(args, ctx);
  built.source = [paths = built.inputs, chunk_size, &ctx] {
    return read_chunks(paths, chunk_size, ctx);
  };
  return built;
}

}  // namespace

BatchStream read_chunks(std::vector<std::string> paths, std::size_t chunk_size, Context& ctx) {
  // A whole number of chunks per buffer, so every chunk but a file's last is exactly SIZE.
  const std::size_t chunks_per_batch = std::max<std::size_t>(1, kMinBatchBytes / chunk_size);
  const std::size_t buffer_size = chunks_per_batch * chunk_size;
  const auto buffer = std::make_unique<char[]>(buffer_size);
  Batch batch;
  for (const std::string& path : paths) {
    const Origin& origin = ctx.origins.emplace_back(Origin{display_name(path)});
    co_yield elements_of(chunk_file(path, origin, chunk_size, buffer.get(), buffer_size, batch));
  }
}

const StageInfo kChunks{
    .name = "chunks",
    .role = StageRole::Source,
    .synopsis = "chunks SIZE PATH…",
    .summary = "raw byte blocks of SIZE (64KiB, 1MiB) instead of lines",
    .details =
        "Reads each PATH as raw bytes and makes one record per block of exactly SIZE bytes (the\n"
        "last block of each file may be shorter; a new file starts a new block). Blocks are\n"
        "written out as they are, with no newline added, so `chunks` and `write` copy or\n"
        "recompress a file byte for byte. Line endings mean nothing here.\n"
        "\n"
        "SIZE takes a unit: 64KiB, 1MiB (KiB/K = 1024, KB = 1000). PATHs work as in `read`:\n"
        "`-` is standard input, globs are expanded (sorted), and zstd/gzip input is decompressed\n"
        "by its magic bytes. _line is the block's number (from 1) and _offset its byte offset.\n"
        "\n"
        "A block is not a record with lines or fields: after `chunks` come only `head`, `skip`\n"
        "and `tail` (which count blocks), `items`, `to text` and `write`. Any other stage is an\n"
        "error before anything is read (use `read` for lines).\n"
        "\n"
        "  chunks 1MiB sample-data/app-api.log | write app-api.log.zst",
    .build = build,
};

}  // namespace gpipe::stages
