// What `running` and `window` share: their arguments (the statistics, then F), numbers read from
// field values exactly (an integer stays an integer), a sum that neither overflows nor drifts,
// the results as text, and the bad record of a value that is not a number.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/field_edit.hpp"
#include "gpipe/context.hpp"
#include "gpipe/field_ref.hpp"
#include "gpipe/record.hpp"
#include "gpipe/stage.hpp"

namespace gpipe::stages {

enum class Statistic : std::uint8_t { Sum, Avg, Count, Min, Max };

// "sum", "avg", …: the word that names it, and the end of the field it makes (running_sum).
std::string_view statistic_word(Statistic statistic);

// The arguments after `running` (or after `window N`): one or more statistics, then F, the last
// word. F may be left out only when the one statistic is count (which then counts records).
struct StatisticsRequest {
  std::vector<Statistic> statistics;
  std::optional<FieldRef> field;
  std::vector<std::string> result_names;  // `prefix` + word: running_sum, window_max, …
  std::string label;           // the stage as written, for messages: "running sum latency_ms"
  bool needs_numbers = false;  // some statistic other than count: F must hold numbers
};
// `stage` is the stage's name and leading arguments as written ("running", "window 10").
StatisticsRequest read_statistics(StageArgs& args, Context& ctx, std::string_view stage,
                                  std::string_view prefix, std::span<const Statistic> allowed);

// A number from a field: an integer while it is written as one that fits 64 bits, else a double.
struct Number {
  bool is_integer = true;
  std::int64_t integer = 0;
  double real = 0;

  // Exact for both kinds where long double has 64 bits of mantissa (x86-64, and the 113 of
  // aarch64), so that comparisons of integers and doubles never round.
  long double exact() const {
    return is_integer ? static_cast<long double>(integer) : static_cast<long double>(real);
  }
};

// What a field value holds, for these statistics: a number (a JSON number, or a string written as
// one, blanks around allowed), nothing (null, missing, or an empty or blank string: skipped, as
// SQL skips NULL), or something else (true, "abc", an object: a bad record).
enum class ValueRead : std::uint8_t { Number, Missing, NotANumber };
ValueRead read_number(const Value& value, Number& out);

// A sum that stays exact: integers in 128 bits (no overflow), doubles with Neumaier's
// compensation. While no double is in it, it is an integer and prints as one.
class ExactSum {
 public:
  void add(const Number& number) { change(number, false); }
  void subtract(const Number& number) { change(number, true); }  // of a number added before

  bool is_integer() const { return reals_ == 0; }
  long double value() const;
  // The sum as a number Value in `arena`: an integer's digits, or a double's shortest text.
  Value as_value(Arena& arena) const;

 private:
  void change(const Number& number, bool subtract);
  __extension__ using Int128 = __int128;
  Int128 integers_ = 0;
  double reals_sum_ = 0;
  double compensation_ = 0;
  std::int64_t reals_ = 0;  // doubles in the sum now: at 0 the double part is exactly 0 again
};

// Numbers as Values whose text lives in `arena`.
Value integer_value(Arena& arena, std::int64_t integer);
// A double's shortest text that reads back the same, in plain notation from 1e-5 to 1e16 (a sum
// prints 100000, where `set` prints 1e+05), else with an exponent.
Value real_value(Arena& arena, double real);
Value value_of(Arena& arena, const Number& number);

// A value as a bad-record message shows it: a string in quotes, anything else as it prints,
// cut after its first 40 bytes (at a character boundary) with "…".
void append_value_excerpt(std::string& out, const Value& value);

// Reports a record whose F holds something other than a number, through the bad-record policy:
// "running sum latency_ms: \"abc\" is not a number". `message` is reused storage.
void report_not_a_number(Context& ctx, const Batch& batch, const Record& record,
                         const StatisticsRequest& request, const Value& value,
                         std::string& message);

// The loop `running` and `window` share: each record's F read as a number (one that is not a
// number, where the statistics need numbers, is a bad record and is not passed on), handed to
// `state` (`void take(ValueRead, const Number&)`: Missing too, and every record when there is no
// F), and the state's results (`Value result(Statistic, bool of_field, Arena&)`) added as fields
// at the record's end. The state lives in the coroutine's frame between yields.
template <typename State>
BatchStream with_statistics(BatchStream in, StatisticsRequest request, Context* ctx, State state) {
  FieldEditor editor(/*split_text=*/true);
  std::vector<Field> fields;  // reused for every record
  std::string message;
  const bool of_field = request.field.has_value();
  for (Batch& batch : in) {
    std::vector<Record>& records = batch.records();
    std::size_t kept = 0;
    for (Record record : records) {
      Number number;
      ValueRead read = ValueRead::Missing;
      if (of_field) {
        const Value value = lookup_field(batch, record, *request.field);
        read = read_number(value, number);
        if (read == ValueRead::NotANumber && request.needs_numbers) {
          report_not_a_number(*ctx, batch, record, request, value, message);
          continue;
        }
      }
      state.take(read, number);
      editor.fields_of(batch, record, fields);
      for (std::size_t i = 0; i < request.statistics.size(); ++i) {
        set_named_field(fields, request.result_names[i],
                        state.result(request.statistics[i], of_field, batch.arena()));
      }
      FieldEditor::replace_fields(batch, record, fields);
      records[kept++] = record;
    }
    records.resize(kept);
    co_yield batch;  // even empty: a tick or the end of a load batch (docs/design.md, Ticks)
  }
}

}  // namespace gpipe::stages
