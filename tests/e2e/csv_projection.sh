#!/usr/bin/env bash
# Column projection (docs/design.md): `csv` splits each row only up to the last column the later
# stages read when every one of them says which. This checks, over the csv-spectrum corpus and
# generated hostile CSV (quoted separators and line breaks, "" , CRLF, ragged rows, stray quotes,
# a quote left open, a byte order mark, blank lines, rows over --max-line), that a projected
# pipeline and its unprojected twin give the same output, the same messages and the same exit
# code, under --on-error fail, skip and a dead-letter file, with -j 1 and -j 2.
#
#   tests/e2e/csv_projection.sh GPIPE_BINARY [CORPORA_DIR]
#
# The twin is the same pipeline with `head N` (N larger than any input) right after `csv`: head
# does not say which fields it reads, so csv makes every column. --explain must say that the
# first is projected and the twin is not; and a pipeline whose rows reach the output is not.
set -euo pipefail
gpipe=$(realpath "$1")
corpora=${2:-$(dirname "$0")/../../../shared/corpora}
exec python3 - "$gpipe" "$corpora" <<'PYTHON'
import os, random, subprocess, sys, tempfile

gpipe, corpora = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp(prefix="gpipe-csvproj-")
MAX_LINE = 4096
failures = []
PROJECTED = "splits each row only up to the last column"
NO_COLUMN = "makes no column"


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


# ---- inputs --------------------------------------------------------------------------------
inputs = {}
spectrum = os.path.join(corpora, "csv-spectrum", "csvs")
if os.path.isdir(spectrum):
    for name in sorted(os.listdir(spectrum)):
        with open(os.path.join(spectrum, name), "rb") as f:
            inputs["spectrum-" + name] = f.read()
else:
    print(f"note: no csv-spectrum corpus at {spectrum}; generated inputs only")

rng = random.Random(20261207)


def value(sep):
    kind = rng.randrange(10)
    if kind < 4:
        return "".join(rng.choice("abc 1.5-") for _ in range(rng.randrange(12)))
    if kind < 8:
        pieces = ["x", sep, "\n", "\r\n", '""', "yz", " "]
        return '"' + "".join(rng.choice(pieces) for _ in range(rng.randrange(8))) + '"'
    if kind == 8:
        return 'a"b'  # a stray quote: an ordinary byte
    return '"ab"cd'  # text after a closing quote


def hostile(width, rows, sep=",", ragged=0.0, crlf=0.2, blank=0.03):
    out = [sep.join(f"c{i % 5}" for i in range(width))]  # names repeat past 5 columns
    for _ in range(rows):
        if rng.random() < blank:
            out.append("")
            continue
        n = width if rng.random() >= ragged else rng.randrange(1, width + 3)
        out.append(sep.join(value(sep) for _ in range(n)))
    text = ""
    for line in out:
        text += line + ("\r\n" if rng.random() < crlf else "\n")
    return text.encode()


inputs["gen-wide"] = hostile(12, 3000)
inputs["gen-ragged"] = hostile(7, 3000, ragged=0.05)
inputs["gen-narrow"] = hostile(2, 4000, ragged=0.02)
inputs["gen-semicolon"] = hostile(6, 2000, sep=";", ragged=0.03)
inputs["gen-bom"] = b"\xef\xbb\xbf" + hostile(5, 500)
inputs["gen-open-quote"] = hostile(5, 1500) + b'1,2,"never closed\n3,4,5,6,7\n'
inputs["gen-over-max-line"] = (hostile(4, 300) + b'a,"' + b"x\n" * (MAX_LINE // 2) + b'",c,d\n'
                               + hostile(4, 300).split(b"\n", 1)[1])
inputs["gen-big"] = hostile(9, 60000, ragged=0.001)  # several MiB: chunks and blocks under -j
for name, data in inputs.items():
    with open(os.path.join(tmp, name), "wb") as f:
        f.write(data)

# ---- pipelines: (parser call, rest, what --explain must say) ---------------------------------
semicolon = {"gen-semicolon": "csv --sep ';'"}
pipelines = [
    ("count", NO_COLUMN),
    ("count by 0", PROJECTED),
    ("count by 1", PROJECTED),
    ("count by c1 c0", PROJECTED),
    ("stats 2 by 0", PROJECTED),
    ("sum c3", PROJECTED),
    ("distinct 1 by 0", PROJECTED),
    ("top 3 c2", PROJECTED),
    ("quantile 0 p50 by 1", PROJECTED),
    ("where c1 == 'abc' or _line > 100 | count by c0", PROJECTED),
    ("select 1 0", PROJECTED),
    ("field c2 _line", PROJECTED),
    ("where len(c0) > 2 | select c0", PROJECTED),
    ("count by 0 | head 1", PROJECTED),  # the records after count are its own
]

# Under the sanitizers (GPIPE_SANITIZED, slower by ten), where what is checked is csv's memory
# use with and without projection, one pipeline of each kind: none, positions, names, an
# aggregate on a number, a filter before, rows reshaped; and --explain (which reads no input)
# for two inputs only.
sanitized = bool(os.environ.get("GPIPE_SANITIZED"))
if sanitized:
    kept = ("count", "count by 0", "count by c1 c0", "stats 2 by 0",
            "where c1 == 'abc' or _line > 100 | count by c0", "select 1 0", "field c2 _line")
    pipelines = [p for p in pipelines if p[0] in kept]
explained = set(list(inputs)[:1] + ["gen-semicolon"]) if sanitized else set(inputs)


def run(args, path):
    p = subprocess.run([gpipe, "--max-line", str(MAX_LINE)] + args, cwd=tmp,
                       capture_output=True, timeout=300)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace").replace(path, "FILE")


cases = 0
for name in inputs:
    path = os.path.join(tmp, name)
    parser = semicolon.get(name, "csv")
    for rest, says in pipelines:
        projected = f"read {path} | {parser} | {rest}"
        twin = f"read {path} | {parser} | head 1000000000 | {rest}"
        # The corpus files are small (one chunk): -j 2 and dead letters only for the generated.
        spectrum_file = name.startswith("spectrum-")
        # Under the sanitizers (GPIPE_SANITIZED), slower by ten, the policies whose paths
        # differ most: skip (rows declined and reported) and dead letters.
        policies = ("fail", "skip") if spectrum_file else ("fail", "skip", "dead")
        if sanitized:
            policies = ("skip",) if spectrum_file else ("skip", "dead")
        for jobs in ("1",) if spectrum_file else ("1", "2"):
            for policy in policies:
                options = ["-j", jobs]
                if policy == "dead":
                    a_dead, b_dead = os.path.join(tmp, "a.bad"), os.path.join(tmp, "b.bad")
                    a = run(options + ["--dead-letter", a_dead, projected], path)
                    b = run(options + ["--dead-letter", b_dead, twin], path)
                    for f in (a_dead, b_dead):
                        if not os.path.exists(f):
                            open(f, "wb").close()
                    if open(a_dead, "rb").read() != open(b_dead, "rb").read():
                        fail(f"{name}: -j {jobs} dead letters differ: {rest}")
                    os.remove(a_dead)
                    os.remove(b_dead)
                else:
                    a = run(options + ["--on-error", policy, projected], path)
                    b = run(options + ["--on-error", policy, twin], path)
                cases += 1
                if a != b:
                    fail(f"{name}: -j {jobs} --on-error {policy}: '{rest}' differs from its "
                         f"unprojected twin: exit {a[0]} vs {b[0]}\n  stderr: {a[2][:400]!r}\n"
                         f"  twin:   {b[2][:400]!r}\n  stdout equal: {a[1] == b[1]}")
    # --explain: the projected one says so, the twin and a pipeline whose rows are printed do not.
    if name not in explained:
        continue
    for rest, says in pipelines:
        explain = run(["--explain", f"read {path} | {parser} | {rest}"], path)[1].decode()
        if says not in explain:
            fail(f"--explain of '{rest}' does not say '{says}':\n{explain}")
    for rest in ("head 1000000000 | count by 0", "where c1 == 'x'", "sort 0 | count by 0",
                 "select -1 | count", "tail 2 | count", "set x = 1 | count by 0"):
        explain = run(["--explain", f"read {path} | {parser} | {rest}"], path)[1].decode()
        if PROJECTED in explain or NO_COLUMN in explain:
            fail(f"--explain of '{rest}' says csv is projected:\n{explain}")

subprocess.run(["rm", "-rf", tmp])
print(f"csv_projection: {cases} cases over {len(inputs)} inputs, {len(failures)} failures")
sys.exit(1 if failures else 0)
PYTHON
