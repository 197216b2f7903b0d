#include "gpipe/owned_record.hpp"

#include <cstring>
#include <functional>

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

OwnedRecord::Span OwnedRecord::keep_bytes(std::string_view source_text, std::string_view bytes) {
  if (bytes.empty()) return {};
  const std::less<const char*> before;
  const char* const text_end = source_text.data() + source_text.size();
  if (!source_text.empty() && !before(bytes.data(), source_text.data()) &&
      !before(text_end, bytes.data() + bytes.size())) {
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
