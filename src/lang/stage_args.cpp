// StageArgs: a stage builder's view of its arguments, consumed as the builder asks for them.
//
// Builders ask for flags and options first, then positionals: a positional is any argument that
// is not an option (numbers such as -5 included), so asking in that order lets options appear
// anywhere on the line. `--` ends the options: everything after it is positional.
#include <charconv>
#include <stdexcept>

#include "gpipe/stage.hpp"

namespace gpipe {

namespace {

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// "-vi": one dash then two or more letters, the short flags -v and -i written together.
bool is_flag_cluster(const Argument& arg) {
  const std::string& t = arg.text;
  if (arg.kind != Argument::Kind::Option || t.size() < 3 || t[0] != '-' || t[1] == '-') {
    return false;
  }
  for (std::size_t i = 1; i < t.size(); ++i) {
    if (!is_letter(t[i])) return false;
  }
  return true;
}

bool is_option(const Argument& arg) {
  return arg.kind == Argument::Kind::Option;
}

bool is_whole_number(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The value part of `--sep=,` as an argument of its own, pointing at the value when the option
// was written plainly (its span then maps one to one onto its text).
Argument value_after_equals(const Argument& option, std::size_t equals) {
  Argument value;
  value.text = option.text.substr(equals + 1);
  value.kind = is_whole_number(value.text) ? Argument::Kind::Number : Argument::Kind::Word;
  value.span = option.span;
  if (option.span.length == option.text.size() && !value.text.empty()) {
    value.span = {option.span.offset + equals + 1, value.text.size()};
  }
  return value;
}

}  // namespace

StageArgs::StageArgs(const StageCall& call) : call_(call) {
  bool options_ended = false;
  for (const Argument& arg : call.args) {
    if (options_ended) {
      Argument positional = arg;
      if (is_option(positional)) positional.kind = Argument::Kind::Word;
      slots_.push_back(Slot{std::move(positional)});
    } else if (is_option(arg) && arg.text == "--") {
      options_ended = true;
    } else if (is_flag_cluster(arg)) {
      for (std::size_t i = 1; i < arg.text.size(); ++i) {
        slots_.push_back(Slot{Argument{Argument::Kind::Option, {'-', arg.text[i]}, arg.span}});
      }
    } else {
      slots_.push_back(Slot{arg});
    }
  }
}

bool StageArgs::flag(std::initializer_list<std::string_view> spellings) {
  bool found = false;
  for (Slot& slot : slots_) {
    if (slot.used || !is_option(slot.arg)) continue;
    for (std::string_view spelling : spellings) {
      const std::string_view text = slot.arg.text;
      if (text == spelling) {
        slot.used = true;
        found = true;
      } else if (text.size() > spelling.size() && text.starts_with(spelling) &&
                 text[spelling.size()] == '=') {
        fail(slot.arg, "option '" + std::string(spelling) + "' takes no value");
      }
    }
  }
  return found;
}

std::optional<Argument> StageArgs::option(std::initializer_list<std::string_view> spellings) {
  std::optional<Argument> value;  // the last one given wins, as with most command-line tools
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    if (slot.used || !is_option(slot.arg)) continue;
    for (std::string_view spelling : spellings) {
      const std::string_view text = slot.arg.text;
      if (text.size() > spelling.size() && text.starts_with(spelling) &&
          text[spelling.size()] == '=') {
        slot.used = true;
        value = value_after_equals(slot.arg, spelling.size());
        break;
      }
      if (text == spelling) {
        if (i + 1 >= slots_.size() || slots_[i + 1].used) {
          fail(slot.arg, "option '" + std::string(spelling) + "' needs a value");
        }
        slot.used = true;
        slots_[i + 1].used = true;
        value = slots_[i + 1].arg;
        break;
      }
    }
  }
  return value;
}

std::optional<Argument> StageArgs::separator_option(std::string_view spelling) {
  std::optional<Argument> separator = option({spelling});
  if (!separator) return separator;
  if (separator->text.empty()) fail(*separator, "the separator must not be empty");
  // Spelled out because a tab is awkward to type inside a quoted pipeline.
  if (separator->text == "tab" || separator->text == "\\t") separator->text = "\t";
  return separator;
}

bool StageArgs::has_positional() const {
  for (const Slot& slot : slots_) {
    if (!slot.used && !is_option(slot.arg)) return true;
  }
  return false;
}

const Argument& StageArgs::positional(std::string_view what) {
  for (Slot& slot : slots_) {
    if (!slot.used && !is_option(slot.arg)) {
      slot.used = true;
      return slot.arg;
    }
  }
  fail("missing " + std::string(what));
}

std::optional<Argument> StageArgs::optional_positional() {
  if (!has_positional()) return std::nullopt;
  return positional("argument");
}

std::vector<Argument> StageArgs::rest() {
  std::vector<Argument> out;
  for (Slot& slot : slots_) {
    if (!slot.used && !is_option(slot.arg)) {
      slot.used = true;
      out.push_back(slot.arg);
    }
  }
  return out;
}

std::vector<Argument> StageArgs::one_or_more(std::string_view what) {
  std::vector<Argument> out{positional(what)};
  for (Argument& arg : rest()) out.push_back(std::move(arg));
  return out;
}

std::vector<Argument> StageArgs::rest_in_order() {
  std::vector<Argument> out;
  for (Slot& slot : slots_) {
    if (slot.used) continue;
    slot.used = true;
    out.push_back(slot.arg);
  }
  return out;
}

FieldRef StageArgs::field_ref(const Argument& arg, std::string_view text) const {
  try {
    return FieldRef::parse(text);
  } catch (const std::invalid_argument& e) {
    fail(arg, e.what());
  }
}

FieldRef StageArgs::needed_field(const Argument& arg, FieldDemand& demand) const {
  FieldRef ref = field_ref(arg, arg.text);
  demand.need(ref);
  return ref;
}

std::vector<FieldRef> StageArgs::needed_fields(std::span<const Argument> args,
                                               FieldDemand& demand) const {
  std::vector<FieldRef> refs;
  refs.reserve(args.size());
  for (const Argument& arg : args) refs.push_back(needed_field(arg, demand));
  return refs;
}

std::size_t StageArgs::positional_number(const Argument& arg, std::string_view what) {
  std::size_t value = 0;
  const std::string& text = arg.text;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!is_whole_number(text) || ec != std::errc() || end != text.data() + text.size()) {
    fail(arg, "expected a whole number for " + std::string(what) + ", got '" + text + "'");
  }
  return value;
}

std::size_t StageArgs::size_argument(const Argument& arg) {
  std::size_t size = 0;
  if (!parse_size(arg.text, size)) {
    fail(arg, "expected a size such as 64KiB, got '" + arg.text + "'");
  }
  return size;
}

void StageArgs::finish() {
  for (const Slot& slot : slots_) {
    if (slot.used) continue;
    if (is_option(slot.arg)) {
      fail(slot.arg, "unknown option '" + slot.arg.text + "' for '" + call_.name + "'");
    }
    fail(slot.arg, "unexpected argument '" + slot.arg.text + "' for '" + call_.name + "'");
  }
}

void StageArgs::fail(const Argument& arg, const std::string& message) const {
  throw PipelineError(message, arg.span);
}

void StageArgs::fail(const std::string& message) const {
  throw PipelineError(message, call_.name_span);
}

}  // namespace gpipe
