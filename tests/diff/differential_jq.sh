#!/usr/bin/env bash
# Differential test of the `json` and `items` parsers against jq 1.6: field values of nested
# paths, array indexes, numbers and strings, unicode and escapes, over the tweets corpus and
# generated tweets; `items` over a whole-file tweet dump; `where` once that stage is built.
# gpipe `to tsv` and jq `@tsv` escape the same bytes (\t \n \r \\). jq rewrites numbers (it
# prints doubles: 505874924095815681 becomes 505874924095815700) and re-escapes strings inside
# objects, so numeric cases use small counts and objects are compared after `jq -c .` on both sides.
# Usage: differential_jq.sh GPIPE_BINARY CORPORA_DIR
set -u
GPIPE=$(realpath "$1")
corpora=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C.UTF-8

passed=0
failed=0

# check NAME: compares $work/got with $work/want.
check() {
  if cmp -s "$work/got" "$work/want"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $1"
    diff "$work/got" "$work/want" | head -5
  fi
}

inputs=()
[[ -f "$corpora/tweets/tweets.jsonl" ]] && inputs+=("$corpora/tweets/tweets.jsonl")
((${#inputs[@]} == 0)) && echo "differential_jq: no tweets corpus under '$corpora': generated tweets only"
# Fewer generated tweets under the sanitizers (GPIPE_SANITIZED, ten times slower).
generated=5000
[[ -n ${GPIPE_SANITIZED:-} ]] && generated=1000
python3 "$here/../../bench/gen_data.py" tweets --lines "$generated" --seed 3 >"$work/gen.jsonl"
inputs+=("$work/gen.jsonl")

# gpipe fields | the same paths for jq (each printed raw if a string, as JSON otherwise).
cases=(
  "user.screen_name retweet_count entities.hashtags[0].text|.user.screen_name, .retweet_count, .entities.hashtags[0].text"
  "text|.text"
  "id_str lang user.verified|.id_str, .lang, .user.verified"
  "entities.hashtags[1].text user.followers_count favorite_count|.entities.hashtags[1].text, .user.followers_count, .favorite_count"
  ".metadata.result_type in_reply_to_screen_name place|.metadata.result_type, .in_reply_to_screen_name, .place"
  "entities.user_mentions[0].screen_name entities.urls[0].expanded_url|.entities.user_mentions[0].screen_name, .entities.urls[0].expanded_url"
  "user.name user.description retweeted_status.user.screen_name|.user.name, .user.description, .retweeted_status.user.screen_name"
)
for input in "${inputs[@]}"; do
  for c in "${cases[@]}"; do
    fields=${c%%|*}
    paths=${c#*|}
    "$GPIPE" "read $input | json | field $fields | to tsv" 2>&1 | tail -n +2 >"$work/got"
    jq -r "[$paths] | map(if . == null then \"\" elif type == \"string\" then . else tojson end) | @tsv" \
      "$input" >"$work/want"
    check "$(basename "$input"): field $fields"
  done
  # Objects and arrays come out as compact JSON: equal to jq's after normalising both.
  for path in user entities entities.hashtags metadata; do
    "$GPIPE" "read $input | json | field $path" | jq -c . >"$work/got" 2>&1
    jq -c ".$path | select(. != null)" "$input" >"$work/want"
    check "$(basename "$input"): field $path (JSON)"
  done
  # The record itself is the line: JSON output reproduces the input.
  "$GPIPE" "read $input | json" | jq -c . >"$work/got" 2>&1
  jq -c . "$input" >"$work/want"
  check "$(basename "$input"): json (whole records)"
done

# Rows that are arrays: indexes, numbers with fractions, strings with escapes.
amazon=$corpora/tweets/amazon_cellphones.ndjson
if [[ -f "$amazon" ]]; then
  "$GPIPE" "read $amazon | json | field [0] [1] [2] [5] [7] | to tsv" | tail -n +2 >"$work/got"
  jq -r '[.[0], .[1], .[2], .[5], .[7]] | map(if . == null then "" elif type == "string" then . else tojson end) | @tsv' \
    "$amazon" >"$work/want"
  check "amazon_cellphones.ndjson: field [0] [1] [2] [5] [7]"
fi

# JSONTestSuite: each one-line y_ file whose value is an array or object gives one record, and
# its first element / every top-level member, printed as JSON by `select`, equals jq's after
# `jq -c` on both sides (jq rewrites numbers: 1E22 as 1e+22, so both go through jq).
suite=$corpora/json-test-suite/test_parsing
if [[ -d "$suite" ]]; then
  y_total=0
  y_same=0
  for f in "$suite"/y_*.json; do
    # One value per line: files with a newline before their last byte do not apply.
    [[ $(head -c -1 "$f" | tr -cd '\n' | wc -c) -eq 0 ]] || continue
    kind=$(jq -r 'type' "$f" 2>/dev/null) || continue
    y_total=$((y_total + 1))
    case $kind in
      array)
        got=$("$GPIPE" "read $f | json | select [0]" 2>&1 | jq -c '.["[0]"]' 2>&1)
        want=$(jq -c '.[0]' "$f") ;;
      object)
        got=$("$GPIPE" "read $f | json | select $(jq -r 'keys_unsorted | map(select(test("^[A-Za-z_][A-Za-z0-9_]*$"))) | .[0] // "zz"' "$f")" 2>&1 | jq -c 'to_entries | map(.value)' 2>&1)
        want=$(jq -c "[.$(jq -r 'keys_unsorted | map(select(test("^[A-Za-z_][A-Za-z0-9_]*$"))) | .[0] // "zz"' "$f")]" "$f") ;;
      *)
        got=$("$GPIPE" "read $f | json" 2>&1 | jq -c . 2>&1)
        want=$(jq -c . "$f") ;;
    esac
    if [[ "$got" == "$want" ]]; then
      y_same=$((y_same + 1))
    else
      echo "  y_ differs: $(basename "$f"): gpipe $got, jq $want"
    fi
  done
  echo "differential_jq: JSONTestSuite: $y_same of $y_total one-line y_ values equal jq's"
  echo "$y_same" >"$work/got"
  echo "$y_total" >"$work/want"
  check "JSONTestSuite y_ values ($y_same of $y_total equal jq)"
fi

# Every file of the suite (y_, n_, i_: invalid UTF-8, UTF-16, deep nesting) goes through
# `json` under --on-error skip with exit 0: no crash, bad records only counted.
if [[ -d "$suite" ]]; then
  # All files in one run (a run per file was a sixth of this test under the sanitizers); when
  # it fails, a run per file names the files.
  : >"$work/got"
  if ! "$GPIPE" --on-error skip "read $suite/*.json | json | field a [0]" >/dev/null 2>&1; then
    for f in "$suite"/*.json; do
      "$GPIPE" --on-error skip "read $f | json | field a [0]" >/dev/null 2>&1 ||
        echo "$(basename "$f"): exit $?" >>"$work/got"
    done
    [[ -s "$work/got" ]] || echo "all files in one run: exit status not 0" >>"$work/got"
  fi
  : >"$work/want"
  check "JSONTestSuite: every file under --on-error skip exits 0"
  # One-line n_ files: every one is a bad record (exit 4 under the default --on-error fail).
  : >"$work/got"
  for f in "$suite"/n_*.json; do
    [[ $(head -c -1 "$f" | tr -cd '\n' | wc -c) -eq 0 ]] || continue
    # A blank line holds no record (as in jq): n_single_space and the empty file are skipped.
    [[ -n $(tr -d ' \t\r\n\0' <"$f") ]] || continue
    status=0
    "$GPIPE" "read $f | json" >/dev/null 2>&1 || status=$?
    [[ $status == 4 ]] || echo "$(basename "$f"): exit $status" >>"$work/got"
  done
  check "JSONTestSuite: one-line n_ files are bad records"
fi

# Bad records: the count under skip equals the lines jq cannot parse one by one.
{
  cat "$work/gen.jsonl" | head -50
  echo '{"a":1,}'
  echo '[1,2'
  echo '{"a":tru}'
  echo '"x" "y"'
  echo '{"a":"\x"}'
} >"$work/mixed.jsonl"
"$GPIPE" --on-error skip "read $work/mixed.jsonl | json" 2>/dev/null | wc -l | tr -d ' ' >"$work/got"
n=0
while IFS= read -r line; do
  printf '%s\n' "$line" | jq -e . >/dev/null 2>&1 && [[ $(printf '%s\n' "$line" | jq -c . | wc -l) == 1 ]] &&
    n=$((n + 1))
done <"$work/mixed.jsonl"
echo "$n" >"$work/want"
check "bad lines are dropped under --on-error skip"

# items: the elements of a whole-file dump equal jq's.
if [[ -f "$corpora/tweets/twitter.json" ]]; then
  "$GPIPE" "chunks 64KiB $corpora/tweets/twitter.json | items /statuses" | jq -c . >"$work/got" 2>&1
  jq -c '.statuses[]' "$corpora/tweets/twitter.json" >"$work/want"
  check "items /statuses (twitter.json)"
  "$GPIPE" "chunks 1KiB $corpora/tweets/twitter.json | items /statuses | field user.screen_name retweet_count | to tsv" |
    tail -n +2 >"$work/got"
  jq -r '.statuses[] | [.user.screen_name, .retweet_count] | map(tostring) | @tsv' \
    "$corpora/tweets/twitter.json" >"$work/want"
  check "items /statuses | field (twitter.json, 1KiB chunks)"
  "$GPIPE" "chunks 4KiB $corpora/tweets/twitter.json | items /search_metadata" >"$work/got" 2>&1
  echo $? >>"$work/got"
  grep -c "not an array" "$work/got" >"$work/got.n"
  echo 1 >"$work/want.n"
  if cmp -s "$work/got.n" "$work/want.n"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: items on a non-array"; cat "$work/got"; fi
fi
# items over a generated array, pretty-printed (white space between tokens) and read as lines.
jq -s . "$work/gen.jsonl" >"$work/gen-array.json"
"$GPIPE" "read $work/gen-array.json | items" | jq -c . >"$work/got"
jq -c '.[]' "$work/gen-array.json" >"$work/want"
check "items over a pretty-printed array read as lines"
"$GPIPE" "chunks 100 $work/gen-array.json | items | field user.screen_name text | to tsv" | tail -n +2 >"$work/got"
jq -r '.[] | [.user.screen_name, .text] | @tsv' "$work/gen-array.json" >"$work/want"
check "items | field over 100-byte chunks"

# where: compared once the stage is built (another part of gpipe).
if "$GPIPE" 'json | where retweet_count > 1' </dev/null 2>&1 | grep -q 'not built yet'; then
  echo "differential_jq: 'where' is not built yet: its cases are skipped"
else
  where_cases=(
    "retweet_count > 100|.retweet_count > 100"
    "user.verified == true|.user.verified == true"
    "lang == \"ja\"|.lang == \"ja\""
    "entities.hashtags[0].text != null|.entities.hashtags[0].text != null"
  )
  for input in "${inputs[@]}"; do
    for c in "${where_cases[@]}"; do
      expr=${c%%|*}
      jexpr=${c#*|}
      "$GPIPE" "read $input | json | where $expr | field id_str" >"$work/got" 2>&1
      jq -r "select($jexpr) | .id_str // \"\"" "$input" >"$work/want"
      check "$(basename "$input"): where $expr"
    done
  done
fi

echo "differential_jq: $passed passed, $failed failed"
((failed == 0))
