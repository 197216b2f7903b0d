// The built-in functions of the expression language (SPEC 4). Each takes its evaluated
// arguments; a null argument gives null unless the function says otherwise (coalesce).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "expr/ast.hpp"
#include "expr/value.hpp"
#include "gpipe/record.hpp"

namespace gpipe::expr {

using FunctionImpl = Val (*)(std::span<const Val> args, const Node& call, Arena& arena);

struct Function {
  std::string_view name;
  std::size_t min_args;
  std::size_t max_args;  // kVariadic: any number from min_args
  FunctionImpl impl;     // null for coalesce, which the evaluator runs lazily
  std::string_view usage;
};

inline constexpr std::size_t kVariadic = static_cast<std::size_t>(-1);
// The most arguments any fixed-arity function takes (the evaluator keeps them on the stack).
inline constexpr std::size_t kMaxFixedArgs = 3;

std::span<const Function> functions();
const Function* find_function(std::string_view name);

// Epoch seconds when the run started: now() returns it, one value for the whole run.
double start_time();

// Code points of UTF-8 text (bytes that do not continue a character); invalid bytes count one.
std::size_t utf8_length(std::string_view text);

}  // namespace gpipe::expr
