#include "search/matcher.hpp"

#include <re2/re2.h>

#include <string>

#include "simd/newline_count.hpp"

namespace gpipe {

namespace {

constexpr std::string_view kRegexMetacharacters = "\\.+*?()|[]{}^$";

// Enough for any sensible pattern's DFA; RE2 falls back to slower (still linear) matching past it.
constexpr std::int64_t kMaxRegexMemory = 64 << 20;

// A character that is not a word constituent for GNU grep -w in a UTF-8 locale: letters, decimal
// and letter-like digits (iswalnum) and underscore are word characters; combining marks,
// superscripts and punctuation are not.
constexpr std::string_view kNonWordClass = "[^\\pL\\p{Nd}\\p{Nl}_]";

RE2::Options regex_options(bool ignore_case) {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingUTF8);  // invalid UTF-8 simply does not match
  options.set_case_sensitive(!ignore_case);
  options.set_never_capture(true);
  options.set_log_errors(false);
  options.set_max_mem(kMaxRegexMemory);
  return options;
}

bool is_literal_regex(std::string_view pattern) {
  return pattern.find_first_of(kRegexMetacharacters) == std::string_view::npos;
}

// Whether a multi-line search over a block finds a candidate in every line the per-line test
// matches. Not when the pattern has `$` (a CRLF line ends in "\r" inside the block but not as a
// record), \A or \z (the text bounds differ), or clears flags with (?-…) (it could clear the
// multi-line flag). Conservative: a literal `\$` also counts as `$`.
bool block_search_is_exact(std::string_view regex) {
  if (regex.find('$') != std::string_view::npos) return false;
  if (regex.find("\\A") != std::string_view::npos) return false;
  if (regex.find("\\z") != std::string_view::npos) return false;
  for (std::size_t at = regex.find("(?"); at != std::string_view::npos;
       at = regex.find("(?", at + 2)) {
    const std::size_t flags_end = regex.find_first_of(":)", at + 2);
    if (regex.substr(at + 2, flags_end - (at + 2)).find('-') != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<LineMatcher> LineMatcher::create(const MatchOptions& options, std::string& error) {
  std::unique_ptr<LineMatcher> matcher(new LineMatcher());
  const bool literal = options.fixed || is_literal_regex(options.pattern);
  const std::string regex = options.fixed ? RE2::QuoteMeta(options.pattern) : options.pattern;
  const RE2::Options regex_opts = regex_options(options.ignore_case);

  // Checked as the user wrote it, so RE2's message quotes their pattern, not -w's wrapping.
  auto core = std::make_unique<RE2>(regex, regex_opts);
  if (!core->ok()) {
    error = core->error();
    return nullptr;
  }

  if (!literal && !options.ignore_case && !options.word && matcher->dfa_.build(regex) &&
      !matcher->dfa_.prefix().empty()) {
    // Every match starts with the DFA's prefix: search for it, then run the DFA from there.
    matcher->literal_ = LiteralSearch(matcher->dfa_.prefix());
    matcher->line_test_ = LineTest::Dfa;
    matcher->block_search_ = BlockSearch::Literal;
    return matcher;
  }

  if (literal && !options.ignore_case) {
    matcher->literal_ = LiteralSearch(options.pattern);
    matcher->block_search_ = BlockSearch::Literal;
  } else if (options.fixed || block_search_is_exact(regex)) {
    RE2::Options block_opts = regex_opts;
    block_opts.set_never_nl(true);  // a candidate never spans two lines
    matcher->block_regex_ = std::make_unique<RE2>("(?m)" + regex, block_opts);
    if (matcher->block_regex_->ok()) matcher->block_search_ = BlockSearch::Regex;
  }

  if (options.word) {
    // GNU grep -w: some match must have a non-word character (or the line's edge) on each side;
    // RE2 tries every match, not just the leftmost, so later whole-word matches are found.
    const std::string bounded = "(?:^|" + std::string(kNonWordClass) + ")(?:" + regex +
                                ")(?:" + std::string(kNonWordClass) + "|$)";
    matcher->line_regex_ = std::make_unique<RE2>(bounded, regex_opts);
    if (!matcher->line_regex_->ok()) {
      error = matcher->line_regex_->error();
      return nullptr;
    }
  } else if (literal && !options.ignore_case) {
    matcher->line_test_ = LineTest::Literal;
  } else {
    matcher->line_regex_ = std::move(core);
  }
  return matcher;
}

LineMatcher::~LineMatcher() = default;

bool LineMatcher::matches(std::string_view line) const {
  if (line_test_ == LineTest::Literal) return literal_.find(line, 0) != std::string_view::npos;
  if (line_test_ == LineTest::Dfa) {
    for (std::size_t at = literal_.find(line, 0); at != std::string_view::npos;
         at = literal_.find(line, at + 1)) {
      if (confirm(line.substr(at))) return true;
    }
    return false;
  }
  return RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *line_regex_);
}

bool LineMatcher::confirm(std::string_view rest) const {
  return dfa_.matches_after_prefix(rest.data() + literal_.literal().size(),
                                   rest.data() + rest.size());
}

std::size_t LineMatcher::find_candidate(std::string_view block, std::size_t from,
                                        std::uint64_t& newlines) const {
  if (block_search_ == BlockSearch::Literal) {
    return literal_.find_counting_newlines(block, from, newlines);
  }
  const re2::StringPiece rest(block.data() + from, block.size() - from);
  re2::StringPiece match;
  const bool found = block_regex_->Match(rest, 0, rest.size(), RE2::UNANCHORED, &match, 1);
  const std::size_t candidate =
      found ? static_cast<std::size_t>(match.data() - block.data()) : std::string_view::npos;
  newlines +=
      count_newlines(block.data() + from, block.data() + (found ? candidate : block.size()));
  return candidate;
}

}  // namespace gpipe
