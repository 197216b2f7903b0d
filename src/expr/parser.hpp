// The expression parser: text to a tree, by recursive descent. Precedence, lowest first:
//   or; and; not; comparison (== != < <= > >= =~ !~, not chained); ..; + -; * / %; unary -;
// postfix [index]; primary (a literal, a field, a function call, or an expression in
// parentheses).
#pragma once

#include <memory>
#include <string_view>

#include "expr/ast.hpp"
#include "expr/lexer.hpp"

namespace gpipe::expr {

// Throws SyntaxError (with the offset of the mistake) on a syntax error, an unknown function,
// a wrong number of arguments, a malformed field name or an invalid literal regex.
std::unique_ptr<Node> parse_expression(std::string_view text);

}  // namespace gpipe::expr
