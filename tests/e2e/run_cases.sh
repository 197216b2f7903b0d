#!/usr/bin/env bash
# Golden end-to-end cases of the gpipe binary, one folder each under tests/cases/<area>/<name>/:
#   cmd              a bash snippet run from the repository root; $GPIPE is the binary under test,
#                    $GPIPE_CORPORA the shared test corpora, $CASE_TMP a fresh directory
#   expected         its exact standard output
#   expected_stderr  (optional) its exact standard error
#   expected_status  (optional) its exit status; 0 when absent
# Usage: run_cases.sh GPIPE_BINARY CASES_DIR [NAME_FILTER]
set -u
GPIPE=$(realpath "$1")
cases_dir=$2
filter=${3:-}
export GPIPE
# The shared corpora: from CMake (GPIPE_CORPORA), else beside the checkout, else /work/shared.
if [[ -z "${GPIPE_CORPORA:-}" ]]; then
  GPIPE_CORPORA=$(realpath -m "$(dirname "$0")/../../../shared/corpora")
  [[ -d "$GPIPE_CORPORA" ]] || GPIPE_CORPORA=/work/shared/corpora
fi
export GPIPE_CORPORA
passed=0
failed=0
failures=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for dir in "$cases_dir"/*/*/; do
  name=$(basename "$(dirname "$dir")")/$(basename "$dir")
  [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
  [[ -f "$dir/cmd" ]] || continue
  status=0
  ( export CASE_TMP="$work/${name//\//-}"; mkdir -p "$CASE_TMP"; bash "$dir/cmd" ) \
      >"$work/stdout" 2>"$work/stderr" </dev/null || status=$?
  want_status=0
  [[ -f "$dir/expected_status" ]] && want_status=$(tr -d '[:space:]' <"$dir/expected_status")
  problems=""
  if [[ "$status" != "$want_status" ]]; then
    problems+=" status $status, want $want_status;"
  fi
  if ! cmp -s "$work/stdout" "$dir/expected"; then
    problems+=" stdout differs:$(diff "$dir/expected" "$work/stdout" | head -10 | sed 's/^/\n    /');"
  fi
  if [[ -f "$dir/expected_stderr" ]] && ! cmp -s "$work/stderr" "$dir/expected_stderr"; then
    problems+=" stderr differs:$(diff "$dir/expected_stderr" "$work/stderr" | head -10 | sed 's/^/\n    /');"
  fi
  if [[ -z "$problems" ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name:$problems")
  fi
done

for f in "${failures[@]+"${failures[@]}"}"; do printf 'FAIL %s\n' "$f"; done
echo "e2e cases: $passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
