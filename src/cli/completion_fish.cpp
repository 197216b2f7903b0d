// The fish completion script. fish matches a candidate against the current token without its
// quotes, so a candidate for the pipeline word is that whole text with its last word completed.
// (fish closes the quote after a unique candidate unless it ends in '/', '=' and the like.)
#include "cli/completion_data.hpp"
#include "cli/completions.hpp"
#include "cli/doc_text.hpp"

namespace gpipe {

namespace {

constexpr std::string_view kScript =
    R"script(# fish completion for gpipe, made by `gpipe help --completions fish` from gpipe's stage and
# option tables (`gpipe help`, `gpipe --help`): change those, not this file.

# The words before the cursor that are not options or their values.
function __gpipe_positionals
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for token in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $token
            case @VALUE_OPTIONS@
                set skip 1
            case '-*'
            case '*'
                echo $token
        end
    end
end

# No pipeline word yet, and none given as a file.
function __gpipe_wants_pipeline
    set -l positionals (__gpipe_positionals)
    test (count $positionals) -eq 0; or return 1
    for token in (commandline -opc)
        switch $token
            case @PIPELINE_FILE_OPTIONS@
                return 1
        end
    end
end

# At the start of a pipeline word not yet quoted, `help` may come instead.
function __gpipe_wants_help_word
    __gpipe_wants_pipeline; and not string match -qr -- '^[\'"]' (commandline -ct)
end

function __gpipe_wants_stage_name
    set -l positionals (__gpipe_positionals)
    test (count $positionals) -eq 1; and test "$positionals[1]" = help
end

function __gpipe_stage_names
@STAGE_DESCRIPTIONS@end

# What may follow a stage's name, as its synopsis says.
function __gpipe_stage_options
    switch $argv[1]
@STAGE_OPTIONS@    end
end

function __gpipe_stage_words
    switch $argv[1]
@STAGE_WORDS@    end
end

function __gpipe_stage_takes_files
    contains -- $argv[1] @FILE_STAGES@
end

# Completes inside the pipeline word: a stage name at its start or after the last '|', else an
# argument of that stage.
function __gpipe_complete_pipeline
    set -l text (string replace -r -- '^[\'"]' '' (commandline -ct))
    set -l head ''
    set -l segment "$text"
    if string match -q -- '*|*' "$text"
        set head (string replace -r -- '\|[^|]*$' '|' "$text")
        set segment (string replace -r -- '^.*\|' '' "$text")
    end
    set -l blanks (string match -r -- '^ *' "$segment")
    set head "$head$blanks"
    set segment (string replace -r -- '^ *' '' "$segment")
    set -l last (string replace -r -- '^.* ' '' "$segment")
    set -l before "$head"(string sub -l (math (string length -- "$segment") - (string length -- "$last")) -- "$segment")
    if not string match -q -- '* *' "$segment"
        for line in (__gpipe_stage_names)
            echo "$before$line"
        end
        return
    end
    set -l stage (string split -f1 -- ' ' "$segment")
    if string match -q -- '-*' "$last"
        for option in (__gpipe_stage_options $stage)
            echo "$before$option"
        end
    else if __gpipe_stage_takes_files $stage
        for path in "$last"*
            if test -d "$path"
                echo "$before$path/"
            else
                echo "$before$path"
            end
        end
    else
        for word in (__gpipe_stage_words $stage)
            echo "$before$word"
        end
    end
end

complete -c gpipe -f
@OPTION_COMPLETES@complete -c gpipe -n __gpipe_wants_pipeline -a '(__gpipe_complete_pipeline)'
complete -c gpipe -n __gpipe_wants_help_word -a help -d 'the stage reference'
complete -c gpipe -n __gpipe_wants_stage_name -a '(__gpipe_stage_names)'
)script";

// `text` in fish's single quotes, where only \ and ' are escaped.
std::string fish_quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::string stage_descriptions() {
  std::string lines;
  for (const StageInfo& stage : stage_table()) {
    lines += concat("    printf '%s\\t%s\\n' ", stage.name, " ", fish_quoted(stage.summary), "\n");
  }
  return lines;
}

std::string stage_switch_cases(bool options) {
  std::string cases;
  for (const StageCompletion& stage : stage_completions()) {
    const std::vector<std::string_view>& words = options ? stage.options : stage.words;
    if (words.empty()) continue;
    cases += concat("        case ", stage.name, "\n");
    cases += concat("            printf '%s\\n' ", join(words, " "), "\n");
  }
  return cases;
}

// The spellings of -f, and the forms that carry their value (-fX, --file=X).
std::string pipeline_file_patterns() {
  std::string patterns;
  for (const OptionInfo& option : option_table()) {
    if (!gives_pipeline_file(option)) continue;
    for (std::string_view spelling : option_spellings(option)) {
      const std::string_view joined = spelling.starts_with("--") ? "=*" : "*";
      patterns += concat(" ", spelling, " ", fish_quoted(concat(spelling, joined)));
    }
  }
  return patterns.empty() ? std::string() : patterns.substr(1);
}

std::string file_stages() {
  std::vector<std::string_view> names;
  for (const StageCompletion& stage : stage_completions()) {
    if (stage.takes_files) names.push_back(stage.name);
  }
  return join(names, " ");
}

// complete -c gpipe -s f -l file -r -F -d '…': -r for a value, then -F (files), -a (choices) or
// -f (the user's own text).
std::string option_completes() {
  std::string lines;
  for (const OptionInfo& option : option_table()) {
    std::string line = "complete -c gpipe";
    for (std::string_view spelling : option_spellings(option)) {
      if (spelling.starts_with("--")) {
        line += concat(" -l ", spelling.substr(2));
      } else if (spelling.size() == 2) {
        line += concat(" -s ", spelling.substr(1));
      } else {
        line += concat(" -o ", spelling.substr(1));
      }
    }
    if (!option.value_name.empty()) {
      line += " -r";
      switch (option.completes) {
        case ValueCompletion::Files:
          line += " -F";
          break;
        case ValueCompletion::Choices:
          line += concat(" -f -a ", fish_quoted(option.choices));
          break;
        case ValueCompletion::Nothing:
          line += " -f";
          break;
      }
    }
    line += concat(" -d ", fish_quoted(option.help));
    lines += concat(line, "\n");
  }
  return lines;
}

}  // namespace

std::string fish_completion_script() {
  return fill_script(kScript, {
                                  {"@VALUE_OPTIONS@", join(value_option_spellings(), " ")},
                                  {"@PIPELINE_FILE_OPTIONS@", pipeline_file_patterns()},
                                  {"@STAGE_DESCRIPTIONS@", stage_descriptions()},
                                  {"@STAGE_OPTIONS@", stage_switch_cases(true)},
                                  {"@STAGE_WORDS@", stage_switch_cases(false)},
                                  {"@FILE_STAGES@", file_stages()},
                                  {"@OPTION_COMPLETES@", option_completes()},
                              });
}

}  // namespace gpipe
