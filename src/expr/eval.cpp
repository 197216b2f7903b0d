// Evaluating a compiled expression over one record.
//
// Comparison: a number and a numeric-looking string compare as numbers ("10" > 9); two strings
// compare bytewise ("abc" < "abd"), except two strings read from the record that both look like
// numbers, which compare as numbers, as awk compares numeric-looking fields. Null: any
// comparison with null is false, except that `x == null` is true when x is null and `!=` is
// always the negation of `==`. Arithmetic with null, a non-numeric string, or a division or
// remainder by zero, gives null, and so does a result that overflows to infinity (Val::of_number).
// `..` joins the text of its sides (null is empty).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "expr/expression.hpp"
#include "expr/functions.hpp"
#include "expr/parser.hpp"
#include "simd/equal_bytes.hpp"

namespace gpipe::expr {

namespace {

struct Env {
  Batch& batch;
  const Record& record;
};

Val eval_node(const Node& node, Env& env);

int three_way(double a, double b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

int three_way(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Orders two values that are not null. Nothing when they are unordered (NaN).
std::optional<int> order(const Val& a, const Val& b, Arena& arena) {
  using K = Val::Kind;
  if (a.kind == K::Bool && b.kind == K::Bool) return int(a.boolean) - int(b.boolean);
  const bool a_number = a.kind == K::Number;
  const bool b_number = b.kind == K::Number;
  std::optional<double> x, y;
  if (a_number || b_number) {
    x = to_number(a);
    y = to_number(b);
  } else if (a.kind == K::String && b.kind == K::String && a.from_field && b.from_field) {
    x = parse_number(a.text);
    if (x) y = parse_number(b.text);
  }
  if (x && y) {
    if (std::isnan(*x) || std::isnan(*y)) return std::nullopt;
    return three_way(*x, *y);
  }
  return three_way(*to_text(a, arena), *to_text(b, arena));
}

bool compare(Op op, const Val& a, const Val& b, Arena& arena) {
  if (a.is_null() || b.is_null()) {
    const bool equal = a.is_null() && b.is_null();
    if (op == Op::Eq) return equal;
    if (op == Op::Ne) return !equal;
    return false;
  }
  const auto c = order(a, b, arena);
  if (!c) return op == Op::Ne;
  switch (op) {
    case Op::Eq:
      return *c == 0;
    case Op::Ne:
      return *c != 0;
    case Op::Lt:
      return *c < 0;
    case Op::Le:
      return *c <= 0;
    case Op::Gt:
      return *c > 0;
    case Op::Ge:
      return *c >= 0;
    default:
      return false;
  }
}

// `field == "text"` and `!=`, from the field's value without making Vals of both sides: a
// string field against a string literal compares bytewise (only two strings read from the
// record compare as numbers), so equality is equal bytes. Any other kind of value (a JSON
// number, null, a boolean) takes the general rules.
Val compare_with_literal(const Node& node, Env& env) {
  const auto literal_side = static_cast<std::size_t>(node.literal_side);
  const Node& literal = *node.children[literal_side];
  const Node& field = *node.children[1 - literal_side];
  const Value value = lookup_field(env.batch, env.record, *field.field);
  if (value.kind == Value::Kind::String) {
    return Val::of_bool(equal_bytes(value.text, literal.text) == (node.op == Op::Eq));
  }
  const Val field_value = from_field_value(value);
  const Val literal_value = Val::of_string(literal.text);
  const Val& a = literal_side == 1 ? field_value : literal_value;
  const Val& b = literal_side == 1 ? literal_value : field_value;
  return Val::of_bool(compare(node.op, a, b, env.batch.arena()));
}

// Marks the nodes compare_with_literal evaluates.
void mark_literal_compares(Node& node) {
  for (const auto& child : node.children) mark_literal_compares(*child);
  if (node.kind != NodeKind::Compare || (node.op != Op::Eq && node.op != Op::Ne)) return;
  for (int side = 0; side < 2; ++side) {
    const Node& literal = *node.children[static_cast<std::size_t>(side)];
    const Node& other = *node.children[static_cast<std::size_t>(1 - side)];
    if (literal.kind == NodeKind::String && other.kind == NodeKind::Field) {
      node.literal_side = side;
    }
  }
}

// =~ and !~: false when either side is null. A pattern computed per record is compiled per
// record; an invalid one matches nothing (both operators give false).
bool match(const Node& node, Env& env) {
  Arena& arena = env.batch.arena();
  const auto text = to_text(eval_node(*node.children[0], env), arena);
  if (!text) return false;
  const re2::StringPiece subject(text->data(), text->size());
  if (node.regex) return RE2::PartialMatch(subject, *node.regex) == (node.op == Op::Match);
  const auto pattern = to_text(eval_node(*node.children[1], env), arena);
  if (!pattern) return false;
  RE2::Options options;
  options.set_log_errors(false);
  const RE2 regex(re2::StringPiece(pattern->data(), pattern->size()), options);
  if (!regex.ok()) return false;
  return RE2::PartialMatch(subject, regex) == (node.op == Op::Match);
}

Val arithmetic(Op op, const Val& a, const Val& b) {
  const auto x = to_number(a);
  const auto y = to_number(b);
  if (!x || !y) return Val::null();
  switch (op) {
    case Op::Add:
      return Val::of_number(*x + *y);
    case Op::Sub:
      return Val::of_number(*x - *y);
    case Op::Mul:
      return Val::of_number(*x * *y);
    case Op::Div:
      return *y == 0 ? Val::null() : Val::of_number(*x / *y);
    case Op::Mod:
      return *y == 0 ? Val::null() : Val::of_number(std::fmod(*x, *y));
    default:
      return Val::null();
  }
}

// `a .. b`: the text of both, null as empty, numbers as written (or in shortest form when
// computed). One side empty: the other is returned as it is, with no copy.
Val concatenate(const Val& a, const Val& b, Arena& arena) {
  const std::string_view left = to_text(a, arena).value_or(std::string_view());
  const std::string_view right = to_text(b, arena).value_or(std::string_view());
  if (left.empty()) return Val::of_string(right);
  if (right.empty()) return Val::of_string(left);
  char* out = arena.allocate(left.size() + right.size());
  std::memcpy(out, left.data(), left.size());
  std::memcpy(out + left.size(), right.data(), right.size());
  return Val::of_string({out, left.size() + right.size()});
}

// A call with more arguments than the usual frame holds (sprintf): its own, wider frame, kept out
// of line so that the recursion of every other call stays small.
[[gnu::noinline]] Val call_wide(const Node& node, Env& env) {
  Val args[kMaxArgs];
  const std::size_t n = node.children.size();
  for (std::size_t i = 0; i < n; ++i) args[i] = eval_node(*node.children[i], env);
  return node.function->impl(std::span<const Val>(args, n), node, env.batch.arena());
}

Val call(const Node& node, Env& env) {
  if (node.function->impl == nullptr) {  // coalesce: evaluates only as far as it must
    for (const auto& child : node.children) {
      Val v = eval_node(*child, env);
      if (!v.is_null()) return v;
    }
    return Val::null();
  }
  const std::size_t n = node.children.size();
  if (n > kMaxFixedArgs) return call_wide(node, env);
  Val args[kMaxFixedArgs];
  for (std::size_t i = 0; i < n; ++i) args[i] = eval_node(*node.children[i], env);
  return node.function->impl(std::span<const Val>(args, n), node, env.batch.arena());
}

Val eval_node(const Node& node, Env& env) {
  switch (node.kind) {
    case NodeKind::Null:
      return Val::null();
    case NodeKind::Bool:
      return Val::of_bool(node.boolean);
    case NodeKind::Number:
      return Val::of_number(node.number);  // prints in shortest form
    case NodeKind::String:
      return Val::of_string(node.text);
    case NodeKind::Field:
      return from_field_value(lookup_field(env.batch, env.record, *node.field));
    case NodeKind::Record:
      return Val::of_string(env.record.text, true);
    case NodeKind::Not:
      return Val::of_bool(!truthy(eval_node(*node.children[0], env)));
    case NodeKind::Negate: {
      const auto n = to_number(eval_node(*node.children[0], env));
      return n ? Val::of_number(-*n) : Val::null();
    }
    case NodeKind::And:
      return Val::of_bool(truthy(eval_node(*node.children[0], env)) &&
                          truthy(eval_node(*node.children[1], env)));
    case NodeKind::Or:
      return Val::of_bool(truthy(eval_node(*node.children[0], env)) ||
                          truthy(eval_node(*node.children[1], env)));
    case NodeKind::Compare: {
      if (node.literal_side >= 0) return compare_with_literal(node, env);
      const Val a = eval_node(*node.children[0], env);
      const Val b = eval_node(*node.children[1], env);
      return Val::of_bool(compare(node.op, a, b, env.batch.arena()));
    }
    case NodeKind::Match:
      return Val::of_bool(match(node, env));
    case NodeKind::Arith: {
      const Val a = eval_node(*node.children[0], env);
      return arithmetic(node.op, a, eval_node(*node.children[1], env));
    }
    case NodeKind::Concat: {
      const Val a = eval_node(*node.children[0], env);
      return concatenate(a, eval_node(*node.children[1], env), env.batch.arena());
    }
    case NodeKind::Index: {
      const Val container = eval_node(*node.children[0], env);
      return element_at(container, eval_node(*node.children[1], env), env.batch.arena());
    }
    case NodeKind::If:
      return truthy(eval_node(*node.children[0], env)) ? eval_node(*node.children[1], env)
                                                       : eval_node(*node.children[2], env);
    case NodeKind::Call:
      return call(node, env);
  }
  return Val::null();
}

void collect_names(const Node& node, std::vector<std::string>& names) {
  if (node.field && node.field->kind() == FieldRef::Kind::Name) names.push_back(node.field->name());
  for (const auto& child : node.children) collect_names(*child, names);
}

void collect_refs(const Node& node, std::vector<FieldRef>& refs) {
  if (node.field) refs.push_back(*node.field);
  for (const auto& child : node.children) collect_refs(*child, refs);
}

bool reads_position(const Node& node) {
  if (node.field && (node.field->kind() == FieldRef::Kind::Position ||
                     node.field->kind() == FieldRef::Kind::PositionFromEnd)) {
    return true;
  }
  return std::any_of(node.children.begin(), node.children.end(),
                     [](const auto& child) { return reads_position(*child); });
}

}  // namespace

Val Expression::eval(Batch& batch, const Record& record) const {
  Env env{batch, record};
  return eval_node(*root_, env);
}

std::vector<std::string> Expression::field_names() const {
  std::vector<std::string> names;
  collect_names(*root_, names);
  return names;
}

std::vector<FieldRef> Expression::fields_read() const {
  std::vector<FieldRef> refs;
  collect_refs(*root_, refs);
  return refs;
}

bool Expression::reads_positions() const {
  return reads_position(*root_);
}

Expression Expression::compile(std::string_view text) {
  Expression expression;
  std::unique_ptr<Node> root = parse_expression(text);
  mark_literal_compares(*root);
  expression.root_ = std::move(root);
  return expression;
}

}  // namespace gpipe::expr
