// The usage text of the expression language, shown by `gpipe help where` and `gpipe help set`.
// A macro so that each stage's `details` stays one compile-time string literal.
#pragma once

// clang-format off
#define GPIPE_EXPRESSION_HELP \
    "Expressions:\n" \
    "  values     42  1.5  2e3  \"text\"  'text' (escapes \\\" \\\\ \\n \\t)  true  false  null\n" \
    "  fields     $ (the whole record)  $0 $1 … (0-based, split as awk does)\n" \
    "             $-1 the last field, $-2 the one before (as Python counts; a key named\n" \
    "             -1 is written .\"-1\")\n" \
    "             name  user.screen_name  entities.hashtags[0].text  .\"user name\"\n" \
    "             _file _line _offset. A missing field is null. '-' is minus, so a key\n" \
    "             with a dash is quoted: .\"user-agent\"\n" \
    "  operators  (lowest first) or; and; not; == != < <= > >= =~ !~; ..; + -; * / %;\n" \
    "             unary -; x[i]\n" \
    "             =~ and !~ match an RE2 regex anywhere in the text (a literal pattern is\n" \
    "             compiled once). and/or stop early; they give true or false.\n" \
    "             a .. b joins the text of a and b: \"id-\" .. 7 is \"id-7\". Numbers print as\n" \
    "             written (computed ones in shortest form), null as nothing. It binds\n" \
    "             looser than + and - (\"n=\" .. n + 1 adds first), tighter than\n" \
    "             comparisons. + is always arithmetic: \"3\" + \"4\" is 7.\n" \
    "             x[i] is element i of an array (0-based, -1 the last); null out of range.\n" \
    "  functions  lower(s) upper(s) trim(s) len(x) int(x) float(x) str(x)\n" \
    "             contains(s, sub) startswith(s, p) endswith(s, p)\n" \
    "             replace(s, re, with)   every match of re; with may use \\1\n" \
    "             match(s, re)           the text of re's first group in s (the whole match\n" \
    "                                    when re has no group); null when it does not match\n" \
    "             split(s, sep)          an array of the parts of s: split(s, \",\")[1],\n" \
    "                                    len(split(s, \",\")); JSON output prints an array\n" \
    "             substr(s, start[, n])  by characters, 0-based; start < 0 counts from the end\n" \
    "             if(cond, a, b)         a when cond is true, else b (only that one is\n" \
    "                                    evaluated)\n" \
    "             coalesce(a, b, …)      the first that is not null\n" \
    "             sprintf(fmt, v, …)     printf-style (format(…) is the same):\n" \
    "                                    %s %d %i %x %X %o %f %F %e %E %g %G %%, with flags\n" \
    "                                    - + space 0 #, a width and a .precision (%-8s\n" \
    "                                    %05.2f). %d truncates; a negative %x keeps its\n" \
    "                                    sign; %s of null is empty; a number conversion of\n" \
    "                                    null or a non-number gives null. A literal fmt is\n" \
    "                                    checked at start-up (conversions, value count).\n" \
    "             now()                  epoch seconds when the run started (one value per run)\n" \
    "             strptime(s, fmt)       epoch seconds; fmt as strptime(3), plus %f for\n" \
    "                                    fractional seconds (%Y-%m-%dT%H:%M:%S.%fZ)\n" \
    "             strftime(n, fmt)       epoch seconds as UTC text; fmt as strftime(3),\n" \
    "                                    plus %f: microseconds, six digits, as Python\n" \
    "             len counts characters of a string, elements of an array, keys of an object.\n" \
    "             lower/upper map Unicode letters one to one (utf8proc's simple case\n" \
    "             mapping): lower(\"ÅSA\") is \"åsa\"; upper(\"straße\") is \"STRAẞE\" (capital\n" \
    "             sharp s, U+1E9E, not Python's \"STRASSE\"); Σ always becomes σ (no final\n" \
    "             ς). Bytes that are not UTF-8 are left as they are.\n" \
    "\n" \
    "Comparison: a number and a string that looks like a number compare as numbers\n" \
    "(\"10\" > 9); two strings compare bytewise (\"abc\" < \"abd\"), except two fields that both\n" \
    "look like numbers, which compare as numbers, as in awk.\n" \
    "Null: any comparison with null is false, except x == null (true when x is missing) and\n" \
    "!=, which is always the opposite of ==. not null is true. Arithmetic with null or a\n" \
    "non-numeric string gives null, and so does a division (or %) by zero and a result\n" \
    "too large for a number (1e300 * 1e300).\n" \
    "Truth (where): true, a non-zero number, a non-empty string, an array or object; false,\n" \
    "0, \"\" and null are false (a text field \"0\" is a non-empty string: compare it, $3 != 0).\n" \
    "\n" \
    "Writing: the expression may be several words or one quoted argument. Inside it, quotes\n" \
    "make string literals, with or without spaces around them (lower(\"A\")==\"a\" and\n" \
    "contains( msg , \"x\" ) both work), and a path may have a quoted key: .\"user name\" == 1."
// clang-format on
