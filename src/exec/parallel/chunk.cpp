#include "exec/parallel/chunk.hpp"

namespace gpipe::parallel {

namespace {

// For std::visit: one lambda per kind of payload.
template <class... Lambdas>
struct Overloaded : Lambdas... {
  using Lambdas::operator()...;
};
// Spelled out: clang 14 (the fuzz build) lacks class template argument deduction for aggregates.
template <class... Lambdas>
Overloaded(Lambdas...) -> Overloaded<Lambdas...>;

}  // namespace

std::string_view Chunk::own_lines() const {
  return std::visit(Overloaded{
                        [](const CopiedLines& copied) {
                          return std::string_view(copied.text).substr(copied.front);
                        },
                        [](const MappedLines& mapped) { return mapped.lines; },
                        [](const RangeLines& range) { return range.loaded.lines; },
                        [](const SkippedLine&) { return std::string_view(); },
                    },
                    payload);
}

std::uint64_t Chunk::own_offset() const {
  const RangeLines* const lines = range();
  return lines != nullptr ? lines->loaded.offset : offset;
}

std::size_t Chunk::room_before_own() const {
  if (const auto* copied = std::get_if<CopiedLines>(&payload)) return copied->front;
  if (const RangeLines* const lines = range(); lines != nullptr && !lines->loaded.lines.empty()) {
    return static_cast<std::size_t>(lines->loaded.lines.data() - lines->loaded.buffer.get());
  }
  return 0;
}

char* Chunk::own_begin() {
  if (auto* copied = std::get_if<CopiedLines>(&payload)) return copied->text.data() + copied->front;
  if (RangeLines* const lines = std::get_if<RangeLines>(&payload)) {
    return lines->loaded.buffer.get() + room_before_own();
  }
  return nullptr;
}

std::optional<Gap> Chunk::own_gap() const {
  if (const SkippedLine* const skipped = skipped_line()) {
    return Gap{0, 0, skipped->reason, skipped->head};
  }
  if (const RangeLines* const lines = range(); lines != nullptr && lines->loaded.overlong) {
    return Gap{0, 0, lines->range.file->overlong_reason(), lines->loaded.overlong_head};
  }
  return std::nullopt;
}

bool Chunk::ends_file() const {
  const RangeLines* const lines = range();
  return file_end || (lines != nullptr && lines->loaded.shrank);
}

ChunkLines lines_as_they_are(const Chunk& chunk) {
  ChunkLines lines;
  lines.text = chunk.own_lines();
  lines.offset = chunk.own_offset();
  lines.first_line = chunk.first_line;
  return lines;
}

}  // namespace gpipe::parallel
