// OwnedRecord: a record copied out of its batch whole, for every stage that keeps a record past
// the batch it came in (tail, uniq; sort, top, dedup, tee, batch, window and the sinks as they
// come). No stage writes its own partial copy of a record: it keeps OwnedRecords.
//
// A record is more than its text: what it prints as and how later stages see it also depend on
// its batch (origin, RecordKind, DataFormat) and on its fields and flags. An OwnedRecord keeps
// all of it, and append_to() makes it a record of a new batch that prints and behaves exactly as
// the original did: a JSON line prints untouched, a CSV row keeps its columns and header, a
// reshaped record keeps its fields, and _file, _line, _offset are the original's.
//
// Storage is reused: assign() into a warm OwnedRecord (a ring slot, the previous record of uniq)
// allocates nothing unless the new record is larger than any it held before.
//
// A stage that keeps more records than memory holds (sort) keeps them as bytes (write_to,
// write_record), in memory and in temporary files, and reads them back (read_from) whole, as
// the same records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gpipe/record.hpp"

namespace gpipe {

// Copies of the origins of kept records. Upstream origins may change (a csv stage reuses one
// Origin object for each file it reads) or be gone by the time a kept record is emitted, so kept
// records share a copy, made once per input rather than once per record.
class OriginKeeper {
 public:
  // The kept copy of `origin` (null for a batch without one).
  const std::shared_ptr<const Origin>& keep(const Origin* origin);

 private:
  const Origin* last_seen_ = nullptr;
  std::shared_ptr<const Origin> last_copy_;
};

// The origins of records written out as bytes (OwnedRecord::write_to: a sort spills its runs to
// temporary files). A record writes the index of its origin in this table, which holds the kept
// copies, so records read back share one copy per input, as kept records do; an origin is not
// written once per record.
class OriginTable {
 public:
  // The index of `origin` (0 for none), added the first time it is seen.
  std::uint32_t index_of(const std::shared_ptr<const Origin>& origin);
  // The origin numbered `index` by index_of, or null when no origin has that number.
  const std::shared_ptr<const Origin>* find(std::uint32_t index) const;

 private:
  std::vector<std::shared_ptr<const Origin>> origins_;  // index i + 1 is origins_[i]
  std::unordered_map<const Origin*, std::uint32_t> indexes_;
  const Origin* last_ = nullptr;  // the origin asked for last, and its index
  std::uint32_t last_index_ = 0;
};

class OwnedRecord {
 public:
  // Copies `record` of `batch` (text, fields, flags, line, offset, the batch's kind and format).
  // `origin` is the batch's origin as an OriginKeeper keeps it.
  void assign(const Batch& batch, const Record& record, std::shared_ptr<const Origin> origin);

  // Whether this record can join `batch`: the same origin, kind and format (a batch has one).
  bool fits(const Batch& batch) const;
  // Resets `batch` to hold records like this one (its origin, kind and format), empty.
  void start_batch(Batch& batch) const;
  // Appends this record to `batch`, which fits() it. The record's text and fields view this
  // object's storage: it must stay unchanged for as long as the batch is in use.
  void append_to(Batch& batch) const;

  // Whole-record identity, as `uniq` compares records: as the user sees them. A record whose
  // text is what it is (a line, a raw block, a JSON value from `json`/`items`) is compared by its
  // text; a record made of fields (a CSV row, kv pairs, parse captures, anything reshaped by
  // field/select/set/drop/rename) by its fields' names and values, since that is what it prints
  // as: the CSV rows `"a",b` and `a,b` are the same record.
  bool same_as(const Batch& batch, const Record& record) const;

  // The record as bytes, appended to `out`: everything assign() copied, its origin as an index
  // into `origins`. read_from() makes the same record of them again.
  void write_to(std::string& out, OriginTable& origins) const;
  // The same bytes for `record` of `batch`, its origin numbered `origin_index` by an
  // OriginTable, written without making an OwnedRecord first: a stage that holds many records
  // (sort) keeps them in this form, written straight where they are kept. record_size() is
  // how many bytes write_record() writes at `out`; it returns where the record's text begins
  // there (the text is written whole, as it is).
  static std::size_t record_size(const Batch& batch, const Record& record,
                                 std::uint32_t origin_index);
  static std::size_t write_record(const Batch& batch, const Record& record,
                                  std::uint32_t origin_index, char* out);
  // Reads the record that write_to() or write_record() wrote at the start of `in`, its origin
  // from `origins`, and returns how many bytes it took: 0 when `in` does not start with a whole,
  // well-formed one (the record is then left in no particular state). Storage is reused as by
  // assign().
  std::size_t read_from(std::string_view in, const OriginTable& origins);

  // Records in the byte form, one after the other in `bytes`, as batches whose records view
  // `bytes` (which must stay as they are while a batch is in use): as emit_owned_records makes
  // them of the same records, without copying them first. At most `limit` records, which is
  // lessened by those emitted. Throws IoError on a malformed one.
  static BatchStream emit_bytes(std::string_view bytes, const OriginTable& origins,
                                std::uint64_t& limit, std::size_t batch_size = 4096);

  // The text of a record in the byte form write_to() writes, found without reading the rest,
  // or nothing when `bytes` do not start with one.
  static std::optional<std::string_view> text_in(std::string_view bytes);

  // The bytes this record holds beyond the object itself (its text, names and values, its field
  // table), as a stage that bounds the memory of the records it keeps counts them.
  std::size_t heap_bytes() const;
  // Empties the record and frees its storage (assigning an empty record keeps it: a string's
  // move assignment from a short one keeps the buffer it had).
  void release_storage();

  std::string_view text() const { return {bytes_.data(), text_size_}; }
  std::uint64_t line() const { return line_; }
  std::uint64_t offset() const { return offset_; }
  RecordKind kind() const { return kind_; }
  DataFormat format() const { return format_; }
  const Origin* origin() const { return origin_.get(); }
  bool has_fields() const { return has_fields_; }
  bool whole_json() const { return whole_json_; }
  std::size_t field_count() const { return fields_.size(); }
  Field field(std::size_t i) const;

 private:
  // A field's name and value as places in bytes_. Values that view the record's own text (most
  // CSV columns, JSON strings without escapes) point into the copied text instead of being
  // copied twice.
  struct Span {
    std::size_t offset = 0;
    std::size_t size = 0;
  };
  struct KeptField {
    Span name;
    Span value;
    Value::Kind kind = Value::Kind::Null;
  };
  Span keep_bytes(std::string_view source_text, std::string_view bytes);
  struct Parsed;
  // Reads the byte form at the start of `in` in place, its fields' places into `fields`.
  static bool parse(std::string_view in, const OriginTable& origins, Parsed& out,
                    std::vector<KeptField>& fields);
  std::string_view view(Span span) const { return {bytes_.data() + span.offset, span.size}; }

  std::string bytes_;  // the text, then names and values that are not part of the text
  std::size_t text_size_ = 0;
  std::vector<KeptField> fields_;
  std::shared_ptr<const Origin> origin_;
  std::uint64_t line_ = 0;
  std::uint64_t offset_ = 0;
  RecordKind kind_ = RecordKind::Line;
  DataFormat format_ = DataFormat::Text;
  bool has_fields_ = false;
  bool whole_json_ = false;
};

// Whole-record identity of two records of one batch, as OwnedRecord::same_as compares.
bool same_record(const Batch& batch, const Record& a, const Record& b);

// Whole-record identity as one key, for a stage that remembers records by identity without
// keeping them (dedup): the keys of two records (cleared first, their capacity kept) are equal
// exactly when same_record and same_as say the records are the same.
void identity_key(const Batch& batch, const Record& record, std::string& key);

// The kept records, in order, as batches: a new batch whenever the origin, kind or format
// changes, and at most `batch_size` records a batch. The records must outlive the stream.
// With `closes_load_batch` (`batch N`), the last batch is marked Batch::closes_load_batch.
BatchStream emit_owned_records(std::span<const OwnedRecord> first,
                               std::span<const OwnedRecord> second = {},
                               std::size_t batch_size = 4096, bool closes_load_batch = false);

}  // namespace gpipe
