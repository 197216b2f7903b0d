#include "stages/filters/running_values.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "expr/value.hpp"

namespace gpipe::stages {

namespace {

constexpr std::string_view kWords[] = {"sum", "avg", "count", "min", "max"};

std::optional<Statistic> statistic_named(std::string_view word) {
  for (std::size_t i = 0; i < std::size(kWords); ++i) {
    if (word == kWords[i]) return static_cast<Statistic>(i);
  }
  return std::nullopt;
}

std::string allowed_words(std::span<const Statistic> allowed) {
  std::string out;
  for (const Statistic statistic : allowed) {
    if (!out.empty()) out += '|';
    out += statistic_word(statistic);
  }
  return out;
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

bool is_integer_text(std::string_view text) {
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string_view statistic_word(Statistic statistic) {
  return kWords[static_cast<std::size_t>(statistic)];
}

StatisticsRequest read_statistics(StageArgs& args, Context& ctx, std::string_view stage,
                                  std::string_view prefix, std::span<const Statistic> allowed) {
  const std::vector<Argument> words = args.rest();
  const std::string usage = std::string(stage) + " " + allowed_words(allowed) + "… F";
  if (words.empty()) args.fail("missing what to compute: " + usage);
  StatisticsRequest request;
  const bool count_alone = words.size() == 1 && words.front().text == "count";
  const std::size_t statistic_count = count_alone ? 1 : words.size() - 1;
  if (statistic_count == 0) {
    const Argument& word = words.front();
    if (statistic_named(word.text)) {
      args.fail(word, "missing F, the field to compute " + word.text + " of: " + usage);
    }
    args.fail(word, "missing what to compute before the field: " + usage);
  }
  for (std::size_t i = 0; i < statistic_count; ++i) {
    const Argument& word = words[i];
    const std::optional<Statistic> statistic = statistic_named(word.text);
    if (!statistic || std::find(allowed.begin(), allowed.end(), *statistic) == allowed.end()) {
      args.fail(word, "expected one of " + allowed_words(allowed) + ", got '" + word.text +
                          "' (F, the field, comes last: " + usage + ")");
    }
    if (std::find(request.statistics.begin(), request.statistics.end(), *statistic) !=
        request.statistics.end()) {
      args.fail(word, word.text + " is asked for twice");
    }
    request.statistics.push_back(*statistic);
    request.result_names.push_back(std::string(prefix) + word.text);
    request.needs_numbers = request.needs_numbers || *statistic != Statistic::Count;
  }
  request.label = stage;
  for (const Argument& word : words) request.label += " " + word.text;
  if (!count_alone) request.field = args.needed_field(words.back(), ctx.demand);
  ctx.demand.need_all();  // the record keeps every field it has, plus the results
  return request;
}

ValueRead read_number(const Value& value, Number& out) {
  switch (value.kind) {
    case Value::Kind::Null:
      return ValueRead::Missing;
    case Value::Kind::Bool:
    case Value::Kind::Json:
      return ValueRead::NotANumber;
    case Value::Kind::Number:
    case Value::Kind::String:
      break;
  }
  std::string_view text = trim_blanks(value.text);
  if (text.empty()) return ValueRead::Missing;
  if (is_integer_text(text)) {
    const std::string_view digits = text.front() == '+' ? text.substr(1) : text;
    const auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), out.integer);
    if (error == std::errc()) {
      out.is_integer = true;
      return ValueRead::Number;
    }
    // Beyond 64 bits: read as a double below.
  }
  if (!expr::parse_number_into(text, out.real)) return ValueRead::NotANumber;
  out.is_integer = false;
  return ValueRead::Number;
}

void ExactSum::change(const Number& number, bool subtract) {
  if (number.is_integer) {
    const Int128 integer = number.integer;
    integers_ += subtract ? -integer : integer;
    return;
  }
  reals_ += subtract ? -1 : 1;
  if (reals_ == 0) {  // every double added has been taken out again: exactly none is left
    reals_sum_ = 0;
    compensation_ = 0;
    return;
  }
  const double term = subtract ? -number.real : number.real;
  const double total = reals_sum_ + term;
  // Neumaier: the low-order bits lost by each addition are kept apart and added back at the end.
  if (std::isfinite(total)) {
    compensation_ += std::fabs(reals_sum_) >= std::fabs(term) ? (reals_sum_ - total) + term
                                                              : (term - total) + reals_sum_;
  }
  reals_sum_ = total;
}

long double ExactSum::value() const {
  return static_cast<long double>(integers_) +
         (static_cast<long double>(reals_sum_) + static_cast<long double>(compensation_));
}

Value ExactSum::as_value(Arena& arena) const {
  if (!is_integer()) return real_value(arena, static_cast<double>(value()));
  // The digits of a 128-bit integer, written backwards.
  __extension__ using UInt128 = unsigned __int128;
  const auto as_unsigned = static_cast<UInt128>(integers_);
  UInt128 magnitude = integers_ < 0 ? -as_unsigned : as_unsigned;
  char digits[48];
  char* p = digits + sizeof digits;
  do {
    *--p = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  if (integers_ < 0) *--p = '-';
  const std::string_view text(p, static_cast<std::size_t>(digits + sizeof digits - p));
  return Value{Value::Kind::Number, arena.store(text)};
}

Value integer_value(Arena& arena, std::int64_t integer) {
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, integer);
  static_cast<void>(error);  // 24 bytes hold any 64-bit integer
  return Value{Value::Kind::Number, arena.store({digits, static_cast<std::size_t>(end - digits)})};
}

Value real_value(Arena& arena, double real) {
  // Without an exponent where a reader expects none (a sum of 100000, not 1e+05; 0.0001):
  // the shortest digits that read back as the same double, in plain notation.
  const double size = std::fabs(real);
  if (real == 0 || (size >= 1e-5 && size < 1e16)) {
    char digits[48];
    const auto [end, error] =
        std::to_chars(digits, digits + sizeof digits, real, std::chars_format::fixed);
    if (error == std::errc()) {
      return Value{Value::Kind::Number,
                   arena.store({digits, static_cast<std::size_t>(end - digits)})};
    }
  }
  char buffer[32];
  return Value{Value::Kind::Number, arena.store(expr::format_number(real, buffer))};
}

Value value_of(Arena& arena, const Number& number) {
  return number.is_integer ? integer_value(arena, number.integer) : real_value(arena, number.real);
}

void append_value_excerpt(std::string& out, const Value& value) {
  constexpr std::size_t kShown = 40;
  const bool quoted = value.kind == Value::Kind::String;
  std::string_view text = value.text;
  const bool cut = text.size() > kShown;
  if (cut) {
    text = text.substr(0, kShown);
    // Not in the middle of a UTF-8 sequence: back to the start of the last character.
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) {
      text.remove_suffix(1);
    }
    if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.remove_suffix(1);
  }
  if (quoted) out += '"';
  out += text;
  if (cut) out += "…";
  if (quoted) out += '"';
}

void report_not_a_number(Context& ctx, const Batch& batch, const Record& record,
                         const StatisticsRequest& request, const Value& value,
                         std::string& message) {
  message = request.label;
  message += ": ";
  append_value_excerpt(message, value);
  message += " is not a number";
  ctx.errors.report(BadRecord{batch.origin(), record.line, 0, message, record.text});
}

}  // namespace gpipe::stages
