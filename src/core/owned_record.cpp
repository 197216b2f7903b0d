#include "gpipe/owned_record.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

#include "core/varint.hpp"
#include "gpipe/errors.hpp"

namespace gpipe {

const std::shared_ptr<const Origin>& OriginKeeper::keep(const Origin* origin) {
  if (origin == nullptr) {
    static const std::shared_ptr<const Origin> none;
    return none;
  }
  // The same object may name another input by now (a csv stage reuses one), so the name decides.
  if (origin != last_seen_ || last_copy_ == nullptr || last_copy_->name != origin->name) {
    last_copy_ = std::make_shared<const Origin>(*origin);
    last_seen_ = origin;
  }
  return last_copy_;
}

namespace {

// Whether `bytes` lie within `text` (a field's value that views the record's own text).
bool inside(std::string_view text, std::string_view bytes) {
  const std::less<const char*> before;
  return !text.empty() && !before(bytes.data(), text.data()) &&
         !before(text.data() + text.size(), bytes.data() + bytes.size());
}

}  // namespace

std::uint32_t OriginTable::index_of(const std::shared_ptr<const Origin>& origin) {
  if (origin == nullptr) return 0;
  if (origin.get() == last_) return last_index_;
  const auto [it, added] =
      indexes_.try_emplace(origin.get(), static_cast<std::uint32_t>(origins_.size() + 1));
  if (added) origins_.push_back(origin);
  last_ = origin.get();
  last_index_ = it->second;
  return last_index_;
}

const std::shared_ptr<const Origin>* OriginTable::find(std::uint32_t index) const {
  static const std::shared_ptr<const Origin> none;
  if (index == 0) return &none;
  return index <= origins_.size() ? &origins_[index - 1] : nullptr;
}

OwnedRecord::Span OwnedRecord::keep_bytes(std::string_view source_text, std::string_view bytes) {
  if (bytes.empty()) return {};
  if (inside(source_text, bytes)) {
    return {static_cast<std::size_t>(bytes.data() - source_text.data()), bytes.size()};
  }
  const Span span{bytes_.size(), bytes.size()};
  bytes_.append(bytes);
  return span;
}

void OwnedRecord::assign(const Batch& batch, const Record& record,
                         std::shared_ptr<const Origin> origin) {
  bytes_.assign(record.text);
  text_size_ = record.text.size();
  fields_.clear();
  origin_ = std::move(origin);
  line_ = record.line;
  offset_ = record.offset;
  kind_ = batch.kind();
  format_ = batch.format();
  has_fields_ = record.has_fields();
  whole_json_ = record.whole_json;
  if (!has_fields_) return;
  const Field* const first = batch.fields().data() + record.first_field;
  for (const Field* f = first; f != first + record.field_count; ++f) {
    KeptField& kept = fields_.emplace_back();
    kept.name = keep_bytes(record.text, f->name);
    kept.value = keep_bytes(record.text, f->value.text);
    kept.kind = f->value.kind;
  }
}

namespace {

// The byte form of a record:
//   a byte of flags: RecordKind::Bytes, has fields, whole JSON, and the DataFormat above them
//   varints: the text's size, the line, the offset, the origin's index
//   the text
//   with fields: a varint count, then per field four varints (the name's and the value's place
//     in the record's bytes, the text then the extra bytes: offset and size each) and its kind
//   a varint: the size of the extra bytes (names and values that are not part of the text)
//   the extra bytes
// The text comes early, at a small fixed place, so that a sort key that is the text is found
// without reading the fields.
constexpr unsigned kBytesKind = 1;  // RecordKind::Bytes (else Line)
constexpr unsigned kHasFields = 2;
constexpr unsigned kWholeJson = 4;
constexpr unsigned kFormatShift = 3;  // DataFormat in the bits above the flags
constexpr unsigned kLastFormat = static_cast<unsigned>(DataFormat::Table);
constexpr unsigned kLastValueKind = static_cast<unsigned>(Value::Kind::Json);

struct RecordHead {
  RecordKind kind;
  DataFormat format;
  bool has_fields;
  bool whole_json;
  std::uint64_t line;
  std::uint64_t offset;
  std::uint32_t origin;
};

// Where write_record_bytes writes: appended to a string, counted only (to know the size before
// writing in place), or at a place that has room for it.
class StringSink {
 public:
  explicit StringSink(std::string& out) : out_(out) {}
  void byte(char c) { out_.push_back(c); }
  void bytes(std::string_view b) { out_.append(b); }
  void varint(std::uint64_t value) { put_varint(out_, value); }
  std::size_t position() const { return out_.size(); }

 private:
  std::string& out_;
};

class CountingSink {
 public:
  void byte(char) { ++size_; }
  void bytes(std::string_view b) { size_ += b.size(); }
  void varint(std::uint64_t value) { size_ += varint_size(value); }
  std::size_t position() const { return size_; }

 private:
  std::size_t size_ = 0;
};

class PlaceSink {
 public:
  explicit PlaceSink(char* at) : start_(at), at_(at) {}
  void byte(char c) { *at_++ = c; }
  void bytes(std::string_view b) {
    std::memcpy(at_, b.data(), b.size());
    at_ += b.size();
  }
  void varint(std::uint64_t value) { at_ = put_varint(at_, value); }
  std::size_t position() const { return static_cast<std::size_t>(at_ - start_); }

 private:
  char* start_;
  char* at_;
};

// Writes a record in its byte form to `out` (a sink above). `field_at(i)` gives its fields;
// names and values that lie in `text` are written as places in it, the others after it, as
// assign() keeps them. Returns where the text begins.
template <class Sink, class FieldAt>
std::size_t write_record_bytes(Sink& out, const RecordHead& head, std::string_view text,
                               std::size_t field_count, FieldAt field_at) {
  unsigned flags = static_cast<unsigned>(head.format) << kFormatShift;
  if (head.kind == RecordKind::Bytes) flags |= kBytesKind;
  if (head.has_fields) flags |= kHasFields;
  if (head.whole_json) flags |= kWholeJson;
  out.byte(static_cast<char>(flags));
  out.varint(text.size());
  out.varint(head.line);
  out.varint(head.offset);
  out.varint(head.origin);
  const std::size_t text_at = out.position();
  out.bytes(text);
  std::uint64_t extra = 0;
  const auto put_place = [&](std::string_view bytes) {
    if (bytes.empty()) {
      out.varint(0);
      out.varint(0);
    } else if (inside(text, bytes)) {
      out.varint(static_cast<std::uint64_t>(bytes.data() - text.data()));
      out.varint(bytes.size());
    } else {
      out.varint(text.size() + extra);
      out.varint(bytes.size());
      extra += bytes.size();
    }
  };
  if (head.has_fields) {
    out.varint(field_count);
    for (std::size_t i = 0; i < field_count; ++i) {
      const Field field = field_at(i);
      put_place(field.name);
      put_place(field.value.text);
      out.byte(static_cast<char>(field.value.kind));
    }
  }
  out.varint(extra);
  for (std::size_t i = 0; i < field_count && extra != 0; ++i) {
    const Field field = field_at(i);
    for (const std::string_view bytes : {field.name, field.value.text}) {
      if (!bytes.empty() && !inside(text, bytes)) out.bytes(bytes);
    }
  }
  return text_at;
}

// write_record_bytes for a record of a batch.
template <class Sink>
std::size_t write_batch_record(Sink& out, const Batch& batch, const Record& record,
                               std::uint32_t origin_index) {
  const RecordHead head{batch.kind(), batch.format(), record.has_fields(), record.whole_json,
                        record.line,  record.offset,  origin_index};
  const Field* const fields = batch.fields().data() + record.first_field;
  return write_record_bytes(out, head, record.text, record.has_fields() ? record.field_count : 0,
                            [fields](std::size_t i) { return fields[i]; });
}

}  // namespace

void OwnedRecord::write_to(std::string& out, OriginTable& origins) const {
  const RecordHead head{
      kind_, format_, has_fields_, whole_json_, line_, offset_, origins.index_of(origin_)};
  StringSink sink(out);
  write_record_bytes(sink, head, text(), fields_.size(),
                     [this](std::size_t i) { return field(i); });
}

std::size_t OwnedRecord::record_size(const Batch& batch, const Record& record,
                                     std::uint32_t origin_index) {
  CountingSink sink;
  write_batch_record(sink, batch, record, origin_index);
  return sink.position();
}

std::size_t OwnedRecord::write_record(const Batch& batch, const Record& record,
                                      std::uint32_t origin_index, char* out) {
  PlaceSink sink(out);
  return write_batch_record(sink, batch, record, origin_index);
}

std::optional<std::string_view> OwnedRecord::text_in(std::string_view bytes) {
  std::size_t at = 1;
  std::uint64_t text_size = 0, skipped = 0;
  if (bytes.empty() || !get_varint(bytes, at, text_size) || !get_varint(bytes, at, skipped) ||
      !get_varint(bytes, at, skipped) || !get_varint(bytes, at, skipped) ||
      text_size > bytes.size() - at) {
    return std::nullopt;
  }
  return bytes.substr(at, text_size);
}

// The byte form of a record read in place: its parts, and its fields' places (in the text and
// then the extra bytes, as KeptField spans are), decoded into a vector that is reused.
struct OwnedRecord::Parsed {
  unsigned flags = 0;
  std::uint64_t line = 0;
  std::uint64_t offset = 0;
  const std::shared_ptr<const Origin>* origin = nullptr;
  std::string_view text;
  std::string_view extra;
  std::size_t size = 0;  // of the whole byte form
};

bool OwnedRecord::parse(std::string_view in, const OriginTable& origins, Parsed& out,
                        std::vector<KeptField>& fields) {
  if (in.empty()) return false;
  out.flags = static_cast<unsigned char>(in[0]);
  std::size_t at = 1;
  std::uint64_t text_size = 0, origin = 0, count = 0, extra = 0;
  if ((out.flags >> kFormatShift) > kLastFormat || !get_varint(in, at, text_size) ||
      !get_varint(in, at, out.line) || !get_varint(in, at, out.offset) ||
      !get_varint(in, at, origin) || origin > UINT32_MAX || text_size > in.size() - at) {
    return false;
  }
  out.origin = origins.find(static_cast<std::uint32_t>(origin));
  if (out.origin == nullptr) return false;
  out.text = in.substr(at, text_size);
  at += text_size;
  if ((out.flags & kHasFields) != 0 && !get_varint(in, at, count)) return false;
  // Each field takes at least five bytes: a count larger than what is left is not one.
  if (count > (in.size() - at) / 5) return false;
  fields.resize(count);
  for (KeptField& field : fields) {
    std::uint64_t places[4];
    for (std::uint64_t& part : places) {
      if (!get_varint(in, at, part)) return false;
    }
    if (at >= in.size() || static_cast<unsigned char>(in[at]) > kLastValueKind) return false;
    field.name = {places[0], places[1]};
    field.value = {places[2], places[3]};
    field.kind = static_cast<Value::Kind>(in[at++]);
  }
  if (!get_varint(in, at, extra) || extra > in.size() - at) return false;
  out.extra = in.substr(at, extra);
  out.size = at + extra;
  // A place lies in the text or in the extra bytes, never across both.
  const auto fits = [&](const Span& span) {
    const std::size_t end = text_size + extra;
    if (span.offset > end || span.size > end - span.offset) return false;
    return span.offset >= text_size || span.offset + span.size <= text_size;
  };
  return std::all_of(fields.begin(), fields.end(),
                     [&](const KeptField& f) { return fits(f.name) && fits(f.value); });
}

std::size_t OwnedRecord::read_from(std::string_view in, const OriginTable& origins) {
  Parsed parsed;
  if (!parse(in, origins, parsed, fields_)) return 0;
  bytes_.assign(parsed.text);
  bytes_.append(parsed.extra);
  text_size_ = parsed.text.size();
  origin_ = *parsed.origin;
  line_ = parsed.line;
  offset_ = parsed.offset;
  kind_ = (parsed.flags & kBytesKind) != 0 ? RecordKind::Bytes : RecordKind::Line;
  format_ = static_cast<DataFormat>(parsed.flags >> kFormatShift);
  has_fields_ = (parsed.flags & kHasFields) != 0;
  whole_json_ = (parsed.flags & kWholeJson) != 0;
  return parsed.size;
}

BatchStream OwnedRecord::emit_bytes(std::string_view bytes, const OriginTable& origins,
                                    std::uint64_t& limit, std::size_t batch_size) {
  Batch out;
  bool open = false;  // `out` holds records not yet yielded
  Parsed parsed;
  std::vector<KeptField> places;
  while (!bytes.empty() && limit != 0) {
    if (!parse(bytes, origins, parsed, places)) {
      throw IoError("a record kept as bytes is malformed");
    }
    const RecordKind kind = (parsed.flags & kBytesKind) != 0 ? RecordKind::Bytes : RecordKind::Line;
    const auto format = static_cast<DataFormat>(parsed.flags >> kFormatShift);
    const Origin* const origin = parsed.origin->get();
    if (open && (out.origin() != origin || out.kind() != kind || out.format() != format ||
                 out.raw_records().size() >= batch_size)) {
      co_yield out;
      open = false;
    }
    if (!open) {
      out.reset(origin, kind);
      out.set_format(format);
      open = true;
    }
    Record record;
    record.text = parsed.text;
    record.line = parsed.line;
    record.offset = parsed.offset;
    record.whole_json = (parsed.flags & kWholeJson) != 0;
    if ((parsed.flags & kHasFields) != 0) {
      const auto view = [&](const Span& span) {
        return span.offset < parsed.text.size()
                   ? parsed.text.substr(span.offset, span.size)
                   : parsed.extra.substr(span.offset - parsed.text.size(), span.size);
      };
      std::vector<Field>& fields = out.fields();
      record.first_field = static_cast<std::uint32_t>(fields.size());
      record.field_count = static_cast<std::uint32_t>(places.size());
      for (const KeptField& place : places) {
        fields.push_back(Field{view(place.name), Value{place.kind, view(place.value)}});
      }
    }
    out.raw_records().push_back(record);
    bytes.remove_prefix(parsed.size);
    --limit;
  }
  if (open) co_yield out;
}

std::size_t OwnedRecord::heap_bytes() const {
  // A string's bytes live in the object itself while they fit (the small-string buffer).
  const std::size_t text = bytes_.capacity() > std::string().capacity() ? bytes_.capacity() + 1 : 0;
  return text + fields_.capacity() * sizeof(KeptField);
}

void OwnedRecord::release_storage() {
  std::string().swap(bytes_);
  std::vector<KeptField>().swap(fields_);
  text_size_ = 0;
  origin_.reset();
  has_fields_ = false;
  whole_json_ = false;
}

Field OwnedRecord::field(std::size_t i) const {
  const KeptField& kept = fields_[i];
  return Field{view(kept.name), Value{kept.kind, view(kept.value)}};
}

bool OwnedRecord::fits(const Batch& batch) const {
  return batch.origin() == origin_.get() && batch.kind() == kind_ && batch.format() == format_;
}

void OwnedRecord::start_batch(Batch& batch) const {
  batch.reset(origin_.get(), kind_);
  batch.set_format(format_);
}

void OwnedRecord::append_to(Batch& batch) const {
  Record record;
  record.text = text();
  record.line = line_;
  record.offset = offset_;
  record.whole_json = whole_json_;
  if (has_fields_) {
    std::vector<Field>& fields = batch.fields();
    record.first_field = static_cast<std::uint32_t>(fields.size());
    record.field_count = static_cast<std::uint32_t>(fields_.size());
    for (std::size_t i = 0; i < fields_.size(); ++i) fields.push_back(field(i));
  }
  batch.raw_records().push_back(record);
}

namespace {

// What whole-record identity looks at, from a record in a batch or a kept one.
struct IdentitySide {
  std::string_view text;
  RecordKind kind;
  bool has_fields;
  bool whole_json;
  std::size_t field_count;
};

template <class FieldOfA, class FieldOfB>
bool same_identity(const IdentitySide& a, FieldOfA field_of_a, const IdentitySide& b,
                   FieldOfB field_of_b) {
  const bool by_text = !a.has_fields || a.whole_json;
  if (by_text != (!b.has_fields || b.whole_json) || a.whole_json != b.whole_json ||
      a.kind != b.kind) {
    return false;
  }
  if (by_text) return a.text == b.text;
  if (a.field_count != b.field_count) return false;
  for (std::size_t i = 0; i < a.field_count; ++i) {
    const Field fa = field_of_a(i);
    const Field fb = field_of_b(i);
    if (fa.value.kind != fb.value.kind || fa.value.text != fb.value.text || fa.name != fb.name) {
      return false;
    }
  }
  return true;
}

IdentitySide side_of(const Batch& batch, const Record& record) {
  return {record.text, batch.kind(), record.has_fields(), record.whole_json,
          record.has_fields() ? record.field_count : 0};
}

auto fields_of(const Batch& batch, const Record& record) {
  const Field* const first = batch.fields().data() + record.first_field;
  return [first](std::size_t i) { return first[i]; };
}

}  // namespace

bool OwnedRecord::same_as(const Batch& batch, const Record& record) const {
  const IdentitySide ours{text(), kind_, has_fields_, whole_json_, fields_.size()};
  return same_identity(
      ours, [this](std::size_t i) { return field(i); }, side_of(batch, record),
      fields_of(batch, record));
}

bool same_record(const Batch& batch, const Record& a, const Record& b) {
  return same_identity(side_of(batch, a), fields_of(batch, a), side_of(batch, b),
                       fields_of(batch, b));
}

namespace {

void append_sized(std::string& key, std::string_view bytes) {
  const std::size_t size = bytes.size();
  char size_bytes[sizeof size];
  std::memcpy(size_bytes, &size, sizeof size);
  key.append(size_bytes, sizeof size);
  key.append(bytes);
}

}  // namespace

void identity_key(const Batch& batch, const Record& record, std::string& key) {
  key.clear();
  // What same_identity compares first: whether the record is compared by its text, whether it
  // is a whole JSON value, and its kind; then its text, or its fields' names, kinds and values
  // (each with its length first, so that no two lists of fields give the same bytes).
  const bool by_text = !record.has_fields() || record.whole_json;
  key.push_back(static_cast<char>((by_text ? 1 : 0) | (record.whole_json ? 2 : 0) |
                                  (static_cast<int>(batch.kind()) << 2)));
  if (by_text) {
    key.append(record.text);
    return;
  }
  const Field* const first = batch.fields().data() + record.first_field;
  for (const Field* field = first; field != first + record.field_count; ++field) {
    append_sized(key, field->name);
    key.push_back(static_cast<char>(field->value.kind));
    append_sized(key, field->value.text);
  }
}

BatchStream emit_owned_records(std::span<const OwnedRecord> first,
                               std::span<const OwnedRecord> second, std::size_t batch_size,
                               bool closes_load_batch) {
  Batch out;
  bool open = false;  // `out` holds records not yet yielded
  for (const std::span<const OwnedRecord> part : {first, second}) {
    for (const OwnedRecord& record : part) {
      if (open && (!record.fits(out) || out.raw_records().size() >= batch_size)) {
        co_yield out;
        open = false;
      }
      if (!open) {
        record.start_batch(out);
        open = true;
      }
      record.append_to(out);
    }
  }
  if (open) {
    out.set_closes_load_batch(closes_load_batch);
    co_yield out;
  }
}

}  // namespace gpipe
