// Writing and reading the JSON value that a sketch's state is in `--partial` output, shared by the
// three sketches so that they agree on the envelope ({"sketch":NAME,"version":N,...}), on numbers
// that read back to the same bits, and on how a malformed state is reported.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace gpipe::sketches::state_json {

// Appends `{"sketch":"NAME","version":N` (the caller continues with `,"field":...` and `}`).
void open_state(std::string& out, std::string_view sketch, std::uint64_t version);

void append_uint(std::string& out, std::uint64_t value);
// The shortest text that reads back to the same double, always with a '.' or an exponent so that
// a reader never takes it for an integer (which it might not be able to hold). Finite values only.
void append_double(std::string& out, double value);
// Arbitrary bytes: a JSON string when they are valid UTF-8, else {"hex":"..."}; read_bytes undoes
// either exactly.
void append_bytes(std::string& out, std::string_view bytes);
void append_key(std::string& out, std::string_view name);  // ,"name":

// A parsed state. Reading throws std::invalid_argument("SKETCH state: WHAT") for anything that is
// not a well-formed state of this sketch and version. The element refers to a parser of this
// thread: read everything out of it before the next parse on the same thread.
class Reader {
 public:
  Reader(std::string_view json, std::string_view sketch, std::uint64_t version);

  // The field `name` of the state object; absent and null are errors unless `optional`.
  simdjson::dom::element field(std::string_view name) const;
  bool has(std::string_view name) const;

  std::uint64_t uint_field(std::string_view name) const;
  double double_field(std::string_view name) const;  // finite
  bool bool_field(std::string_view name) const;
  std::string_view string_field(std::string_view name) const;
  simdjson::dom::array array_field(std::string_view name) const;

  std::uint64_t as_uint(simdjson::dom::element element, std::string_view what) const;
  std::int64_t as_int(simdjson::dom::element element, std::string_view what) const;
  double as_double(simdjson::dom::element element, std::string_view what) const;  // finite
  std::string as_bytes(simdjson::dom::element element, std::string_view what) const;
  simdjson::dom::array as_array(simdjson::dom::element element, std::string_view what) const;
  simdjson::dom::object as_object(simdjson::dom::element element, std::string_view what) const;

  // Throws std::invalid_argument("SKETCH state: " followed by the parts).
  template <class... Parts>
  [[noreturn]] void fail(const Parts&... parts) const {
    std::string what;
    (what.append(std::string_view(parts)), ...);
    throw_invalid(what);
  }

 private:
  [[noreturn]] void throw_invalid(std::string_view what) const;

  std::string_view sketch_;
  simdjson::dom::object root_;
};

}  // namespace gpipe::sketches::state_json
