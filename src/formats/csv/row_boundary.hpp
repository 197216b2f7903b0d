// Where CSV rows end, for -j: the csv stage's input is cut into chunks only between rows
// (ChunkFraming in include/gpipe/stage.hpp), on the thread that reads the input.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace gpipe::csv {

// `text` is whole lines of one file starting at a row start (`first_field` is 3 when it starts with
// the file's byte order mark, else 0). The scan follows split_row and ends_in_quotes exactly, and
// the csv stage's --max-line rule (a quoted field still open at a line end, in a row longer
// than max_line, ends the row there), so the rows are the ones the stage would make reading
// the file through. It scans 64 bytes at a time as BlockSplitter does, and byte by byte where
// that scan cannot decide.
//
// The length of the longest prefix of `text` made of whole rows (0: none ends in it).
// `uncounted`: positions in `text`, in order, of bytes the stage does not count in a row's
// length (see ChunkFraming::whole_records).
std::size_t whole_rows_length(std::string_view text, char sep, std::size_t max_line,
                              std::size_t first_field, std::span<const std::size_t> uncounted = {});
// The length of the first row that is not blank, with the blank lines before it (0 when it
// does not end in `text`): a file's header row.
std::size_t first_row_length(std::string_view text, char sep, std::size_t max_line,
                             std::size_t first_field);

}  // namespace gpipe::csv
