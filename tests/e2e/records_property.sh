#!/usr/bin/env bash
# Property test of the stages that pass records on (docs/spec.md §3: a record that comes out of a stage that
# keeps it is the record that went in). For every record format X and every such stage S:
#   1. `X | S | to jsonl` equals `X | to jsonl` cut the same way by the Unix tool
#      (head -n, tail -n +K, tail -n, uniq, awk '!seen[$0]++', cat, tac), so no record loses its
#      text, fields or flags;
#   2. `X | S` keeps X's default output format: X's own output cut the same way (a CSV header
#      stays on top), so a kept JSON line prints as written and a CSV row stays CSV.
# On generated data (seeded, with adjacent repeats, quoting, escapes and non-ASCII) and on the
# shared corpora (loghub, csv-spectrum, tweets).
# Usage: records_property.sh GPIPE_BINARY [CORPORA_DIR]
set -u
GPIPE=$(realpath "$1")
corpora=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

fail() {
  failed=$((failed + 1))
  printf 'FAIL %s\n' "$1"
  [[ -n "${2:-}" ]] && diff "$2" "$3" | head -8 | sed 's/^/    /'
}

# The stages under test and the Unix tool that cuts the same way, in pairs.
# sort by _offset (unique in one input) reverses the order in memory, keeps it through runs
# spilled to temporary files (--mem 64KiB), and reverses it cut by head.
stages=("head 3" "head 0" "skip 3" "skip 100000" "tail 3" "tail 0" "tail 100000" "uniq" "dedup"
  "sort -r -n _offset" "sort -n _offset --mem 64KiB" "sort -r -n _offset | head 3")
tools=("head -n 3" "head -n 0" "tail -n +4" "tail -n +100001" "tail -n 3" "tail -n 0"
  "tail -n 100000" "uniq" "awk '!seen[\$0]++'" "tac" "cat" "tac | head -n 3")

# Under the sanitizers (GPIPE_SANITIZED, ten times slower), only the stages that keep records past
# their batch, where a record's bytes could be freed or overwritten under it.
if [[ -n ${GPIPE_SANITIZED:-} ]]; then
  stages=("tail 3" "uniq" "dedup" "sort -n _offset --mem 64KiB" "sort -r -n _offset | head 3")
  tools=("tail -n 3" "uniq" "awk '!seen[\$0]++'" "cat" "tac | head -n 3")
fi

# check NAME PIPELINE HEADER: HEADER is 1 when X's default output starts with a header row.
check() {
  local name=$1 x=$2 header=$3 i s tool
  if ! "$GPIPE" "$x | to jsonl" >"$work/all.jsonl" 2>"$work/err"; then
    fail "$name: '$x | to jsonl' failed: $(head -c 300 "$work/err")"
    return
  fi
  "$GPIPE" "$x" >"$work/all.default" 2>/dev/null
  if [[ ! -s "$work/all.jsonl" ]]; then
    fail "$name: '$x' gave no records (a property over nothing proves nothing)"
    return
  fi
  for i in "${!stages[@]}"; do
    s=${stages[$i]}
    tool=${tools[$i]}
    "$GPIPE" "$x | $s | to jsonl" >"$work/got" 2>&1
    bash -c "$tool" <"$work/all.jsonl" >"$work/want"
    if cmp -s "$work/got" "$work/want"; then
      passed=$((passed + 1))
    else
      fail "$name: '$x | $s | to jsonl' differs from '$x | to jsonl | $tool'" "$work/want" "$work/got"
    fi
    [[ "$header" == skip ]] && continue
    "$GPIPE" "$x | $s" >"$work/got" 2>&1
    if [[ "$header" == 1 ]]; then
      tail -n +2 "$work/all.default" | bash -c "$tool" >"$work/rows"
      if [[ -s "$work/rows" ]]; then
        { head -n 1 "$work/all.default"; cat "$work/rows"; } >"$work/want"
      else
        : >"$work/want"
      fi
    else
      bash -c "$tool" <"$work/all.default" >"$work/want"
    fi
    if cmp -s "$work/got" "$work/want"; then
      passed=$((passed + 1))
    else
      fail "$name: '$x | $s' does not keep the output format of '$x'" "$work/want" "$work/got"
    fi
  done
}

python3 - "$work" <<'EOF'
import json, random, sys
random.seed(24)
out = sys.argv[1]
words = ["alpha", "beta", "gamma", "Åsa", "naïve", "tab\there", "x", ""]
def pick(): return random.choice(words)
def runs(n, make):
    rows = []
    while len(rows) < n:
        row = make()
        rows.extend([row] * random.choice([1, 1, 2, 3]))  # adjacent repeats for uniq
    return rows[:n]
with open(f"{out}/text.log", "w") as f:
    for r in runs(400, lambda: f"{random.randint(1, 4)} {pick()}  {random.choice('ab')}"):
        f.write(r.replace("\t", " ") + "\n")
def csv_quote(v, force):
    if force or any(c in v for c in ',"\n'):
        return '"' + v.replace('"', '""') + '"'
    return v
with open(f"{out}/rows.csv", "w") as f:
    f.write("id,name,note\n")
    for r in runs(400, lambda: (str(random.randint(1, 3)), pick(), random.choice(["a, b", 'say "hi"', "", "plain"]))):
        # the same values quoted two ways are the same record
        f.write(",".join(csv_quote(v, random.random() < 0.3) for v in r) + "\n")
with open(f"{out}/multiline.csv", "w") as f:
    f.write("k,v\n")
    for r in runs(300, lambda: (str(random.randint(1, 3)), random.choice(["one\nline two", "x", "é"]))):
        f.write(",".join(csv_quote(v, False) for v in r) + "\r\n")
def obj():
    return {"id": random.randint(1, 3), "name": pick(),
            "nested": {"n": random.choice([1, 2.5, None, True])},
            "list": [pick() for _ in range(random.randint(0, 2))]}
with open(f"{out}/objects.jsonl", "w") as f:
    for o in runs(400, lambda: json.dumps(obj(), ensure_ascii=random.random() < 0.5)):
        f.write(o + "\n")
with open(f"{out}/dump.json", "w") as f:
    json.dump({"meta": {"n": 1}, "items": [json.loads(o) for o in runs(300, lambda: json.dumps(obj()))]}, f, indent=1)
with open(f"{out}/pairs.log", "w") as f:
    for r in runs(400, lambda: f'level={random.choice(["info", "warn"])} user=u{random.randint(1, 3)} msg="{pick()}"'):
        f.write(r + "\n")
EOF

w=$work
check "text" "read $w/text.log" 0
check "csv" "read $w/rows.csv | csv" 1
check "csv rows over lines" "read $w/multiline.csv | csv" skip
check "json" "read $w/objects.jsonl | json" 0
check "json, a path asked" "read $w/objects.jsonl | json | where nested.n != 7" 0
check "items" "read $w/dump.json | items /items" 0
check "kv" "read $w/pairs.log | kv" 0
check "parse" "read $w/text.log | parse '(?P<n>[0-9]+) (?P<word>.*)'" 0
check "select (reshaped json)" "read $w/objects.jsonl | json | select name id" 0
check "set (reshaped csv)" "read $w/rows.csv | csv | set twice = id * 2" 1
check "field (values)" "read $w/rows.csv | csv | field 1 0" 0

if [[ -n "$corpora" && -d "$corpora" ]]; then
  for log in "$corpora"/loghub/{Apache,HDFS,Linux,OpenSSH}_2k.log; do
    check "loghub $(basename "$log")" "read $log" 0
    check "loghub $(basename "$log") fields" "read $log | field 0 1" 0
  done
  for csv in "$corpora"/csv-spectrum/csvs/*.csv; do
    check "csv-spectrum $(basename "$csv")" "read $csv | csv" skip
  done
  check "tweets.jsonl" "read $corpora/tweets/tweets.jsonl | json" 0
  check "tweets.jsonl paths" "read $corpora/tweets/tweets.jsonl | json | select user.screen_name lang" 0
  check "twitter.json items" "read $corpora/tweets/twitter.json | items /statuses" 0
  check "amazon ndjson" "read $corpora/tweets/amazon_cellphones.ndjson | json" 0
else
  echo "records_property: no corpora at '${corpora}': generated data only"
fi

echo "records property: $passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
