#include "gpipe/owned_record.hpp"

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

bool OwnedRecord::same_as(const Batch& batch, const Record& record) const {
  const bool by_text = !has_fields_ || whole_json_;
  if (by_text != identified_by_text(record) || whole_json_ != record.whole_json ||
      kind_ != batch.kind()) {
    return false;
  }
  if (by_text) return text() == record.text;
  if (record.field_count != fields_.size()) return false;
  const Field* const first = batch.fields().data() + record.first_field;
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    const Field& theirs = first[i];
    const KeptField& ours = fields_[i];
    if (ours.kind != theirs.value.kind || view(ours.value) != theirs.value.text ||
        view(ours.name) != theirs.name) {
      return false;
    }
  }
  return true;
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
