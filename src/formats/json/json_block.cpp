// JsonFieldExtractor's block fast path: the lines of a block parsed as one simdjson document
// stream. Started once per line, simdjson's stage 1 (the structural index) pays its start-up
// cost for every short document; over a whole block it starts once (see docs/performance.md,
// "JSON: where the time goes"). The stream's view of the block is trusted only where it must
// agree with a parse of the line alone; anything else (a line that is not one object or array,
// an error anywhere, a document the DOM cannot show as written) goes through extract(), so
// results and bad records are exactly those of a parse line by line.
#include <algorithm>

#include "formats/json/json_fields.hpp"

namespace gpipe {

namespace {

// The stream's window: larger than any line it handles (a longer one fails it, and that line
// and the rest of the block go through extract()), and small enough that the parser's buffers
// (about 14 bytes per byte of window, touched only in part) stay a few MiB per thread.
constexpr std::size_t kStreamWindow = 256 * kKiB;
// As the per-line DOM path (json_fields.cpp): shallower than the On-Demand walk's limit.
constexpr std::size_t kStreamMaxDepth = 256;

constexpr std::string_view kJsonSpace = " \t\r\n";

}  // namespace

void JsonFieldExtractor::begin_block(std::string_view text) {
  block_ = nullptr;
  if (!dom_fast_path_ || all_ || text.empty()) return;
  if (stream_parser_.max_depth() != kStreamMaxDepth &&
      stream_parser_.allocate(kStreamWindow, kStreamMaxDepth) != simdjson::SUCCESS) {
    return;
  }
#ifdef SIMDJSON_THREADS_ENABLED
  // Its stage-1 thread would compete with -j's own threads for the cores.
  stream_parser_.threaded = false;
#endif
  if (stream_parser_.parse_many(text.data(), text.size(), kStreamWindow).get(stream_) !=
      simdjson::SUCCESS) {
    return;
  }
  stream_at_ = stream_.begin();
  // "-0" is the one integer the DOM cannot give back as written (it reads 0), so dom_take()
  // looks for it in each document with a 0 in it. Looked for once per block first: most blocks
  // have none, and then none of their documents needs the search.
  block_has_negative_zero_ = text.find("-0") != std::string_view::npos;
  block_ = text.data();
  block_size_ = text.size();
}

bool JsonFieldExtractor::extract_in_block(std::string_view json, Arena& arena,
                                          std::vector<Field>& out) {
  if (block_ == nullptr || json.data() < block_ ||
      json.data() + json.size() > block_ + block_size_) {
    return false;
  }
  const std::size_t first = json.find_first_not_of(kJsonSpace);
  if (first == std::string_view::npos || (json[first] != '{' && json[first] != '[')) return false;
  const std::size_t last = json.find_last_not_of(kJsonSpace);
  const auto start = static_cast<std::size_t>(json.data() + first - block_);
  // The stream's documents before this line belong to lines extract() decided.
  while (stream_at_ != stream_.end() && stream_at_.current_index() < start) ++stream_at_;
  if (!(stream_at_ != stream_.end()) || stream_at_.current_index() != start) return false;
  simdjson::dom::element root;
  if ((*stream_at_).get(root) != simdjson::SUCCESS) {
    block_ = nullptr;  // the stream stops at its first error
    return false;
  }
  // The document starts where the line's value does, on an opening bracket that stage 1 saw
  // outside any string, so up to its end the structure found is the line's own. It must also
  // end where the line does: more after it ("{} x", "{}{}") is the line's error to report.
  if (stream_at_.source().size() != last - first + 1) return false;
  std::fill(values_.begin(), values_.end(), Value::null());
  document_ = block_has_negative_zero_ ? json : std::string_view();
  if (!dom_walk(root, 0, arena)) return false;
  append_slots(out);
  return true;
}

}  // namespace gpipe
