// From a stage's argument words to expression text, and back from text offsets to pipeline
// spans for carets.
//
// The pipeline lexer has already removed quotes from the words, so the expression text is
// rebuilt: unquoted words are code as written; a quoted word is one string literal, re-quoted.
// Since a word such as `"x")` (a quoted string then a parenthesis, written together) arrives as
// `x)`, unbalanced parentheses at its edges and commas at its end are taken back out of the
// literal as code: `contains(msg, "x")` and `("a" == b)` work; `f("a")` written with no spaces
// is best quoted whole. When an argument carries its raw source text (a member `raw`), that is
// used instead and nothing is guessed (the lexer records it for every word it reads).
#include <algorithm>

#include "expr/expression.hpp"
#include "expr/lexer.hpp"

namespace gpipe::expr {

namespace {

// The raw source of an argument, if the lexer recorded it (words a stage makes up itself, such
// as the parts of `set 'n = x'`, have none).
std::optional<std::string> raw_text(const Argument& arg) {
  if (arg.raw.empty()) return std::nullopt;
  return arg.raw;
}

// True when the word as written is one quoted section, 'like this' or "this": a lone quoted
// `where` argument is then the whole expression.
bool is_one_quoted_section(const Argument& arg) {
  const std::string& raw = arg.raw;
  if (raw.size() < 2 || (raw[0] != '\'' && raw[0] != '"')) return false;
  for (std::size_t i = 1; i < raw.size(); ++i) {
    if (raw[i] == '\\') {
      ++i;
    } else if (raw[i] == raw[0]) {
      return i + 1 == raw.size();
    }
  }
  return false;
}

std::size_t count(std::string_view text, char c) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), c));
}

struct QuotedWord {
  std::string_view before;  // code before the literal: unbalanced '('
  std::string_view body;    // the literal's value
  std::string_view after;   // code after it: unbalanced ')' and ','
};

QuotedWord split_quoted_word(std::string_view text) {
  QuotedWord word{{}, text, {}};
  std::size_t begin = 0;
  std::size_t end = text.size();
  auto body = [&] { return text.substr(begin, end - begin); };
  while (begin < end && text[begin] == '(' && count(body(), '(') > count(body(), ')')) ++begin;
  while (begin < end) {
    const char last = text[end - 1];
    if (last == ',' || (last == ')' && count(body(), ')') > count(body(), '('))) {
      --end;
    } else {
      break;
    }
  }
  word.before = text.substr(0, begin);
  word.body = body();
  word.after = text.substr(end);
  return word;
}

// The literal as expression text: in double quotes, with \" \\ \n \t escaped.
void append_literal(std::string& out, std::string_view value) {
  out += '"';
  for (const char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  out += '"';
}

// "-vi": StageArgs splits a dash and two or more letters into separate flags.
bool is_flag_cluster(std::string_view text) {
  if (text.size() < 3 || text[0] != '-' || text[1] == '-') return false;
  return std::all_of(text.begin() + 1, text.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
}

void consume_option(StageArgs& args, const Argument& arg) {
  if (!is_flag_cluster(arg.text)) {
    args.flag({arg.text});
    return;
  }
  for (std::size_t i = 1; i < arg.text.size(); ++i) {
    const std::string flag{'-', arg.text[i]};
    args.flag({flag});
  }
}

}  // namespace

std::vector<Argument> take_expression_words(StageArgs& args) {
  std::vector<Argument> words;
  bool options_ended = false;
  for (const Argument& arg : args.call().args) {
    if (arg.kind == Argument::Kind::Option && !options_ended) {
      if (arg.text == "--") {
        options_ended = true;
        continue;
      }
      consume_option(args, arg);
    }
    words.push_back(arg);
    if (words.back().kind == Argument::Kind::Option) words.back().kind = Argument::Kind::Word;
  }
  args.rest();
  return words;
}

ExpressionSource ExpressionSource::from_words(std::span<const Argument> words,
                                              bool lone_quoted_is_code) {
  ExpressionSource source;
  if (words.size() == 1 && words[0].kind == Argument::Kind::String && lone_quoted_is_code &&
      (words[0].raw.empty() || is_one_quoted_section(words[0]))) {
    const Argument& word = words[0];
    const QuotedWord split = split_quoted_word(word.text);
    if (split.before.empty() && split.after.empty()) {
      source.text = word.text;
      const bool exact = word.span.length == word.text.size() + 2;  // 'text', no escapes
      const SourceSpan span =
          exact ? SourceSpan{word.span.offset + 1, word.text.size()} : word.span;
      source.pieces.push_back({0, word.text.size(), span, exact});
      return source;
    }
  }
  for (const Argument& word : words) {
    if (!source.text.empty()) source.text += ' ';
    Piece piece;
    piece.begin = source.text.size();
    piece.span = word.span;
    if (const auto raw = raw_text(word)) {
      source.text += *raw;
      piece.exact = word.span.length == raw->size();
    } else if (word.kind == Argument::Kind::String) {
      const QuotedWord split = split_quoted_word(word.text);
      source.text += split.before;
      append_literal(source.text, split.body);
      source.text += split.after;
    } else {
      source.text += word.text;
      piece.exact = word.span.length == word.text.size();
    }
    piece.size = source.text.size() - piece.begin;
    source.pieces.push_back(piece);
  }
  return source;
}

SourceSpan ExpressionSource::map(std::size_t offset, std::size_t length) const {
  if (pieces.empty()) return {0, 1};
  for (const Piece& piece : pieces) {
    if (offset >= piece.begin + piece.size) continue;
    if (offset < piece.begin) return {piece.span.offset, 1};  // the space between two words
    if (!piece.exact) return piece.span;
    const std::size_t inside = offset - piece.begin;
    const std::size_t n = std::max<std::size_t>(1, std::min(length, piece.size - inside));
    return {piece.span.offset + inside, n};
  }
  // At the end of the expression: just past the last word.
  const Piece& last = pieces.back();
  return {last.span.offset + last.span.length, 1};
}

Expression Expression::compile(const ExpressionSource& source, FieldDemand& demand) {
  if (source.text.empty()) throw PipelineError("missing expression", source.map(0, 1));
  try {
    Expression expression = compile(source.text);
    for (const std::string& name : expression.field_names()) demand.need(name);
    if (expression.reads_positions()) demand.need_all();
    return expression;
  } catch (const SyntaxError& e) {
    throw PipelineError(e.what(), source.map(e.offset(), e.length()));
  }
}

}  // namespace gpipe::expr
