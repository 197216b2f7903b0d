#include "expr/parser.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "expr/functions.hpp"
#include "expr/value.hpp"
#include "gpipe/language.hpp"

namespace gpipe::expr {

namespace {

std::unique_ptr<Node> make_node(NodeKind kind, const Token& at) {
  auto node = std::make_unique<Node>();
  node->kind = kind;
  node->offset = at.offset;
  node->length = at.length;
  return node;
}

std::unique_ptr<Node> binary(NodeKind kind, Op op, const Token& at, std::unique_ptr<Node> left,
                             std::unique_ptr<Node> right) {
  auto node = make_node(kind, at);
  node->op = op;
  node->children.push_back(std::move(left));
  node->children.push_back(std::move(right));
  return node;
}

std::optional<Op> comparison_op(std::string_view text) {
  if (text == "==") return Op::Eq;
  if (text == "!=") return Op::Ne;
  if (text == "<") return Op::Lt;
  if (text == "<=") return Op::Le;
  if (text == ">") return Op::Gt;
  if (text == ">=") return Op::Ge;
  if (text == "=~") return Op::Match;
  if (text == "!~") return Op::NotMatch;
  return std::nullopt;
}

// The key of a path that is one quoted key, `."user name"`, unescaped; else nothing.
std::optional<std::string> lone_quoted_key(std::string_view text) {
  std::vector<PathStep> steps;
  std::string reason;
  if (!text.starts_with(".\"") || !parse_json_path(text, steps, reason) || steps.size() != 1) {
    return std::nullopt;
  }
  const std::string& key = steps.front().key;
  // Keys that would read back as a path or a position (5, -1) keep the quoted form.
  const std::string_view digits = std::string_view(key).substr(key.starts_with('-'));
  if (key.find_first_of(".[\"") != std::string::npos ||
      digits.find_first_not_of("0123456789") == std::string::npos) {
    return std::nullopt;
  }
  return key;
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::End:
      return "the end of the expression";
    case TokenKind::String:
      return "a string";
    default:
      return "'" + token.text + "'";
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : tokens_(tokenize(text)) {}

  // Limits that keep the recursive parser, evaluator and destructor off the end of the stack
  // (fuzz_expr found a stack overflow on thousands of nested parentheses): an expression has at
  // most kMaxTokens tokens and nests at most kMaxDepth deep.
  static constexpr std::size_t kMaxTokens = 4096;
  static constexpr std::size_t kMaxDepth = 128;

  std::unique_ptr<Node> parse() {
    if (tokens_.size() > kMaxTokens) {
      throw SyntaxError("expression too long (more than " + std::to_string(kMaxTokens) + " tokens)",
                        tokens_[kMaxTokens].offset, 1);
    }
    auto node = parse_or();
    if (peek().kind != TokenKind::End) {
      if (peek().kind == TokenKind::RParen) fail("unmatched ')'");
      fail("expected an operator or the end of the expression, got " + describe(peek()));
    }
    return node;
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  const Token& take() { return tokens_[pos_++]; }
  bool at_keyword(std::string_view word) const {
    return peek().kind == TokenKind::Keyword && peek().text == word;
  }
  bool at_operator(std::string_view op) const {
    return peek().kind == TokenKind::Operator && peek().text == op;
  }
  [[noreturn]] void fail(const std::string& message) const {
    throw SyntaxError(message, peek().offset, peek().length);
  }

  // Counts one level of nesting for as long as it lives.
  struct Nesting {
    explicit Nesting(Parser& p) : parser(p) {
      if (++parser.depth_ > kMaxDepth) {
        throw SyntaxError(
            "expression nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)",
            parser.peek().offset, 1);
      }
    }
    ~Nesting() { --parser.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;
    Parser& parser;
  };

  std::unique_ptr<Node> parse_or() {
    const Nesting nesting(*this);
    auto left = parse_and();
    while (at_keyword("or")) {
      const Token& op = take();
      left = binary(NodeKind::Or, Op::Eq, op, std::move(left), parse_and());
    }
    return left;
  }

  std::unique_ptr<Node> parse_and() {
    auto left = parse_not();
    while (at_keyword("and")) {
      const Token& op = take();
      left = binary(NodeKind::And, Op::Eq, op, std::move(left), parse_not());
    }
    return left;
  }

  std::unique_ptr<Node> parse_not() {
    if (!at_keyword("not")) return parse_comparison();
    const Nesting nesting(*this);
    auto node = make_node(NodeKind::Not, take());
    node->children.push_back(parse_not());
    return node;
  }

  std::unique_ptr<Node> parse_comparison() {
    auto left = parse_concat();
    if (peek().kind != TokenKind::Operator) return left;
    const auto op = comparison_op(peek().text);
    if (!op) return left;
    const Token& at = take();
    auto right = parse_concat();
    if (peek().kind == TokenKind::Operator && comparison_op(peek().text)) {
      fail("comparisons do not chain; join them with 'and'");
    }
    if (*op == Op::Match || *op == Op::NotMatch) {
      auto node = binary(NodeKind::Match, *op, at, std::move(left), std::move(right));
      node->regex = compile_literal_regex(*node->children[1]);
      return node;
    }
    return binary(NodeKind::Compare, *op, at, std::move(left), std::move(right));
  }

  // `..` binds looser than + and -, as in Lua: "n=" .. n + 1 is "n=" .. (n + 1).
  std::unique_ptr<Node> parse_concat() {
    auto left = parse_additive();
    while (at_operator("..")) {
      const Token& at = take();
      left = binary(NodeKind::Concat, Op::Eq, at, std::move(left), parse_additive());
    }
    return left;
  }

  std::unique_ptr<Node> parse_additive() {
    auto left = parse_multiplicative();
    while (at_operator("+") || at_operator("-")) {
      const Token& at = take();
      const Op op = at.text == "+" ? Op::Add : Op::Sub;
      left = binary(NodeKind::Arith, op, at, std::move(left), parse_multiplicative());
    }
    return left;
  }

  std::unique_ptr<Node> parse_multiplicative() {
    auto left = parse_unary();
    while (at_operator("*") || at_operator("/") || at_operator("%")) {
      const Token& at = take();
      const Op op = at.text == "*" ? Op::Mul : at.text == "/" ? Op::Div : Op::Mod;
      left = binary(NodeKind::Arith, op, at, std::move(left), parse_unary());
    }
    return left;
  }

  std::unique_ptr<Node> parse_unary() {
    if (!at_operator("-")) return parse_postfix();
    const Nesting nesting(*this);
    auto node = make_node(NodeKind::Negate, take());
    node->children.push_back(parse_unary());
    return node;
  }

  // A value followed by any number of [index]: split(s, ",")[1], (tags)[0].
  std::unique_ptr<Node> parse_postfix() {
    auto node = parse_primary();
    while (peek().kind == TokenKind::LBracket) {
      const Token& open = take();
      auto index = parse_or();
      if (peek().kind != TokenKind::RBracket) {
        if (peek().kind == TokenKind::End) throw SyntaxError("unclosed '['", open.offset, 1);
        fail("expected ']', got " + describe(peek()));
      }
      take();
      node = binary(NodeKind::Index, Op::Eq, open, std::move(node), std::move(index));
    }
    return node;
  }

  std::unique_ptr<Node> parse_primary() {
    const Token& token = peek();
    switch (token.kind) {
      case TokenKind::Number:
        return number(take());
      case TokenKind::String: {
        auto node = make_node(NodeKind::String, take());
        node->text = token.text;
        return node;
      }
      case TokenKind::Keyword:
        return keyword();
      case TokenKind::Field:
        if (tokens_[pos_ + 1].kind == TokenKind::LParen) return call();
        return field(take());
      case TokenKind::LParen: {
        const Token& open = take();
        auto inner = parse_or();
        if (peek().kind != TokenKind::RParen) {
          if (peek().kind == TokenKind::End) {
            throw SyntaxError("unclosed '('", open.offset, 1);
          }
          fail("expected ')', got " + describe(peek()));
        }
        take();
        return inner;
      }
      case TokenKind::End:
        fail("expected a value, got the end of the expression");
      default:
        fail("expected a value, got " + describe(token));
    }
  }

  static std::unique_ptr<Node> number(const Token& token) {
    auto node = make_node(NodeKind::Number, token);
    node->text = token.text;
    node->number = parse_number(token.text).value_or(0);
    return node;
  }

  std::unique_ptr<Node> keyword() {
    const Token& token = peek();
    if (token.text == "true" || token.text == "false") {
      auto node = make_node(NodeKind::Bool, take());
      node->boolean = token.text == "true";
      return node;
    }
    if (token.text == "null") return make_node(NodeKind::Null, take());
    fail("expected a value, got " + describe(token));
  }

  static std::unique_ptr<Node> field(const Token& token) {
    if (token.text == "$") return make_node(NodeKind::Record, token);
    auto node = make_node(NodeKind::Field, token);
    const std::string_view text = std::string_view(token.text).substr(token.text[0] == '$');
    try {
      // A lone quoted key (."user name") names the field "user name", as `select 'user name'`
      // does; quotes inside a longer path stay for FieldRef to read.
      if (const auto key = lone_quoted_key(text)) {
        node->field = FieldRef::parse(*key);
        return node;
      }
      node->field = FieldRef::parse(text);
    } catch (const std::invalid_argument& e) {
      throw SyntaxError(e.what(), token.offset, token.length);
    }
    return node;
  }

  static const Function& lookup_function(const Token& name) {
    if (const Function* f = find_function(name.text)) return *f;
    std::string message = "unknown function '" + name.text + "'";
    std::string_view best;
    std::size_t best_distance = 3;  // suggest only close names
    for (const Function& f : functions()) {
      const std::size_t d = edit_distance(name.text, f.name);
      if (d < best_distance) {
        best_distance = d;
        best = f.name;
      }
    }
    if (!best.empty()) message += " (did you mean '" + std::string(best) + "'?)";
    throw SyntaxError(message, name.offset, name.length);
  }

  static std::string count_text(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " argument" : " arguments");
  }

  static void check_arity(const Function& f, const Token& name, std::size_t given) {
    if (given >= f.min_args && (f.max_args == kVariadic || given <= f.max_args)) return;
    std::string wanted = count_text(f.min_args);
    if (f.max_args == kVariadic) {
      wanted = "at least " + wanted;
    } else if (f.max_args == f.min_args + 1) {
      wanted = std::to_string(f.min_args) + " or " + count_text(f.max_args);
    } else if (f.max_args != f.min_args) {
      wanted = std::to_string(f.min_args) + " to " + count_text(f.max_args);
    }
    throw SyntaxError("'" + name.text + "' takes " + wanted + ", got " + std::to_string(given) +
                          " (" + std::string(f.usage) + ")",
                      name.offset, name.length);
  }

  std::unique_ptr<Node> call() {
    const Token& name = take();
    const Function& function = lookup_function(name);
    auto node = make_node(NodeKind::Call, name);
    node->function = &function;
    const Token& open = take();
    if (peek().kind != TokenKind::RParen) {
      while (true) {
        node->children.push_back(parse_or());
        if (peek().kind == TokenKind::Comma) {
          take();
          continue;
        }
        if (peek().kind == TokenKind::RParen) break;
        if (peek().kind == TokenKind::End) throw SyntaxError("unclosed '('", open.offset, 1);
        fail("expected ',' or ')', got " + describe(peek()));
      }
    }
    take();
    check_arity(function, name, node->children.size());
    if (function.prepare != nullptr) function.prepare(*node);
    return node;
  }

  std::vector<Token> tokens_;
  std::size_t depth_ = 0;
  std::size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<Node> parse_expression(std::string_view text) {
  return Parser(text).parse();
}

}  // namespace gpipe::expr
