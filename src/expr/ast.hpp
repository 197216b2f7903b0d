// The compiled form of an expression: a tree built once at start-up and evaluated per record.
#pragma once

#include <re2/re2.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "expr/printf_format.hpp"
#include "gpipe/field_ref.hpp"

namespace gpipe::expr {

struct Function;

enum class NodeKind {
  Null,
  Bool,
  Number,
  String,
  Field,   // a FieldRef
  Record,  // `$`, the whole record text
  Not,
  Negate,
  And,
  Or,
  Compare,  // op: == != < <= > >=
  Match,    // op: =~ !~
  Arith,    // op: + - * / %
  Concat,   // a .. b
  Index,    // a[i]: an element of an array value
  If,       // if(cond, a, b): a call that evaluates only the branch it takes
  Call,
};

enum class Op { Eq, Ne, Lt, Le, Gt, Ge, Match, NotMatch, Add, Sub, Mul, Div, Mod };

struct Node {
  NodeKind kind = NodeKind::Null;
  Op op = Op::Eq;
  bool boolean = false;
  double number = 0;
  std::string text;  // a string literal's value, a number's text as written
  std::optional<FieldRef> field;
  std::vector<std::unique_ptr<Node>> children;
  const Function* function = nullptr;
  // The pattern of =~ / !~ (right side) or of replace() and match() (second argument), compiled
  // once when it is a string literal; null when the pattern is computed per record.
  std::unique_ptr<RE2> regex;
  // The format of sprintf() (first argument), parsed once when it is a string literal; empty
  // when it is computed per record.
  std::vector<FormatItem> format;
  // A Compare by == or != of a field and a string literal (the test of most filters): which
  // child is the literal, 0 or 1; -1 for any other node. See compare_with_literal in eval.cpp.
  int literal_side = -1;
  std::size_t offset = 0;  // in the expression text, for errors
  std::size_t length = 1;
};

}  // namespace gpipe::expr
