// `json`: one JSON value per line, parsed with simdjson On-Demand into the fields the pipeline
// asked for.
#include "formats/json/json_fields.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r") == std::string_view::npos;
}

// The pending block the batch's lines come from (lines inside it are followed by the rest of
// it, readable), or nothing when its records are lines already.
std::string_view take_lines(Batch& batch) {
  if (!batch.lines_pending()) return {};
  const std::string_view block = batch.pending_block();
  batch.take_pending_block();
  split_lines(block, batch.pending_first_line(), batch.pending_offset(), batch.raw_records());
  return block;
}

// The whole lines of `block` that have kJsonPadding readable bytes after them.
std::string_view padded_lines(std::string_view block) {
  if (block.size() <= kJsonPadding) return {};
  const std::size_t newline = block.rfind('\n', block.size() - kJsonPadding - 1);
  return newline == std::string_view::npos ? std::string_view() : block.substr(0, newline + 1);
}

BatchStream parse_json_lines(BatchStream in, Context* ctx) {
  // Built when the generator starts: every stage has registered its demand by then.
  JsonFieldExtractor extractor(ctx->demand);
  JsonError error;
  for (Batch& batch : in) {
    const std::string_view block = take_lines(batch);
    const char* const readable_end = block.empty() ? nullptr : block.data() + block.size();
    extractor.begin_block(padded_lines(block));
    std::vector<Record>& records = batch.records();
    std::vector<Field>& fields = batch.fields();
    std::size_t kept = 0;
    for (Record& record : records) {
      if (is_blank(record.text)) continue;  // as jq: blank lines hold no value
      const std::size_t first = fields.size();
      if (!extractor.extract_in_block(record.text, batch.arena(), fields) &&
          !extractor.extract_padded(record.text, readable_end, batch.arena(), fields, error)) {
        fields.resize(first);
        ctx->errors.report(
            BadRecord{batch.origin(), record.line, error.column, error.message, record.text});
        continue;
      }
      record.first_field = static_cast<std::uint32_t>(first);
      record.field_count = static_cast<std::uint32_t>(fields.size() - first);
      record.whole_json = true;
      records[kept++] = record;
    }
    records.resize(kept);
    ctx->errors.count_good(kept);
    batch.set_format(DataFormat::Json);
    co_yield batch;  // even empty: a tick or the end of a load batch (docs/design.md, Ticks)
  }
}

BuiltStage build(StageArgs&, Context& ctx) {
  BuiltStage built;
  built.transform = [context = &ctx](BatchStream in) {
    return parse_json_lines(std::move(in), context);
  };
  return built;
}

}  // namespace

const StageInfo kJson{
    .name = "json",
    .role = StageRole::Transform,
    .synopsis = "json",
    .summary = "one JSON value per line",
    .details =
        "Parses each line as one JSON value (JSON Lines / NDJSON) with simdjson. Only the fields\n"
        "later stages name become the record's fields (user.screen_name, retweet_count,\n"
        "entities.hashtags[0].text); the rest of each document is validated but not converted.\n"
        "The record's text stays the line itself, so JSON output prints it untouched.\n"
        "\n"
        "Values: a string is unescaped (prints raw, as jq -r), a number keeps the text it was\n"
        "written with (1.50 stays 1.50, big integers stay exact), true/false, null (prints empty,\n"
        "compares false), an object or array is compact JSON. A path that is not there is null.\n"
        "A key that appears twice in an object: the last one wins, as in jq.\n"
        "\n"
        "A line that is not exactly one valid JSON value is a bad record with its line and, where\n"
        "known, column (see --on-error): a syntax error, trailing text after the value, nesting\n"
        "deeper than 1024, and, in any part of the document, also one no stage asks for, a bad\n"
        "number, literal or string escape, a control character in a string or invalid UTF-8.\n"
        "Blank lines are skipped, as jq skips them.\n"
        "\n"
        "  read sample-data/tweets.jsonl | json | where retweet_count > 20 | field "
        "user.screen_name\n"
        "  read sample-data/tweets.jsonl | json | field user.screen_name entities.hashtags[0].text",
    .build = build,
    .parallel = true,
};

}  // namespace gpipe::stages
