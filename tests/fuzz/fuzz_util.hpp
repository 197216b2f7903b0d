// Shared pieces of the libFuzzer targets: an in-memory ByteSource that hands out bytes in random
// chunk sizes, a scratch file for the stages that read files, and a runner that plans a real
// pipeline (`read FILE | STAGE…`) under --on-error=skip and pulls every record through, reading
// every view so AddressSanitizer sees any that dangles.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gpipe/context.hpp"
#include "gpipe/errors.hpp"
#include "io/io.hpp"
#include "gpipe/language.hpp"
#include "exec/pipeline.hpp"
#include "gpipe/record.hpp"

namespace gpipe::fuzz {

// A small deterministic generator (splitmix64), seeded from the input, so a crash reproduces.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

inline std::uint64_t hash_bytes(std::string_view data) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const char c : data) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

// Hands out `data` in chunks of 1..max_chunk bytes (random, reproducible), as a pipe would.
class ChunkedSource : public ByteSource {
 public:
  ChunkedSource(std::string_view data, std::size_t max_chunk)
      : data_(data), random_(hash_bytes(data)), max_chunk_(max_chunk) {}
  std::size_t read(char* buffer, std::size_t n) override {
    std::size_t take = std::min({n, data_.size() - pos_, 1 + random_.below(max_chunk_)});
    std::copy_n(data_.data() + pos_, take, buffer);
    pos_ += take;
    return take;
  }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
  Random random_;
  std::size_t max_chunk_;
};

// One scratch file per process, in $TMPDIR, rewritten for each input and removed at exit.
inline const std::string& scratch_path() {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    std::string p = std::string(dir != nullptr && *dir != 0 ? dir : "/tmp") + "/gpipe-fuzz-" +
                    std::to_string(::getpid());
    std::atexit([] { std::remove(scratch_path().c_str()); });
    return p;
  }();
  return path;
}

inline const std::string& write_scratch(std::string_view data) {
  const std::string& path = scratch_path();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (!data.empty() && std::fwrite(data.data(), 1, data.size(), f) != data.size()) std::abort();
  std::fclose(f);
  return path;
}

// Reads every byte a record refers to, so a view into freed memory is an ASan report.
inline std::uint64_t touch(Batch& batch) {
  std::uint64_t sum = 0;
  for (const Record& r : batch.records()) {
    sum += hash_bytes(r.text) + r.line + r.offset;
    if (!r.has_fields()) continue;
    for (std::uint32_t i = 0; i < r.field_count; ++i) {
      const Field& f = batch.fields()[r.first_field + i];
      sum += hash_bytes(f.name) + hash_bytes(f.value.text);
    }
  }
  return sum;
}

// Runs `read SCRATCH | <stages>` over `data` under --on-error=skip with a small --max-line and a
// tiny line buffer (so lines straddle refills). Bad input must be reported, never thrown, except
// as an IoError (a corrupt compressed stream). Returns the number of records out.
inline std::uint64_t run_stages(std::string_view data, const std::string& stages) {
  const std::string& path = write_scratch(data);
  Context ctx;
  std::destroy_at(&ctx.errors);
  std::construct_at(&ctx.errors, ErrorPolicy::Mode::Skip, "");
  ctx.options.max_line = 4096;
  ctx.options.read_buffer = 64;
  const auto calls = parse_pipeline("read '" + path + "' | " + stages, {});
  Plan plan = plan_pipeline(calls, ctx);
  std::uint64_t records = 0;
  static volatile std::uint64_t sink;
  try {
    for (Batch& batch : plan.stream) {
      records += batch.records().size();
      sink = sink + touch(batch);
    }
  } catch (const IoError&) {
  }
  return records;
}

}  // namespace gpipe::fuzz
