// OwnedRecord: a record kept past its batch comes back whole (text, kind, format, origin, line,
// offset, whole_json, fields with names, values and kinds), reuses its storage, and compares
// whole as uniq needs; its byte form (write_to, write_record, read_from) gives the same record
// back; emit_owned_records rebuilds batches by origin, kind and format.
#include "gpipe/owned_record.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/varint.hpp"
#include "gpipe/errors.hpp"

namespace gpipe {
namespace {

// A batch of one record with fields whose values are partly views into the record's text and
// partly strings in the batch's arena, as parsers make them.
struct OneRecord {
  Batch batch;
  Origin origin{"users.csv"};
  std::string text = "7,\"Åsa\",,x";

  OneRecord() {
    batch.reset(&origin, RecordKind::Line);
    batch.set_format(DataFormat::Csv);
    const std::string_view all(text);
    const Field fields[] = {
        {"id", Value{Value::Kind::Number, all.substr(0, 1)}},
        {"name", Value{Value::Kind::String, batch.arena().store("Åsa")}},
        {"empty", Value::string("")},
        {"gone", Value::null()},
    };
    Record record;
    record.text = text;
    record.line = 12;
    record.offset = 345;
    record.first_field = batch.add_fields(fields);
    record.field_count = 4;
    batch.raw_records().push_back(record);
  }
  const Record& record() { return batch.raw_records().front(); }
};

TEST(OwnedRecord, AppendToGivesBackEverythingTheRecordWas) {
  OneRecord source;
  OriginKeeper origins;
  OwnedRecord kept;
  kept.assign(source.batch, source.record(), origins.keep(source.batch.origin()));
  const std::string text = source.text;
  source.text.assign(source.text.size(), '#');  // the source buffer is reused
  source.batch.reset(nullptr, RecordKind::Bytes);

  Batch out;
  kept.start_batch(out);
  kept.append_to(out);
  ASSERT_EQ(out.raw_records().size(), 1u);
  const Record& back = out.raw_records().front();
  EXPECT_EQ(back.text, text);
  EXPECT_EQ(back.line, 12u);
  EXPECT_EQ(back.offset, 345u);
  EXPECT_FALSE(back.whole_json);
  EXPECT_EQ(out.format(), DataFormat::Csv);
  EXPECT_EQ(out.kind(), RecordKind::Line);
  ASSERT_NE(out.origin(), nullptr);
  EXPECT_EQ(out.origin()->name, "users.csv");
  ASSERT_EQ(back.field_count, 4u);
  const Field* f = out.fields().data() + back.first_field;
  EXPECT_EQ(f[0].name, "id");
  EXPECT_EQ(f[0].value.kind, Value::Kind::Number);
  EXPECT_EQ(f[0].value.text, "7");
  EXPECT_EQ(f[1].name, "name");
  EXPECT_EQ(f[1].value.text, "Åsa");
  EXPECT_EQ(f[2].value.kind, Value::Kind::String);
  EXPECT_EQ(f[2].value.text, "");
  EXPECT_TRUE(f[3].value.is_null());
  EXPECT_EQ(f[3].name, "gone");
}

TEST(OwnedRecord, KeepsWholeJsonAndRecordsWithoutFields) {
  Batch batch;
  const Origin origin{"t.jsonl"};
  batch.reset(&origin, RecordKind::Line);
  batch.set_format(DataFormat::Json);
  Record json;
  json.text = R"({"a": 1})";
  json.whole_json = true;
  json.first_field = 0;
  json.field_count = 0;  // no path was asked for
  Record line;
  line.text = "plain";
  batch.raw_records() = {json, line};

  OriginKeeper origins;
  OwnedRecord kept_json, kept_line;
  kept_json.assign(batch, batch.raw_records()[0], origins.keep(&origin));
  kept_line.assign(batch, batch.raw_records()[1], origins.keep(&origin));
  EXPECT_TRUE(kept_json.whole_json());
  EXPECT_TRUE(kept_json.has_fields());
  EXPECT_EQ(kept_json.field_count(), 0u);
  EXPECT_FALSE(kept_line.has_fields());

  Batch out;
  kept_json.start_batch(out);
  kept_json.append_to(out);
  kept_line.append_to(out);
  EXPECT_TRUE(out.raw_records()[0].whole_json);
  EXPECT_TRUE(out.raw_records()[0].has_fields());
  EXPECT_FALSE(out.raw_records()[1].has_fields());
  EXPECT_EQ(out.raw_records()[1].text, "plain");
}

TEST(OwnedRecord, AWarmRecordReusesItsStorage) {
  OneRecord source;
  OwnedRecord kept;
  kept.assign(source.batch, source.record(), nullptr);
  const char* const storage = kept.text().data();
  for (int i = 0; i < 100; ++i) kept.assign(source.batch, source.record(), nullptr);
  EXPECT_EQ(kept.text().data(), storage);
}

TEST(OwnedRecord, ValuesInsideTheTextAreNotCopiedTwice) {
  OneRecord source;
  OwnedRecord kept;
  kept.assign(source.batch, source.record(), nullptr);
  // "7" lies in the text: the kept value views the kept text.
  EXPECT_EQ(kept.field(0).value.text.data(), kept.text().data());
}

TEST(OwnedRecord, SameAsComparesTextOrFieldsAsTheRecordPrints) {
  Batch batch;
  batch.reset(nullptr, RecordKind::Line);
  const Field ab[] = {{"k", Value::string("a")}, {"v", Value::string("b")}};
  const Field ab_number[] = {{"k", Value::string("a")}, {"v", Value{Value::Kind::Number, "b"}}};
  const Field other_name[] = {{"k", Value::string("a")}, {"w", Value::string("b")}};
  const auto with_fields = [&](std::string_view text, std::span<const Field> fields) {
    Record r;
    r.text = text;
    r.first_field = batch.add_fields(fields);
    r.field_count = static_cast<std::uint32_t>(fields.size());
    return r;
  };
  const Record quoted = with_fields("\"a\",b", ab);
  const Record plain = with_fields("a,b", ab);
  const Record number = with_fields("a,b", ab_number);
  const Record renamed = with_fields("a,b", other_name);
  Record json1, json2, line;
  json1.text = R"({"a":1})";
  json1.whole_json = true;
  json1.first_field = 0;
  json1.field_count = 0;
  json2 = json1;
  json2.text = R"({"a": 1})";
  line.text = R"({"a":1})";

  OwnedRecord kept;
  kept.assign(batch, quoted, nullptr);
  EXPECT_TRUE(kept.same_as(batch, plain));  // the same values print the same row
  EXPECT_FALSE(kept.same_as(batch, number));
  EXPECT_FALSE(kept.same_as(batch, renamed));
  EXPECT_FALSE(kept.same_as(batch, json1));
  kept.assign(batch, json1, nullptr);
  EXPECT_TRUE(kept.same_as(batch, json1));
  EXPECT_FALSE(kept.same_as(batch, json2));  // JSON lines compare as written
  EXPECT_FALSE(kept.same_as(batch, line));   // a line is not a JSON value of the same text
  kept.assign(batch, line, nullptr);
  EXPECT_TRUE(kept.same_as(batch, line));

  // Two records of one batch compare as a kept one and a record do.
  EXPECT_TRUE(same_record(batch, quoted, plain));
  EXPECT_FALSE(same_record(batch, plain, number));
  EXPECT_FALSE(same_record(batch, plain, renamed));
  EXPECT_TRUE(same_record(batch, json1, json1));
  EXPECT_FALSE(same_record(batch, json1, json2));
  EXPECT_FALSE(same_record(batch, json1, line));
  EXPECT_FALSE(same_record(batch, plain, line));
}

// dedup's keys: equal exactly when same_record says the records are the same, over records of
// every kind of identity (text, whole JSON, fields with names, kinds and values that differ
// in one thing each, and fields whose bytes would run together without their lengths).
TEST(OwnedRecord, IdentityKeysAreEqualExactlyForTheSameRecord) {
  Batch batch;
  batch.reset(nullptr, RecordKind::Line);
  std::vector<Record> records;
  const auto add_fields = [&](std::string_view text, std::initializer_list<Field> fields) {
    Record r;
    r.text = text;
    r.first_field = batch.add_fields(std::vector<Field>(fields));
    r.field_count = static_cast<std::uint32_t>(fields.size());
    records.push_back(r);
  };
  const auto add_text = [&](std::string_view text, bool whole_json) {
    Record r;
    r.text = text;
    if (whole_json) {
      r.whole_json = true;
      r.first_field = 0;
      r.field_count = 0;
    }
    records.push_back(r);
  };
  add_fields("a,b", {{"k", Value::string("a")}, {"v", Value::string("b")}});
  add_fields("\"a\",b", {{"k", Value::string("a")}, {"v", Value::string("b")}});
  add_fields("a,b", {{"k", Value::string("a")}, {"v", Value{Value::Kind::Number, "b"}}});
  add_fields("a,b", {{"k", Value::string("a")}, {"w", Value::string("b")}});
  add_fields("ab,", {{"k", Value::string("ab")}, {"v", Value::string("")}});
  add_fields("ab,", {{"k", Value::string("ab")}, {"v", Value::null()}});
  add_fields("a", {{"k", Value::string("a")}});
  add_fields("", {});
  add_fields("kv", {{"kv", Value::string("")}});
  add_fields("kv", {{"k", Value::string("v")}});
  add_text(R"({"a":1})", true);
  add_text(R"({"a": 1})", true);
  add_text(R"({"a":1})", false);
  add_text("a,b", false);
  add_text("", false);
  std::string key_a;
  std::string key_b;
  for (const Record& a : records) {
    for (const Record& b : records) {
      identity_key(batch, a, key_a);
      identity_key(batch, b, key_b);
      EXPECT_EQ(key_a == key_b, same_record(batch, a, b)) << a.text << " / " << b.text;
    }
  }
  // Raw blocks are not lines of the same text.
  Batch blocks;
  blocks.reset(nullptr, RecordKind::Bytes);
  Record block;
  block.text = "a,b";
  identity_key(blocks, block, key_a);
  identity_key(batch, records[13], key_b);
  EXPECT_NE(key_a, key_b);
}

// Everything a record is, as text, for comparing two records field by field.
std::string describe(const OwnedRecord& r) {
  std::string out = "text=" + std::string(r.text());
  out += " line=" + std::to_string(r.line()) + " offset=" + std::to_string(r.offset());
  out += " kind=" + std::to_string(static_cast<int>(r.kind()));
  out += " format=" + std::to_string(static_cast<int>(r.format()));
  out += " origin=" + (r.origin() == nullptr ? std::string("none") : r.origin()->name);
  out += " has_fields=" + std::to_string(r.has_fields());
  out += " whole_json=" + std::to_string(r.whole_json());
  for (std::size_t i = 0; i < r.field_count(); ++i) {
    const Field f = r.field(i);
    out += " [" + std::string(f.name) + "|" + std::to_string(static_cast<int>(f.value.kind)) + "|" +
           std::string(f.value.text) + "]";
  }
  return out;
}

TEST(OwnedRecordBytes, EveryKindAndFormatComesBackWhole) {
  const Origin origin{"in.log"};
  OriginKeeper keeper;
  OriginTable origins;
  const std::string text = "a,\"b\",c";
  for (const RecordKind kind : {RecordKind::Line, RecordKind::Bytes}) {
    for (const DataFormat format :
         {DataFormat::Text, DataFormat::Csv, DataFormat::Json, DataFormat::Table}) {
      for (const int shape : {0, 1, 2}) {  // text alone, fields, whole JSON with no fields
        Batch batch;
        batch.reset(shape == 2 ? nullptr : &origin, kind);
        batch.set_format(format);
        Record record;
        record.text = text;
        record.line = 1ULL << 40;
        record.offset = 300;
        if (shape == 1) {
          const std::string_view all(text);
          const Field fields[] = {
              {all.substr(0, 1), Value{Value::Kind::Number, all.substr(0, 1)}},  // in the text
              {"made", Value::string(batch.arena().store("élan"))},              // in the arena
              {"", Value::string("")},
              {"gone", Value::null()},
              {"t", Value{Value::Kind::Bool, "true"}},
              {"j", Value{Value::Kind::Json, "[1,2]"}},
          };
          record.first_field = batch.add_fields(fields);
          record.field_count = 6;
        } else if (shape == 2) {
          record.whole_json = true;
          record.first_field = 0;
          record.field_count = 0;
        }
        OwnedRecord kept;
        kept.assign(batch, record, keeper.keep(batch.origin()));

        std::string bytes;
        kept.write_to(bytes, origins);
        // One form, from a batch or from a kept record; sized exactly, written in place.
        const std::uint32_t origin_index = origins.index_of(keeper.keep(batch.origin()));
        std::string direct(OwnedRecord::record_size(batch, record, origin_index) + 1, '#');
        const std::size_t text_at =
            OwnedRecord::write_record(batch, record, origin_index, direct.data());
        EXPECT_EQ(direct.back(), '#');  // nothing written past the size
        direct.pop_back();
        EXPECT_EQ(bytes, direct);
        EXPECT_EQ(direct.substr(text_at, text.size()), text);
        EXPECT_EQ(OwnedRecord::text_in(bytes), std::optional<std::string_view>(text));

        bytes += "after";  // what follows a record is not read
        OwnedRecord back;
        ASSERT_EQ(back.read_from(bytes, origins), direct.size());
        EXPECT_EQ(describe(back), describe(kept));
        if (shape != 2) {
          EXPECT_EQ(back.origin(), kept.origin());  // the same shared copy
        }
      }
    }
  }
}

TEST(OwnedRecordBytes, ACutOrDamagedFormIsRefused) {
  OneRecord source;
  OriginTable origins;
  OwnedRecord kept;
  kept.assign(source.batch, source.record(), std::make_shared<const Origin>(Origin{"x"}));
  std::string bytes;
  kept.write_to(bytes, origins);
  OwnedRecord back;
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_EQ(back.read_from(std::string_view(bytes).substr(0, size), origins), 0u) << size;
  }
  // An origin the table never numbered.
  OriginTable empty;
  EXPECT_EQ(back.read_from(bytes, empty), 0u);
  // A format past the last.
  std::string bad_format = bytes;
  bad_format[0] = static_cast<char>(0xf8);
  EXPECT_EQ(back.read_from(bad_format, origins), 0u);
  EXPECT_EQ(back.read_from(bytes, origins), bytes.size());
  EXPECT_EQ(describe(back), describe(kept));
}

TEST(OwnedRecordBytes, AWarmRecordReadsWithoutNewStorage) {
  OneRecord source;
  OriginTable origins;
  OwnedRecord kept;
  kept.assign(source.batch, source.record(), nullptr);
  std::string bytes;
  kept.write_to(bytes, origins);
  OwnedRecord back;
  back.read_from(bytes, origins);
  const char* const storage = back.text().data();
  for (int i = 0; i < 10; ++i) back.read_from(bytes, origins);
  EXPECT_EQ(back.text().data(), storage);
  EXPECT_GT(back.heap_bytes(), 0u);
  back.release_storage();
  EXPECT_EQ(back.heap_bytes(), 0u);
}

// What a stream of batches holds: per batch its origin, format, kind, then each record as
// described by `describe`'s fields.
std::vector<std::string> describe_stream(BatchStream stream) {
  std::vector<std::string> out;
  for (Batch& batch : stream) {
    out.push_back("batch " + (batch.origin() ? batch.origin()->name : std::string("none")) + " " +
                  std::to_string(static_cast<int>(batch.format())) + " " +
                  std::to_string(static_cast<int>(batch.kind())));
    for (const Record& r : batch.records()) {
      OwnedRecord kept;  // the record as it reads back from its batch
      kept.assign(batch, r, nullptr);
      out.push_back(describe(kept));
    }
  }
  return out;
}

TEST(OwnedRecordBytes, EmittedInPlaceAsKeptRecordsAre) {
  OriginKeeper keeper;
  OriginTable origins;
  const Origin a{"a.csv"}, b{"b.jsonl"};
  std::vector<OwnedRecord> kept;
  std::string bytes;
  const auto keep = [&](const Origin* origin, DataFormat format, RecordKind kind,
                        std::string_view text, bool fields) {
    Batch batch;
    batch.reset(origin, kind);
    batch.set_format(format);
    Record record;
    record.text = text;
    record.line = kept.size() + 1;
    if (fields) {
      const Field made[] = {{"k", Value::string(text.substr(0, 1))},
                            {"v", Value{Value::Kind::Number, batch.arena().store("42")}},
                            {"n", Value::null()}};
      record.first_field = batch.add_fields(made);
      record.field_count = 3;
    }
    kept.emplace_back().assign(batch, record, keeper.keep(origin));
    const std::uint32_t origin_index = origins.index_of(keeper.keep(origin));
    const std::size_t at = bytes.size();
    bytes.resize(at + OwnedRecord::record_size(batch, record, origin_index));
    OwnedRecord::write_record(batch, record, origin_index, bytes.data() + at);
  };
  keep(&a, DataFormat::Csv, RecordKind::Line, "x,1", true);
  keep(&a, DataFormat::Csv, RecordKind::Line, "y,2", true);
  keep(&a, DataFormat::Text, RecordKind::Line, "plain", false);
  keep(&b, DataFormat::Json, RecordKind::Line, "{}", true);
  keep(nullptr, DataFormat::Text, RecordKind::Bytes, "raw\nblock", false);
  keep(nullptr, DataFormat::Text, RecordKind::Bytes, "more", false);

  std::uint64_t limit = 100;
  EXPECT_EQ(describe_stream(OwnedRecord::emit_bytes(bytes, origins, limit, 1)),
            describe_stream(emit_owned_records(kept, {}, 1)));
  limit = 100;
  EXPECT_EQ(describe_stream(OwnedRecord::emit_bytes(bytes, origins, limit)),
            describe_stream(emit_owned_records(kept)));
  EXPECT_EQ(limit, 100u - kept.size());
  limit = 2;  // at most two, then none left
  EXPECT_EQ(describe_stream(OwnedRecord::emit_bytes(bytes, origins, limit)),
            describe_stream(emit_owned_records(std::span(kept).first(2))));
  EXPECT_EQ(limit, 0u);
  limit = 100;
  EXPECT_THROW(describe_stream(
                   OwnedRecord::emit_bytes(std::string_view(bytes).substr(0, 5), origins, limit)),
               IoError);
}

TEST(OriginTable, NumbersEachOriginOnce) {
  OriginTable origins;
  const auto a = std::make_shared<const Origin>(Origin{"a"});
  const auto b = std::make_shared<const Origin>(Origin{"b"});
  EXPECT_EQ(origins.index_of(nullptr), 0u);
  const std::uint32_t ia = origins.index_of(a);
  const std::uint32_t ib = origins.index_of(b);
  EXPECT_NE(ia, ib);
  EXPECT_EQ(origins.index_of(a), ia);
  EXPECT_EQ(*origins.find(ia), a);
  EXPECT_EQ(*origins.find(ib), b);
  EXPECT_EQ(*origins.find(0), nullptr);
  EXPECT_EQ(origins.find(99), nullptr);
}

TEST(Varint, RoundTripsAndRefusesCutOnes) {
  for (const std::uint64_t value : {0ULL, 1ULL, 127ULL, 128ULL, 300ULL, 1ULL << 35, ~0ULL}) {
    std::string bytes;
    put_varint(bytes, value);
    EXPECT_EQ(bytes.size(), varint_size(value));
    std::size_t at = 0;
    std::uint64_t back = 0;
    ASSERT_TRUE(get_varint(bytes, at, back));
    EXPECT_EQ(back, value);
    EXPECT_EQ(at, bytes.size());
    at = 0;
    EXPECT_FALSE(get_varint(std::string_view(bytes).substr(0, bytes.size() - 1), at, back));
    EXPECT_EQ(at, 0u);
  }
}

TEST(OriginKeeper, OneCopyPerInputEvenWhenTheUpstreamObjectIsReused) {
  OriginKeeper keeper;
  Origin reused{"a.csv"};
  const std::shared_ptr<const Origin> first = keeper.keep(&reused);
  EXPECT_EQ(keeper.keep(&reused), first);  // no copy per batch of one input
  reused.name = "b.csv";                   // the upstream stage moved on to another file
  const std::shared_ptr<const Origin> second = keeper.keep(&reused);
  EXPECT_NE(second, first);
  EXPECT_EQ(first->name, "a.csv");
  EXPECT_EQ(second->name, "b.csv");
  EXPECT_EQ(keeper.keep(nullptr), nullptr);
}

TEST(EmitOwnedRecords, ANewBatchPerOriginKindFormatAndBatchSize) {
  const Origin a{"a"}, b{"b"};
  OriginKeeper keeper;
  std::vector<OwnedRecord> kept;
  const auto keep = [&](const Origin* origin, DataFormat format, std::string_view text) {
    Batch batch;
    batch.reset(origin, RecordKind::Line);
    batch.set_format(format);
    Record r;
    r.text = text;
    kept.emplace_back().assign(batch, r, keeper.keep(origin));
  };
  keep(&a, DataFormat::Text, "1");
  keep(&a, DataFormat::Text, "2");
  keep(&a, DataFormat::Text, "3");
  keep(&a, DataFormat::Json, "4");
  keep(&b, DataFormat::Json, "5");
  std::vector<std::string> batches;
  const std::span<const OwnedRecord> all(kept);
  // The second span comes after the first, as a ring's two halves.
  for (Batch& batch : emit_owned_records(all.subspan(1), all.first(1), 2)) {
    std::string described = batch.origin()->name + (batch.format() == DataFormat::Json ? "J" : "T");
    for (const Record& r : batch.records()) described += std::string(r.text);
    batches.push_back(described);
  }
  EXPECT_EQ(batches, (std::vector<std::string>{"aT23", "aJ4", "bJ5", "aT1"}));
}

}  // namespace
}  // namespace gpipe
