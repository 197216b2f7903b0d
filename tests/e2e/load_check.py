#!/usr/bin/env python3
"""Checks that a table read back from a database holds what a CSV or JSON-lines file put in.

Usage: load_check.py csv|jsonl INPUT READBACK.json [--unordered]
READBACK.json is a JSON array of the table's rows as objects (sqlite3 -json, or PostgreSQL's
json_agg), in insertion order unless --unordered. Each input row must come back as its own row:
a value as text exactly as written (CSV: an empty value is null), a number equal to the one
written (as an integer exactly, 19 digits and all), true/false as booleans or 1/0, an object or
array as equal JSON (text in SQLite, JSONB in PostgreSQL), a missing member as null.
Exits 1 and says where on the first difference.
"""
import csv
import json
import sys


class Raw(str):
    """A JSON number kept as written."""


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
                rows.append(value if isinstance(value, dict) else {"value": [value]})
    return rows


def to_plain(value):
    if isinstance(value, Raw):
        return json.loads(value)
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
        if isinstance(got, int):
            return text.lstrip("-").isdigit() and int(text) == got and str(got) == text
        if isinstance(got, float):
            try:
                return float(text) == got
            except ValueError:
                return False
        return got == text
    if isinstance(wrote, bool):
        return got in ((1, True, "true") if wrote else (0, False, "false"))
    if isinstance(wrote, list) and len(wrote) == 1 and not isinstance(got, list):
        wrote = wrote[0]  # a whole non-object value, as `value`
        if isinstance(wrote, (Raw, str, bool)) or wrote is None:
            return json.loads(got) == to_plain(wrote) if isinstance(got, str) else got == to_plain(wrote)
    if isinstance(wrote, (dict, list)):
        if isinstance(got, str):
            got = json.loads(got)
        return json.loads(json.dumps(got)) == to_plain(wrote)
    return got == wrote


def main():
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
