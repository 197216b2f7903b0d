#include "exec/parallel/csv_framing.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "simd/newline_count.hpp"

namespace gpipe::parallel {

namespace {

// A row longer than a chunk is carried on whole; its bytes are scanned again only once they have
// doubled since the last scan, so that the scans of a row as long as --max-line (a quote that
// never closes) add up to a few times its length, not its square (see
// docs/performance.md, 'Rows longer than a chunk'). Cutting later is as good
// (every row end the scan finds is one), but not much later: past --max-line the row can end,
// and the rows after it would all be parsed with it, by one worker at once.
bool keep_carrying(std::size_t max_line, const Chunk& chunk, const FramedLink& in,
                   std::size_t own_size) {
  const std::size_t joined_body = in.carry.size() + own_size;
  return !chunk.ends_file() && in.carry.size() > kChunkBytes &&
         joined_body < 2 * in.carry_scanned && joined_body <= max_line;
}

// The prelude, the carried rows and the chunk's own lines as one text: written into the room in
// front of its lines when they fit there, else joined in a buffer of `lines`.
std::span<char> join_rows(Chunk& chunk, std::string_view prelude, std::string_view carry,
                          ChunkLines& lines) {
  const std::string_view own = chunk.own_lines();
  const std::size_t joined = prelude.size() + carry.size();
  if (joined <= chunk.room_before_own()) {
    char* const start = chunk.own_begin() - joined;
    std::copy(prelude.begin(), prelude.end(), start);
    std::copy(carry.begin(), carry.end(), start + prelude.size());
    return {start, joined + own.size()};
  }
  const std::size_t size = joined + own.size();
  lines.joined = std::make_unique_for_overwrite<char[]>(size);
  char* const start = lines.joined.get();
  std::copy(
      own.begin(), own.end(),
      std::copy(carry.begin(), carry.end(), std::copy(prelude.begin(), prelude.end(), start)));
  return {start, size};
}

// One pass joins the lines on either side of a gap with "\n": the line source strips "\r\n" and
// "\n" alike, and across a gap the offsets show no "\r\n" between them. So the '\r' of a
// "\r\n" right before a gap goes: the framing's scan counts a row's bytes against --max-line
// (a CRLF row exactly that long was cut), and a header row across a gap is passed on as text.
// `text[from, size)`: the rows that end at the gap. Returns their new end.
// Not when a gap is there already (its '\r' went), and not when the line's text ends in '\r'
// ("x\r\r\n": one pass keeps "x\r", and no bytes say that to the stage): there the scan is told
// not to count it (uncounted_before_gaps).
std::size_t drop_cr_before_gap(char* text, std::size_t size, std::size_t from, bool gap_there) {
  if (gap_there || size - from < 2 || text[size - 2] != '\r' || text[size - 1] != '\n') {
    return size;
  }
  if (size - from > 2 && text[size - 3] == '\r') return size;
  text[size - 2] = '\n';
  return size - 1;
}

// The prelude passed on: at a file's start, the one found at the start of its rows (false when
// it is not complete yet, and then every row is carried on); elsewhere, the one passed in,
// moved, not copied: a header row can be as long as a chunk.
// (With the positions of the gaps inside it: see FramedLink::prelude_breaks.)
bool pass_prelude(const ChunkFraming& framing, std::string_view body, bool at_file_start,
                  const std::vector<Gap>& gaps, FramedLink& in, FramedLink& out) {
  if (!at_file_start) {
    out.prelude = std::move(in.prelude);
    out.prelude_lines = in.prelude_lines;
    out.prelude_breaks = std::move(in.prelude_breaks);
    return true;
  }
  const std::optional<std::size_t> found = framing.prelude(body);
  out.prelude.assign(body.substr(0, found.value_or(0)));
  out.prelude_lines = count_newlines(out.prelude.data(), out.prelude.data() + out.prelude.size());
  for (const Gap& gap : gaps) {
    if (gap.at < out.prelude.size()) out.prelude_breaks.push_back(gap.at);
  }
  return found.has_value();
}

// The file offset of body[pos], for a body that starts at `body_offset` with these gaps in it.
std::uint64_t offset_in_body(std::uint64_t body_offset, const std::vector<Gap>& gaps,
                             std::size_t pos) {
  std::uint64_t offset = body_offset;
  std::size_t from = 0;
  for (const Gap& gap : gaps) {
    if (gap.at > pos) break;
    offset = gap.resume_offset;
    from = gap.at;
  }
  return offset + (pos - from);
}

// The "\r" of each "\r\n" left before a gap (after a line whose text ends in "\r": see
// drop_cr_before_gap): the stage never sees it, so the framing's scan does not count it.
std::vector<std::size_t> uncounted_before_gaps(std::string_view body,
                                               const std::vector<Gap>& gaps) {
  std::vector<std::size_t> positions;
  for (const Gap& gap : gaps) {
    if (gap.at < 2 || body.substr(gap.at - 2, 2) != "\r\n") continue;
    if (positions.empty() || positions.back() != gap.at - 2) positions.push_back(gap.at - 2);
  }
  return positions;
}

// The gaps up to `cut` stay with the chunk (those after its rows it reports after them); those
// after it go on with the carried rows.
void split_gaps(std::vector<Gap>&& gaps, std::size_t cut, std::vector<Gap>& kept, FramedLink& out) {
  for (Gap& gap : gaps) {
    if (gap.at <= cut) {
      kept.push_back(std::move(gap));
    } else {
      gap.at -= cut;
      out.gaps.push_back(std::move(gap));
    }
  }
}

}  // namespace

ChunkLines frame_chunk(const ChunkFraming& framing, Chunk& chunk, FramedLink in,
                       std::size_t max_line, FramedLink& out) {
  if (chunk.file_start) {
    in = FramedLink{};
    in.carry_starts_file = true;
  }
  const std::string_view own = chunk.own_lines();
  if (in.carry.empty()) in.carry_offset = chunk.own_offset();
  for (auto gap = in.gaps.rbegin(); !own.empty() && gap != in.gaps.rend(); ++gap) {
    if (gap->at != in.carry.size()) break;
    gap->resume_offset = chunk.own_offset();  // the bytes after the gaps at the carry's end
  }
  ChunkLines lines;
  lines.offset = in.carry_offset;
  lines.first_line = chunk.first_line;
  std::optional<Gap> own_gap = chunk.own_gap();
  // A gap of the carry's is right before the chunk's own (it has no lines): its '\r' went.
  const bool gap_at_carry_end =
      own.empty() && !in.gaps.empty() && in.gaps.back().at == in.carry.size();
  if (keep_carrying(max_line, chunk, in, own.size())) {
    in.carry += own;
    if (own_gap) {
      in.carry.resize(drop_cr_before_gap(in.carry.data(), in.carry.size(), 0, gap_at_carry_end));
      own_gap->at = in.carry.size();
      in.gaps.push_back(std::move(*own_gap));
    }
    out = std::move(in);
    return lines;  // no rows of its own
  }
  // Lines `read` counted: the number is of the chunk's own first line (or of its own gap); the
  // carried rows and the gaps among them come before it.
  if (!chunk.numbered_by_worker && chunk.first_line != 0) {
    lines.first_line -=
        count_newlines(in.carry.data(), in.carry.data() + in.carry.size()) + in.gaps.size();
  }
  const bool at_file_start = in.carry_starts_file;
  const std::string_view prelude =
      at_file_start ? std::string_view() : std::string_view(in.prelude);
  const std::span<char> joined = join_rows(chunk, prelude, in.carry, lines);
  const std::string_view rows(
      joined.data(),
      own_gap ? drop_cr_before_gap(joined.data(), joined.size(), prelude.size(), gap_at_carry_end)
              : joined.size());
  const std::string_view body = rows.substr(prelude.size());
  std::vector<Gap> gaps = std::move(in.gaps);
  if (own_gap) {
    own_gap->at = body.size();
    gaps.push_back(std::move(*own_gap));
  }
  out = FramedLink{};
  // After this, `prelude` (which may view in.prelude, now moved) is used only for its size.
  const bool carry_all =
      !pass_prelude(framing, body, at_file_start, gaps, in, out) && !chunk.ends_file();
  std::size_t cut = body.size();
  if (carry_all) {
    cut = 0;
  } else if (!chunk.ends_file()) {
    cut = framing.whole_records(body, at_file_start, uncounted_before_gaps(body, gaps));
  }
  out.carry.assign(body.substr(cut));
  out.carry_offset = offset_in_body(in.carry_offset, gaps, cut);
  out.carry_starts_file = at_file_start && cut == 0;
  out.carry_scanned = cut == 0 ? body.size() : 0;
  split_gaps(std::move(gaps), cut, lines.gaps, out);
  lines.prelude_size = cut == 0 ? 0 : prelude.size();
  if (lines.prelude_size != 0) lines.prelude_breaks = out.prelude_breaks;
  lines.prelude_lines = cut == 0 || at_file_start ? 0 : in.prelude_lines;
  lines.text = cut == 0 ? std::string_view() : rows.substr(0, prelude.size() + cut);
  return lines;
}

}  // namespace gpipe::parallel
