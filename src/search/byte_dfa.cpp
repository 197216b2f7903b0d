#include "search/byte_dfa.hpp"

#include <algorithm>
#include <bitset>
#include <cctype>
#include <map>
#include <vector>

namespace gpipe {

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

}  // namespace gpipe
