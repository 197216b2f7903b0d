// `grep [-v] [-i] [-F] [-w] PATTERN`: keeps records whose text matches, as GNU grep would.
#include <cstring>

#include "stages/filters/transforms.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

// Where the line holding `at` starts, looking back no further than `from` (a line start).
std::size_t line_start(std::string_view block, std::size_t from, std::size_t at) {
  const void* newline = memrchr(block.data() + from, '\n', at - from);
  return newline == nullptr
             ? from
             : static_cast<std::size_t>(static_cast<const char*>(newline) - block.data()) + 1;
}

// Where the line starting at `start` ends (its '\n', or the end of the block).
std::size_t line_end(std::string_view block, std::size_t start) {
  const void* newline = std::memchr(block.data() + start, '\n', block.size() - start);
  return newline == nullptr
             ? block.size()
             : static_cast<std::size_t>(static_cast<const char*>(newline) - block.data());
}

// Splits lines and keeps the ones that match, appending them to `records`.
void keep_matching_lines(std::string_view lines, std::uint64_t first_line, std::uint64_t offset,
                         const LineMatcher& matcher, std::vector<Record>& records) {
  const std::size_t first_new = records.size();
  split_lines(lines, first_line, offset, records);
  std::size_t kept = first_new;
  for (std::size_t i = first_new; i < records.size(); ++i) {
    if (matcher.matches(records[i].text)) records[kept++] = records[i];
  }
  records.resize(kept);
}

// When candidates turn up in more than one line in kDenseLines (checked after kDenseCheckAfter
// of them), testing every line is cheaper than searching for each next candidate: a regex
// search has a fixed cost per call.
constexpr std::uint64_t kDenseCheckAfter = 64;
constexpr std::uint64_t kDenseLines = 4;

// The fast path: search the unsplit block for candidates and make records only of the lines
// that hold one and match. Line numbers come from the newlines the search passes.
void keep_matching_pending_lines(Batch& batch, const LineMatcher& matcher) {
  const std::string_view block = batch.pending_block();
  const std::uint64_t block_offset = batch.pending_offset();
  const std::uint64_t first_line = batch.pending_first_line();
  batch.take_pending_block();
  std::vector<Record>& records = batch.raw_records();
  // A candidate the matcher confirms in place costs little: no need to give up on dense ones.
  const bool may_go_dense = !matcher.confirms_candidates();

  std::size_t search_from = 0;             // where the next candidate may start
  std::size_t line_floor = 0;              // a line start at or before `search_from`
  std::uint64_t line_number = first_line;  // the number of the line holding `search_from`
  std::uint64_t candidates = 0;
  while (search_from < block.size()) {
    if (may_go_dense && candidates >= kDenseCheckAfter &&
        line_number - first_line < candidates * kDenseLines) {
      const std::size_t start = line_start(block, line_floor, search_from);
      keep_matching_lines(block.substr(start), line_number, block_offset + start, matcher, records);
      return;
    }
    std::uint64_t newlines = 0;
    const std::size_t candidate = matcher.find_candidate(block, search_from, newlines);
    if (candidate == std::string_view::npos) return;
    line_number += newlines;
    ++candidates;
    const std::size_t end = line_end(block, candidate);
    if (matcher.confirms_candidates()) {
      const std::string_view rest = chomp_cr(block.substr(candidate, end - candidate));
      if (!matcher.confirm(rest)) {
        // A later candidate in the same line may still match.
        if (block[candidate] == '\n') ++line_number;
        search_from = candidate + 1;
        continue;
      }
    }
    const std::size_t start = line_start(block, line_floor, candidate);
    if (start >= block.size()) return;  // an empty match after the block's last newline
    const std::string_view text = chomp_cr(block.substr(start, end - start));
    if (matcher.confirms_candidates() || matcher.matches(text)) {
      Record record;
      record.text = text;
      record.line = line_number;
      record.offset = block_offset + start;
      records.push_back(record);
    }
    search_from = line_floor = end + 1;
    ++line_number;
  }
}

void keep_matching_records(Batch& batch, const LineMatcher& matcher, bool invert) {
  std::vector<Record>& records = batch.records();
  std::size_t kept = 0;
  for (const Record& record : records) {
    if (matcher.matches(record.text) != invert) records[kept++] = record;
  }
  records.resize(kept);
}

BuiltStage build(StageArgs& args, Context&) {
  MatchOptions options;
  const bool invert = args.flag({"-v", "--invert-match"});
  options.ignore_case = args.flag({"-i", "--ignore-case"});
  options.fixed = args.flag({"-F", "--fixed-strings"});
  options.word = args.flag({"-w", "--word-regexp"});
  const Argument pattern = args.positional("PATTERN");
  options.pattern = pattern.text;
  std::string error;
  std::shared_ptr<const LineMatcher> matcher = LineMatcher::create(options, error);
  if (matcher == nullptr) args.fail(pattern, "invalid regular expression: " + error);
  BuiltStage built;
  built.transform = [matcher, invert](BatchStream in) {
    return grep_lines(std::move(in), matcher, invert);
  };
  return built;
}

}  // namespace

BatchStream grep_lines(BatchStream in, std::shared_ptr<const LineMatcher> matcher, bool invert) {
  const bool search_blocks = !invert && matcher->can_search_blocks();
  for (Batch& batch : in) {
    if (search_blocks && batch.lines_pending()) {
      keep_matching_pending_lines(batch, *matcher);
    } else {
      keep_matching_records(batch, *matcher, invert);
    }
    co_yield batch;  // even empty: a tick or the end of a load batch (docs/design.md, Ticks)
  }
}

const StageInfo kGrep{
    .name = "grep",
    .role = StageRole::Transform,
    .synopsis = "grep [-v] [-i] [-F] [-w] PATTERN",
    .summary = "keeps records whose text matches (RE2)",
    .details =
        "Keeps the records whose text (the whole line) matches PATTERN: mostly the lines GNU\n"
        "`grep -E` gives, with the differences below.\n"
        "\n"
        "  -v, --invert-match   keep the records that do not match\n"
        "  -i, --ignore-case    ignore case (Unicode case folding)\n"
        "  -F, --fixed-strings  PATTERN is a literal string, not a regex\n"
        "  -w, --word-regexp    the match must be a whole word: a non-word character or the\n"
        "                       line's edge on each side (letters, digits and _ make words); as\n"
        "                       with GNU grep, any such match counts, not only the first\n"
        "\n"
        "PATTERN uses RE2 syntax (much like grep -E, plus \\d, \\s, \\w, (?i) and Unicode classes\n"
        "such as \\pL), and every pattern runs in time linear in its input. Unlike GNU grep -E:\n"
        "there are no back-references (\\1 is an error); \\< and \\> are the characters < and >\n"
        "(\\b is a word boundary); -i folds case as Unicode does (the Kelvin sign U+212A\n"
        "matches k); a line with invalid UTF-8 is searched and printed like any other, never\n"
        "\"Binary file matches\", but an invalid byte is no character (. does not match it); a\n"
        "match never spans lines. An invalid pattern is reported before anything is read.\n"
        "\n"
        "Speed: after `read`, a literal pattern (with -F, or without regex metacharacters) is\n"
        "searched for in whole buffers, 32 bytes per AVX2 step (two of its bytes at once, lines\n"
        "counted on the way), and a regex is run over whole buffers too; only the lines around\n"
        "matches are ever split out. -v looks at every line.\n"
        "\n"
        "  read sample-data/app-*.log | grep -i -w timeout\n"
        "  read sample-data/access.log | grep -F '/search?q='",
    .build = build,
    .parallel = true,
};

}  // namespace gpipe::stages
