#include "state/state_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "gpipe/errors.hpp"
#include "output/temp_files.hpp"

namespace gpipe {

namespace {

constexpr std::string_view kFirstLine = "gpipe-state 1";

// Paths may hold any byte but NUL: tabs, newlines and backslashes are escaped so that an entry
// stays one line of tab-separated columns.
void append_escaped(std::string& out, std::string_view path) {
  for (const char c : path) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

bool unescape(std::string_view text, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) return false;
    switch (text[i]) {
      case '\\':
        out += '\\';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      default:
        return false;
    }
  }
  return true;
}

std::string hex(std::uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::uint64_t checksum(std::string_view text) {
  return XXH3_64bits(text.data(), text.size());
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> columns;
  for (;;) {
    const std::size_t tab = line.find('\t');
    columns.push_back(line.substr(0, tab));
    if (tab == std::string_view::npos) return columns;
    line.remove_prefix(tab + 1);
  }
}

template <typename Number>
bool read_number(std::string_view text, Number& out, int base = 10) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

class Parser {
 public:
  explicit Parser(const std::string& path) : path_(path) {}

  [[noreturn]] void damaged(std::size_t line_number, std::string_view why) const {
    throw IoError("state file '" + path_ + "' is damaged (line " + std::to_string(line_number) +
                  ": " + std::string(why) +
                  "); restore it from a backup, or remove it to read every input again");
  }

  bool input(const std::vector<std::string_view>& c, InputEntry& entry) const {
    if (c.size() != 11) return false;
    std::string_view flags = c[8];
    entry.compressed = flags.find('z') != std::string_view::npos;
    entry.done = flags.find('d') != std::string_view::npos;
    return read_number(c[1], entry.identity.device) && read_number(c[2], entry.identity.inode) &&
           read_number(c[3], entry.identity.size) &&
           read_number(c[4], entry.identity.head_length) &&
           read_number(c[5], entry.identity.head_hash, 16) && read_number(c[6], entry.offset) &&
           read_number(c[7], entry.line) && read_number(c[9], entry.last_seen) &&
           unescape(c[10], entry.path);
  }

  bool database(const std::vector<std::string_view>& c, DatabaseEntry& entry) const {
    return c.size() == 3 && read_number(c[1], entry.generation) && unescape(c[2], entry.job) &&
           !entry.job.empty();
  }

  bool output(const std::vector<std::string_view>& c, OutputEntry& entry) const {
    return c.size() == 5 && read_number(c[1], entry.device) && read_number(c[2], entry.inode) &&
           read_number(c[3], entry.length) && unescape(c[4], entry.path);
  }

 private:
  const std::string& path_;
};

}  // namespace

std::string serialize_state(const StateData& state) {
  std::string text(kFirstLine);
  text += '\n';
  if (state.database) {
    text += "database\t" + std::to_string(state.database->generation) + '\t';
    append_escaped(text, state.database->job);
    text += '\n';
  }
  if (state.output) {
    const OutputEntry& o = *state.output;
    text += "output\t" + std::to_string(o.device) + '\t' + std::to_string(o.inode) + '\t' +
            std::to_string(o.length) + '\t';
    append_escaped(text, o.path);
    text += '\n';
  }
  for (const InputEntry& e : state.inputs) {
    if (e.retired) continue;
    const FileIdentity& id = e.identity;
    text += "input\t" + std::to_string(id.device) + '\t' + std::to_string(id.inode) + '\t' +
            std::to_string(id.size) + '\t' + std::to_string(id.head_length) + '\t' +
            hex(id.head_hash) + '\t' + std::to_string(e.offset) + '\t' + std::to_string(e.line) +
            '\t';
    text += e.compressed ? (e.done ? "zd" : "z") : "-";
    text += '\t' + std::to_string(e.last_seen) + '\t';
    append_escaped(text, e.path);
    text += '\n';
  }
  text += "end\t" + hex(checksum(text)) + '\n';
  return text;
}

StateData parse_state(std::string_view text, const std::string& path) {
  const Parser parser(path);
  if (text.empty()) {
    throw IoError("state file '" + path +
                  "' is empty (a crash of the machine while it was written, or a copy gone "
                  "wrong); restore it from a backup, or remove it to read every input again");
  }
  StateData state;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    ++line_number;
    const std::size_t newline = text.find('\n', start);
    if (newline == std::string_view::npos) parser.damaged(line_number, "it ends mid-line");
    const std::string_view line = text.substr(start, newline - start);
    if (line_number == 1) {
      if (line != kFirstLine) parser.damaged(1, "not a gpipe state file");
    } else {
      const std::vector<std::string_view> columns = split_tabs(line);
      if (columns[0] == "end") {
        std::uint64_t sum = 0;
        if (columns.size() != 2 || !read_number(columns[1], sum, 16) ||
            sum != checksum(text.substr(0, start))) {
          parser.damaged(line_number, "its checksum does not match");
        }
        if (newline + 1 != text.size()) parser.damaged(line_number + 1, "text after its end");
        return state;
      }
      if (columns[0] == "input") {
        if (!parser.input(columns, state.inputs.emplace_back())) {
          parser.damaged(line_number, "a malformed input entry");
        }
      } else if (columns[0] == "database" && !state.database) {
        if (!parser.database(columns, state.database.emplace())) {
          parser.damaged(line_number, "a malformed database entry");
        }
      } else if (columns[0] == "output" && !state.output) {
        if (!parser.output(columns, state.output.emplace())) {
          parser.damaged(line_number, "a malformed output entry");
        }
      } else {
        parser.damaged(line_number, "an unknown entry");
      }
    }
    start = newline + 1;
  }
  parser.damaged(line_number, "it ends before its checksum line");
}

std::optional<StateData> load_state(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw IoError(errno_message("cannot read state file", path, errno));
  }
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int err = errno;
      ::close(fd);
      throw IoError(errno_message("cannot read state file", path, err));
    }
    if (got == 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return parse_state(text, path);
}

namespace {

void fsync_directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw IoError(errno_message("cannot sync the directory of", path, errno));
  const int status = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (status != 0) throw IoError(errno_message("cannot sync the directory of", path, err));
}

}  // namespace

void save_state(const std::string& path, const StateData& state) {
  const std::string text = serialize_state(state);
  const std::string temp_path = path + ".gpipe-" + random_temp_suffix();
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw IoError(errno_message("cannot write state file", path, errno));
  std::string_view rest = text;
  int err = 0;
  while (!rest.empty() && err == 0) {
    const ssize_t written = ::write(fd, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      err = written < 0 ? errno : EIO;
    } else {
      rest.remove_prefix(static_cast<std::size_t>(written));
    }
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(temp_path.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(temp_path.c_str());
    throw IoError(errno_message("cannot write state file", path, err));
  }
  fsync_directory_of(path);
}

}  // namespace gpipe
