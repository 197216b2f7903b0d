#!/usr/bin/env bash
# `cmake --install` puts gpipe, its man page and its bash, zsh and fish completions where each is
# looked for under the prefix; each installed file is what the installed binary prints (`gpipe help
# --man`, `--completions SHELL`), groff reads the page without a warning, man finds it through
# MANPATH, and each shell reads its script.
# Usage: install.sh CMAKE BUILD_DIR
set -u
cmake=$1
build=$2
source "$(dirname "$0")/checks.sh"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
# fish keeps its variables and history under these: not in the user's home.
export XDG_CONFIG_HOME=$prefix/.config XDG_DATA_HOME=$prefix/.data XDG_CACHE_HOME=$prefix/.cache

if ! "$cmake" --install "$build" --prefix "$prefix" >"$prefix.log" 2>&1; then
  fail "cmake --install: $(cat "$prefix.log")"
fi
rm -f "$prefix.log"
gpipe=$prefix/bin/gpipe
[[ -x $gpipe ]] && pass || fail "no bin/gpipe"

# FILE ARGUMENTS…: the installed FILE is what `gpipe help ARGUMENTS…` prints.
installed_as_printed() {
  local file=$prefix/$1
  shift
  if [[ ! -s $file ]]; then
    fail "$file is missing or empty"
  elif ! cmp -s "$file" <("$gpipe" help "$@"); then
    fail "$file is not what gpipe help $* prints"
  else
    pass
  fi
}
installed_as_printed share/man/man1/gpipe.1 --man
installed_as_printed share/bash-completion/completions/gpipe --completions bash
installed_as_printed share/zsh/site-functions/_gpipe --completions zsh
installed_as_printed share/fish/vendor_completions.d/gpipe.fish --completions fish

page=$prefix/share/man/man1/gpipe.1
if command -v groff >/dev/null; then
  warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
  [[ -z $warnings ]] && pass || fail "groff warns on the installed page: $warnings"
else
  fail "groff is not installed (tests/setup.sh installs groff-base)"
fi
if command -v man >/dev/null; then
  found=$(MANPATH=$prefix/share/man man -w gpipe 2>&1)
  [[ $found == "$page" ]] && pass || fail "MANPATH=\$prefix/share/man man -w gpipe gives: $found"
  man -l "$page" 2>/dev/null | grep -q 'gpipe help' && pass || fail "man -l does not render it"
else
  fail "man is not installed (tests/setup.sh installs man-db)"
fi

registered=$(bash -c 'source "$1" && complete -p gpipe' _ \
  "$prefix/share/bash-completion/completions/gpipe" 2>&1)
[[ $registered == "complete -F _gpipe gpipe" ]] && pass || fail "bash: $registered"
for shell in zsh fish; do
  if ! command -v $shell >/dev/null; then
    fail "$shell is not installed (tests/setup.sh installs it)"
    continue
  fi
  script=$prefix/share/zsh/site-functions/_gpipe
  [[ $shell == fish ]] && script=$prefix/share/fish/vendor_completions.d/gpipe.fish
  errors=$($shell -n "$script" 2>&1) && pass || fail "$shell -n $script: $errors"
done

echo "install: $passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
