// The expression lexer. Field names are words of letters, digits and '_' (and any byte of a
// UTF-8 character), joined by '.' and [N]; a key with other characters is quoted: ."user name",
// a."x-y". '-' is always minus, so `a-b` subtracts, except right after '$': `$-1` is the last
// positional field. ".." is concatenation, so a path stops before it: `a..b` is a .. b.
#include "expr/lexer.hpp"

#include <algorithm>
#include <array>

namespace gpipe::expr {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_word_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_word_char(char c) {
  return is_word_start(c) || is_digit(c);
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

constexpr std::array<std::string_view, 6> kKeywords = {"and", "or", "not", "true", "false", "null"};
// Longest first, so "<=" is not read as "<" then "=".
constexpr std::array<std::string_view, 13> kOperators = {"==", "!=", "<=", ">=", "=~", "!~", "<",
                                                         ">",  "+",  "-",  "*",  "/",  "%"};
constexpr std::string_view kConcat = "..";

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    while (true) {
      while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
      if (pos_ == text_.size()) break;
      tokens.push_back(next());
    }
    tokens.push_back(Token{TokenKind::End, "", text_.size(), 1});
    return tokens;
  }

 private:
  Token next() {
    const std::size_t start = pos_;
    const char c = text_[pos_];
    if (c == '(' || c == ')' || c == ',') {
      ++pos_;
      return make(c == '('   ? TokenKind::LParen
                  : c == ')' ? TokenKind::RParen
                             : TokenKind::Comma,
                  start);
    }
    if (c == '[' || c == ']') {
      ++pos_;
      return make(c == '[' ? TokenKind::LBracket : TokenKind::RBracket, start);
    }
    if (c == '\'' || c == '"') return string_token();
    if (is_digit(c)) return number_token();
    if (c == '$') return dollar_token();
    if (text_.substr(pos_).starts_with(kConcat)) {  // before paths, which may start with '.'
      pos_ += kConcat.size();
      return make(TokenKind::Operator, start);
    }
    if (is_word_start(c) || c == '.') return field_token();
    for (std::string_view op : kOperators) {
      if (text_.substr(pos_).starts_with(op)) {
        pos_ += op.size();
        return make(TokenKind::Operator, start);
      }
    }
    if (c == '=') throw SyntaxError("'=' is assignment; compare with '=='", start, 1);
    if (c == '!') throw SyntaxError("'!' is not an operator; write 'not'", start, 1);
    if (c == '&' || c == '|') {
      throw SyntaxError(std::string("unexpected '") + c + "'; write 'and' / 'or'", start, 1);
    }
    throw SyntaxError(std::string("unexpected character '") + c + "'", start, 1);
  }

  Token make(TokenKind kind, std::size_t start) {
    return Token{kind, std::string(text_.substr(start, pos_ - start)), start, pos_ - start};
  }

  Token string_token() {
    const std::size_t start = pos_;
    const char quote = text_[pos_++];
    std::string value;
    while (true) {
      if (pos_ == text_.size()) throw SyntaxError("unterminated string", start, 1);
      const char c = text_[pos_];
      if (c == quote) break;
      if (c == '\\' && pos_ + 1 < text_.size()) {
        const char e = text_[pos_ + 1];
        if (e == '"' || e == '\'' || e == '\\' || e == 'n' || e == 't') {
          value += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          pos_ += 2;
          continue;
        }
        // Any other escape keeps its backslash, so regexes such as "\d+" survive.
      }
      value += c;
      ++pos_;
    }
    ++pos_;
    return Token{TokenKind::String, std::move(value), start, pos_ - start};
  }

  void digits() {
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
  }

  Token number_token() {
    const std::size_t start = pos_;
    digits();
    if (pos_ + 1 < text_.size() && text_[pos_] == '.' && is_digit(text_[pos_ + 1])) {
      ++pos_;
      digits();
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      std::size_t p = pos_ + 1;
      if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
      if (p < text_.size() && is_digit(text_[p])) {
        pos_ = p;
        digits();
      }
    }
    if (pos_ < text_.size() && is_word_char(text_[pos_])) {
      while (pos_ < text_.size() && is_word_char(text_[pos_])) ++pos_;
      throw SyntaxError("invalid number '" + std::string(text_.substr(start, pos_ - start)) + "'",
                        start, pos_ - start);
    }
    return make(TokenKind::Number, start);
  }

  // `$` is the whole record, `$N` the N-th positional field, `$-N` the N-th from the end.
  Token dollar_token() {
    const std::size_t start = pos_++;
    if (pos_ + 1 < text_.size() && text_[pos_] == '-' && is_digit(text_[pos_ + 1])) ++pos_;
    digits();
    if (pos_ < text_.size() && is_word_char(text_[pos_])) {
      throw SyntaxError("expected $, $N or $-N (a position such as $0 or $-1)", start,
                        pos_ + 1 - start);
    }
    return make(TokenKind::Field, start);
  }

  // A quoted key inside a path; the quotes stay in the token (FieldRef::parse reads them).
  void quoted_key() {
    const std::size_t start = pos_++;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      ++pos_;
    }
    if (pos_ == text_.size()) throw SyntaxError("unterminated quote in field name", start, 1);
    ++pos_;
  }

  // True when text_[pos_] starts a path step [N]: digits, then ']'.
  bool at_path_index() const {
    std::size_t end = pos_ + 1;
    while (end < text_.size() && is_digit(text_[end])) ++end;
    return end > pos_ + 1 && end < text_.size() && text_[end] == ']';
  }

  // A path: an optional leading '.', then keys (words or "quoted") joined by '.' and [N].
  Token field_token() {
    const std::size_t start = pos_;
    bool expect_key = true;
    if (text_[pos_] == '.') ++pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (expect_key && c == '"') {
        quoted_key();
      } else if (expect_key && is_word_start(c)) {
        while (pos_ < text_.size() && is_word_char(text_[pos_])) ++pos_;
      } else if (expect_key) {
        throw SyntaxError("expected a field name after '.'", pos_ > start ? pos_ - 1 : start, 1);
      } else if (c == '[') {
        // Any other index (a[-1], a[i + 1]) ends the path: the parser reads it as an index
        // into the path's value.
        if (!at_path_index()) break;
        pos_ += 1;
        digits();
        ++pos_;
        continue;
      } else if (c == '.') {
        if (text_.substr(pos_).starts_with(kConcat)) break;
        ++pos_;
        expect_key = true;
        continue;
      } else {
        break;
      }
      expect_key = false;
    }
    if (expect_key) throw SyntaxError("expected a field name after '.'", pos_ - 1, 1);
    Token token = make(TokenKind::Field, start);
    if (std::find(kKeywords.begin(), kKeywords.end(), token.text) != kKeywords.end()) {
      token.kind = TokenKind::Keyword;
    }
    return token;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
  return Lexer(text).run();
}

}  // namespace gpipe::expr
