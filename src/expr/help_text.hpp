// The usage text of the expression language, shown by `gpipe help where` and `gpipe help set`.
// A macro so that each stage's `details` stays one compile-time string literal.
#pragma once

// clang-format off
#define GPIPE_EXPRESSION_HELP \
    "Expressions:\n" \
    "  values     42  1.5  2e3  \"text\"  'text' (escapes \\\" \\\\ \\n \\t)  true  false  null\n" \
    "  fields     $ (the whole record)  $0 $1 … (0-based, split as awk does)\n" \
    "             name  user.screen_name  entities.hashtags[0].text  .\"user name\"\n" \
    "             _file _line _offset. A missing field is null. '-' is minus, so a key\n" \
    "             with a dash is quoted: .\"user-agent\"\n" \
    "  operators  (lowest first) or; and; not; == != < <= > >= =~ !~; + -; * / %; unary -\n" \
    "             =~ and !~ match an RE2 regex anywhere in the text (a literal pattern is\n" \
    "             compiled once). and/or stop early; they give true or false.\n" \
    "  functions  lower(s) upper(s) trim(s) len(x) int(x) float(x) str(x)\n" \
    "             contains(s, sub) startswith(s, p) endswith(s, p)\n" \
    "             replace(s, re, with)   every match of re; with may use \\1\n" \
    "             substr(s, start[, n])  by characters, 0-based; start < 0 counts from the end\n" \
    "             coalesce(a, b, …)      the first that is not null\n" \
    "             now()                  epoch seconds when the run started (one value per run)\n" \
    "             strptime(s, fmt)       epoch seconds; fmt as strptime(3), plus %f for\n" \
    "                                    fractional seconds (%Y-%m-%dT%H:%M:%S.%fZ)\n" \
    "             strftime(n, fmt)       epoch seconds as UTC text\n" \
    "             len counts characters of a string, elements of an array, keys of an object.\n" \
    "             lower/upper change ASCII letters only.\n" \
    "\n" \
    "Comparison: a number and a string that looks like a number compare as numbers\n" \
    "(\"10\" > 9); two strings compare bytewise (\"abc\" < \"abd\"), except two fields that both\n" \
    "look like numbers, which compare as numbers, as in awk.\n" \
    "Null: any comparison with null is false, except x == null (true when x is missing) and\n" \
    "!=, which is always the opposite of ==. not null is true. Arithmetic with null or a\n" \
    "non-numeric string gives null, and so does a division (or %) by zero.\n" \
    "Truth (where): true, a non-zero number, a non-empty string, an array or object; false,\n" \
    "0, \"\" and null are false (a text field \"0\" is a non-empty string: compare it, $3 != 0).\n" \
    "\n" \
    "Writing: the expression may be several words or one quoted argument. Inside it, quotes\n" \
    "make string literals, with or without spaces around them (lower(\"A\")==\"a\" and\n" \
    "contains( msg , \"x\" ) both work), and a path may have a quoted key: .\"user name\" == 1."
// clang-format on
