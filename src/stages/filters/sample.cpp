// `sample P [by F…] [--seed S]`: keeps each record with probability P, decided by a hash of the
// seed and the record's place in its input rather than by a random sequence, so that the
// sample is the same on every run and under -j (each thread decides for its own records alone).
#include <cmath>
#include <cstring>
#include <optional>
#include <string>

#include "core/field_selection.hpp"
#include "gpipe/stage_helpers.hpp"
#include "stages/stages.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace gpipe::stages {

namespace {

struct SampleSpec {
  std::uint64_t threshold = 0;  // a record is kept when its hash is below this
  bool keep_all = false;        // P = 1
  std::uint64_t seed = 0;
  std::optional<FieldSelection> by;
};

// A record's place: its file (as named), and its byte offset there, or where it has none of its
// own (seq's numbers, all at 0, and a file's first line) its line number as well.
class PlaceHash {
 public:
  explicit PlaceHash(std::uint64_t seed) : seed_(seed) {}

  std::uint64_t of(const Batch& batch, const Record& record) {
    const Origin* const origin = batch.origin();
    if (origin == nullptr) {
      // An aggregate's rows (no file, no line): their order is all there is. They never run
      // on the threads, so this is the same under -j.
      const std::uint64_t place[2] = {0, ++unplaced_};
      return XXH3_64bits_withSeed(place, sizeof place, seed_);
    }
    if (origin != origin_ || origin->name != origin_name_) {
      origin_ = origin;
      origin_name_ = origin->name;
      origin_hash_ = XXH3_64bits_withSeed(origin_name_.data(), origin_name_.size(), seed_);
    }
    const std::uint64_t place[2] = {record.offset, record.offset == 0 ? record.line : 0};
    return XXH3_64bits_withSeed(place, sizeof place, origin_hash_);
  }

 private:
  std::uint64_t seed_;
  const Origin* origin_ = nullptr;
  std::string origin_name_;
  std::uint64_t origin_hash_ = 0;
  std::uint64_t unplaced_ = 0;
};

BatchStream sample_records(BatchStream in, SampleSpec spec) {
  if (spec.keep_all) {
    for (Batch& batch : in) co_yield batch;
    co_return;
  }
  PlaceHash places(spec.seed);
  std::string key;  // reused for every record
  auto keep = [&](Batch& batch, const Record& record) {
    if (!spec.by) return places.of(batch, record) < spec.threshold;
    const std::string_view values = spec.by->key(batch, record, key);
    return XXH3_64bits_withSeed(values.data(), values.size(), spec.seed) < spec.threshold;
  };
  co_yield elements_of(filter_records(std::move(in), keep));
}

BuiltStage build(StageArgs& args, Context& ctx) {
  SampleSpec spec;
  if (const auto seed = args.option({"--seed"})) spec.seed = args.positional_number(*seed, "S");
  const Argument& probability = args.positional("P, the share of records to keep (10% or 0.1)");
  double rate = 0;
  if (!parse_rate(probability.text, rate) || rate <= 0) {
    args.fail(probability, "expected a share of records more than 0 and at most 1, as 0.1 or " +
                               std::string("10%, got '") + probability.text + "'");
  }
  spec.keep_all = rate >= 1;
  // P of all 2^64 hashes; computed in long double, whose 64-bit mantissa holds it exactly.
  spec.threshold = spec.keep_all
                       ? UINT64_MAX
                       : static_cast<std::uint64_t>(std::ldexp(static_cast<long double>(rate), 64));
  if (const std::optional<Argument> by = args.optional_positional()) {
    if (by->text != "by") args.fail(*by, "expected 'by F…' after P, got '" + by->text + "'");
    std::vector<FieldRef> refs = args.needed_fields(args.one_or_more("F after 'by'"), ctx.demand);
    spec.by.emplace(std::move(refs), FieldSplitter());
  }
  BuiltStage built;
  built.transform = [spec = std::move(spec)](BatchStream in) {
    return sample_records(std::move(in), spec);
  };
  return built;
}

}  // namespace

const StageInfo kSample{
    .name = "sample",
    .role = StageRole::Transform,
    .synopsis = "sample P [by F…] [--seed S]",
    .summary = "keeps each record with probability P",
    .details =
        "Keeps each record with probability P, a fraction (0.1) or a percentage (10%), more\n"
        "than 0 and at most 1: about P of the records come out (as many as a binomial draw\n"
        "gives), in input order.\n"
        "\n"
        "The draw is not from a random sequence but from a hash (XXH3) of the seed and the\n"
        "record's place in its input: its file, as named, and its byte offset (_offset), or,\n"
        "for records without an offset of their own (seq's numbers), its line as well. So a\n"
        "sample is the same on every run and machine for the same input and seed, and the\n"
        "same under -j as on one thread; two equal lines are drawn each on its own. The seed is\n"
        "0 unless --seed S (a whole number) gives another, for another sample of about the\n"
        "same size.\n"
        "\n"
        "With `by F…` the values of those fields are hashed instead: records with the same\n"
        "values are all kept or all dropped (a whole user's or session's records), and the\n"
        "same values are kept in any input for a seed.\n"
        "\n"
        "  read sample-data/app-api.log | sample 10% | count\n"
        "  read sample-data/access.log | sample 0.05 --seed 7\n"
        "  read sample-data/access.log | sample 50% by 8 | count by 8",
    .build = build,
    .parallel = true,
};

}  // namespace gpipe::stages
