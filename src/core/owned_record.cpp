#include "gpipe/owned_record.hpp"

#include <functional>

#include "core/varint.hpp"

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

// Writes a record in its byte form. `field_at(i)` gives its fields; names and values that lie
// in `text` are written as places in it, the others after it, as assign() keeps them. Returns
// where the text begins in `out`.
template <class FieldAt>
std::size_t write_record_bytes(std::string& out, const RecordHead& head, std::string_view text,
                               std::size_t field_count, FieldAt field_at) {
  unsigned flags = static_cast<unsigned>(head.format) << kFormatShift;
  if (head.kind == RecordKind::Bytes) flags |= kBytesKind;
  if (head.has_fields) flags |= kHasFields;
  if (head.whole_json) flags |= kWholeJson;
  out.push_back(static_cast<char>(flags));
  put_varint(out, text.size());
  put_varint(out, head.line);
  put_varint(out, head.offset);
  put_varint(out, head.origin);
  const std::size_t text_at = out.size();
  out.append(text);
  std::uint64_t extra = 0;
  const auto put_place = [&](std::string_view bytes) {
    if (bytes.empty()) {
      put_varint(out, 0);
      put_varint(out, 0);
    } else if (inside(text, bytes)) {
      put_varint(out, static_cast<std::uint64_t>(bytes.data() - text.data()));
      put_varint(out, bytes.size());
    } else {
      put_varint(out, text.size() + extra);
      put_varint(out, bytes.size());
      extra += bytes.size();
    }
  };
  if (head.has_fields) {
    put_varint(out, field_count);
    for (std::size_t i = 0; i < field_count; ++i) {
      const Field field = field_at(i);
      put_place(field.name);
      put_place(field.value.text);
      out.push_back(static_cast<char>(field.value.kind));
    }
  }
  put_varint(out, extra);
  for (std::size_t i = 0; i < field_count && extra != 0; ++i) {
    const Field field = field_at(i);
    for (const std::string_view bytes : {field.name, field.value.text}) {
      if (!bytes.empty() && !inside(text, bytes)) out.append(bytes);
    }
  }
  return text_at;
}

}  // namespace

void OwnedRecord::write_to(std::string& out, OriginTable& origins) const {
  const RecordHead head{
      kind_, format_, has_fields_, whole_json_, line_, offset_, origins.index_of(origin_)};
  write_record_bytes(out, head, text(), fields_.size(), [this](std::size_t i) { return field(i); });
}

std::size_t OwnedRecord::write_record(const Batch& batch, const Record& record,
                                      const std::shared_ptr<const Origin>& origin,
                                      OriginTable& origins, std::string& out) {
  const RecordHead head{batch.kind(), batch.format(), record.has_fields(),     record.whole_json,
                        record.line,  record.offset,  origins.index_of(origin)};
  const Field* const fields = batch.fields().data() + record.first_field;
  return write_record_bytes(out, head, record.text, record.has_fields() ? record.field_count : 0,
                            [fields](std::size_t i) { return fields[i]; });
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

std::size_t OwnedRecord::read_from(std::string_view in, const OriginTable& origins) {
  if (in.empty()) return 0;
  const auto flags = static_cast<unsigned char>(in[0]);
  std::size_t at = 1;
  std::uint64_t text_size = 0, line = 0, offset = 0, origin = 0, count = 0, extra = 0;
  if ((flags >> kFormatShift) > kLastFormat || !get_varint(in, at, text_size) ||
      !get_varint(in, at, line) || !get_varint(in, at, offset) || !get_varint(in, at, origin) ||
      origin > UINT32_MAX || text_size > in.size() - at) {
    return 0;
  }
  const std::shared_ptr<const Origin>* const kept_origin =
      origins.find(static_cast<std::uint32_t>(origin));
  if (kept_origin == nullptr) return 0;
  const std::string_view text = in.substr(at, text_size);
  at += text_size;
  const bool has_fields = (flags & kHasFields) != 0;
  if (has_fields && !get_varint(in, at, count)) return 0;
  // Each field takes at least five bytes: a count larger than what is left is not one.
  if (count > (in.size() - at) / 5) return 0;
  fields_.resize(count);
  for (KeptField& field : fields_) {
    std::uint64_t places[4];
    for (std::uint64_t& part : places) {
      if (!get_varint(in, at, part)) return 0;
    }
    if (at >= in.size() || static_cast<unsigned char>(in[at]) > kLastValueKind) return 0;
    field.name = {places[0], places[1]};
    field.value = {places[2], places[3]};
    field.kind = static_cast<Value::Kind>(in[at++]);
  }
  if (!get_varint(in, at, extra) || extra > in.size() - at) return 0;
  const std::uint64_t size = text_size + extra;
  for (const KeptField& field : fields_) {
    if (field.name.offset > size || field.name.size > size - field.name.offset ||
        field.value.offset > size || field.value.size > size - field.value.offset) {
      return 0;
    }
  }
  bytes_.assign(text);
  bytes_.append(in.substr(at, extra));
  text_size_ = text_size;
  origin_ = *kept_origin;
  line_ = line;
  offset_ = offset;
  kind_ = (flags & kBytesKind) != 0 ? RecordKind::Bytes : RecordKind::Line;
  format_ = static_cast<DataFormat>(flags >> kFormatShift);
  has_fields_ = has_fields;
  whole_json_ = (flags & kWholeJson) != 0;
  return at + extra;
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

BatchStream emit_owned_records(std::span<const OwnedRecord> first,
                               std::span<const OwnedRecord> second, std::size_t batch_size) {
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
  if (open) co_yield out;
}

}  // namespace gpipe
