// JSON values as gpipe Values. resolve_json_path is the slow path of field lookup (a path the
// planner did not hand to the `json` stage, or one inside a field that holds JSON). It goes
// through the same On-Demand extractor as the `json` stage, so values come out the same way:
// numbers as written, strings unescaped, objects and arrays as compact JSON.
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "gpipe/field_ref.hpp"
#include "formats/json/json_fields.hpp"

namespace gpipe {

namespace {

bool same_path(std::span<const PathStep> a, std::span<const PathStep> b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].is_index != b[i].is_index || a[i].index != b[i].index || a[i].key != b[i].key)
      return false;
  }
  return true;
}

// An extractor per path, kept for the next lookup of the same path (a pipeline names few).
JsonFieldExtractor& extractor_for(std::span<const PathStep> path) {
  struct Entry {
    std::vector<PathStep> path;
    std::unique_ptr<JsonFieldExtractor> extractor;
  };
  constexpr std::size_t kKept = 16;
  thread_local std::vector<Entry> cache;
  for (Entry& entry : cache) {
    if (same_path(entry.path, path)) return *entry.extractor;
  }
  if (cache.size() == kKept) cache.erase(cache.begin());
  cache.push_back(Entry{std::vector<PathStep>(path.begin(), path.end()),
                        std::make_unique<JsonFieldExtractor>(path)});
  return *cache.back().extractor;
}

}  // namespace

Value resolve_json_path(std::string_view json, std::span<const PathStep> path, Arena& arena) {
  if (path.empty()) return Value::null();
  // The text is copied with padding: its own buffer may end right after it.
  char* padded = arena.allocate(json.size() + kJsonPadding);
  std::memcpy(padded, json.data(), json.size());
  std::memset(padded + json.size(), ' ', kJsonPadding);
  thread_local std::vector<Field> fields;
  thread_local JsonError error;
  fields.clear();
  if (!extractor_for(path).extract({padded, json.size()}, arena, fields, error)) {
    return Value::null();  // invalid JSON: the path is not there
  }
  return fields.empty() ? Value::null() : fields.front().value;
}

}  // namespace gpipe
