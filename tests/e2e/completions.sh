#!/usr/bin/env bash
# The shell completions, `gpipe help --completions bash|zsh|fish`, each run in its own shell: the
# pipeline word completes inside its quotes (stage names at its start and after '|', a stage's
# options, its words such as to's formats, file names after read), and the options complete with
# their values.
# - bash: the script is sourced and its function called with COMP_WORDS and COMP_CWORD set, as
#   bash calls it; COMPREPLY must hold exactly the expected replies.
# - zsh: an interactive zsh in a pseudo-terminal (zsh/zpty) types each line and TAB, and the
#   command line after completion must be the expected one (tests/e2e/zsh_complete.zsh).
# - fish: `complete -C LINE` must print exactly the expected candidates.
# Usage: completions.sh GPIPE_BINARY
set -u
gpipe=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
failed=0
passed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# fish keeps its variables and history under these: not in the user's home.
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_CACHE_HOME=$work/cache

# A folder to complete file names in: two logs and a folder.
mkdir -p "$work/files/logs"
touch "$work/files/app-1.log" "$work/files/app-2.log"

result() {  # NAME WANT GOT
  if [[ "$2" == "$3" ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    printf 'FAIL %s\n  want: %s\n  got:  %s\n' "$1" "$2" "$3"
  fi
}

for shell in bash zsh fish; do
  "$gpipe" help --completions "$shell" >"$work/gpipe.$shell" ||
    result "gpipe help --completions $shell" "status 0" "status $?"
done
all_stages=$("$gpipe" help | awk '/^  [a-z]/ { print $1 }' | sort | paste -sd' ')
all_options=$("$gpipe" --help | grep -oE '^  -[^ ]+' | tr ',' '\n' | tr -d ' ' | sort | paste -sd' ')

# --- bash --------------------------------------------------------------------------------------
# bash_case 'WANT' WORD…: the replies, sorted and joined by ', ', for the command line WORD…
# with the cursor at the end of the last word.
bash_case() {
  local want=$1
  shift
  local got
  got=$(
    cd "$work/files" || exit 1
    source "$work/gpipe.bash"
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    _gpipe
    printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd',' | sed 's/,/, /g'
  )
  result "bash: $*" "$want" "$got"
}
if ! command -v bash >/dev/null; then
  result "bash is installed" yes no
else
  bash_case 'read, rename' gpipe "'re"
  bash_case 'read x | grep' gpipe "'read x | gr"
  bash_case 'read x |grep' gpipe "'read x |gr"
  bash_case 'read x | to csv' gpipe '"read x | to c'
  bash_case 'read x | to csv, read x | to json-array, read x | to jsonl, read x | to text, read x | to tsv' \
    gpipe "'read x | to "
  bash_case 'read x | grep -F, read x | grep -i, read x | grep -v, read x | grep -w' \
    gpipe "'read x | grep -"
  bash_case 'read x | count by' gpipe -q "'read x | count "
  bash_case 'read app-1.log, read app-2.log' gpipe "'read ap"
  bash_case 'read logs/' gpipe "'read lo"
  bash_case 'grep -v x | write logs/' gpipe "'grep -v x | write lo"
  bash_case "'read , 'rename " gpipe re
  bash_case "'head , help " gpipe he
  bash_case 'grep' gpipe help gr
  bash_case '--on-error' gpipe --on-err
  bash_case 'dead-letter=, fail, skip' gpipe --on-error ''
  bash_case 'skip' gpipe --on-error = sk
  bash_case 'bash, fish, zsh' gpipe help --completions ''
  bash_case '' gpipe -f x.gp ''
  bash_case 'select, seq, set' gpipe --set a=1 "'se"
  bash_case "$(sed 's/ /, /g' <<<"$all_stages")" gpipe "'"
  bash_case "$(sed 's/ /, /g' <<<"$all_options")" gpipe -
fi

# --- zsh ---------------------------------------------------------------------------------------
# Each case: the line typed, then TAB; "=>" and the command line after completion.
zsh_cases=(
  "gpipe 'rea" "gpipe 'read "
  "gpipe 'read x | gr" "gpipe 'read x | grep "
  "gpipe 'read x | grep -v ERROR | wr" "gpipe 'read x | grep -v ERROR | write "
  "gpipe \"read x | to cs" "gpipe \"read x | to csv "
  "gpipe 'read x | count " "gpipe 'read x | count by "
  "gpipe 'read lo" "gpipe 'read logs/"
  "gpipe 'read x | grep -" "gpipe 'read x | grep -"
  "gpipe gr" "gpipe 'grep "
  "gpipe --on-error=sk" "gpipe --on-error=skip "
  "gpipe --on-error d" "gpipe --on-error dead-letter="
  "gpipe --completions z" "gpipe --completions zsh "
  "gpipe help gr" "gpipe help grep "
  "gpipe -f x.gp " "gpipe -f x.gp "
)
if ! command -v zsh >/dev/null; then
  result "zsh is installed (tests/setup.sh installs it)" yes no
else
  mkdir -p "$work/zsh"
  cp "$work/gpipe.zsh" "$work/zsh/_gpipe"
  lines=()
  for ((i = 0; i < ${#zsh_cases[@]}; i += 2)); do lines+=("${zsh_cases[i]}"); done
  got=()
  mapfile -t got < <(cd "$work/files" && zsh -f "$here/zsh_complete.zsh" "$work/zsh" "${lines[@]}")
  for ((i = 0; i < ${#zsh_cases[@]}; i += 2)); do
    result "zsh: ${zsh_cases[i]}<TAB>" "${zsh_cases[i + 1]}" "${got[i / 2]-(nothing)}"
  done
fi

# --- fish --------------------------------------------------------------------------------------
# fish_case 'WANT' LINE: the candidates `complete -C LINE` prints, sorted, joined by ', ',
# without their descriptions.
fish_case() {
  local got
  got=$(cd "$work/files" && fish -N -c 'source $argv[1]; complete -C $argv[2]' "$work/gpipe.fish" "$2" |
    cut -f1 | sort | paste -sd',' | sed 's/,/, /g')
  result "fish: $2" "$1" "$got"
}
if ! command -v fish >/dev/null; then
  result "fish is installed (tests/setup.sh installs it)" yes no
else
  fish_case 'read, rename' "gpipe 're"
  fish_case 'read x | grep' "gpipe 'read x | gr"
  fish_case 'read x | to csv' 'gpipe "read x | to c'
  fish_case 'read x | count by' "gpipe -q 'read x | count "
  fish_case 'read x | grep -F, read x | grep -i, read x | grep -v, read x | grep -w' \
    "gpipe 'read x | grep -"
  fish_case 'read app-1.log, read app-2.log' "gpipe 'read ap"
  fish_case 'read logs/' "gpipe 'read lo"
  fish_case 'grep' 'gpipe gr'
  fish_case 'head, help' 'gpipe he'
  fish_case 'dead-letter=, fail, skip' 'gpipe --on-error '
  fish_case '' 'gpipe -f x.gp '
  fish_case 'grep' 'gpipe help gr'
  fish_case '--version' 'gpipe --vers'
  fish_case "$(sed 's/ /, /g' <<<"$all_stages")" "gpipe '"
fi

echo "completions: $passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
