#!/usr/bin/env bash
# The man page, `gpipe help --man`: it names every stage (`gpipe help` lists them) and every option
# (`gpipe --help` lists them), has the sections of a man page, is roff that groff reads without a
# warning, and renders each indented line of every stage's help (examples, option lists, tables:
# quotes, backslashes, dollars, hyphens) exactly as `gpipe help STAGE` prints it, so nothing was
# taken for markup.
# Usage: man_page.sh GPIPE_BINARY
set -u
gpipe=$1
failed=0
checks=0
fail() {
  printf 'FAIL %s\n' "$*"
  failed=$((failed + 1))
}
check() { checks=$((checks + 1)); }

page=$("$gpipe" help --man) || fail "gpipe help --man exited $?"

stages=$("$gpipe" help | awk '/^  [a-z]/ { print $1 }')
[[ $(wc -w <<<"$stages") -ge 20 ]] || fail "gpipe help lists too few stages: $stages"
for stage in $stages; do
  check
  grep -q "^\\\\fB$stage\\\\fR" <<<"$page" || fail "stage $stage has no entry (\\fB$stage\\fR)"
done

# "  -f,--file FILE    read the pipeline…" gives -f and --file.
options=$("$gpipe" --help | grep -oE '^  -[^ ]+' | tr ',' '\n' | tr -d ' ')
[[ $(wc -w <<<"$options") -ge 15 ]] || fail "gpipe --help lists too few options: $options"
for option in $options; do
  check
  grep -qF "\\fB${option//-/\\-}\\fR" <<<"$page" || fail "option $option is not in OPTIONS"
done

for section in NAME SYNOPSIS DESCRIPTION 'THE LANGUAGE' STAGES EXPRESSIONS OPTIONS 'EXIT STATUS' \
  ENVIRONMENT EXAMPLES 'SEE ALSO'; do
  check
  grep -qx "\\.SH $section" <<<"$page" || fail "no section $section"
done
for status in 0 1 2 3 4; do
  check
  sed -n '/^\.SH EXIT STATUS/,/^\.SH/p' <<<"$page" | grep -qx "\\\\fB$status\\\\fR" ||
    fail "exit status $status is not described"
done

if ! command -v groff >/dev/null; then
  fail "groff is not installed (tests/setup.sh installs groff-base)"
else
  check
  warnings=$(groff -man -Tutf8 -ww -z <<<"$page" 2>&1)
  [[ -z $warnings ]] || fail "groff warns: $warnings"
  # Rendered without bold or underline, blanks squeezed: every indented help line must be there.
  rendered=$(groff -man -Tutf8 -P-cbou <<<"$page" 2>/dev/null)
  check
  grep -qE '^ +gpipe - stream logs' <<<"$rendered" || fail "the NAME line does not render"
  help_lines=$(for stage in $stages; do "$gpipe" help "$stage" | grep '^ ' | sed "s/^/$stage\t/"; done)
  check
  [[ $(wc -l <<<"$help_lines") -ge 100 ]] || fail "too few indented help lines"
  not_rendered=$(awk -F'\t' '
      function squeeze(s) { sub(/^ +/, "", s); sub(/ +$/, "", s); gsub(/ +/, " ", s); return s }
      FNR == NR { rendered[squeeze($0)] = 1; next }
      { line = substr($0, length($1) + 2) }
      !(squeeze(line) in rendered) { print "help " $1 ": " line }' <(echo "$rendered") - <<<"$help_lines")
  checks=$((checks + $(wc -l <<<"$help_lines") - 1))
  [[ -z $not_rendered ]] || fail "lines not rendered as they are:"$'\n'"$not_rendered"
fi

check
if ! command -v man >/dev/null; then
  fail "man is not installed (tests/setup.sh installs man-db)"
else
  man -l - <<<"$page" 2>/dev/null | grep -q 'EXIT STATUS' || fail "man -l does not render the page"
fi

echo "man-page: $((checks - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
