// The pairs of a `kv` record: logfmt (`ts=… level=info msg="hello world" empty=`) and the
// key=value words of semi-structured logs (`… cache lookup order=64937 latency_ms=171`).
//
//   - Words are separated by runs of spaces and tabs.
//   - A word holding the separator (default "=") is a pair: the key is what comes before the
//     first separator, the value what follows, up to the next space or tab. `key=` has the
//     empty string as its value. A word starting with the separator (no key) is not a pair.
//   - A value that starts with '"' is quoted: it runs to the closing '"', spaces and
//     separators included, with \" \\ \n \t \r unescaped (any other backslash is kept as is).
//     Anything between the closing quote and the next blank (the comma of `tag="View Lock",`
//     in Android logs) is skipped. A quoted value without its closing quote makes the record
//     bad.
//   - Any other word (`flag`, `DEBUG`, `[worker-4]`) is not a pair and is skipped, and so is a
//     whole quoted word ("a b=c" in quotes), so a separator inside quotes never makes a pair.
//     (go-logfmt would make `flag` a key without a value; skipping it keeps the free text of
//     semi-structured logs from turning into hundreds of junk fields.)
//
// Keys and unescaped values view the text; values with escapes are unescaped into the arena.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "gpipe/record.hpp"

namespace gpipe {

struct KvError {
  std::uint64_t column = 0;  // 1-based byte column in the text
  std::string_view reason;   // a literal: stays valid
};

// Appends the pairs of `text` to `out` (cleared first) as string fields. Returns false and sets
// `error` when a quoted value is malformed; `out` then holds the pairs before it.
bool parse_kv_pairs(std::string_view text, std::string_view separator, Arena& arena,
                    std::vector<Field>& out, KvError& error);

}  // namespace gpipe
