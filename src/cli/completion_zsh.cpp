// The zsh completion script. `_arguments` takes the options from the option table; inside the
// pipeline word, `compset -q` splits the quoted text as the shell would, and what it has read
// before the cursor (QIPREFIX) says which stage the word being completed belongs to.
#include "cli/completion_data.hpp"
#include "cli/completions.hpp"
#include "cli/doc_text.hpp"

namespace gpipe {

namespace {

constexpr std::string_view kScript = R"script(#compdef gpipe
# zsh completion for gpipe, made by `gpipe help --completions zsh` from gpipe's stage and option
# tables (`gpipe help`, `gpipe --help`): change those, not this file.

# $@: options for compadd, such as the suffix.
_gpipe_stage_names() {
  local -a stages=(
@STAGE_DESCRIPTIONS@  )
  _describe -t stages stage stages "$@"
}

# Completes inside the pipeline word: a stage name at its start or after the last '|', else an
# argument of that stage, as its synopsis says.
_gpipe_pipeline() {
  local quote=$compstate[quote]
  compset -q
  local -a segment options words
  local takes_files=0
  if ! compset -P '*\|'; then
    local before=${QIPREFIX#[\'\"]}
    segment=(${(z)before##*\|})
  fi
  if (( ! $#segment )); then
    if [[ -z $quote ]]; then
      # Not quoted yet: open the quote that keeps the pipeline one word.
      compadd -Q -P "'" -S ' ' -q -- @STAGE_NAMES@
      return
    fi
    _gpipe_stage_names -qS ' '
    return
  fi
  case $segment[1] in
@STAGE_CASES@  esac
  if [[ $PREFIX == -* ]]; then
    compadd -qS ' ' -a options
  elif (( takes_files )); then
    _files
  else
    compadd -qS ' ' -a words
  fi
}

_gpipe() {
  local curcontext=$curcontext state state_descr line ret=1
  typeset -A opt_args
  _arguments -s -S -C \
@OPTION_SPECS@    '1: :->pipeline' \
    '2: :->stage' && ret=0
  case $state in
    (pipeline)
      [[ -z $compstate[quote] ]] && compadd help && ret=0
      _gpipe_pipeline && ret=0
      ;;
    (stage)
      [[ $line[1] == help ]] && _gpipe_stage_names && ret=0
      ;;
  esac
  return ret
}

_gpipe "$@"
)script";

// `text` for the inside of an _arguments description: [...] ends at an unescaped ']'.
std::string argument_description(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '[' || c == ']' || c == '\\' || c == ':') out += '\\';
    out += c;
  }
  return out;
}

std::string stage_descriptions() {
  std::string lines;
  for (const StageInfo& stage : stage_table()) {
    lines += "    ";
    lines += single_quoted(concat(stage.name, ":", stage.summary));
    lines += "\n";
  }
  return lines;
}

std::string stage_cases() {
  std::string cases;
  for (const StageCompletion& stage : stage_completions()) {
    if (stage.options.empty() && stage.words.empty() && !stage.takes_files) continue;
    cases += "    (";
    cases += stage.name;
    cases += ")";
    if (!stage.options.empty()) cases += concat(" options=(", join(stage.options, " "), ")");
    if (!stage.words.empty()) cases += concat(" words=(", join(stage.words, " "), ")");
    if (stage.takes_files) cases += " takes_files=1";
    cases += " ;;\n";
  }
  return cases;
}

std::string stage_names() {
  std::vector<std::string_view> names;
  for (const StageInfo& stage : stage_table()) names.push_back(stage.name);
  return join(names, " ");
}

// The action that offers an option's choices: "(bash zsh fish)", or code when a choice that ends
// in '=' (dead-letter=) must take its value right after it, with no space between.
std::string choices_action(const OptionInfo& option) {
  std::vector<std::string_view> whole;
  std::vector<std::string_view> prefixes;
  for (std::string_view choice : option_choices(option)) {
    (choice.ends_with('=') ? prefixes : whole).push_back(choice);
  }
  if (prefixes.empty()) return concat("(", join(whole, " "), ")");
  return concat("{compadd -- ", join(whole, " "), "; compadd -S '' -- ", join(prefixes, " "), "}");
}

// One _arguments spec per spelling: "(-f --file)--file=[read …]:FILE:_files". An option given
// once excludes its other spellings; one that may be repeated (a vector) is marked '*'; --help and
// --version exclude everything, as they print and exit.
std::string option_spec(const OptionInfo& option, std::string_view spelling) {
  const std::vector<std::string_view> spellings = option_spellings(option);
  const bool prints_and_exits = std::holds_alternative<PrintsHelp>(option.target) ||
                                std::holds_alternative<PrintsVersion>(option.target);
  const bool repeatable =
      std::holds_alternative<std::vector<std::string> CliOptions::*>(option.target);
  std::string spec;
  if (prints_and_exits) {
    spec += "(- *)";
  } else if (repeatable) {
    spec += "*";
  } else {
    // The pipeline word is not given with -f.
    spec += concat("(", join(spellings, " "), gives_pipeline_file(option) ? " 1)" : ")");
  }
  spec += spelling;
  const bool takes_value = !option.value_name.empty();
  if (takes_value) spec += spelling.starts_with("--") ? "=" : "+";
  spec += concat("[", argument_description(option.help), "]");
  if (takes_value) {
    spec += ":";
    spec += option.value_name;
    spec += ":";
    switch (option.completes) {
      case ValueCompletion::Files:
        spec += "_files";
        break;
      case ValueCompletion::Choices:
        spec += choices_action(option);
        break;
      case ValueCompletion::Nothing:
        spec += " ";
        break;
    }
  }
  return spec;
}

std::string option_specs() {
  std::string specs;
  for (const OptionInfo& option : option_table()) {
    for (std::string_view spelling : option_spellings(option)) {
      specs += concat("    ", single_quoted(option_spec(option, spelling)), " \\\n");
    }
  }
  return specs;
}

}  // namespace

std::string zsh_completion_script() {
  return fill_script(kScript, {
                                  {"@STAGE_DESCRIPTIONS@", stage_descriptions()},
                                  {"@STAGE_CASES@", stage_cases()},
                                  {"@STAGE_NAMES@", stage_names()},
                                  {"@OPTION_SPECS@", option_specs()},
                              });
}

}  // namespace gpipe
