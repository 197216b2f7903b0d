// The bash completion script. bash keeps a quoted word whole in COMP_WORDS, with its opening quote,
// and replaces the text after that quote with the reply; so each reply for the pipeline word is
// that whole text with its last word completed. On a unique reply readline closes the quote (no
// completion function can stop it), which finishes the pipeline word; a word not yet quoted gets
// its opening quote and a space instead, and stays open.
#include "cli/completion_data.hpp"
#include "cli/completions.hpp"
#include "cli/doc_text.hpp"

namespace gpipe {

namespace {

constexpr std::string_view kScript =
    R"script(# bash completion for gpipe, made by `gpipe help --completions bash` from gpipe's stage and
# option tables (`gpipe help`, `gpipe --help`): change those, not this file.

# What may follow a stage's name, as its synopsis says.
_gpipe_stage_options() {
  case $1 in
@STAGE_OPTIONS@  esac
}
_gpipe_stage_words() {
  case $1 in
@STAGE_WORDS@  esac
}
_gpipe_stage_takes_files() {
  case $1 in
    @FILE_STAGES@) return 0 ;;
  esac
  return 1
}

# Completes the last word of the pipeline text $1 (the pipeline word up to the cursor, without its
# opening quote): a stage name at the start or after the last '|', else an argument of that stage.
_gpipe_complete_pipeline() {
  local text=$1 head='' segment=$1
  if [[ $text == *'|'* ]]; then
    head=${text%'|'*}'|'
    segment=${text##*'|'}
  fi
  local blanks=${segment%%[! ]*}
  head+=$blanks
  segment=${segment#"$blanks"}
  local last=${segment##* }
  local before=$head${segment%"$last"}
  local stage=${segment%% *} candidate
  local -a candidates=()
  if [[ $segment != *' '* ]]; then
    candidates=($(compgen -W '@STAGE_NAMES@' -- "$last"))
  elif [[ $last == -* ]]; then
    candidates=($(compgen -W "$(_gpipe_stage_options "$stage")" -- "$last"))
  elif _gpipe_stage_takes_files "$stage"; then
    while IFS= read -r candidate; do
      [[ -d $candidate ]] && candidate+=/
      candidates+=("$candidate")
    done < <(compgen -f -- "$last")
  else
    candidates=($(compgen -W "$(_gpipe_stage_words "$stage")" -- "$last"))
  fi
  for candidate in "${candidates[@]}"; do
    COMPREPLY+=("$before$candidate")
  done
}

_gpipe() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev='' word first='' positionals=0 from_file=0 i
  COMPREPLY=()
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  # bash cuts --option=value into three words at the '='.
  if [[ $cur == = ]]; then
    cur=''
  elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
    prev=${COMP_WORDS[COMP_CWORD - 2]}
  fi
  case $prev in
@VALUE_CASES@  esac

  for ((i = 1; i < COMP_CWORD; i = i + 1)); do
    word=${COMP_WORDS[i]}
    case $word in
      @PIPELINE_FILE_OPTIONS@)
        from_file=1
        [[ ${COMP_WORDS[i + 1]} == = ]] && i=$((i + 1))
        i=$((i + 1))
        ;;
      @VALUE_OPTIONS@)
        [[ ${COMP_WORDS[i + 1]} == = ]] && i=$((i + 1))
        i=$((i + 1))
        ;;
      -*) ;;
      *)
        [[ -z $first ]] && first=$word
        positionals=$((positionals + 1))
        ;;
    esac
  done

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W '@OPTIONS@' -- "$cur"))
  elif ((positionals == 0 && !from_file)); then
    case $cur in
      \'* | \"*)
        _gpipe_complete_pipeline "${cur:1}"
        # A folder is not finished: no space after readline's closing quote.
        [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == */ ]] && compopt -o nospace 2>/dev/null
        ;;
      *)
        # Not quoted yet: open the quote that keeps the pipeline one word, and leave it open.
        _gpipe_complete_pipeline "$cur"
        for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]="'${COMPREPLY[i]} "; done
        [[ help == "$cur"* ]] && COMPREPLY+=('help ')
        compopt -o nospace 2>/dev/null
        ;;
    esac
  elif [[ $first == help ]] && ((positionals == 1)); then
    COMPREPLY=($(compgen -W '@STAGE_NAMES@' -- "$cur"))
  fi
}

complete -F _gpipe gpipe
)script";

std::string stage_case_arms(bool options) {
  std::string arms;
  for (const StageCompletion& stage : stage_completions()) {
    const std::vector<std::string_view>& words = options ? stage.options : stage.words;
    if (words.empty()) continue;
    arms += "    ";
    arms += stage.name;
    arms += ") echo ";
    arms += single_quoted(join(words, " "));
    arms += " ;;\n";
  }
  return arms;
}

std::string file_stages() {
  std::vector<std::string_view> names;
  for (const StageCompletion& stage : stage_completions()) {
    if (stage.takes_files) names.push_back(stage.name);
  }
  return join(names, " | ");
}

std::string stage_names() {
  std::vector<std::string_view> names;
  for (const StageInfo& stage : stage_table()) names.push_back(stage.name);
  return join(names, " ");
}

// What follows an option that takes a value: files, its choices, or nothing (the user's own).
std::string value_cases() {
  std::string cases;
  std::vector<std::string_view> users_own;
  for (const OptionInfo& option : option_table()) {
    if (option.value_name.empty()) continue;
    const std::vector<std::string_view> spellings = option_spellings(option);
    if (option.completes == ValueCompletion::Nothing) {
      users_own.insert(users_own.end(), spellings.begin(), spellings.end());
      continue;
    }
    cases += concat("    ", join(spellings, " | "), ")\n");
    if (option.completes == ValueCompletion::Files) {
      cases += "      compopt -o filenames 2>/dev/null\n";
      cases += "      COMPREPLY=($(compgen -f -- \"$cur\"))\n";
    } else {
      cases += concat("      COMPREPLY=($(compgen -W ", single_quoted(option.choices),
                      " -- \"$cur\"))\n");
      // A choice that ends in '=' (dead-letter=) wants its value right after it.
      if (option.choices.find("= ") != std::string_view::npos || option.choices.ends_with('=')) {
        cases += "      [[ ${COMPREPLY[*]} == *= ]] && compopt -o nospace 2>/dev/null\n";
      }
    }
    cases += "      return\n      ;;\n";
  }
  if (!users_own.empty()) cases += concat("    ", join(users_own, " | "), ") return ;;\n");
  return cases;
}

// The spellings of the option that gives the pipeline as a file, instead of the pipeline word.
std::string pipeline_file_options() {
  for (const OptionInfo& option : option_table()) {
    if (gives_pipeline_file(option)) return join(option_spellings(option), " | ");
  }
  return "''";
}

}  // namespace

std::string bash_completion_script() {
  return fill_script(kScript, {
                                  {"@STAGE_OPTIONS@", stage_case_arms(true)},
                                  {"@STAGE_WORDS@", stage_case_arms(false)},
                                  {"@FILE_STAGES@", file_stages()},
                                  {"@STAGE_NAMES@", stage_names()},
                                  {"@VALUE_CASES@", value_cases()},
                                  {"@PIPELINE_FILE_OPTIONS@", pipeline_file_options()},
                                  {"@VALUE_OPTIONS@", join(value_option_spellings(), " | ")},
                                  {"@OPTIONS@", join(all_option_spellings(), " ")},
                              });
}

}  // namespace gpipe
