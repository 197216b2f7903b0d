// JsonFieldExtractor: one JSON value in, the fields the pipeline asked for out (docs/spec.md §3),
// with simdjson On-Demand, shared by the `json` and `items` parsers.
//
// The demanded paths are merged into a trie, and one pass over the document walks it: an object
// key or array index that no path names is skipped without being parsed. Values become gpipe
// Values: strings unescaped (a view into the input when they hold no escape), numbers as their
// raw text, true/false, null, and objects/arrays as compact JSON text.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/context.hpp"
#include "gpipe/field_ref.hpp"
#include "gpipe/record.hpp"

namespace gpipe {

// Bytes simdjson may read past the end of a document (they must be readable; any content).
inline constexpr std::size_t kJsonPadding = simdjson::SIMDJSON_PADDING;

struct JsonError {
  std::string message;       // "invalid JSON: <simdjson's reason>"
  std::uint64_t column = 0;  // 1-based byte column of the error in the document, 0 if unknown
};

class JsonFieldExtractor {
 public:
  // `names`: FieldRef::name() of each demanded field; `all`: also every top-level key.
  JsonFieldExtractor(const std::vector<std::string>& names, bool all);
  explicit JsonFieldExtractor(const FieldDemand& demand)
      : JsonFieldExtractor(demand.names, demand.all) {}
  // One path, given as steps; its field is named "".
  explicit JsonFieldExtractor(std::span<const PathStep> path);

  // Parses the document json[0, size); `json.data() + size + kJsonPadding` must be readable.
  // Appends the record's fields to `out` (names and strings that need storage go to `arena`).
  // Returns false, with `error` set, when the text is not exactly one valid JSON value.
  bool extract(std::string_view json, Arena& arena, std::vector<Field>& out, JsonError& error);

  // Like extract(), but first copies `json` into `arena` with padding when fewer than
  // kJsonPadding readable bytes are known to follow it (`readable_end`: the end of the buffer
  // it lives in, or nullptr when unknown).
  bool extract_padded(std::string_view json, const char* readable_end, Arena& arena,
                      std::vector<Field>& out, JsonError& error);

  // The block fast path (json_block.cpp): the documents of a block of lines parsed as one
  // stream with simdjson's parse_many, one stage-1 pass over the block instead of one per line.
  // begin_block() starts it over text[0, size), `text.data() + size + kJsonPadding` readable.
  // extract_in_block() then takes the fields of a line of that block (in order) exactly as
  // extract() would, when the line's document is the stream's next one and the DOM can show it;
  // otherwise it returns false, and the line goes through extract(), which decides.
  void begin_block(std::string_view text);
  bool extract_in_block(std::string_view json, Arena& arena, std::vector<Field>& out);

  // The DOM fast paths are on by default; tests turn them off to check that the paths agree.
  void set_dom_fast_path(bool on) { dom_fast_path_ = on; }

 private:
  struct Node {
    std::string key;  // object key (unescaped), or empty for an index step
    std::size_t index = 0;
    bool is_index = false;
    int slot = -1;  // the output field this node's value fills, or -1
    std::vector<std::size_t> children;
    // Bit n: a key child is n bytes long (bit 63: 63 or more). The DOM walk passes over most
    // keys of an object on their length alone.
    std::uint64_t key_lengths = 0;
  };
  static std::uint64_t key_length_bit(std::size_t length) {
    return std::uint64_t{1} << (length < 63 ? length : 63);
  }
  std::size_t child(std::size_t parent, const PathStep& step);
  void mark_shadowed(std::size_t node, bool below_slot);
  simdjson::error_code walk(simdjson::ondemand::value value, std::size_t node, Arena& arena,
                            std::size_t depth);
  simdjson::error_code walk_object(simdjson::ondemand::object object, std::size_t node,
                                   Arena& arena, std::size_t depth);
  simdjson::error_code walk_array(simdjson::ondemand::array array, std::size_t node, Arena& arena,
                                  std::size_t depth);
  simdjson::error_code take(simdjson::ondemand::value value, Arena& arena, Value& out,
                            std::size_t depth);
  simdjson::error_code walk_root(simdjson::ondemand::document& doc, std::string_view whole,
                                 Arena& arena, std::vector<Field>& out);
  simdjson::error_code all_top_level(simdjson::ondemand::object object, Arena& arena,
                                     std::vector<Field>& out);
  simdjson::error_code walk_document(std::string_view json, Arena& arena, std::vector<Field>& out,
                                     std::uint64_t& column);
  simdjson::error_code locate_error(std::string_view json, Arena& arena, std::vector<Field>& out,
                                    simdjson::error_code e, std::uint64_t& column);
  bool extract_with_dom(std::string_view json, Arena& arena);
  void append_slots(std::vector<Field>& out) const;
  bool dom_walk(simdjson::dom::element element, std::size_t node, Arena& arena);
  bool dom_take(simdjson::dom::element element, Arena& arena, Value& out);

  // The fast path (extract_with_dom): simdjson's DOM parser validates the whole document with
  // the kernel chosen for this CPU at run time, where the On-Demand walk is compiled for
  // generic x86-64.
  simdjson::dom::parser dom_;
  // The block fast path: its own parser (the stream's tape must survive extract()'s parses).
  simdjson::dom::parser stream_parser_;
  simdjson::dom::document_stream stream_;
  simdjson::dom::document_stream::iterator stream_at_;
  const char* block_ = nullptr;  // the text begin_block() was given; null: no stream
  std::size_t block_size_ = 0;
  std::string_view document_;             // the current document, for the negative-zero check
  bool block_has_negative_zero_ = false;  // "-0" occurs in the block (else document_ is empty)
  simdjson::ondemand::parser parser_;
  simdjson::ondemand::parser checker_;  // checks objects/arrays taken whole as fields
  const char* document_end_ = nullptr;  // the end of the current document's readable bytes
  std::vector<Node> nodes_;             // nodes_[0] is the root
  // The demanded names, by slot. They live as long as the process (see stable_name in
  // json_fields.cpp): records carry views of them, and under -j a worker's stages end before
  // the main thread has taken its last batches.
  std::vector<std::string_view> slot_names_;
  std::vector<Value> values_;   // this record's value per slot
  std::vector<bool> shadowed_;  // by slot: a demanded path lies above it
  bool all_ = false;
  bool dom_fast_path_ = true;
  bool scalar_root_ = false;  // the document is a string or number (no trailing check needed)
};

// The Value of one On-Demand value (consumes it). Exposed for resolve_json_path.
// `raw`, when given, receives an object's or array's text as written.
simdjson::error_code json_to_value(simdjson::ondemand::value value, Arena& arena, Value& out,
                                   std::string_view* raw = nullptr);

// "invalid JSON: <reason>" for a simdjson error code.
std::string json_error_message(simdjson::error_code code);

}  // namespace gpipe
