// `parse REGEX [--keep]`: the named captures of a regex become each record's fields.
#include <re2/re2.h>

#include <map>
#include <memory>

#include "gpipe/errors.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

// The compiled regex and its named groups, shared by every run of the stage. The names are the
// fields' names, so they live here, as long as the pipeline.
struct Captures {
  std::unique_ptr<RE2> regex;
  std::vector<std::string> names;  // of the named groups, in the order of their '('
  std::vector<int> groups;         // the group number of each name
  int submatches = 0;              // 1 + the highest named group number: what Match() fills
};

// Enough for any sensible pattern's DFA; RE2 falls back to slower (still linear) matching past it.
constexpr std::int64_t kMaxRegexMemory = 64 << 20;

// Fills `fields` with the named captures of a match, or null values when there is no match
// (for --keep). A group that took no part in the match is null; one that matched nothing is "".
void capture_fields(const Captures& captures, const std::vector<re2::StringPiece>& groups,
                    bool matched, std::vector<Field>& fields) {
  fields.clear();
  for (std::size_t i = 0; i < captures.names.size(); ++i) {
    Value value;
    if (matched) {
      const re2::StringPiece& group = groups[static_cast<std::size_t>(captures.groups[i])];
      if (group.data() != nullptr) value = Value::string({group.data(), group.size()});
    }
    fields.push_back({captures.names[i], value});
  }
}

BatchStream parse_records(BatchStream in, std::shared_ptr<const Captures> captures, bool keep,
                          Context* ctx) {
  // Reused for every record: no allocation once warm.
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(captures->submatches));
  std::vector<Field> fields;
  for (Batch& batch : in) {
    std::vector<Record>& records = batch.records();
    std::size_t kept = 0;
    std::uint64_t matches = 0;
    for (Record record : records) {
      const re2::StringPiece text(record.text.data(), record.text.size());
      const bool matched = captures->regex->Match(text, 0, text.size(), RE2::UNANCHORED,
                                                  groups.data(), captures->submatches);
      if (!matched && !keep) continue;
      matches += matched ? 1 : 0;
      capture_fields(*captures, groups, matched, fields);
      record.first_field = batch.add_fields(fields);
      record.field_count = static_cast<std::uint32_t>(fields.size());
      record.whole_json = false;
      records[kept++] = record;
    }
    records.resize(kept);
    ctx->errors.count_good(matches);
    batch.set_format(DataFormat::Text);
    co_yield batch;  // even empty: a tick or the end of a load batch (docs/design.md, Ticks)
  }
}

std::shared_ptr<const Captures> compile(StageArgs& args, const Argument& pattern) {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingUTF8);  // invalid UTF-8 simply does not match
  options.set_log_errors(false);
  options.set_max_mem(kMaxRegexMemory);
  auto captures = std::make_shared<Captures>();
  captures->regex = std::make_unique<RE2>(pattern.text, options);
  if (!captures->regex->ok()) {
    args.fail(pattern, "invalid regular expression: " + captures->regex->error());
  }
  // CapturingGroupNames() is ordered by name; the fields come in the order of the groups.
  std::map<int, std::string> by_group;
  for (const auto& [group, name] : captures->regex->CapturingGroupNames()) by_group[group] = name;
  if (by_group.empty()) {
    args.fail(pattern, "the regular expression has no named group such as (?P<name>...)");
  }
  for (const auto& [group, name] : by_group) {
    captures->names.push_back(name);
    captures->groups.push_back(group);
    captures->submatches = group + 1;
  }
  return captures;
}

BuiltStage build(StageArgs& args, Context& ctx) {
  const bool keep = args.flag({"--keep"});
  const Argument pattern = args.positional("REGEX");
  std::shared_ptr<const Captures> captures = compile(args, pattern);
  BuiltStage built;
  built.transform = [captures, keep, context = &ctx](BatchStream in) {
    return parse_records(std::move(in), captures, keep, context);
  };
  return built;
}

}  // namespace

const StageInfo kParse{
    .name = "parse",
    .role = StageRole::Transform,
    .synopsis = "parse REGEX [--keep]",
    .summary = "named captures of a regex as fields",
    .details =
        "Matches REGEX against each record's text and makes its named groups, (?P<name>...),\n"
        "the record's fields, in the order of the groups; unnamed groups are ignored. The match\n"
        "is a search, as grep's: anchor with ^ and $ to match whole lines. A group that took no\n"
        "part in the match is null; one that matched nothing is the empty string.\n"
        "\n"
        "A record that does not match is dropped.\n"
        "  --keep   keep it instead, with every field null\n"
        "\n"
        "The record keeps its text, but its fields are now the captures: text output prints\n"
        "them joined by a tab, and `field 0` is the first. REGEX uses RE2 syntax, as grep; an\n"
        "invalid one, or one without named groups, is reported before anything is read.\n"
        "\n"
        "  read sample-data/app-api.log | parse '^(?P<ts>\\S+) (?P<level>[A-Z]+) "
        "\\[(?P<thread>[^]]+)\\]'\n"
        "  read sample-data/access.log | parse '\"(?P<method>[A-Z]+) (?P<path>\\S+)' | count by "
        "path",
    .build = build,
    .parallel = true,
};

}  // namespace gpipe::stages
