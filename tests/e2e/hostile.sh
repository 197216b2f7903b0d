#!/usr/bin/env bash
# Hostile-input suite (docs/spec.md §6): every parser stage, and `read | grep | field`, over inputs
# built to hurt, run twice: as is (--on-error=fail) and with --on-error=skip.
#
#   tests/e2e/hostile.sh GPIPE_BINARY [CORPORA_DIR]     (the corpora are not needed)
#
# Inputs: random bytes, NUL bytes, invalid UTF-8, a line over --max-line, 100,000-deep nested
# JSON, unbalanced CSV quotes at end of file, ragged CSV rows, broken logfmt, .zst and .gz magic
# followed by garbage, an empty file. Each is written to a temporary folder (removed at exit).
#
# For every (input, pipeline) pair it checks:
#  - no crash: the exit code is below 128 (no signal) and stderr has no sanitizer report;
#  - the exit code of docs/spec.md §5: under fail, 0 when the input has no bad record, 4 when it has one,
#    3 for a corrupt compressed stream (an input error, not a bad record: under skip too);
#  - a message naming the file and the line ("FILE:LINE" — `items` names the file and, as it reads
#    one document, the byte offset; a corrupt compressed stream names the file only: its bytes
#    have no lines);
#  - under skip: good records out + bad records counted ("N bad records skipped") = records in,
#    and the count of bad records is the one expected when the input was built to have them.
#
# "Records in", per pipeline (what the reference counter below counts, independently of gpipe):
#  - read | grep | field, kv, parse --keep: every line (split on \n; a last line without one
#    counts; a line over --max-line is a record, and a bad one);
#  - json: every line that is not blank (blank: only spaces, tabs, \r), as jq counts;
#  - csv: every row after the header, rows split at newlines outside quotes (a quote opens at the
#    start of a field, "" inside is a quote, RFC 4180 as README says), blank rows not counted;
#    an unterminated quoted field at end of file is one row; over --max-line, one bad row per line;
#  - items: the elements of the array when the document is one valid JSON array; otherwise the
#    count cannot be known from outside, so only "at least one bad record" is checked.
set -euo pipefail
gpipe=$(realpath "$1")
exec python3 - "$gpipe" <<'PYTHON'
import json, os, random, re, subprocess, sys, tempfile

gpipe = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="gpipe-hostile-")
MAX_LINE = 4096  # --max-line for every run, so the overlong input stays small
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


# ---- inputs --------------------------------------------------------------------------------
rng = random.Random(20261123)
inputs = {}
inputs["random-bytes"] = bytes(rng.getrandbits(8) for _ in range(64 * 1024))
inputs["nul-bytes"] = b"a=1 b=\x00\x00 c=3\n\x00\x00\x00\n{\"a\":\"\x00\"}\nx,\x00,y\n" * 50
inputs["invalid-utf8"] = (b"\xff\xfe a=\xc3\x28 b=\"\xe2\x82\"\n" b"{\"k\":\"\xed\xa0\x80\"}\n"
                          b"h,\xf8\x88\x80\x80\x80\n\xc0\xaf,\x80\n") * 30
inputs["over-max-line"] = (b"a,b\nk=v,2\n" + b"x" * (MAX_LINE * 3) + b"\n" + b"k=w,3\n" +
                           b"y" * (MAX_LINE + 1))
inputs["deep-json"] = b"[" * 100000 + b"]" * 100000 + b"\n" + b"{\"a\":" * 100000 + b"1" + \
    b"}" * 100000 + b"\n{\"a\":1}\n"
inputs["csv-unbalanced-quote"] = b"a,b\n1,2\n3,\"4\n5,6\n7,8"
inputs["csv-ragged"] = b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n\n10,11,12\n,\n1,2,3,4,5,6\n"
inputs["broken-logfmt"] = (b"level=info msg=\"ok\"\nlevel=warn msg=\"no end\nmsg=\"\\\"\n"
                           b"=novalue key= \"quoted\"=x a==b\nmsg=\"esc \\\" inside\" x=1\n"
                           b"msg=\"")
inputs["zst-garbage"] = b"\x28\xb5\x2f\xfd" + bytes(rng.getrandbits(8) for _ in range(4096))
inputs["gz-garbage"] = b"\x1f\x8b\x08\x00" + bytes(rng.getrandbits(8) for _ in range(4096))
inputs["empty"] = b""

compressed = {"zst-garbage", "gz-garbage"}

pipelines = {
    "grep": "read {f} | grep -v ZZZ | field 0",
    "csv": "read {f} | csv | to jsonl",
    "json": "read {f} | json | to jsonl",
    "items": "read {f} | items | to jsonl",
    "kv": "read {f} | kv | to jsonl",
    "parse": "read {f} | parse --keep '^(?P<first>[^ ]*)' | to jsonl",
}


# ---- reference counts of records in --------------------------------------------------------
def lines_of(data):
    if not data:
        return []
    parts = data.split(b"\n")
    if parts[-1] == b"":
        parts.pop()
    return parts


def strip_cr(line):
    return line[:-1] if line.endswith(b"\r") else line


def count_lines(data):
    """(records in, bad) for a pipeline where every line is a record."""
    lines = lines_of(data)
    return len(lines), sum(len(strip_cr(l)) > MAX_LINE for l in lines)


def count_json(data):
    total = bad = 0
    for l in lines_of(data):
        if strip_cr(l).strip(b" \t\r") == b"":
            continue
        total += 1
        if len(strip_cr(l)) > MAX_LINE:
            bad += 1
            continue
        try:
            json.loads(l.decode("utf-8"))
            depth_ok = max_depth(l) <= 1024
            bad += 0 if depth_ok else 1
        except Exception:
            bad += 1
    return total, bad


def max_depth(line):
    depth = best = 0
    in_str = esc = False
    for c in line:
        if in_str:
            if esc:
                esc = False
            elif c == 0x5C:
                esc = True
            elif c == 0x22:
                in_str = False
        elif c == 0x22:
            in_str = True
        elif c in (0x5B, 0x7B):
            depth += 1
            best = max(best, depth)
        elif c in (0x5D, 0x7D):
            depth -= 1
    return best


def count_csv(data):
    """Rows after the header. Bad rows are not predicted (width, quotes): only counted."""
    rows, row, i, n = 0, b"", 0, len(data)
    at_field_start, in_quotes = True, False
    current = bytearray()
    records = []
    while i < n:
        c = data[i:i + 1]
        if in_quotes:
            if c == b'"':
                if data[i + 1:i + 2] == b'"':
                    i += 1
                else:
                    in_quotes = False
            current += c
        elif c == b'"' and at_field_start:
            in_quotes = True
            current += c
        elif c == b"\n":
            records.append(bytes(current))
            current = bytearray()
            at_field_start = True
            i += 1
            continue
        else:
            current += c
        at_field_start = c == b","
        i += 1
    if current:
        records.append(bytes(current))
    records = [r for r in records if strip_cr(r) != b""]
    return max(0, len(records) - 1)


def count_items(data):
    try:
        value = json.loads(data.decode("utf-8"))
    except Exception:
        return None
    return len(value) if isinstance(value, list) else None


# ---- running -------------------------------------------------------------------------------
SANITIZER = re.compile(r"(AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:)")
SKIPPED = re.compile(r"(\d+) bad records? skipped")


def run(pipeline, policy):
    cmd = [gpipe, "--max-line", str(MAX_LINE), "--on-error", policy, pipeline]
    p = subprocess.run(cmd, cwd=tmp, capture_output=True, timeout=120)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def records_out(stdout):
    return stdout.count(b"\n")


def check(name, stage, data):
    path = os.path.join(tmp, name + ".in")
    with open(path, "wb") as f:
        f.write(data)
    pipeline = pipelines[stage].format(f=name + ".in")
    label = f"{name} | {stage}"
    results = {}
    for policy in ("fail", "skip"):
        rc, out, err = run(pipeline, policy)
        results[policy] = (rc, out, err)
        if rc < 0 or rc >= 128:
            fail(f"{label} [{policy}]: killed by a signal ({rc})")
        if SANITIZER.search(err):
            fail(f"{label} [{policy}]: sanitizer report:\n{err[-2000:]}")
    rc_fail, _, err_fail = results["fail"]
    rc_skip, out_skip, err_skip = results["skip"]
    m = SKIPPED.search(err_skip)
    bad = int(m.group(1)) if m else 0

    if name in compressed:
        for policy, (rc, _, err) in results.items():
            if rc != 3:
                fail(f"{label} [{policy}]: exit {rc}, want 3 (corrupt compressed input)")
            if f"'{name}.in'" not in err:
                fail(f"{label} [{policy}]: the message does not name the file: {err!r}")
        return

    # Records in, and the bad ones where the input says how many.
    want_bad = None
    if stage in ("grep", "kv", "parse"):
        total, overlong = count_lines(data)
        if stage != "kv":
            want_bad = overlong
    elif stage == "json":
        total, want_bad = count_json(data)
    elif stage == "csv":
        total = count_csv(data)
    else:
        total = count_items(data)
        if data and total is None and bad < 1:
            fail(f"{label}: not one valid JSON array, yet no bad record was counted")
    if total is not None and records_out(out_skip) + bad != total:
        fail(f"{label} [skip]: {records_out(out_skip)} good out + {bad} bad != {total} records in")
    if want_bad is not None and bad != want_bad:
        fail(f"{label} [skip]: {bad} bad records counted, want {want_bad}")
    if rc_skip != 0:
        fail(f"{label} [skip]: exit {rc_skip}, want 0:\n{err_skip[-1000:]}")

    # Under fail: 0 without bad records, 4 at the first one, with file and line (or offset).
    want_rc = 4 if bad > 0 else 0
    if rc_fail != want_rc:
        fail(f"{label} [fail]: exit {rc_fail}, want {want_rc}:\n{err_fail[-1000:]}")
    if want_rc == 4:
        where = re.compile(re.escape(name + ".in") + r":\d+")
        if not where.search(err_fail):
            fail(f"{label} [fail]: the message does not name file and line: {err_fail[:500]!r}")
        if m and not where.search(err_skip):
            fail(f"{label} [skip]: the summary does not name file and line: {err_skip[:500]!r}")


expected_bad = {  # inputs built to have bad records must make the stage report at least one
    ("over-max-line", s) for s in pipelines
} | {("deep-json", "json"), ("deep-json", "items"), ("csv-unbalanced-quote", "csv"),
     ("csv-ragged", "csv"), ("broken-logfmt", "kv"), ("random-bytes", "json")}

try:
    for name, data in inputs.items():
        for stage in pipelines:
            before = len(failures)
            check(name, stage, data)
            if (name, stage) in expected_bad:
                _, _, err = run(pipelines[stage].format(f=name + ".in"), "skip")
                if not SKIPPED.search(err):
                    fail(f"{name} | {stage}: built to have bad records, none counted")
            status = "ok" if len(failures) == before else "FAILED"
            print(f"{status:6} {name} | {stage}")
finally:
    subprocess.run(["rm", "-rf", tmp])

print(f"hostile: {len(inputs) * len(pipelines)} cases, {len(failures)} failures")
sys.exit(1 if failures else 0)
PYTHON
