#!/usr/bin/env python3
"""Checks that a table read back from a database holds what a CSV or JSON-lines file put in.

Usage: load_check.py csv|jsonl INPUT READBACK.json [--unordered]
       load_check.py generate DIR   (writes DIR/gen.csv and DIR/gen.jsonl)
READBACK.json is a JSON array of the table's rows as objects (sqlite3 -json, or PostgreSQL's
json_agg), in insertion order unless --unordered. Each input row must come back as its own row:
a value as text exactly as written (CSV: an empty value is null), a number equal to the one
written (as an integer exactly, 19 digits and all), true/false as booleans or 1/0, an object or
array as equal JSON (text in SQLite, JSONB in PostgreSQL), a missing member as null.
Exits 1 and says where on the first difference.
"""
import csv
import json
import random
import sys


class Raw(str):
    """A JSON number kept as written."""


class Whole:
    """A JSON line that is not an object: loaded whole, as JSON, in the column `value`."""

    def __init__(self, value):
        self.value = value


def load_input(kind, path):
    rows = []
    if kind == "csv":
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            for fields in reader:
                if fields == []:
                    continue
                rows.append({name: (value if value != "" else None)
                             for name, value in zip(header, fields)})
        return rows
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                value = json.loads(line, parse_int=Raw, parse_float=Raw)
                # A value that is not an object is one column, `value`, as JSON.
                rows.append(value if isinstance(value, dict) else {"value": Whole(value)})
    return rows


def to_plain(value):
    if isinstance(value, Raw):
        return json.loads(value)
    if isinstance(value, Whole):
        return to_plain(value.value)
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value


def same(kind, wrote, got):
    if wrote is None:
        return got is None
    if isinstance(wrote, Raw) or (kind == "csv" and isinstance(got, (int, float))
                                  and not isinstance(got, bool)):
        text = str(wrote)
        if isinstance(got, bool):
            return False
        if isinstance(got, int) and text.lstrip("-").isdigit():
            return int(text) == got and str(got) == text
        if isinstance(got, int):  # a REAL that JSON output wrote without a fraction (1e10)
            try:
                return float(text) == got
            except ValueError:
                return False
        if isinstance(got, float):
            try:
                return float(text) == got
            except ValueError:
                return False
        return got == text
    if isinstance(wrote, bool):
        return got in ((1, True, "true") if wrote else (0, False, "false"))
    if isinstance(wrote, Whole):  # JSON text in SQLite, JSONB (embedded) from PostgreSQL
        if isinstance(got, str):
            try:
                got = json.loads(got)
            except ValueError:
                pass
        return got == to_plain(wrote.value)
    if isinstance(wrote, (dict, list)):
        if isinstance(got, str):
            got = json.loads(got)
        return json.loads(json.dumps(got)) == to_plain(wrote)
    return got == wrote


def generate(work):
    """Writes gen.csv and gen.jsonl into `work`: every awkward value, 3000 rows each."""
    random.seed(27)
    texts = ["plain", "with, comma", 'with "quotes"', "tab\there", "new\nline", "crlf\r\nline",
             "Grüße, 東京 😀", "back\\slash", "  spaced  ", "007", "-0", "1.50", "+5", "1e5x", "NULL",
             "\\N", "true"]
    ints = ["0", "-1", "42", "9223372036854775807", "-9223372036854775808", "1234567890123456789",
            "9223372036854775808", "12345678901234567890"]
    reals = ["1.5", "-0.25", "3.14159", "1e10", "2.5E-3", "0.1"]
    with open(f"{work}/gen.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "text", "num", "real", "maybe", "big", "Name With Space", "select"])
        for i in range(3000):
            w.writerow([i, random.choice(texts), random.choice(ints[:6]), random.choice(reals),
                        random.choice(["", "x", ""]), random.choice(ints),
                        random.choice(texts), random.choice(["", "1", "2"])])
    with open(f"{work}/gen.jsonl", "w", encoding="utf-8") as f:
        for i in range(3000):
            row = {"id": i, "text": random.choice(texts), "n": int(random.choice(ints[:6])),
                   "r": float(random.choice(reals)), "flag": random.choice([True, False]),
                   "obj": {"a": [1, "x\ty", None], "b": {"c": "é"}}, "list": [i, i * 2],
                   "nothing": None}
            if i % 7 == 0:
                del row["text"]
            if i % 11 == 0:
                row["only_some"] = "here"
            line = json.dumps(row, ensure_ascii=(i % 2 == 0))
            if i % 13 == 0:  # an integer beyond 64 bits, and one at 19 digits, as written
                line = line[:-1] + ', "huge": 123456789012345678901234, "n19": 9223372036854775807}'
            f.write(line + "\n")


def main():
    if sys.argv[1] == "generate":
        generate(sys.argv[2])
        return 0
    kind, input_path, readback_path = sys.argv[1:4]
    unordered = "--unordered" in sys.argv[4:]
    wrote = load_input(kind, input_path)
    with open(readback_path, encoding="utf-8") as f:
        text = f.read().strip()
    got = json.loads(text) if text else []
    if len(got) != len(wrote):
        print(f"{input_path}: {len(wrote)} rows in, {len(got)} read back")
        return 1
    if unordered:
        key = lambda row: json.dumps(to_plain(row), sort_keys=True, default=str)
        # Order-free: pair each input row with a read-back row that matches it.
        remaining = list(got)
        for i, row in enumerate(wrote):
            for j, candidate in enumerate(remaining):
                if all(same(kind, row.get(c), candidate.get(c)) for c in set(row) | set(candidate)):
                    del remaining[j]
                    break
            else:
                print(f"{input_path}: row {i + 1} not read back: {key(row)[:300]}")
                return 1
        return 0
    for i, (row, back) in enumerate(zip(wrote, got)):
        for column in set(row) | set(back):
            if not same(kind, row.get(column), back.get(column)):
                print(f"{input_path}: row {i + 1}, column {column!r}: wrote "
                      f"{json.dumps(to_plain(row.get(column)), ensure_ascii=False)[:200]}, read back "
                      f"{json.dumps(back.get(column), ensure_ascii=False)[:200]}")
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
