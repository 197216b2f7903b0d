// Tokens of the expression language (docs/spec.md §4): numbers, strings, field references,
// operators, parentheses, brackets and commas. Offsets are byte offsets into the expression text,
// for carets.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gpipe::expr {

// A syntax error at [offset, offset+length) of the expression text.
class SyntaxError : public std::runtime_error {
 public:
  SyntaxError(const std::string& message, std::size_t offset, std::size_t length)
      : std::runtime_error(message), offset_(offset), length_(length == 0 ? 1 : length) {}
  std::size_t offset() const { return offset_; }
  std::size_t length() const { return length_; }

 private:
  std::size_t offset_;
  std::size_t length_;
};

enum class TokenKind {
  Number,    // 42, 1.5, 2e3
  String,    // '…' or "…" (text holds the unescaped value)
  Field,     // a name or path (user.screen_name, ."user name", a[0].b, _line), $, $0, $-1, …
  Keyword,   // and or not true false null
  Operator,  // == != < <= > >= =~ !~ .. + - * / %
  LParen,
  RParen,
  LBracket,  // '[' after a value that is not a field path: split(s, ",")[1]
  RBracket,
  Comma,
  End,
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;  // numbers and fields as written, strings unescaped, operators themselves
  std::size_t offset = 0;
  std::size_t length = 0;
};

// Splits the expression into tokens, ending with an End token. Throws SyntaxError.
std::vector<Token> tokenize(std::string_view text);

}  // namespace gpipe::expr
