// `items [POINTER]`: the elements of one huge JSON array as records, in memory proportional to
// one element.
#include <cstring>
#include <deque>

#include "formats/json/json_fields.hpp"
#include "formats/json/json_splitter.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

// A batch goes on when it holds this many bytes of elements (or at the end of the input).
constexpr std::size_t kBatchBytes = 256 * kKiB;

class ItemsParser {
 public:
  ItemsParser(Context& ctx, const std::string& pointer)
      : ctx_(ctx), splitter_(pointer), extractor_(ctx.demand) {}

  Batch& out() { return out_; }
  std::size_t pending_bytes() const { return pending_bytes_; }

  // A new document (file) starts: the batch does not span two files.
  void start(const Origin* origin) {
    splitter_.reset();
    source_origin_ = origin;
    // A copy: the source's own Origin may be gone when this document's end is reported after
    // the source finished, and records kept downstream (tail) may point at it.
    origin_ = &origins_.emplace_back(origin != nullptr ? *origin : Origin{"<input>"});
    clear();
  }
  const Origin* source_origin() const { return source_origin_; }
  void clear() {
    out_.reset(origin_, RecordKind::Line);
    out_.set_format(DataFormat::Json);
    pending_bytes_ = 0;
  }

  // Scans `bytes` from `position`; returns true when the batch is full (call again after it
  // has gone on).
  bool scan(std::string_view bytes, std::size_t& position) {
    for (;;) {
      switch (splitter_.feed(bytes, position)) {
        case JsonArraySplitter::Event::None:
          return false;
        case JsonArraySplitter::Event::Element:
          add(splitter_.element());
          if (pending_bytes_ >= kBatchBytes) return true;
          break;
        case JsonArraySplitter::Event::Problem:
          report(splitter_.problem());
          break;
      }
    }
  }

  void finish() {
    JsonArraySplitter::Problem problem;
    if (origin_ != nullptr && splitter_.finish(problem)) report(problem);
  }

 private:
  void add(const JsonArraySplitter::Element& element) {
    // The element's text moves to the batch's arena, with padding, and is parsed in place.
    char* text = out_.arena().allocate(element.text.size() + kJsonPadding);
    std::memcpy(text, element.text.data(), element.text.size());
    Record record;
    record.text = std::string_view(text, element.text.size());
    record.line = element.line;
    record.offset = element.offset;
    std::vector<Field>& fields = out_.fields();
    const std::size_t first = fields.size();
    if (!extractor_.extract(record.text, out_.arena(), fields, error_)) {
      fields.resize(first);
      reason_ = error_.message + " (array element " + std::to_string(element.index) +
                " at byte offset " + std::to_string(element.offset) + ")";
      ctx_.errors.report(BadRecord{origin_, element.line, 0, reason_, record.text});
      return;
    }
    record.first_field = static_cast<std::uint32_t>(first);
    record.field_count = static_cast<std::uint32_t>(fields.size() - first);
    record.whole_json = true;
    out_.raw_records().push_back(record);
    ctx_.errors.count_good(1);
    pending_bytes_ += element.text.size();
  }

  void report(const JsonArraySplitter::Problem& problem) {
    reason_ = problem.message + " (byte offset " + std::to_string(problem.offset) + ")";
    ctx_.errors.report(BadRecord{origin_, problem.line, 0, reason_, problem.raw});
  }

  Context& ctx_;
  JsonArraySplitter splitter_;
  JsonFieldExtractor extractor_;
  JsonError error_;
  std::string reason_;
  Batch out_;
  std::deque<Origin> origins_;  // one per document, as long as the stage runs
  const Origin* origin_ = nullptr;
  const Origin* source_origin_ = nullptr;
  std::size_t pending_bytes_ = 0;
};

// Accepts raw blocks (`chunks`) and lines (`read`, the newline put back).
BatchStream split_items(BatchStream in, Context* ctx, std::string pointer) {
  ItemsParser parser(*ctx, pointer);
  std::vector<std::string_view> pieces;  // the input bytes of a batch, in order
  bool started = false;
  for (Batch& batch : in) {
    // A tick ends no document (a followed file's next lines may continue it): it is passed on,
    // empty, so that a `batch --every` after items still sees time pass.
    if (batch.is_tick()) {
      if (started) co_yield parser.out();
      continue;
    }
    if (!started || batch.origin() != parser.source_origin()) {
      if (started) {
        parser.finish();
        if (!parser.out().raw_records().empty()) co_yield parser.out();
      }
      parser.start(batch.origin());
      started = true;
    }
    pieces.clear();
    if (batch.kind() == RecordKind::Line && batch.lines_pending()) {
      pieces.push_back(batch.pending_block());
    } else {
      for (const Record& record : batch.records()) {
        pieces.push_back(record.text);
        if (batch.kind() == RecordKind::Line) pieces.push_back("\n");
      }
    }
    for (const std::string_view piece : pieces) {
      std::size_t position = 0;
      while (parser.scan(piece, position)) {
        co_yield parser.out();
        parser.clear();
      }
    }
    if (!parser.out().raw_records().empty()) {
      co_yield parser.out();
      parser.clear();
    }
  }
  if (started) {
    parser.finish();
    if (!parser.out().raw_records().empty()) co_yield parser.out();
  }
}

BuiltStage build(StageArgs& args, Context& ctx) {
  std::string pointer;
  if (const auto argument = args.optional_positional()) {
    std::string reason;
    if (!JsonArraySplitter::valid_pointer(argument->text, reason)) args.fail(*argument, reason);
    pointer = argument->text;
  }
  BuiltStage built;
  built.transform = [context = &ctx, pointer](BatchStream in) {
    return split_items(std::move(in), context, pointer);
  };
  return built;
}

}  // namespace

const StageInfo kItems{
    .name = "items",
    .role = StageRole::Transform,
    .synopsis = "items [POINTER]",
    .summary = "the elements of one huge JSON array",
    .details =
        "Makes one record of each element of a JSON array that fills a whole document: a\n"
        "tweet dump `[{…},{…},…]`, or the array at POINTER inside it (RFC 6901: /statuses,\n"
        "/data/0/items). With no POINTER the document itself must be the array. The document is\n"
        "never held whole: a streaming scanner finds the array and each element's end, so memory\n"
        "grows with the largest element, not the file, even for a multi-GB single line.\n"
        "Each element is then parsed with simdjson like a `json` record: its text is the element\n"
        "as compact JSON (white space outside strings removed) and the fields later stages ask\n"
        "for are extracted. _line and _offset are where the element starts in the file.\n"
        "\n"
        "Bad input, each a bad record (see --on-error) with its byte offset: an element that is\n"
        "not valid JSON (the other elements still come out), a missing ',' between elements, no\n"
        "array at POINTER, and a document that ends before the array's ']' (a truncated file:\n"
        "every complete element before the cut still comes out). What follows the array's ']'\n"
        "is not read for elements. Each input file is its own document.\n"
        "\n"
        "After `read` (or on standard input) it gets raw blocks, not lines (the planner reads\n"
        "them as `chunks 1MiB`), so --max-line does not apply; after other stages, lines are\n"
        "joined again with their newlines.\n"
        "\n"
        "  read twitter.json | items /statuses | field user.screen_name\n"
        "  chunks 1MiB dump.json.zst | items | where retweet_count > 100",
    .build = build,
};

}  // namespace gpipe::stages
