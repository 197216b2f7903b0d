// `csv [--sep C] [--quoted] [--no-header] [--columns a,b,…]`: CSV rows (RFC 4180) as records with
// named columns. The row splitting is in src/formats/csv/ (csv_parser.hpp); this file joins the
// lines of rows that span lines, keeps each file's header, and checks every row's width.
#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/csv/csv_parser.hpp"
#include "gpipe/errors.hpp"
#include "stages/sources/sources.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

struct CsvOptions {
  char sep = ',';
  // TSV (a tab separator without --quoted): backslash escapes, no quotes (csv::split_tsv_row).
  bool tsv = false;
  bool header = true;                // the first row of each file names the columns
  std::vector<std::string> columns;  // --columns: the names, and every row is data
};

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Column projection (BuiltStage::make_only_fields): the columns the stages after csv read, set
// while planning, before any row is read, and then only read (by every -j thread's parser).
// Every column is made unless `projected`.
struct ColumnDemand {
  bool projected = false;
  std::vector<std::string> names;  // columns read by name
  std::size_t positions = 0;       // and by position: [0, positions)

  // Takes what the later stages read; false when it needs every column (a position counted
  // from the end).
  bool take(std::span<const FieldRef> reads) {
    for (const FieldRef& ref : reads) {
      switch (ref.kind()) {
        case FieldRef::Kind::PositionFromEnd:
          return false;
        case FieldRef::Kind::Position:
          positions = std::max(positions, ref.position() + 1);
          break;
        case FieldRef::Kind::Name:
          names.push_back(ref.name());
          // a.b is also b inside a column `a` that holds JSON (lookup_field).
          if (ref.path().size() > 1 && !ref.path().front().is_index) {
            names.push_back(ref.path().front().key);
          }
          break;
        case FieldRef::Kind::File:
        case FieldRef::Kind::Line:
        case FieldRef::Kind::Offset:
          break;
      }
    }
    projected = true;
    return true;
  }

  // How many columns, from the first, a file with these columns must make: up to the last one
  // read. A name the header has twice counts at its last place, whichever a lookup finds.
  std::size_t columns_to_make(std::span<const std::string_view> columns) const {
    if (!projected) return columns.size();
    std::size_t made = positions;
    for (const std::string& name : names) {
      for (std::size_t i = columns.size(); i > made; --i) {
        if (columns[i - 1] == name) {
          made = i;
          break;
        }
      }
    }
    return std::min(made, columns.size());
  }

  // What --explain says of it.
  std::string description() const {
    std::string read;
    for (const std::string& name : names) read += (read.empty() ? "" : ", ") + name;
    if (positions > 0) {
      read +=
          (read.empty() ? "positions 0 to " : "; positions 0 to ") + std::to_string(positions - 1);
    }
    if (read.empty()) return "makes no column (no later stage reads one): only counts them";
    return "splits each row only up to the last column later stages read (" + read +
           "), and counts the rest";
  }
};

// Column names, each stored once for the whole run: records of every batch point at them, and
// files with the same header share them. One table serves every instance of the stage (under
// -j, one per thread) and is owned by the stage's factory, not by a parser: a worker's parser
// ends with its last chunk while the consumer still reads the records of that chunk.
class NameTable {
 public:
  std::string_view intern(std::string_view name) {
    const std::lock_guard lock(mutex_);  // taken per header, not per row
    auto found = names_.find(name);
    if (found == names_.end()) found = names_.emplace(name).first;
    return *found;
  }

 private:
  std::mutex mutex_;
  std::set<std::string, std::less<>> names_;
};

// Turns batches of lines into batches of rows, in place. A row that spans lines keeps its
// text so far in `open_row_`, owned, since its first lines may be in a batch already gone.
class CsvParser {
 public:
  CsvParser(const CsvOptions& options, const ColumnDemand& demand, NameTable& names, Context& ctx)
      : options_(options),
        demand_(demand),
        ctx_(ctx),
        names_(names),
        splitter_(options.sep, ctx.options.max_line) {
    for (const std::string& column : options_.columns) {
      fixed_names_.push_back(names_.intern(column));
    }
  }

  // Replaces the lines of `batch` by the rows that end in it. Returns the number of rows.
  std::size_t parse(Batch& batch) {
    // A tick starts no file: the next lines of the file being read are not a new header.
    if ((batch.origin() != origin_ && !batch.is_tick()) || batch.starts_chunk()) {
      start_file(batch.origin());
    }
    batch.fields().clear();  // every record is rebuilt below
    rows_ = 0;
    good_ = 0;
    if (batch.lines_pending()) {
      parse_block(batch);
    } else {
      std::vector<Record>& records = batch.records();
      for (std::size_t i = 0; i < records.size(); ++i) {
        const Record line = records[i];  // copied: rows overwrite records[0, rows_) as they go
        take_line(batch, line);
      }
    }
    batch.raw_records().resize(rows_);
    batch.set_format(DataFormat::Csv);
    // --state: a row still open is not this batch's; reading resumes at its first line.
    if (row_open_ && batch.has_resume_point()) batch.set_resume_point(open_offset_, open_line_);
    ctx_.errors.count_good(good_);
    return rows_;
  }

  // End of input: a row still open is a quote that never closed.
  void finish() { report_open_row(); }

 private:
  void start_file(const Origin* origin) {
    report_open_row();
    origin_ = origin;
    file_ = origin != nullptr ? *origin : Origin{};
    at_file_start_ = true;
    names_of_file_ = options_.columns.empty() ? std::vector<std::string_view>{} : fixed_names_;
    columns_made_ = demand_.columns_to_make(names_of_file_);
  }

  // A block of lines not yet cut apart: its rows are split straight from it (see
  // csv::BlockSplitter), and only the lines the splitter leaves (a file's first lines, rows it
  // does not decide, a row still open) go through take_line one by one.
  void parse_block(Batch& batch) {
    const std::string_view block = batch.pending_block();
    std::uint64_t line = batch.pending_first_line();
    const std::uint64_t offset = batch.pending_offset();
    batch.take_pending_block();
    batch.raw_records().clear();
    std::size_t pos = 0;
    while (pos < block.size()) {
      if (options_.tsv || at_file_start_ || row_open_ || names_of_file_.empty()) {
        pos = take_block_line(batch, block, pos, line++, offset);
        continue;
      }
      splitter_.restart(block, pos, names_of_file_, columns_made_);
      std::vector<Field>& fields = batch.fields();
      csv::BlockSplitter::Row row;
      while (splitter_.next(batch.arena(), fields, row)) {
        // The splitter declines rows of another width, so what take_row checks holds here:
        // the row is added as it is (rows_ == records.size() all through a block).
        if (row.values != 0) {
          add_row(batch, block.substr(row.start, row.text_end - row.start), line,
                  offset + row.start, fields.size() - row.made, row.made);
        }
        line += row.lines;
      }
      pos = splitter_.row_start();
      if (pos < block.size()) pos = take_block_line(batch, block, pos, line++, offset);
    }
  }

  // The line at `pos` of a block, as Batch::records() would make it. Returns the next one's
  // start.
  std::size_t take_block_line(Batch& batch, std::string_view block, std::size_t pos,
                              std::uint64_t line, std::uint64_t offset) {
    const std::size_t newline = block.find('\n', pos);
    const std::size_t end = newline == std::string_view::npos ? block.size() : newline;
    Record record;
    record.text = chomp_cr(block.substr(pos, end - pos));
    record.line = line;
    record.offset = offset + pos;
    take_line(batch, record);
    return newline == std::string_view::npos ? block.size() : newline + 1;
  }

  void take_line(Batch& batch, const Record& line) {
    std::string_view text = line.text;
    if (at_file_start_) {
      at_file_start_ = false;
      // A byte order mark counts only at the file's start. Under -j a chunk starts over here
      // too: with a header it starts with the file's header row (the prelude, mark included);
      // without one, with a data row, whose leading EF BB BF is data as it is in one pass.
      if ((line.offset == 0 || options_.header) && text.starts_with(kBom)) {
        text.remove_prefix(kBom.size());
      }
    }
    if (row_open_) return continue_row(batch, line, text);
    if (text.empty()) return;  // blank lines between rows are skipped, as Miller does
    const std::optional<std::size_t> values = split(batch, text);
    if (!values) {
      row_open_ = true;
      open_row_.assign(text);
      open_line_ = line.line;
      open_offset_ = line.offset;
      open_end_ = line_end(line);
      return;
    }
    take_row(batch, text, line.line, line.offset, *values);
  }

  // Splits a row straight into the batch's fields, or into `values_` while the file's columns
  // have no names yet. The number of values, or nullopt when the row goes on on the next line.
  std::optional<std::size_t> split(Batch& batch, std::string_view row) {
    if (options_.tsv) {
      if (!names_of_file_.empty()) {
        return csv::split_tsv_row(row, batch.arena(), names_of_file_, batch.fields());
      }
      csv::split_tsv_row(row, batch.arena(), values_);
      return values_.size();
    }
    if (names_of_file_.empty()) {
      if (!csv::split_row(row, options_.sep, batch.arena(), values_)) return std::nullopt;
      return values_.size();
    }
    return csv::split_row(row, options_.sep, batch.arena(), names_of_file_, batch.fields());
  }

  // The end of a line's text in its file: the next line starts one ("\n") or two ("\r\n")
  // bytes later.
  static std::uint64_t line_end(const Record& line) { return line.offset + line.text.size(); }

  // A line break inside a quoted field is kept as it was written, "\n" or "\r\n" (as RFC 4180,
  // Python's csv and csv-spectrum have it; Miller 6.6 drops the \r). The line source strips
  // both, but the offsets of the lines tell them apart.
  void continue_row(Batch& batch, const Record& line, std::string_view text) {
    open_row_ += line.offset - open_end_ == 2 ? "\r\n" : "\n";
    open_end_ = line_end(line);
    open_row_ += text;
    if (csv::ends_in_quotes(text, options_.sep, true)) {
      if (open_row_.size() > ctx_.options.max_line) report_overlong_row();
      return;
    }
    row_open_ = false;
    const std::string_view row = batch.arena().store(open_row_);
    release_open_row();
    const std::optional<std::size_t> values = split(batch, row);  // balanced: always complete
    take_row(batch, row, open_line_, open_offset_, values.value_or(0));
  }

  // The row's `count` values are the batch's last fields, or in `values_` (see split).
  void take_row(Batch& batch, std::string_view row, std::uint64_t line, std::uint64_t offset,
                std::size_t count) {
    std::vector<Field>& fields = batch.fields();
    if (names_of_file_.empty()) {
      name_columns();
      if (options_.header) return;
      for (std::size_t i = 0; i < values_.size(); ++i) {
        fields.push_back(Field{names_of_file_[i], Value::string(values_[i])});
      }
    }
    const std::size_t first = fields.size() - count;
    if (count != names_of_file_.size()) {
      fields.resize(first);
      return report_width(row, line, count);
    }
    add_row(batch, row, line, offset, first, count);
  }

  // The row becomes a record whose fields are fields[first, first + count): in place of the
  // lines cut apart before it, or added after the rows split from a block.
  void add_row(Batch& batch, std::string_view row, std::uint64_t line, std::uint64_t offset,
               std::size_t first, std::size_t count) {
    std::vector<Record>& records = batch.raw_records();
    Record& record = rows_ < records.size() ? records[rows_] : records.emplace_back();
    ++rows_;
    record.text = row;
    record.line = line;
    record.offset = offset;
    record.first_field = static_cast<std::uint32_t>(first);
    record.field_count = static_cast<std::uint32_t>(count);
    record.whole_json = false;
    ++good_;
  }

  // The first row of a file: its header, or with --no-header the width that names 0, 1, 2, …
  // (and then it is data too).
  void name_columns() {
    for (std::size_t i = 0; i < values_.size(); ++i) {
      const bool positional = !options_.header || values_[i].empty();
      names_of_file_.push_back(names_.intern(positional ? std::to_string(i) : values_[i]));
    }
    columns_made_ = demand_.columns_to_make(names_of_file_);
  }

  void report_width(std::string_view row, std::uint64_t line, std::size_t count) {
    const char* what = !options_.columns.empty() ? "--columns names "
                       : options_.header         ? "header has "
                                                 : "the first row has ";
    reason_ = "row has " + std::to_string(count) + " fields, " + what +
              std::to_string(names_of_file_.size());
    ctx_.errors.report(BadRecord{&file_, line, 0, reason_, row});
  }

  void report_open_row() {
    if (!row_open_) return;
    row_open_ = false;
    ctx_.errors.report(BadRecord{&file_, open_line_, 0, "unterminated quoted field", open_row_});
    release_open_row();
  }

  // A quote that never closes would otherwise gather the rest of the input into one row.
  void report_overlong_row() {
    row_open_ = false;
    reason_ = "unterminated quoted field: the row runs past --max-line (" +
              human_size(ctx_.options.max_line) + ")";
    ctx_.errors.report(BadRecord{&file_, open_line_, 0, reason_, open_row_});
    release_open_row();
  }

  // Gives back the memory of an unusually long row, so one does not pin it for the run.
  void release_open_row() {
    constexpr std::size_t kKeep = 1024 * 1024;
    if (open_row_.capacity() > kKeep) {
      std::string().swap(open_row_);
    } else {
      open_row_.clear();
    }
  }

  const CsvOptions& options_;
  const ColumnDemand& demand_;
  Context& ctx_;
  NameTable& names_;
  std::vector<std::string_view> fixed_names_;    // --columns
  std::vector<std::string_view> names_of_file_;  // empty until the file's first row
  // The columns the block splitter makes of each row (ColumnDemand); rows split one by one
  // (the rare ones) make all of them.
  std::size_t columns_made_ = 0;
  const Origin* origin_ = nullptr;  // the batches' origin, to see where a new file starts
  // A copy of it for bad records: a row still open at the end of the input is reported after the
  // source has finished, and with it the origins it owned.
  Origin file_;
  bool at_file_start_ = false;
  bool row_open_ = false;
  std::string open_row_;
  std::uint64_t open_line_ = 0;
  std::uint64_t open_offset_ = 0;
  std::uint64_t open_end_ = 0;            // line_end() of the row's last line so far
  std::vector<std::string_view> values_;  // a file's first row
  csv::BlockSplitter splitter_;
  std::string reason_;
  std::size_t rows_ = 0;
  std::uint64_t good_ = 0;
};

BatchStream parse_csv(BatchStream in, CsvOptions options,
                      std::shared_ptr<const ColumnDemand> demand, std::shared_ptr<NameTable> names,
                      Context& ctx) {
  CsvParser parser(options, *demand, *names, ctx);
  for (Batch& batch : in) {
    const bool ends_chunk = batch.ends_chunk();
    parser.parse(batch);
    co_yield batch;  // even empty: a tick or the end of a load batch (docs/design.md, Ticks)
    // A -j chunk ends between rows or at the end of its file: a row still open never closes.
    // Reported after its rows went on, as at the end of a file.
    if (ends_chunk) parser.finish();
  }
  parser.finish();
}

// -j: rows are cut apart where the scan of quotes and line ends says they end; the header row
// goes in front of every chunk.
class CsvFraming final : public ChunkFraming {
 public:
  CsvFraming(char sep, bool tsv, bool header, std::size_t max_line)
      : sep_(sep), tsv_(tsv), header_(header), max_line_(max_line) {}

  std::size_t whole_records(std::string_view text, bool file_start,
                            std::span<const std::size_t> uncounted) const override {
    if (tsv_) return text.size();  // whole lines are whole rows
    return csv::whole_rows_length(text, sep_, max_line_, first_field(text, file_start), uncounted);
  }

  std::optional<std::size_t> prelude(std::string_view text) const override {
    if (!header_) return 0;
    const std::size_t length =
        tsv_ ? first_line_length(text, first_field(text, true))
             : csv::first_row_length(text, sep_, max_line_, first_field(text, true));
    if (length == 0) return std::nullopt;
    return length;
  }

 private:
  static std::size_t first_field(std::string_view text, bool file_start) {
    return file_start && text.starts_with(kBom) ? kBom.size() : 0;
  }

  // TSV's header: the first line that is not blank, with the blank lines before it (0 when it
  // does not end in `text`), as csv::first_row_length for rows that are lines.
  static std::size_t first_line_length(std::string_view text, std::size_t start) {
    for (;;) {
      const std::size_t newline = text.find('\n', start);
      if (newline == std::string_view::npos) return 0;
      const std::string_view line = chomp_cr(text.substr(start, newline - start));
      start = newline + 1;
      if (!line.empty()) return start;
    }
  }

  char sep_;
  bool tsv_;
  bool header_;
  std::size_t max_line_;
};

char separator_argument(StageArgs& args, const Argument& arg) {
  const std::string_view text = arg.text;
  if (text.size() != 1) args.fail(arg, "the separator must be one byte (or tab)");
  if (text[0] == csv::kQuote || text[0] == '\n' || text[0] == '\r') {
    args.fail(arg, "the separator cannot be a quote or a line break");
  }
  return text[0];
}

std::vector<std::string> column_names(StageArgs& args, const Argument& arg) {
  std::vector<std::string> names;
  std::string_view rest = arg.text;
  for (;;) {
    const std::size_t comma = rest.find(',');
    names.emplace_back(rest.substr(0, comma));
    if (names.back().empty()) args.fail(arg, "empty column name in --columns");
    if (comma == std::string_view::npos) return names;
    rest.remove_prefix(comma + 1);
  }
}

BuiltStage build(StageArgs& args, Context& ctx) {
  CsvOptions options;
  if (const auto sep = args.separator_option()) options.sep = separator_argument(args, *sep);
  // A tab means TSV, read back as `to tsv` writes it, unless its fields are quoted CSV-style.
  const bool quoted = args.flag({"--quoted"});
  if (options.sep == '\t') {
    options.tsv = !quoted;
  } else if (quoted) {
    args.fail("--quoted applies only to --sep tab (other separators always read quotes)");
  }
  options.header = !args.flag({"--no-header"});
  if (const auto columns = args.option({"--columns"})) {
    options.columns = column_names(args, *columns);
    options.header = false;
  }
  // --state: a file resumed past its start gets its header row first.
  if (options.header) ctx.resume_with_first_line = true;
  BuiltStage built;
  // With --no-header the first row of a file sets the width of all its rows: one pass only.
  built.sequential = !options.header && options.columns.empty();
  if (!built.sequential) {
    built.framing = std::make_shared<CsvFraming>(options.sep, options.tsv, options.header,
                                                 ctx.options.max_line);
  }
  auto demand = std::make_shared<ColumnDemand>();
  if (!options.tsv) {  // a TSV row is split by one find per tab, every column
    built.make_only_fields = [demand](std::span<const FieldRef> reads) {
      return demand->take(reads) ? demand->description() : std::string();
    };
  }
  built.transform = [options, demand, names = std::make_shared<NameTable>(), &ctx](BatchStream in) {
    return parse_csv(std::move(in), options, demand, names, ctx);
  };
  return built;
}

}  // namespace

const StageInfo kCsv{
    .name = "csv",
    .role = StageRole::Transform,
    .synopsis = "csv [--sep C] [--quoted] [--no-header] [--columns a,b,…]",
    .summary = "CSV rows (RFC 4180) as records with named columns",
    .details =
        "Parses lines of CSV (RFC 4180) into records, one per row, with a field per column.\n"
        "The first row of each file is its header and names the columns; columns are then\n"
        "fields by name (select email) or by 0-based position (field 0).\n"
        "\n"
        "A field in double quotes may hold the separator, line breaks (the row then spans\n"
        "lines: its _line is its first) and \"\" for a quote. A quote anywhere else is an\n"
        "ordinary character (a\"b stays a\"b), and text after a closing quote is kept (\"ab\"cd\n"
        "is abcd), as Python's csv module reads them. Values are not trimmed. CRLF line ends\n"
        "and a UTF-8 byte order mark at the start of a file are handled; a line break inside\n"
        "a quoted field is kept as written (\\n or \\r\\n). Blank lines between rows are\n"
        "skipped, as Miller does. Every value is a string.\n"
        "\n"
        "Bad records (see --on-error): a row with a different number of fields than the\n"
        "header, and a quoted field still open at the end of the input (or longer than\n"
        "--max-line).\n"
        "\n"
        "When every later stage says which columns it reads (aggregates, where, field and\n"
        "select name them) and none passes the rows on to the output, each row is split only\n"
        "up to the last column read: the rest is only counted, so rows of another width are\n"
        "still reported, and quoted fields still frame the rows. --explain says so.\n"
        "\n"
        "  --sep C          the separator: one byte, or tab (also \\t) for TSV (default ,)\n"
        "  --quoted         with --sep tab: fields are quoted as in CSV, not escaped as in TSV\n"
        "  --no-header      every row is data; columns are named 0, 1, 2, … and the first row\n"
        "                   sets the width\n"
        "  --columns a,b,…  name the columns; every row is data\n"
        "\nEach file has its own header. An empty header cell is named by its position.\n"
        "\n"
        "TSV (--sep tab) is read as `to tsv` writes it, as Miller's TSV and PostgreSQL's COPY\n"
        "text format have it, so that a TSV file reads back to the values written: each line\n"
        "is a row and each tab separates, a quote is an ordinary character, and \\t \\n \\r\n"
        "\\\\ in a value stand for a tab, a line feed, a carriage return and a backslash (any\n"
        "other backslash is kept as it is). A tab-separated file whose fields are quoted as\n"
        "in CSV (a spreadsheet's export) takes --quoted: then the rules above apply, with a\n"
        "tab for the comma, and backslashes are ordinary characters.\n"
        "\n"
        "  read sample-data/users.csv | csv | where country == 'DE' | select name email\n"
        "  read sample-data/access.log | csv --sep ' ' --no-header | field 5 6\n"
        "  read - | csv --columns ts,level,msg | count by level",
    .build = build,
    .parallel = true,
};

}  // namespace gpipe::stages
