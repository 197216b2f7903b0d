// The pipeline language (docs/spec.md §2): a hand-written lexer that goes straight to stage calls.
//
// Choices docs/spec.md leaves open, and why:
// - Both quote kinds process the same escapes: \" \' \\ \n \t. Any other backslash sequence is
//   kept as written (backslash included), so regular expressions such as "\d+" survive quoting.
// - Outside quotes a backslash keeps itself and protects the next character from meaning
//   anything to the lexer: `grep a\|b` is one word `a\|b` (RE2 then reads `\|` as a literal bar),
//   and `\(` does not open a parenthesis.
// - Pieces written next to each other form one token, as in the shell: `--sep=' '` is the option
//   `--sep= ` (a space separator). A token that starts with a quote is a String.
// - Parentheses nest across words of a stage; a `|` inside them belongs to the word, so
//   `where (a > 1 | b)` and `grep (x|y)` stay one stage. An unclosed `(` is an error.
// - Only characters the user typed decide a token's kind: a `${var}` whose value starts with '-'
//   is not an option, so substituted text is always data.
#include "gpipe/language.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>

namespace gpipe {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-';
}

// -?DIGITS(.DIGITS)?([eE][+-]?DIGITS)?
bool is_number(std::string_view text) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    return i > start;
  };
  if (i < text.size() && text[i] == '-') ++i;
  if (!digits()) return false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == text.size();
}

// One token as read, before it is known whether it is a stage name or an argument.
struct Token {
  std::string text;
  std::string raw;  // as written, quotes and escapes kept, ${…} substituted
  SourceSpan span;
  bool starts_quoted = false;
  bool any_quoted = false;
  bool starts_with_typed_dash = false;  // the first character is a '-' the user typed unquoted
};

class Parser {
 public:
  Parser(std::string_view text, const Variables& vars) : text_(text), vars_(vars) {}

  std::vector<StageCall> parse() {
    std::vector<StageCall> stages;
    std::optional<StageCall> stage;
    std::optional<std::size_t> last_bar;
    while (true) {
      skip_space_and_comments();
      if (at_end()) break;
      if (peek() == '|' && open_parens_.empty()) {
        if (!stage) throw PipelineError("empty stage", {pos_, 1});
        stages.push_back(std::move(*stage));
        stage.reset();
        last_bar = pos_;
        ++pos_;
        continue;
      }
      Token token = read_token();
      if (!stage) {
        stage = start_stage(std::move(token));
      } else {
        add_argument(*stage, std::move(token));
      }
    }
    if (!open_parens_.empty()) throw PipelineError("unclosed '('", {open_parens_.back(), 1});
    if (!stage) {
      if (last_bar) throw PipelineError("empty stage", {*last_bar, 1});
      throw PipelineError("empty pipeline", {0, 1});
    }
    stages.push_back(std::move(*stage));
    return stages;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  bool next_is(std::string_view s) const { return text_.substr(pos_).starts_with(s); }

  void skip_space_and_comments() {
    while (!at_end()) {
      if (is_space(peek())) {
        ++pos_;
      } else if (peek() == '#') {
        const std::size_t newline = text_.find('\n', pos_);
        pos_ = newline == std::string_view::npos ? text_.size() : newline;
      } else {
        return;
      }
    }
  }

  Token read_token() {
    Token token;
    const std::size_t start = pos_;
    token.starts_quoted = peek() == '\'' || peek() == '"';
    token.starts_with_typed_dash = peek() == '-';
    while (!at_end()) {
      const char c = peek();
      if (is_space(c) || (c == '|' && open_parens_.empty())) break;
      if (c == '\'' || c == '"') {
        read_quoted(token.text, token.raw);
        token.any_quoted = true;
      } else if (c == '$') {
        const std::size_t before = token.text.size();
        read_dollar(token.text);
        token.raw.append(token.text, before);
      } else if (c == '\\' && pos_ + 1 < text_.size() && !is_space(text_[pos_ + 1])) {
        token.text.append(text_.substr(pos_, 2));
        token.raw.append(text_.substr(pos_, 2));
        pos_ += 2;
      } else {
        if (c == '(') open_parens_.push_back(pos_);
        if (c == ')' && !open_parens_.empty()) open_parens_.pop_back();
        token.text += c;
        token.raw += c;
        ++pos_;
      }
    }
    token.span = {start, pos_ - start};
    return token;
  }

  // At an opening quote: appends the unescaped content to `out`, and the quoted text as written
  // (with ${…} substituted) to `raw`, and moves past the closing quote.
  void read_quoted(std::string& out, std::string& raw) {
    const std::size_t open = pos_;
    const char quote = text_[pos_++];
    raw += quote;
    while (true) {
      if (at_end()) throw PipelineError("unterminated string", {open, 1});
      const char c = peek();
      if (c == quote) {
        raw += quote;
        ++pos_;
        return;
      }
      if (c == '$') {
        const std::size_t before = out.size();
        read_dollar(out);
        raw.append(out, before);
        continue;
      }
      if (c == '\\' && pos_ + 1 < text_.size()) {
        const char next = text_[pos_ + 1];
        if (next == '"' || next == '\'' || next == '\\' || next == 'n' || next == 't') {
          out += next == 'n' ? '\n' : next == 't' ? '\t' : next;
          raw.append(text_.substr(pos_, 2));
          pos_ += 2;
          continue;
        }
        // Unknown escape: keep the backslash; the next character is read normally.
      }
      out += c;
      raw += c;
      ++pos_;
    }
  }

  // At a '$': `$${` is a literal `${`, `${name}` is substituted, any other '$' is itself.
  void read_dollar(std::string& out) {
    if (next_is("$${")) {
      out += "${";
      pos_ += 3;
      return;
    }
    if (!next_is("${")) {
      out += '$';
      ++pos_;
      return;
    }
    const std::size_t start = pos_;
    const std::size_t close = text_.find_first_of("}\n", pos_ + 2);
    if (close == std::string_view::npos || text_[close] != '}') {
      throw PipelineError("unterminated '${' (write $${ for a literal ${)", {start, 2});
    }
    const std::string name(text_.substr(start + 2, close - start - 2));
    pos_ = close + 1;
    if (const auto it = vars_.find(name); it != vars_.end()) {
      out += it->second;
      return;
    }
    if (const char* value = std::getenv(name.c_str()); value != nullptr && !name.empty()) {
      out += value;
      return;
    }
    throw PipelineError("unset variable '" + name + "' (give it with --set " + name + "=VALUE)",
                        {start, pos_ - start});
  }

  static StageCall start_stage(Token token) {
    if (token.any_quoted) {
      throw PipelineError("expected a stage name, got a quoted string", token.span);
    }
    if (token.text.empty() || !std::all_of(token.text.begin(), token.text.end(), is_name_char)) {
      throw PipelineError("expected a stage name, got '" + token.text + "'", token.span);
    }
    StageCall call;
    call.name = std::move(token.text);
    call.name_span = token.span;
    call.span = token.span;
    return call;
  }

  static void add_argument(StageCall& stage, Token token) {
    Argument arg;
    arg.span = token.span;
    arg.kind = classify(token);
    arg.text = std::move(token.text);
    arg.raw = std::move(token.raw);
    stage.args.push_back(std::move(arg));
    stage.span.length = token.span.offset + token.span.length - stage.span.offset;
  }

  static Argument::Kind classify(const Token& token) {
    if (token.starts_quoted) return Argument::Kind::String;
    const std::string& text = token.text;
    // A lone '-' is a word (standard input for `read`); '-' then a digit is a number or a word
    // such as a range, never an option.
    if (token.starts_with_typed_dash && text.size() > 1 && !is_digit(text[1])) {
      return Argument::Kind::Option;
    }
    if (token.any_quoted) return Argument::Kind::String;
    if (is_number(text)) return Argument::Kind::Number;
    return Argument::Kind::Word;
  }

  std::string_view text_;
  const Variables& vars_;
  std::size_t pos_ = 0;
  std::vector<std::size_t> open_parens_;  // offsets of the '(' not yet closed
};

bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Columns as a terminal shows them: one per code point, not per byte.
std::size_t count_columns(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation_byte(c); }));
}

}  // namespace

std::vector<StageCall> parse_pipeline(std::string_view text, const Variables& vars) {
  return Parser(text, vars).parse();
}

namespace {

// Overwrites with '*' (the same width: the caret stays aligned) a password written in the
// pipeline, as a libpq connection string has it (password=SECRET, or postgresql://user:SECRET@
// in a URI), so that an error's echo of the pipeline never prints one (the `postgres` stage
// refuses such a CONNINFO, and says so with this echo).
void hide_passwords(std::string& line) {
  for (std::size_t at = line.find("password"); at != std::string::npos;
       at = line.find("password", at + 1)) {
    std::size_t value = at + 8;
    while (value < line.size() && line[value] == ' ') ++value;
    if (value >= line.size() || line[value] != '=') continue;
    ++value;
    while (value < line.size() && line[value] == ' ') ++value;
    for (std::size_t i = value;
         i < line.size() && line[i] != ' ' && line[i] != '\'' && line[i] != '"' && line[i] != '&';
         ++i) {
      line[i] = '*';
    }
  }
  for (std::size_t at = line.find("://"); at != std::string::npos; at = line.find("://", at + 1)) {
    const std::size_t authority = at + 3;
    const std::size_t end = line.find_first_of("/ '\"", authority);
    const std::size_t user_end = line.rfind('@', end == std::string::npos ? line.size() : end);
    if (user_end == std::string::npos || user_end < authority) continue;
    const std::size_t colon = line.find(':', authority);
    if (colon == std::string::npos || colon > user_end) continue;
    for (std::size_t i = colon + 1; i < user_end; ++i) line[i] = '*';
  }
}

}  // namespace

std::string format_pipeline_error(const PipelineError& error, const PipelineSource& source) {
  const std::string_view text = source.text;
  const SourceSpan span = error.span();
  const std::size_t offset = std::min(span.offset, text.size());

  const std::size_t line_start =
      offset == 0 ? 0 : text.rfind('\n', offset - 1) + 1;  // npos + 1 == 0
  std::size_t line_end = text.find('\n', offset);
  if (line_end == std::string_view::npos) line_end = text.size();
  if (line_end > line_start && text[line_end - 1] == '\r')
    line_end = std::max(offset, line_end - 1);

  std::string line(text.substr(line_start, line_end - line_start));
  std::replace(line.begin(), line.end(), '\t', ' ');  // one column per tab keeps the caret aligned
  hide_passwords(line);

  const std::size_t column = count_columns(text.substr(line_start, offset - line_start));
  const std::size_t span_end = std::min(offset + std::max<std::size_t>(span.length, 1), line_end);
  const std::size_t marked =
      std::max<std::size_t>(count_columns(text.substr(offset, span_end - offset)), 1);

  std::string out = error.what();
  if (!source.file.empty()) {
    const auto line_number =
        std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(line_start), '\n') + 1;
    out += "\n  --> " + source.file + ":" + std::to_string(line_number) + ":" +
           std::to_string(column + 1);
  }
  out += "\n  " + line + "\n  " + std::string(column, ' ') + '^' + std::string(marked - 1, '~');
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace gpipe
