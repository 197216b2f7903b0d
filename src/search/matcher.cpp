#include "search/matcher.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <bitset>
#include <cctype>
#include <cstring>
#include <map>
#include <vector>

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

// ---- A small DFA for the common regex shapes -------------------------------------------------
//
// RE2 costs a fixed ~100 ns per call (locks, set-up), which dominates when nearly every line
// holds a candidate. Patterns made only of ASCII literals, positive ASCII classes (\d \w \s
// [a-z_]), groups, alternation and repetition are compiled here into a byte DFA instead; on such
// patterns a byte DFA decides exactly what RE2 decides (no byte >= 0x80 can match, so UTF-8
// handling cannot differ). Anything else ('.', negated classes, anchors, flags, -i, -w) returns
// false and the RE2 path is used.

namespace dfa_build {

using ByteSet = std::bitset<256>;

struct Node {  // the parsed pattern
  enum class Kind { Set, Concat, Alt, Repeat } kind = Kind::Concat;
  ByteSet set;
  std::vector<Node> children;
  int min = 0;
  int max = 0;  // -1: unbounded
};

class Parser {
 public:
  explicit Parser(std::string_view pattern) : p_(pattern) {}

  // False when the pattern uses anything this compiler does not handle.
  bool parse(Node& out) { return alternation(out) && at_ == p_.size(); }

 private:
  bool alternation(Node& out) {
    out.kind = Node::Kind::Alt;
    for (;;) {
      Node branch;
      if (!concatenation(branch)) return false;
      out.children.push_back(std::move(branch));
      if (at_ < p_.size() && p_[at_] == '|') {
        ++at_;
        continue;
      }
      return true;
    }
  }

  bool concatenation(Node& out) {
    out.kind = Node::Kind::Concat;
    while (at_ < p_.size() && p_[at_] != '|' && p_[at_] != ')') {
      Node atom_node;
      if (!atom(atom_node) || !quantifiers(atom_node)) return false;
      out.children.push_back(std::move(atom_node));
    }
    return true;
  }

  bool atom(Node& out) {
    const char c = p_[at_++];
    if (static_cast<unsigned char>(c) >= 0x80) return false;
    if (c == '(') {
      if (p_.substr(at_, 2) == "?:") {
        at_ += 2;
      } else if (at_ < p_.size() && p_[at_] == '?') {
        return false;  // flags, named groups
      }
      if (!alternation(out) || at_ >= p_.size() || p_[at_] != ')') return false;
      ++at_;
      return true;
    }
    out.kind = Node::Kind::Set;
    if (c == '[') return bracket(out.set);
    if (c == '\\') return escape(out.set);
    if (std::string_view(".^$*+?{})]").find(c) != std::string_view::npos) return false;
    out.set.set(static_cast<unsigned char>(c));
    return true;
  }

  // \d \w \s, the control escapes, and escaped punctuation.
  bool escape(ByteSet& set) {
    if (at_ >= p_.size()) return false;
    const char c = p_[at_++];
    const auto add_range = [&](char lo, char hi) {
      for (int b = lo; b <= hi; ++b) set.set(static_cast<std::size_t>(b));
    };
    switch (c) {
      case 'd':
        add_range('0', '9');
        return true;
      case 'w':
        add_range('0', '9'), add_range('a', 'z'), add_range('A', 'Z'), set.set('_');
        return true;
      case 's':
        for (const char b : std::string_view("\t\n\f\r ")) set.set(static_cast<unsigned char>(b));
        return true;
      default:
        break;
    }
    // The control escapes: each letter stands for the byte after it here.
    static constexpr std::string_view kControls = "t\tn\nr\rf\fv\v";
    for (std::size_t i = 0; i < kControls.size(); i += 2) {
      if (c == kControls[i]) {
        set.set(static_cast<unsigned char>(kControls[i + 1]));
        return true;
      }
    }
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || std::isalnum(u) != 0) return false;
    set.set(u);
    return true;
  }

  // A positive class of ASCII bytes, ranges and the escapes above.
  bool bracket(ByteSet& set) {
    if (at_ >= p_.size() || p_[at_] == '^' || p_[at_] == ']') return false;
    while (at_ < p_.size() && p_[at_] != ']') {
      int lo = 0;
      if (!class_char(set, lo)) return false;
      if (lo < 0) {  // a class escape such as \d; as a range's end it is RE2's business
        if (p_.substr(at_, 1) == "-" && p_.substr(at_ + 1, 1) != "]") return false;
        continue;
      }
      if (p_.substr(at_, 1) == "-" && at_ + 1 < p_.size() && p_[at_ + 1] != ']') {
        ++at_;
        int hi = 0;
        if (!class_char(set, hi) || hi < lo) return false;
        for (int b = lo; b <= hi; ++b) set.set(static_cast<std::size_t>(b));
      } else {
        set.set(static_cast<std::size_t>(lo));
      }
    }
    if (at_ >= p_.size()) return false;
    ++at_;  // ']'
    return true;
  }

  // One class member: its byte in `byte`, or -1 when it was a class escape added to `set`.
  bool class_char(ByteSet& set, int& byte) {
    const char c = p_[at_++];
    if (static_cast<unsigned char>(c) >= 0x80 || c == '[') return false;
    if (c != '\\') {
      byte = static_cast<unsigned char>(c);
      return true;
    }
    ByteSet escaped;
    if (!escape(escaped)) return false;
    if (escaped.count() == 1) {
      for (int b = 0; b < 256; ++b) {
        if (escaped.test(static_cast<std::size_t>(b))) byte = b;
      }
      return true;
    }
    set |= escaped;
    byte = -1;
    return true;
  }

  bool number(int& out) {
    const std::size_t begin = at_;
    out = 0;
    while (at_ < p_.size() && std::isdigit(static_cast<unsigned char>(p_[at_])) != 0) {
      out = out * 10 + (p_[at_++] - '0');
      if (out > 1000) return false;
    }
    return at_ > begin;
  }

  bool quantifiers(Node& node) {
    while (at_ < p_.size()) {
      const char c = p_[at_];
      int min = 0;
      int max = -1;
      if (c == '*' || c == '+' || c == '?') {
        ++at_;
        min = c == '+' ? 1 : 0;
        max = c == '?' ? 1 : -1;
      } else if (c == '{') {
        ++at_;
        if (!number(min)) return false;
        max = min;
        if (at_ < p_.size() && p_[at_] == ',') {
          ++at_;
          max = -1;
          if (at_ < p_.size() && p_[at_] != '}' && (!number(max) || max < min)) return false;
        }
        if (at_ >= p_.size() || p_[at_] != '}') return false;
        ++at_;
      } else {
        return true;
      }
      if (at_ < p_.size() && p_[at_] == '?') ++at_;  // lazy: the same lines match
      if (at_ < p_.size() && std::string_view("*+?{").find(p_[at_]) != std::string_view::npos) {
        return false;  // stacked repetitions: leave them to RE2
      }
      Node repeat;
      repeat.kind = Node::Kind::Repeat;
      repeat.min = min;
      repeat.max = max;
      repeat.children.push_back(std::move(node));
      node = std::move(repeat);
    }
    return true;
  }

  std::string_view p_;
  std::size_t at_ = 0;
};

// A Thompson NFA: each node consumes one byte of `set` to reach `next`, or is an epsilon node
// with edges in `epsilon`. One node is the match.
class Nfa {
 public:
  static constexpr std::size_t kMaxNodes = 4096;

  struct State {
    bool consumes = false;
    ByteSet set;
    int next = -1;
    std::vector<int> epsilon;
  };
  struct Fragment {
    int start;
    int accept;
  };

  bool compile(const Node& root) {
    Fragment whole{};
    if (!fragment(root, whole)) return false;
    start = whole.start;
    match = whole.accept;
    return true;
  }

  std::vector<State> states;
  int start = 0;
  int match = 0;

 private:
  int add() {
    states.emplace_back();
    return static_cast<int>(states.size() - 1);
  }
  void link(int from, int to) { states[static_cast<std::size_t>(from)].epsilon.push_back(to); }

  bool fragment(const Node& node, Fragment& out) {
    if (states.size() > kMaxNodes) return false;
    out.start = add();
    out.accept = out.start;
    switch (node.kind) {
      case Node::Kind::Set: {
        out.accept = add();
        State& s = states[static_cast<std::size_t>(out.start)];
        s.consumes = true;
        s.set = node.set;
        s.set.reset('\n');  // lines never hold one
        s.next = out.accept;
        return true;
      }
      case Node::Kind::Concat:
        for (const Node& child : node.children) {
          Fragment f{};
          if (!fragment(child, f)) return false;
          link(out.accept, f.start);
          out.accept = f.accept;
        }
        return true;
      case Node::Kind::Alt:
        out.accept = add();
        for (const Node& child : node.children) {
          Fragment f{};
          if (!fragment(child, f)) return false;
          link(out.start, f.start);
          link(f.accept, out.accept);
        }
        return true;
      case Node::Kind::Repeat:
        return repeat(node, out);
    }
    return false;
  }

  bool repeat(const Node& node, Fragment& out) {
    const Node& child = node.children.front();
    for (int i = 0; i < node.min; ++i) {
      Fragment f{};
      if (!fragment(child, f)) return false;
      link(out.accept, f.start);
      out.accept = f.accept;
    }
    if (node.max < 0) {  // then any number more
      Fragment f{};
      if (!fragment(child, f)) return false;
      const int after = add();
      link(out.accept, f.start);
      link(out.accept, after);
      link(f.accept, f.start);
      link(f.accept, after);
      out.accept = after;
      return true;
    }
    const int after = add();
    for (int i = node.min; i < node.max; ++i) {  // up to max - min optional ones
      Fragment f{};
      if (!fragment(child, f)) return false;
      link(out.accept, f.start);
      link(out.accept, after);
      out.accept = f.accept;
    }
    link(out.accept, after);
    out.accept = after;
    return true;
  }
};

}  // namespace dfa_build

// Subset construction. State 0 is dead; a state is accepting when the NFA match is in its set.
bool ByteDfa::build(std::string_view pattern) {
  using namespace dfa_build;
  Node root;
  if (!Parser(pattern).parse(root)) return false;
  Nfa nfa;
  if (!nfa.compile(root)) return false;

  // The epsilon closure of `seeds`, kept as the sorted consuming nodes plus the match node.
  std::vector<char> seen(nfa.states.size());
  std::vector<int> stack;
  const auto closure = [&](const std::vector<int>& seeds) {
    std::vector<int> out;
    std::vector<int> visited;
    stack = seeds;
    while (!stack.empty()) {
      const int n = stack.back();
      stack.pop_back();
      if (seen[static_cast<std::size_t>(n)] != 0) continue;
      seen[static_cast<std::size_t>(n)] = 1;
      visited.push_back(n);
      const Nfa::State& s = nfa.states[static_cast<std::size_t>(n)];
      if (s.consumes || n == nfa.match) out.push_back(n);
      for (const int e : s.epsilon) stack.push_back(e);
    }
    for (const int n : visited) seen[static_cast<std::size_t>(n)] = 0;
    std::sort(out.begin(), out.end());
    return out;
  };

  std::map<std::vector<int>, std::uint32_t> ids;
  std::vector<std::vector<int>> sets;
  const auto id_of = [&](std::vector<int> set) -> std::uint32_t {
    if (set.empty()) return 0;
    const auto found = ids.find(set);
    if (found != ids.end()) return found->second;
    const auto id = static_cast<std::uint32_t>(sets.size());
    ids.emplace(set, id);
    sets.push_back(std::move(set));
    return id;
  };
  sets.emplace_back();  // dead
  start_ = id_of(closure({nfa.start}));
  for (std::size_t state = 1; state < sets.size(); ++state) {
    if (sets.size() > kMaxStates) return false;
    next_.resize((state + 1) * 256, 0);
    accepting_.resize(state + 1, 0);
    const std::vector<int> members = sets[state];  // copied: `sets` grows below
    accepting_[state] = std::binary_search(members.begin(), members.end(), nfa.match) ? 1 : 0;
    std::map<std::vector<int>, std::uint32_t> targets;  // bytes with the same seeds share one
    for (int byte = 0; byte < 256; ++byte) {
      std::vector<int> seeds;
      for (const int n : members) {
        const Nfa::State& s = nfa.states[static_cast<std::size_t>(n)];
        if (s.consumes && s.set.test(static_cast<std::size_t>(byte))) seeds.push_back(s.next);
      }
      if (seeds.empty()) continue;
      auto target = targets.find(seeds);
      if (target == targets.end()) {
        target = targets.emplace(seeds, id_of(closure(seeds))).first;
      }
      next_[state * 256 + static_cast<std::size_t>(byte)] = target->second;
    }
  }

  // The bytes every match starts with: follow the start while it has a single way out.
  after_prefix_ = start_;
  // At most one byte per state: a cycle of states with one way out would loop for ever.
  for (std::size_t steps = 0; steps < sets.size(); ++steps) {
    if (accepting_[after_prefix_] != 0) break;
    int only = -1;
    for (int byte = 0; byte < 256; ++byte) {
      if (next_[after_prefix_ * 256 + static_cast<std::size_t>(byte)] == 0) continue;
      if (only >= 0) {
        only = -2;
        break;
      }
      only = byte;
    }
    if (only < 0) break;
    prefix_ += static_cast<char>(only);
    after_prefix_ = next_[after_prefix_ * 256 + static_cast<std::size_t>(only)];
  }
  return true;
}

bool ByteDfa::matches_after_prefix(const char* p, const char* end) const {
  std::uint32_t state = after_prefix_;
  if (accepting_[state] != 0) return true;
  for (; p < end; ++p) {
    state = next_[state * 256 + static_cast<unsigned char>(*p)];
    if (state == 0) return false;
    if (accepting_[state] != 0) return true;
  }
  return false;
}

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
