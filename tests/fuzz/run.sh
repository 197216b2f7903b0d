#!/usr/bin/env bash
# Runs every libFuzzer target for a while, each over a seed corpus made at run time in a temporary
# folder from sample-data/, pipelines/ and the shared corpora (nothing is committed; the folder
# and whatever the fuzzer adds to it are removed at exit). A crash, leak, timeout or sanitizer
# report fails the run and leaves the reproducer in $GPIPE_FUZZ_ARTIFACTS (default: ./fuzz-artifacts).
#
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET=60] [CORPORA_DIR=../shared/corpora]
#
# BUILD_DIR is configured with: -DCMAKE_CXX_COMPILER=clang++ -DGPIPE_FUZZ=ON -DGPIPE_TESTS=OFF
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "$1")
seconds=${2:-60}
corpora=${3:-$root/../shared/corpora}
[[ -d $corpora ]] || corpora=/work/shared/corpora
artifacts=$(realpath -m "${GPIPE_FUZZ_ARTIFACTS:-fuzz-artifacts}")
mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/gpipe-fuzz-XXXXXX")
# On any exit (a failure, a CI timeout's SIGTERM) the targets still running are stopped first.
trap 'kill $(jobs -p) 2>/dev/null || true; wait || true; rm -rf "$work"' EXIT
export TMPDIR=$work  # the targets' scratch files go there too

# seed NAME FILE… : the first 4 KiB of each file (fuzzing small inputs finds more, faster).
seed() {
  local dir=$work/$1 i=0 f
  shift
  mkdir -p "$dir"
  for f in "$@"; do
    [[ -f $f ]] || continue
    head -c 4096 "$f" >"$dir/seed-$((i++))"
  done
}

logs=("$root"/sample-data/*.log "$corpora"/loghub/*.log)
seed line_reader "${logs[@]}" "$root"/sample-data/users.csv
seed csv "$root"/sample-data/users.csv "$corpora"/csv-spectrum/csvs/*.csv
seed json "$root"/sample-data/tweets.jsonl "$corpora"/tweets/*.jsonl "$corpora"/tweets/*.ndjson \
  "$corpora"/json-test-suite/test_parsing/*.json
seed items "$corpora"/tweets/twitter.json "$corpora"/csv-spectrum/json/*.json \
  "$corpora"/json-test-suite/test_parsing/[yn]_array*.json
seed kv "$root"/sample-data/app-*.log "$corpora"/loghub/{OpenSSH,Spark,HDFS}_2k.log
seed parse "$root"/sample-data/app-*.log "$root"/sample-data/access.log "$corpora"/loghub/Apache_2k.log
seed timestamp "${logs[@]}" "$root"/sample-data/tweets.jsonl "$root"/tests/cases/streaming/*/cmd
seed language "$root"/pipelines/*.gp "$root"/tests/cases/*/*/cmd
seed expr /dev/null
i=0
for e in 'retweet_count > 100 and lang == "en"' 'len(entities.hashtags) > 2 or user =~ "^a"' \
  'int($8 / 100) * 100' 'lower(trim(email))' 'strftime(strptime($0, "%Y-%m-%dT%H:%M:%S.%fZ"), "%F")' \
  'a != null && !(b <= -1.5e3) || c % 2 == 0' '."user name".id[0] in ["x", 1, true]'; do
  printf '%s' "$e" >"$work/expr/seed-$((i++))"
done
# The decompressors: small real .zst/.gz streams (several frames / members), and the samples.
mkdir -p "$work/decompress"
head -c 3000 "$root/sample-data/app-api.log" | zstd -q -c >"$work/decompress/a.zst"
head -c 3000 "$root/sample-data/app-api.log" | gzip -c >"$work/decompress/a.gz"
{ printf 'x\n' | gzip -c; printf 'y\n' | gzip -c; } >"$work/decompress/two.gz"
{ printf 'x\n' | zstd -q -c; printf 'y\n' | zstd -q --long=27 -c; } >"$work/decompress/two.zst"
cp "$root"/sample-data/*.zst "$root"/sample-data/*.gz "$work/decompress/"

# The limits: 10 s per input; RSS 2 GiB. -malloc_limit_mb is above it because a .zst frame may
# ask for a 2 GiB window (zstd --long=31, which gpipe reads by design): zstd reserves it but
# touches only what it fills, so the RSS limit is what counts.
targets=(language expr line_reader decompress csv json items kv parse timestamp)
# Targets run as many at a time as there are cores: each libFuzzer run is one process on one core,
# so the run takes its budget per target divided by the cores, not multiplied by the targets.
fuzz_one() {
  local t=$1 status=0
  "$build/tests/fuzz/fuzz_$t" "$work/$t" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=2560 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$artifacts/fuzz_$t-" >"$work/$t.log" 2>&1 || status=$?
  echo "$status" >"$work/$t.status"
}
cores=$(nproc)
running=0
for t in "${targets[@]}"; do
  echo "fuzz_$t: ${seconds}s"
  fuzz_one "$t" &
  if ((++running >= cores)); then
    wait -n || true
    ((running--))
  fi
done
wait
failed=()
for t in "${targets[@]}"; do
  if [[ $(cat "$work/$t.status") != 0 ]]; then
    failed+=("$t")
    tail -60 "$work/$t.log"
  fi
  echo "fuzz_$t: $(grep -E '^(stat::number_of_executed_units|Done)' "$work/$t.log" | tr '\n' ' ')"
done
if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (reproducers in $artifacts)"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s each without a crash, leak or timeout"
