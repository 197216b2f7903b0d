// `tail N`: the last N records, kept in a ring of owned copies.
#include <deque>

#include "stages/stages.hpp"
#include "stages/transforms.hpp"

namespace gpipe::stages {

namespace {

constexpr std::size_t kRecordsPerBatch = 4096;

// One record copied out of its batch. Text, field names and field values go into one string
// whose capacity is reused when the slot is overwritten, so a warm ring allocates nothing.
struct KeptRecord {
  struct KeptField {
    Value::Kind kind;
    std::size_t name_offset, name_size, value_offset, value_size;
  };
  std::string bytes;
  std::size_t text_size = 0;
  std::vector<KeptField> fields;
  bool has_fields = false;
  RecordKind kind = RecordKind::Line;
  std::uint64_t line = 0;
  std::uint64_t offset = 0;
  std::uint64_t origin_generation = 0;

  void assign(Batch& batch, const Record& record, std::uint64_t generation);
  Record view(Batch& out, std::vector<Field>& scratch) const;
};

void KeptRecord::assign(Batch& batch, const Record& record, std::uint64_t generation) {
  bytes.assign(record.text);
  text_size = record.text.size();
  fields.clear();
  has_fields = record.has_fields();
  kind = batch.kind();
  line = record.line;
  offset = record.offset;
  origin_generation = generation;
  if (!has_fields) return;
  const Field* const first = batch.fields().data() + record.first_field;
  for (const Field* f = first; f != first + record.field_count; ++f) {
    const std::size_t name_offset = bytes.size();
    bytes.append(f->name);
    const std::size_t value_offset = bytes.size();
    bytes.append(f->value.text);
    fields.push_back(
        {f->value.kind, name_offset, f->name.size(), value_offset, f->value.text.size()});
  }
}

Record KeptRecord::view(Batch& out, std::vector<Field>& scratch) const {
  Record record;
  record.text = std::string_view(bytes.data(), text_size);
  record.line = line;
  record.offset = offset;
  if (has_fields) {
    scratch.clear();
    const std::string_view all(bytes);
    for (const KeptField& f : fields) {
      scratch.push_back(Field{all.substr(f.name_offset, f.name_size),
                              Value{f.kind, all.substr(f.value_offset, f.value_size)}});
    }
    record.first_field = out.add_fields(scratch);
    record.field_count = static_cast<std::uint32_t>(scratch.size());
  }
  return record;
}

// Copies of the origins of the records in the ring: upstream origins may be gone by the time
// the ring is emitted. Each run of batches with one origin is a generation.
class OriginCopies {
 public:
  // The generation of the batch's origin, starting a new one when it changed.
  std::uint64_t track(const Origin* origin) {
    const bool same = !copies_.empty() && origin == last_ &&
                      (origin == nullptr || origin->name == copies_.back().origin.name);
    if (!same) {
      copies_.push_back(Copy{++generation_, origin ? *origin : Origin{}, origin == nullptr});
      last_ = origin;
    }
    return generation_;
  }
  // Forgets origins older than the oldest record still kept.
  void forget_before(std::uint64_t generation) {
    while (!copies_.empty() && copies_.front().generation < generation) copies_.pop_front();
  }
  const Origin* find(std::uint64_t generation) const {
    for (const Copy& copy : copies_) {
      if (copy.generation == generation) return copy.is_null ? nullptr : &copy.origin;
    }
    return nullptr;
  }

 private:
  struct Copy {
    std::uint64_t generation;
    Origin origin;
    bool is_null;
  };
  std::deque<Copy> copies_;
  const Origin* last_ = nullptr;
  std::uint64_t generation_ = 0;
};

BuiltStage build(StageArgs& args, Context&) {
  const std::uint64_t count = args.positional_number(args.positional("N"), "N");
  BuiltStage built;
  built.transform = [count](BatchStream in) { return last_records(std::move(in), count); };
  return built;
}

}  // namespace

BatchStream last_records(BatchStream in, std::uint64_t count) {
  if (count == 0) co_return;
  std::vector<KeptRecord> ring;  // grows to `count` slots, then each new record overwrites
  std::size_t oldest = 0;        // once full, the slot holding the oldest record
  OriginCopies origins;
  for (Batch& batch : in) {
    const std::uint64_t generation = origins.track(batch.origin());
    for (const Record& record : batch.records()) {
      if (ring.size() < count) {
        ring.emplace_back().assign(batch, record, generation);
      } else {
        ring[oldest].assign(batch, record, generation);
        oldest = (oldest + 1) % ring.size();
      }
    }
    if (!ring.empty()) origins.forget_before(ring[oldest].origin_generation);
  }

  // Emit in order, a new batch whenever the origin or the kind changes.
  Batch out;
  std::vector<Field> scratch;
  const std::size_t size = ring.size();
  std::size_t emitted = 0;
  while (emitted < size) {
    const KeptRecord& first = ring[(oldest + emitted) % size];
    out.reset(origins.find(first.origin_generation), first.kind);
    std::vector<Record>& records = out.raw_records();
    while (emitted < size && records.size() < kRecordsPerBatch) {
      const KeptRecord& kept = ring[(oldest + emitted) % size];
      if (kept.origin_generation != first.origin_generation || kept.kind != first.kind) break;
      records.push_back(kept.view(out, scratch));
      ++emitted;
    }
    co_yield out;
  }
}

const StageInfo kTail{
    .name = "tail",
    .role = StageRole::Transform,
    .synopsis = "tail N",
    .summary = "the last N records",
    .details =
        "Passes on the last N records, once its input has ended. It keeps a ring of copies of\n"
        "the last N records (their text, fields, _file, _line and _offset), so its memory is\n"
        "bounded by N records, never by the input.\n"
        "\n"
        "  read app.log | grep ERROR | tail 20",
    .build = build,
};

}  // namespace gpipe::stages
