// CSV (RFC 4180, docs/spec.md §4) and TSV rows, in three parts:
//   row_splitter.hpp    one row into values, the rules, and the quote state across lines
//   block_splitter.hpp  the rows of a block of lines, 64 bytes at a time (the fast path)
//   row_boundary.hpp    where rows end, for -j's chunks
// quote_masks.hpp holds the 64-byte masks all three read fields off, and the quote state of the
// last two; quoted_field.hpp, where a quoted field closes and its value, for the first two.
#pragma once

#include "formats/csv/block_splitter.hpp"
#include "formats/csv/row_boundary.hpp"
#include "formats/csv/row_splitter.hpp"
