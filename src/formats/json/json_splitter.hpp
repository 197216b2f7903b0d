// JsonArraySplitter: the elements of one JSON array inside a document, from its bytes as they
// stream in, in memory proportional to one element (docs/spec.md §4, `items`).
//
// A byte-level scanner (strings, escapes, depth) follows a JSON pointer through object keys and
// array indexes to the array, then cuts it into elements. An element's bytes are gathered with
// the white space outside strings left out, so it comes out as compact JSON. It is not validated
// here: each element is then parsed on its own with simdjson.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gpipe {

class JsonArraySplitter {
 public:
  struct Element {
    std::string_view text;   // compact JSON; valid until the next feed()/finish()
    std::uint64_t line = 0;  // 1-based line of its first byte in the document
    std::uint64_t offset = 0;
    std::uint64_t index = 0;  // 0-based position in the array
  };
  // Something wrong with the document around the elements (the pointer leads nowhere, a
  // missing ',' between elements, the array not closed at the end).
  struct Problem {
    std::string message;
    std::uint64_t line = 0;
    std::uint64_t offset = 0;
    std::string_view raw;  // the partial element, if any
  };

  // `pointer`: RFC 6901, "" (the whole document) or "/statuses", "/data/0/items".
  explicit JsonArraySplitter(std::string_view pointer);
  // False, with a reason, when `pointer` is not a JSON pointer.
  static bool valid_pointer(std::string_view pointer, std::string& reason);

  // Scans bytes from `position`; stops after one element or problem (returns true and sets one
  // of them) or at the end of `bytes` (returns false; feed the next bytes from position 0).
  enum class Event { None, Element, Problem };
  Event feed(std::string_view bytes, std::size_t& position);
  // At the end of the document: a problem if it ended before the array did.
  bool finish(Problem& problem);
  void reset();  // a new document

  const Element& element() const { return element_; }
  const Problem& problem() const { return problem_; }

 private:
  enum class State {
    Seek,     // before the target array: following the pointer
    Between,  // inside the array, before an element or ']'
    Inside,   // inside an element
    After,    // after an element: expecting ',' or ']'
    Done,     // the array closed (or was never found): ignore the rest
  };
  Event seek_byte(char c);
  Event between_byte(char c);
  Event inside_byte(char c);
  Event after_byte(char c);
  Event problem(std::string message);
  Event end_element();
  bool scan_container(std::string_view bytes, std::size_t& position);
  void start_element(char c);
  void on_seek_value_start();
  bool key_matches() const;

  std::vector<std::string> tokens_;  // the pointer's reference tokens, unescaped
  State state_ = State::Seek;
  std::uint64_t line_ = 1;
  std::uint64_t offset_ = 0;

  // Seek: a container stack of the path followed so far.
  struct Level {
    bool is_object = false;
    bool on_path = false;     // this container is the value at tokens_[0, depth)
    bool expect_key = false;  // object: the next string is a key
    std::size_t index = 0;    // array: the index of the next value
  };
  std::vector<Level> levels_;
  std::size_t skip_depth_ = 0;  // > 0: inside a value off the path
  bool in_string_ = false;
  bool escape_ = false;
  bool in_key_ = false;
  bool in_scalar_ = false;   // inside a bare scalar (number, true, …) while seeking
  std::string key_;          // the raw key being read / last read
  bool seen_value_ = false;  // the document is more than white space
  bool after_comma_ = false;
  bool reprocess_ = false;  // the byte just seen belongs to the next state too

  // Elements.
  std::string element_text_;
  std::size_t element_depth_ = 0;  // nesting inside the element
  bool element_is_scalar_ = false;
  Element element_;
  Problem problem_;
  std::uint64_t next_index_ = 0;
};

}  // namespace gpipe
