#include "stages/aggregates/sketches/quantile_sketch.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace gpipe::sketches {
namespace {

constexpr std::string_view kSketchName = "quantile";

// The DDSketch mapping for kRelativeAccuracy: gamma = (1 + a) / (1 - a).
struct Mapping {
  double gamma = (1 + QuantileSketch::kRelativeAccuracy) / (1 - QuantileSketch::kRelativeAccuracy);
  double log_gamma = std::log(gamma);
  double inverse_log_gamma = 1 / log_gamma;
  double representative_factor = 2 / (gamma + 1);

  // ceil(log_gamma(magnitude)), magnitude > 0 and finite: within +-37300 for doubles.
  std::int32_t index(double magnitude) const {
    return static_cast<std::int32_t>(std::ceil(std::log(magnitude) * inverse_log_gamma));
  }
  // Within relative error a of every magnitude of bucket `index`, (gamma^(i-1), gamma^i]; may
  // overflow to infinity for the topmost buckets, which the caller clamps to the largest value.
  double representative(std::int32_t index) const {
    return std::exp(index * log_gamma) * representative_factor;
  }
};

const Mapping& mapping() {
  static const Mapping kMapping;
  return kMapping;
}

}  // namespace

void QuantileSketch::keep_exact(double value) {
  // Grown by doubling, but never past kExactLimit: a group of kExactLimit values holds no more.
  if (exact_.size() == exact_.capacity()) {
    constexpr std::size_t kFirstCapacity = 16;
    exact_.reserve(std::min(kExactLimit, std::max(kFirstCapacity, 2 * exact_.capacity())));
  }
  exact_.push_back(value);
}

void QuantileSketch::start_sketching() {
  sketching_ = true;
  for (const double value : exact_) add_to_buckets(value);
  std::vector<double>().swap(exact_);
}

void QuantileSketch::add_to_buckets(double value) {
  if (value > 0) {
    positive_.add(mapping().index(value));
  } else if (value < 0) {
    negative_.add(mapping().index(-value));
  } else {
    ++zero_count_;
  }
}

void QuantileSketch::merge(const QuantileSketch& other) {
  if (this == &other) {
    const QuantileSketch copy = other;
    merge(copy);
    return;
  }
  if (other.count_ == 0) return;
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  if (!sketching_ && !other.sketching_ && exact_.size() + other.exact_.size() <= kExactLimit) {
    exact_.insert(exact_.end(), other.exact_.begin(), other.exact_.end());
    return;
  }
  if (!sketching_) start_sketching();
  if (other.sketching_) {
    positive_.merge(other.positive_);
    negative_.merge(other.negative_);
    zero_count_ += other.zero_count_;
  } else {
    for (const double value : other.exact_) add_to_buckets(value);
  }
}

std::uint64_t QuantileSketch::rank_of(double q) const {
  const double position = q * static_cast<double>(count_ - 1);
  const double nearest = std::round(position);
  const double rank =
      std::abs(position - nearest) <= 16 * DBL_EPSILON * position ? nearest : std::floor(position);
  return std::min(static_cast<std::uint64_t>(rank), count_ - 1);
}

std::optional<double> QuantileSketch::quantile(double q) const {
  if (count_ == 0 || !(q >= 0 && q <= 1)) return std::nullopt;
  const std::uint64_t rank = rank_of(q);
  if (rank == 0) return min_;
  if (rank == count_ - 1) return max_;
  if (sketching_) return sketch_value_at(rank);
  std::vector<double> values = exact_;
  const auto at = values.begin() + static_cast<std::ptrdiff_t>(rank);
  std::nth_element(values.begin(), at, values.end());
  return *at;
}

std::vector<std::optional<double>> QuantileSketch::quantiles(std::span<const double> qs) const {
  std::vector<std::optional<double>> answers(qs.size());
  std::vector<double> sorted;
  if (!sketching_ && count_ > 2) {
    sorted = exact_;
    std::sort(sorted.begin(), sorted.end());
  }
  for (std::size_t i = 0; i < qs.size(); ++i) {
    const double q = qs[i];
    if (count_ == 0 || !(q >= 0 && q <= 1)) continue;
    const std::uint64_t rank = rank_of(q);
    if (rank == 0) {
      answers[i] = min_;
    } else if (rank == count_ - 1) {
      answers[i] = max_;
    } else if (!sketching_) {
      answers[i] = sorted[rank];
    } else {
      answers[i] = sketch_value_at(rank);
    }
  }
  return answers;
}

// Ranks run through the negatives (largest magnitude first), the zeros, then the positives.
std::optional<double> QuantileSketch::sketch_value_at(std::uint64_t rank) const {
  const std::uint64_t negatives = negative_.total();
  double value = 0;
  if (rank < negatives) {
    value = -mapping().representative(negative_.index_of_rank(negatives - 1 - rank));
  } else if (rank - negatives >= zero_count_) {
    value = mapping().representative(positive_.index_of_rank(rank - negatives - zero_count_));
  }
  // The true value lies in [min, max], so clamping only brings the answer closer.
  return std::clamp(value, min_, max_);
}

void QuantileSketch::write_json(std::string& out) const {
  state_json::open_state(out, kSketchName, kStateVersion);
  if (!sketching_) {
    std::vector<double> sorted = exact_;
    std::sort(sorted.begin(), sorted.end());
    state_json::append_key(out, "exact");
    out += '[';
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (i != 0) out += ',';
      state_json::append_double(out, sorted[i]);
    }
    out += "]}";
    return;
  }
  state_json::append_key(out, "relative_accuracy");
  state_json::append_double(out, kRelativeAccuracy);
  state_json::append_key(out, "count");
  state_json::append_uint(out, count_);
  state_json::append_key(out, "min");
  state_json::append_double(out, min_);
  state_json::append_key(out, "max");
  state_json::append_double(out, max_);
  state_json::append_key(out, "zero");
  state_json::append_uint(out, zero_count_);
  state_json::append_key(out, "positive");
  positive_.write_json(out);
  state_json::append_key(out, "negative");
  negative_.write_json(out);
  out += '}';
}

QuantileSketch QuantileSketch::read_json(std::string_view json) {
  const state_json::Reader reader(json, kSketchName, kStateVersion);
  QuantileSketch sketch;
  if (reader.has("exact")) {
    const simdjson::dom::array values = reader.array_field("exact");
    if (values.size() > kExactLimit) {
      reader.fail("an exact state holds more than ", std::to_string(kExactLimit), " values");
    }
    for (const simdjson::dom::element value : values)
      sketch.add(reader.as_double(value, "a value"));
    return sketch;
  }
  if (reader.double_field("relative_accuracy") != kRelativeAccuracy) {
    reader.fail("its relative accuracy is not 0.01, the one of this gpipe's sketches");
  }
  sketch.sketching_ = true;
  sketch.count_ = reader.uint_field("count");
  sketch.min_ = reader.double_field("min");
  sketch.max_ = reader.double_field("max");
  sketch.zero_count_ = reader.uint_field("zero");
  sketch.positive_ = BucketStore::read_json(reader.field("positive"), reader, "the positive store");
  sketch.negative_ = BucketStore::read_json(reader.field("negative"), reader, "the negative store");
  std::uint64_t total = 0;
  if (__builtin_add_overflow(sketch.positive_.total(), sketch.negative_.total(), &total) ||
      __builtin_add_overflow(total, sketch.zero_count_, &total) || total != sketch.count_) {
    reader.fail("its bucket counts do not add up to its count");
  }
  if (sketch.count_ <= kExactLimit) {
    reader.fail("a sketch state must hold more than ", std::to_string(kExactLimit),
                " values (fewer are kept exactly)");
  }
  if (!(sketch.min_ <= sketch.max_) || sketch.negative_.empty() != (sketch.min_ >= 0) ||
      sketch.positive_.empty() != (sketch.max_ <= 0)) {
    reader.fail("its min and max do not agree with its buckets");
  }
  return sketch;
}

std::size_t QuantileSketch::memory_bytes() const {
  return sizeof(*this) + exact_.capacity() * sizeof(double) + positive_.memory_bytes() +
         negative_.memory_bytes();
}

}  // namespace gpipe::sketches
