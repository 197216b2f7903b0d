// `set NAME = EXPR`: adds or replaces a field.
#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "expr/expression.hpp"
#include "expr/help_text.hpp"
#include "gpipe/fields.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

// The name of positional field `i` of a text record ("0", "1", …): from a table made once for
// the usual widths, else from the arena.
std::string_view position_name(std::size_t i, Arena& arena) {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (std::size_t n = 0; n < 256; ++n) names.push_back(std::to_string(n));
    return names;
  }();
  if (i < kNames.size()) return kNames[i];
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, i);
  static_cast<void>(error);
  return arena.store({digits, static_cast<std::size_t>(end - digits)});
}

// Where the value goes: a named field, or a position (`set 3 = …`, `set $3 = …`).
struct Target {
  std::string name;
  std::optional<std::size_t> position;
};

// The record's current fields: its own, or for a text record its awk-style fields "0".."n-1".
void current_fields(Batch& batch, const Record& record, std::vector<std::string_view>& parts,
                    std::vector<Field>& out) {
  out.clear();
  if (record.has_fields()) {
    const Field* first = batch.fields().data() + record.first_field;
    out.assign(first, first + record.field_count);
    return;
  }
  static const FieldSplitter kAwk;
  kAwk.split(record.text, parts);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    out.push_back(Field{position_name(i, batch.arena()), Value::string(parts[i])});
  }
}

void assign(std::vector<Field>& fields, const Target& target, Value value, Arena& arena) {
  if (target.position) {
    const std::size_t p = *target.position;
    while (fields.size() <= p) fields.push_back(Field{position_name(fields.size(), arena), {}});
    fields[p].value = value;
    return;
  }
  for (Field& field : fields) {
    if (field.name == target.name) {
      field.value = value;
      return;
    }
  }
  fields.push_back(Field{target.name, value});
}

BatchStream set_field(BatchStream in, expr::Expression expression, Target target) {
  std::vector<Field> fields;  // reused for every record
  std::vector<std::string_view> parts;
  for (Batch& batch : in) {
    for (Record& record : batch.records()) {
      const Value value = expr::to_field_value(expression.eval(batch, record), batch.arena());
      current_fields(batch, record, parts, fields);
      assign(fields, target, value, batch.arena());
      record.first_field = batch.add_fields(fields);
      record.field_count = static_cast<std::uint32_t>(fields.size());
      record.whole_json = false;
    }
    co_yield batch;
  }
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

Target make_target(StageArgs& args, const Argument& word) {
  Target target;
  std::string_view name = word.text;
  if (word.kind != Argument::Kind::String && name.size() > 1 && name[0] == '$' &&
      all_digits(name.substr(1))) {
    name.remove_prefix(1);  // awk's $3
  }
  if (name.empty()) args.fail(word, "the field name must not be empty");
  // $-1 reads the last field in an expression; as a target it would be a field named "$-1".
  if (word.kind != Argument::Kind::String && name.starts_with("$-") && all_digits(name.substr(2))) {
    args.fail(word, "set cannot count from the end: name the field, or give its position ($3)");
  }
  if (name == "_file" || name == "_line" || name == "_offset") {
    std::string message(name);
    message += " is set by the source and cannot be changed";
    args.fail(word, message);
  }
  if (word.kind != Argument::Kind::String && all_digits(name)) {
    target.position = args.positional_number(Argument{word.kind, std::string(name), word.span},
                                             "the field position");
  }
  target.name = std::string(name);
  return target;
}

// Whether a word as written is one quoted string: its opening quote closes at its last byte.
bool is_one_quoted_string(std::string_view raw) {
  if (raw.size() < 2 || (raw.front() != '\'' && raw.front() != '"')) return false;
  for (std::size_t i = 1; i < raw.size(); ++i) {
    if (raw[i] == '\\') {
      ++i;
    } else if (raw[i] == raw.front()) {
      return i + 1 == raw.size();
    }
  }
  return false;
}

// The first '=' of a word as written that is outside quotes and not part of "==", or npos.
std::size_t assignment_equals(std::string_view raw) {
  char quote = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (quote != 0) {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '=') {
      return raw.compare(i, 2, "==") == 0 ? std::string_view::npos : i;
    }
  }
  return std::string_view::npos;
}

// A name as written, its quotes removed and its escapes read as the language reads them.
std::string unquote_written(std::string_view raw) {
  std::string out;
  char quote = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (quote == 0 && (c == '\'' || c == '"')) {
      quote = c;
    } else if (quote != 0 && c == quote) {
      quote = 0;
    } else if (quote != 0 && c == '\\' && i + 1 < raw.size()) {
      const char next = raw[++i];
      out += next == 'n' ? '\n' : next == 't' ? '\t' : next;
    } else {
      out += c;
    }
  }
  return out;
}

// The whole stage quoted, `set 'NAME = EXPR'`: the text after '=' is code (so a lone quoted
// expression can still be written, e.g. with a quoted key: set 'n = ."user name"').
bool split_quoted_assignment(std::vector<Argument>& words, Argument& name) {
  if (words.size() != 1 || words.front().kind != Argument::Kind::String) return false;
  const Argument word = words.front();
  // A word only partly quoted (n="web", "user name"="web") is NAME=EXPR.
  if (!word.raw.empty() && !is_one_quoted_string(word.raw)) return false;
  const std::size_t equals = word.text.find('=');
  if (equals == std::string::npos || word.text.compare(equals, 2, "==") == 0) return false;
  const std::size_t name_begin = word.text.find_first_not_of(' ');
  const std::size_t name_end = word.text.find_last_not_of(' ', equals - 1);
  if (equals == 0 || name_begin >= equals) return false;
  const bool exact = word.span.length == word.text.size() + 2;  // 'text', nothing escaped
  auto span_of = [&](std::size_t begin, std::size_t size) {
    return exact ? SourceSpan{word.span.offset + 1 + begin, std::max<std::size_t>(size, 1)}
                 : word.span;
  };
  name = Argument{Argument::Kind::Word, word.text.substr(name_begin, name_end + 1 - name_begin),
                  span_of(name_begin, name_end + 1 - name_begin)};
  words.clear();
  std::string rest = word.text.substr(equals + 1);
  if (rest.find_first_not_of(' ') != std::string::npos) {
    const SourceSpan span = span_of(equals + 1, rest.size());
    words.push_back(Argument{Argument::Kind::Word, std::move(rest), span});
  }
  return true;
}

// Splits `NAME = EXPR…`, `NAME= EXPR…`, `NAME=EXPR…` and `'NAME = EXPR'` into the name word and
// the expression words.
Argument split_name(StageArgs& args, std::vector<Argument>& words) {
  if (Argument name; split_quoted_assignment(words, name)) return name;
  Argument name = words.front();
  words.erase(words.begin());
  // NAME=EXPR in one word, split where it was written: quotes in EXPR stay quotes (`n="web"`
  // is the string web, not the field web) and a quoted NAME loses its quotes.
  const std::size_t equals = assignment_equals(name.raw.empty() ? name.text : name.raw);
  if (equals != std::string::npos && equals > 0 &&
      (!name.raw.empty() || name.kind != Argument::Kind::String)) {
    const std::string written = name.raw.empty() ? name.text : name.raw;
    Argument rest{Argument::Kind::Word, unquote_written(written.substr(equals + 1)), name.span,
                  written.substr(equals + 1)};
    const bool exact = name.span.length == written.size();
    name.text = unquote_written(written.substr(0, equals));
    if (exact) {
      name.span.length = equals;
      rest.span = {name.span.offset + equals + 1, written.size() - equals - 1};
    }
    if (!rest.raw.empty()) words.insert(words.begin(), std::move(rest));
    return name;
  }
  // The word after NAME as written: "=" alone, or "=EXPR" (a quoted "=" is a string).
  const auto written_of = [](const Argument& word) {
    return word.raw.empty() && word.kind != Argument::Kind::String ? word.text : word.raw;
  };
  if (words.empty() || !written_of(words.front()).starts_with('=') ||
      written_of(words.front()).starts_with("==")) {
    args.fail(words.empty() ? name : words.front(),
              "expected '=' after the field name: set NAME = EXPR");
  }
  Argument& equals_word = words.front();
  if (written_of(equals_word) == "=") {
    words.erase(words.begin());
  } else {  // `NAME =EXPR`: the expression is the rest of the word, as written
    const std::string written = written_of(equals_word);
    const bool exact = equals_word.span.length == written.size();
    equals_word.raw = written.substr(1);
    equals_word.text = unquote_written(equals_word.raw);
    if (exact) equals_word.span = {equals_word.span.offset + 1, written.size() - 1};
  }
  return name;
}

BuiltStage build(StageArgs& args, Context& ctx) {
  std::vector<Argument> words = expr::take_expression_words(args);
  if (words.empty()) args.fail("missing field name: set NAME = EXPR");
  const Argument name = split_name(args, words);
  Target target = make_target(args, name);
  if (words.empty()) args.fail(name, "missing expression after '=': set NAME = EXPR");
  const auto source = expr::ExpressionSource::from_words(words, /*lone_quoted_is_code=*/false);
  const expr::Expression expression = expr::Expression::compile(source, ctx.demand);
  ctx.demand.need_all();  // the record keeps every field it has, plus this one
  BuiltStage built;
  built.transform = [expression, target](BatchStream in) {
    return set_field(std::move(in), expression, target);
  };
  return built;
}

}  // namespace

const StageInfo kSet{
    .name = "set",
    .role = StageRole::Transform,
    .synopsis = "set NAME = EXPR",
    .summary = "adds or replaces a field",
    .details =
        "Sets the field NAME of each record to the value of EXPR: a field of that name is\n"
        "replaced where it stands, else the field is added at the end. A number prints in its\n"
        "shortest form (3, not 3.0; 0.1; 1e+20) and stays a number in JSON output; null prints\n"
        "as empty (null in JSON). NAME=EXPR without spaces works too (set n=\"web\").\n"
        "\n"
        "NAME is taken literally as the new field's name (a.b makes a field \"a.b\", not a\n"
        "nested key). A number N, or $N, sets the N-th field (0-based) in place, keeping its\n"
        "name, as awk's $N = … does; missing fields before it are added empty.\n"
        "\n"
        "A text record (no fields yet) is first split as awk splits it, into fields named 0, 1,\n"
        "…; the value replaces one of them or is added after them. Text output then joins the\n"
        "fields with a tab (to text --ofs changes that): `set 1 = upper($1)` rewrites the\n"
        "second column, `set n = len($)` appends a column.\n"
        "\n"
        "A lone quoted expression is a string: set source = \"web\". To quote a whole\n"
        "expression, quote the whole assignment: set 'n = .\"user name\" + 1'.\n"
        "\n"
        "  read sample-data/access.log | set 8 = int($8 / 100) * 100 | count by 8\n"
        "  read sample-data/tweets.jsonl | json | set followers_k = user.followers_count / 1000\n"
        "  read sample-data/users.csv | csv | set name = trim(lower(name)) | to csv\n"
        "  read sample-data/app-api.log | set day = strftime(strptime($0, "
        "\"%Y-%m-%dT%H:%M:%S.%fZ\"), \"%F\")\n"
        "\n" GPIPE_EXPRESSION_HELP,
    .build = build,
    .parallel = true,
};

}  // namespace gpipe::stages
