// The built-in functions of the expression language (docs/spec.md §4). Each takes its evaluated
// arguments; a null argument gives null unless the function says otherwise (coalesce).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "expr/ast.hpp"
#include "expr/value.hpp"
#include "gpipe/record.hpp"

namespace gpipe::expr {

using FunctionImpl = Val (*)(std::span<const Val> args, const Node& call, Arena& arena);
// Run by the parser on a call once its arguments are parsed and counted: compiles what can be
// compiled once (a literal regex or format) and throws SyntaxError when that is malformed.
using PrepareCall = void (*)(Node& call);

struct Function {
  std::string_view name;
  std::size_t min_args;
  std::size_t max_args;  // kVariadic: any number from min_args
  FunctionImpl impl;     // null for coalesce and if, which the evaluator runs lazily
  std::string_view usage;
  PrepareCall prepare = nullptr;
};

inline constexpr std::size_t kVariadic = static_cast<std::size_t>(-1);
// The evaluator keeps a call's arguments on the stack: up to kMaxFixedArgs in the frame every
// call has, up to kMaxArgs (sprintf's format and values) in a wider one only such calls use.
inline constexpr std::size_t kMaxFixedArgs = 3;
inline constexpr std::size_t kMaxArgs = 16;

std::span<const Function> functions();
const Function* find_function(std::string_view name);

// A regex literal (a String node) compiled now, so a bad one is an error before anything runs;
// null for any other node (a pattern computed per record). Throws SyntaxError.
std::unique_ptr<RE2> compile_literal_regex(const Node& pattern);

// `container[index]`: an element of an array value (a negative index counts from the end); null
// for anything else or an index out of range.
Val element_at(const Val& container, const Val& index, Arena& arena);

// Epoch seconds when the run started: now() returns it, one value for the whole run.
double start_time();

// Code points of UTF-8 text (bytes that do not continue a character); invalid bytes count one.
std::size_t utf8_length(std::string_view text);

}  // namespace gpipe::expr
