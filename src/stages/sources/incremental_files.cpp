#include "stages/sources/incremental_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "gpipe/errors.hpp"
#include "stages/sources/line_batches.hpp"
#include "stages/sources/sources.hpp"

namespace gpipe::stages {

PositionedFile open_positioned(const std::string& path, std::uint64_t offset, std::uint64_t line,
                               Context& ctx) {
  PositionedFile file;
  file.path = path;
  const std::string name = display_name(path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(errno_message("cannot open", name, errno));
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    const int err = errno;
    ::close(fd);
    throw IoError(errno_message("cannot read", name, err));
  }
  file.device = static_cast<std::uint64_t>(status.st_dev);
  file.inode = static_cast<std::uint64_t>(status.st_ino);
  file.compressed = S_ISREG(status.st_mode) && is_compressed_file(path);
  if (file.compressed) {
    ::close(fd);
    file.source = open_input(path);
    offset = skip_bytes(*file.source, offset);
  } else {
    file.fd = fd;
    file.source = plain_file_source(fd, offset, name);
  }
  file.reader = std::make_unique<LineReader>(*file.source, ctx.options.read_buffer,
                                             ctx.options.max_line, name, /*map_window=*/0);
  file.reader->start_at(offset, line);
  if (!file.compressed) file.reader->hold_partial_last_line();
  return file;
}

BatchStream positioned_lines(PositionedFile& file, const Origin& origin, Batch& batch,
                             Context& ctx) {
  return line_batches(*file.reader, origin, batch, ctx, {.resume_points = true});
}

bool first_line_batch(const std::string& path, const Origin& origin, Batch& batch,
                      std::string& storage) {
  const std::unique_ptr<ByteSource> source = open_input(path);
  storage.clear();
  char piece[4096];
  for (;;) {
    const std::size_t n = source->read(piece, sizeof piece);
    if (n == 0) break;
    storage.append(piece, n);
    const std::size_t newline = storage.find('\n');
    if (newline != std::string::npos) {
      storage.resize(newline + 1);
      break;
    }
  }
  if (storage.empty()) return false;
  batch.reset(&origin, RecordKind::Line);
  batch.set_pending_lines(storage, 1, 0);
  batch.set_starts_chunk();
  return true;
}

}  // namespace gpipe::stages
