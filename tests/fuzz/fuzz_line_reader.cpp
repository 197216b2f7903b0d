// libFuzzer target: LineReader, the line buffer. The input arrives in random chunk sizes with a
// small random --max-line and initial buffer, and every event is checked against the input
// itself: lines come out whole, in order, with the right line numbers and offsets; an overlong
// line is reported at its own line and offset and skipped to its newline; nothing is lost.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.hpp"
#include "io/line_reader.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::size_t max_line = 1 + data[0] % 64;
  const std::size_t initial = 1 + data[1] % 32;
  const std::size_t max_chunk = 1 + data[2] % 100;
  const std::string_view input(reinterpret_cast<const char*>(data) + 3, size - 3);

  gpipe::fuzz::ChunkedSource source(input, max_chunk);
  gpipe::LineReader reader(source, initial, max_line);
  gpipe::LineReader::Block block;
  gpipe::LineReader::Overlong overlong;
  std::size_t pos = 0;  // where the next event must start in `input`
  std::uint64_t line = 1;
  for (;;) {
    const auto event = reader.next(block, overlong);
    if (event == gpipe::LineReader::Event::End) break;
    if (event == gpipe::LineReader::Event::Lines) {
      check(!block.lines.empty());
      check(block.offset == pos && block.first_line == line);
      check(input.substr(pos, block.lines.size()) == block.lines);
      // Every line but a final unterminated one ends in '\n' and is within max_line.
      std::string_view rest = block.lines;
      while (!rest.empty()) {
        const std::size_t nl = rest.find('\n');
        const std::size_t length = nl == std::string_view::npos ? rest.size() : nl;
        check(length <= max_line);
        if (nl == std::string_view::npos) {
          check(pos + block.lines.size() == input.size());  // only at end of input
          rest = {};
        } else {
          rest.remove_prefix(nl + 1);
        }
        ++line;
      }
      pos += block.lines.size();
    } else {
      check(overlong.offset == pos && overlong.line == line);
      const std::size_t nl = input.find('\n', pos);
      const std::size_t end = nl == std::string_view::npos ? input.size() : nl;
      check(end - pos > max_line);
      check(input.substr(pos).starts_with(overlong.head));
      pos = nl == std::string_view::npos ? input.size() : nl + 1;
      ++line;
    }
  }
  check(pos == input.size());
  return 0;
}
