#include "formats/json/json_splitter.hpp"

#include <string>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace gpipe {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// "~1" is '/' and "~0" is '~' (RFC 6901).
std::string unescape_pointer_token(std::string_view token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size()) {
      out += token[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

// The simple escapes of a raw key; \u escapes are kept as written (such a key does not match).
std::string unescape_key(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 == raw.size()) {
      out += raw[i];
      continue;
    }
    const char e = raw[++i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u':
        out += "\\u";
        break;
      default:
        out += e;
    }
  }
  return out;
}

// The first '"', '\\' or '\n' at or after `from` (or the end): the next byte a string body
// cannot just be copied past. 16 bytes at a time with SSE2, which every x86-64 has.
std::size_t string_body_end(std::string_view bytes, std::size_t from) {
  const char* const data = bytes.data();
  std::size_t i = from;
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i newline = _mm_set1_epi8('\n');
  for (; i + 16 <= bytes.size(); i += 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    const __m128i hits =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)),
                     _mm_cmpeq_epi8(chunk, newline));
    const int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  while (i < bytes.size() && data[i] != '"' && data[i] != '\\' && data[i] != '\n') ++i;
  return i;
}

}  // namespace

bool JsonArraySplitter::valid_pointer(std::string_view pointer, std::string& reason) {
  if (!pointer.empty() && pointer.front() != '/') {
    reason = "a JSON pointer starts with '/' (e.g. /statuses)";
    return false;
  }
  for (std::size_t i = 0; i < pointer.size(); ++i) {
    if (pointer[i] == '~' &&
        (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1'))) {
      reason = "'~' in a JSON pointer must be ~0 or ~1";
      return false;
    }
  }
  return true;
}

JsonArraySplitter::JsonArraySplitter(std::string_view pointer) {
  std::size_t start = 1;
  while (start <= pointer.size() && !pointer.empty()) {
    const std::size_t slash = pointer.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? pointer.size() : slash;
    tokens_.push_back(unescape_pointer_token(pointer.substr(start, end - start)));
    start = end + 1;
  }
}

void JsonArraySplitter::reset() {
  state_ = State::Seek;
  line_ = 1;
  offset_ = 0;
  levels_.clear();
  skip_depth_ = 0;
  in_string_ = escape_ = in_key_ = in_scalar_ = false;
  key_.clear();
  seen_value_ = after_comma_ = reprocess_ = false;
  element_text_.clear();
  element_depth_ = 0;
  element_is_scalar_ = false;
  next_index_ = 0;
}

JsonArraySplitter::Event JsonArraySplitter::feed(std::string_view bytes, std::size_t& position) {
  while (position < bytes.size()) {
    // Fast path: the body of a string goes over in one piece (copied inside an element,
    // skipped while seeking).
    if (in_string_ && !escape_ &&
        (state_ == State::Inside || (state_ == State::Seek && !in_key_))) {
      const std::size_t end = string_body_end(bytes, position);
      if (state_ == State::Inside) element_text_.append(bytes.data() + position, end - position);
      offset_ += end - position;
      position = end;
      if (position == bytes.size()) break;
    }
    if (state_ == State::Inside && !element_is_scalar_) {
      if (!scan_container(bytes, position)) break;
      return end_element();
    }
    const char c = bytes[position];
    Event event = Event::None;
    switch (state_) {
      case State::Seek:
        event = seek_byte(c);
        break;
      case State::Between:
        event = between_byte(c);
        break;
      case State::Inside:
        event = inside_byte(c);
        break;
      case State::After:
        event = after_byte(c);
        break;
      case State::Done:
        break;
    }
    if (reprocess_) {
      reprocess_ = false;
    } else {
      ++position;
      ++offset_;
      if (c == '\n') ++line_;
    }
    if (event != Event::None) return event;
  }
  return Event::None;
}

bool JsonArraySplitter::key_matches() const {
  const std::size_t depth = levels_.size();
  const std::string& token = tokens_[depth - 1];
  const Level& top = levels_.back();
  if (!top.is_object) return token == std::to_string(top.index);
  if (key_.find('\\') == std::string::npos) return key_ == token;
  return unescape_key(key_) == token;
}

JsonArraySplitter::Event JsonArraySplitter::seek_byte(char c) {
  if (in_string_) {
    if (escape_) {
      escape_ = false;
    } else if (c == '\\') {
      escape_ = true;
    } else if (c == '"') {
      in_string_ = false;
      in_key_ = false;
      return Event::None;
    }
    if (in_key_) key_ += c;
    return Event::None;
  }
  if (skip_depth_ > 0) {
    if (c == '"') in_string_ = true;
    if (c == '{' || c == '[') ++skip_depth_;
    if (c == '}' || c == ']') --skip_depth_;
    return Event::None;
  }
  if (in_scalar_) {
    if (!is_space(c) && c != ',' && c != '}' && c != ']') return Event::None;
    in_scalar_ = false;
  }
  if (is_space(c) || c == ':') return Event::None;
  if (c == ',') {
    if (!levels_.empty() && levels_.back().is_object) levels_.back().expect_key = true;
    return Event::None;
  }
  if (c == '}' || c == ']') {
    state_ = State::Done;
    return problem("no array at the JSON pointer: the path is not in the document");
  }
  if (c == '"' && !levels_.empty() && levels_.back().is_object && levels_.back().expect_key) {
    in_string_ = in_key_ = true;
    key_.clear();
    levels_.back().expect_key = false;
    return Event::None;
  }
  // A value starts: the root, or a member/element of a container on the path.
  seen_value_ = true;
  bool on_path = levels_.empty() || key_matches();
  if (!levels_.empty() && !levels_.back().is_object) ++levels_.back().index;
  if (on_path && levels_.size() == tokens_.size()) {
    if (c != '[') {
      state_ = State::Done;
      return problem("the value at the JSON pointer is not an array");
    }
    state_ = State::Between;
    return Event::None;
  }
  if (c == '{' || c == '[') {
    if (on_path) {
      levels_.push_back(Level{c == '{', true, c == '{', 0});
    } else {
      skip_depth_ = 1;
    }
  } else if (on_path) {
    state_ = State::Done;
    return problem("no array at the JSON pointer: the path goes through a scalar");
  } else if (c == '"') {
    in_string_ = true;
  } else {
    in_scalar_ = true;
  }
  return Event::None;
}

void JsonArraySplitter::start_element(char c) {
  element_text_.clear();
  element_.line = line_;
  element_.offset = offset_;
  element_depth_ = 0;
  element_is_scalar_ = c != '{' && c != '[';
  in_string_ = escape_ = false;
  state_ = State::Inside;
}

JsonArraySplitter::Event JsonArraySplitter::between_byte(char c) {
  if (is_space(c)) return Event::None;
  if (c == ']') {
    state_ = State::Done;
    if (after_comma_) return problem("invalid JSON: a ',' before the array's ']'");
    return Event::None;
  }
  if (c == ',') return problem("invalid JSON: a ',' where an array element should be");
  after_comma_ = false;
  start_element(c);
  return inside_byte(c);
}

JsonArraySplitter::Event JsonArraySplitter::inside_byte(char c) {
  if (in_string_) {
    element_text_ += c;
    if (escape_) {
      escape_ = false;
    } else if (c == '\\') {
      escape_ = true;
    } else if (c == '"') {
      in_string_ = false;
      if (element_depth_ == 0) return end_element();
    }
    return Event::None;
  }
  if (element_is_scalar_ && c != '"') {
    if (is_space(c) || c == ',' || c == ']') {
      reprocess_ = true;
      return end_element();
    }
    element_text_ += c;
    return Event::None;
  }
  if (is_space(c)) return Event::None;  // compact: white space outside strings is dropped
  element_text_ += c;
  if (c == '"') {
    in_string_ = true;
  } else if (c == '{' || c == '[') {
    ++element_depth_;
  } else if (c == '}' || c == ']') {
    if (element_depth_ > 0 && --element_depth_ == 0) return end_element();
  }
  return Event::None;
}

JsonArraySplitter::Event JsonArraySplitter::after_byte(char c) {
  if (is_space(c)) return Event::None;
  if (c == ',') {
    state_ = State::Between;
    after_comma_ = true;
    return Event::None;
  }
  if (c == ']') {
    state_ = State::Done;
    return Event::None;
  }
  state_ = State::Between;  // go on with what follows as the next element
  reprocess_ = true;
  return problem("invalid JSON: expected ',' or ']' after an array element");
}

// The body of an object or array element, in one tight loop: string bodies are copied in runs,
// white space outside strings is dropped, brackets are counted (their matching is simdjson's to
// check). Returns true when the element's last bracket was read.
bool JsonArraySplitter::scan_container(std::string_view bytes, std::size_t& position) {
  const char* const data = bytes.data();
  const std::size_t size = bytes.size();
  std::string& out = element_text_;
  std::size_t i = position;
  bool ended = false;
  while (i < size && !ended) {
    if (in_string_) {
      if (escape_) {
        out += data[i++];
        escape_ = false;
        continue;
      }
      const std::size_t end = string_body_end(bytes, i);
      out.append(data + i, end - i);
      i = end;
      if (i == size) break;
      const char c = data[i++];
      out += c;
      if (c == '"') {
        in_string_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else {
        ++line_;  // a raw newline in a string: invalid, simdjson will say so
      }
      continue;
    }
    const char c = data[i++];
    switch (c) {
      case ' ':
      case '\t':
      case '\r':
        continue;
      case '\n':
        ++line_;
        continue;
      case '"':
        in_string_ = true;
        break;
      case '{':
      case '[':
        ++element_depth_;
        break;
      case '}':
      case ']':
        ended = --element_depth_ == 0;
        break;
      default:
        break;
    }
    out += c;
  }
  offset_ += i - position;
  position = i;
  return ended;
}

JsonArraySplitter::Event JsonArraySplitter::end_element() {
  state_ = State::After;
  element_.text = element_text_;
  element_.index = next_index_++;
  return Event::Element;
}

JsonArraySplitter::Event JsonArraySplitter::problem(std::string message) {
  problem_.message = std::move(message);
  problem_.line = line_;
  problem_.offset = offset_;
  problem_.raw = {};
  return Event::Problem;
}

bool JsonArraySplitter::finish(Problem& out) {
  switch (state_) {
    case State::Done:
      return false;
    case State::Seek:
      if (!seen_value_ && levels_.empty() && !in_scalar_) return false;  // an empty document
      problem("no array at the JSON pointer: the document ended first");
      break;
    case State::Inside:
      problem("the document ended inside an array element (truncated input?)");
      problem_.line = element_.line;
      problem_.offset = element_.offset;
      problem_.raw = element_text_;
      break;
    case State::Between:
    case State::After:
      problem("the document ended before the array's ']' (truncated input?)");
      break;
  }
  state_ = State::Done;
  out = problem_;
  return true;
}

}  // namespace gpipe
