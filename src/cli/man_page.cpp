#include "cli/man_page.hpp"

#include "cli/doc_text.hpp"
#include "cli/options.hpp"
#include "cli/roff.hpp"
#include "gpipe/stage.hpp"

namespace gpipe {

namespace {

// The prose of the page, as plain help text (see TextBlock): prose paragraphs, and indented
// lines that keep their breaks.
constexpr std::string_view kDescription =
    "gpipe streams logs, JSON lines and CSV through a pipeline of stages written in a small\n"
    "language. Each stage pulls records from the one before it and hands them to the one after\n"
    "it, keeping only what it needs, so an input of any size streams through in memory that does\n"
    "not grow with it, and `head` stops the reading as soon as it has enough.\n"
    "\n"
    "`gpipe help` lists the stages and `gpipe help STAGE` describes one. This page holds the\n"
    "same text, printed from the same table that the parser reads.";

constexpr std::string_view kLanguage =
    "A pipeline is stages separated by `|`, and a stage is a name followed by its arguments:\n"
    "\n"
    "  pipeline := stage ( '|' stage )*\n"
    "  stage    := NAME argument*\n"
    "\n"
    "Arguments are words, numbers, quoted strings ('...' or \"...\", with the escapes \\\" \\'\n"
    "\\\\ \\n and \\t) and options (-i, --sep=, or --sep ,). A `|` inside quotes or parentheses\n"
    "does not separate stages. In a pipeline file (-f), `#` at the start of a word starts a\n"
    "comment that runs to the end of the line, and newlines are white space.\n"
    "\n"
    "${NAME} is replaced by the value given with --set NAME=VALUE or, failing that, by the\n"
    "environment variable NAME; one that is set nowhere is an error before anything runs.\n"
    "\n"
    "A pipeline that does not start with a source reads standard input. A mistake in a pipeline\n"
    "(an unknown stage, a bad option, an invalid regex or expression) is reported before any\n"
    "input is read, with its position marked by a caret.\n"
    "\n"
    "A record is a line of text, a raw block (`chunks`), a CSV row or a JSON value. A text record\n"
    "splits into positional fields on runs of blanks, as awk splits it, counted from 0 (`field 0`\n"
    "is the first); CSV columns, JSON keys and paths, `kv` keys and `parse` captures are named\n"
    "fields. A missing field is null: it prints as empty and compares false. Every record also\n"
    "carries _file, _line and _offset.";

constexpr std::string_view kEnvironment =
    "Any variable named in a pipeline as ${NAME} and not given with --set NAME=VALUE.\n"
    "\n"
    "The `postgres` sink reads libpq's own: PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD,\n"
    "PGPASSFILE and the others, as psql does.\n"
    "\n"
    "GPIPE_LIBPQ names the libpq to load (a path or a soname) instead of libpq.so.5. libpq is\n"
    "loaded when a pipeline has a `postgres` stage (or a PostgreSQL state row), not when gpipe\n"
    "starts; one that cannot be loaded is exit 3.";

constexpr std::string_view kExamples =
    "The first field (the timestamp) of every ERROR line of the application logs:\n"
    "\n"
    "  gpipe 'read app*.log | grep ERROR | field 0'\n"
    "\n"
    "Follow a log as it grows, keeping the lines that mention a timeout:\n"
    "\n"
    "  tail -f app.log | gpipe 'grep -i timeout | field 3'\n"
    "\n"
    "The authors of the tweets retweeted more than 100 times, as CSV:\n"
    "\n"
    "  zstdcat tweets.jsonl.zst | gpipe 'json | where retweet_count > 100 | select "
    "user.screen_name "
    "retweet_count | to csv'\n"
    "\n"
    "Requests per status code of an access log:\n"
    "\n"
    "  gpipe 'read access.log | count by 8'\n"
    "\n"
    "CSV to JSON lines, setting the rows that do not parse aside in bad.txt:\n"
    "\n"
    "  gpipe --on-error=dead-letter=bad.txt 'read users.csv | csv | to jsonl'\n"
    "\n"
    "A pipeline file run from cron, with a variable, exiting 1 when nothing came out:\n"
    "\n"
    "  gpipe -e -f slow-requests.gp --set logs='/var/log/app/app-*.log*'\n"
    "\n"
    "The completions for bash, installed for one user:\n"
    "\n"
    "  gpipe help --completions bash > ~/.local/share/bash-completion/completions/gpipe";

struct ExitStatus {
  int code;
  std::string_view meaning;
};

constexpr ExitStatus kExitStatuses[] = {
    {0, "success"},
    {1, "only with -e: no record came out"},
    {2, "a usage error, or an error in the pipeline (reported before any input is read)"},
    {3, "an input or output error: a missing or unreadable file, a failed write, a full disk"},
    {4,
     "a bad record under --on-error=fail (the default), or more bad records than "
     "--max-error-rate allows"},
};

void append_header(std::string& out) {
  out += ".TH GPIPE 1 \"\" \"gpipe " GPIPE_VERSION "\" \"User Commands\"\n";
  out += ".SH NAME\n";
  out += "gpipe \\- stream logs, JSON lines and CSV through pipelines of stages\n";
  out += ".SH SYNOPSIS\n";
  out += ".nf\n";
  out += "\\fBgpipe\\fR [\\fIOPTION\\fR]... \\fB\\(aq\\fIPIPELINE\\fB\\(aq\\fR\n";
  out +=
      "\\fBgpipe\\fR [\\fIOPTION\\fR]... \\fB\\-f\\fR \\fIFILE.gp\\fR "
      "[\\fB\\-\\-set\\fR \\fINAME\\fR=\\fIVALUE\\fR]...\n";
  out +=
      "\\fBgpipe help\\fR [\\fISTAGE\\fR | \\fB\\-\\-man\\fR | \\fB\\-\\-markdown\\fR | "
      "\\fB\\-\\-completions\\fR \\fISHELL\\fR]\n";
  out += ".fi\n";
}

void append_stage(std::string& out, const StageInfo& stage) {
  out += ".TP\n";
  std::string tag = concat("\\fB", roff_escape(stage.name), "\\fR");
  tag += roff_escape(stage.synopsis.substr(stage.name.size()));
  append_roff_line(out, tag);
  append_roff_line(out, roff_escape(stage.summary));
  append_roff_text(out, details_without_expression_help(stage), ".IP");
  if (ends_with_expression_help(stage)) {
    append_roff_text(out, "The expression language is described under EXPRESSIONS below.", ".IP");
  }
  append_roff_text(out, memory_sentence(stage), ".IP");
}

void append_stages(std::string& out) {
  out += ".SH STAGES\n";
  for (StageRole role : stage_roles()) {
    out += ".SS ";
    out += roff_escape(role_heading(role));
    out += "\n";
    for (const StageInfo& stage : stage_table()) {
      if (stage.role == role) append_stage(out, stage);
    }
  }
}

void append_option(std::string& out, const OptionInfo& option) {
  out += ".TP\n";
  std::string tag;
  for (std::string_view spelling : option_spellings(option)) {
    if (!tag.empty()) tag += ", ";
    tag += concat("\\fB", roff_escape(spelling), "\\fR");
  }
  if (!option.value_name.empty()) tag += concat(" \\fI", roff_escape(option.value_name), "\\fR");
  append_roff_line(out, tag);
  append_roff_line(out, roff_escape(option.help));
}

void append_options(std::string& out) {
  out += ".SH OPTIONS\n";
  bool first = true;
  OptionGroup group{};
  for (const OptionInfo& option : option_table()) {
    if (first || option.group != group) {
      group = option.group;
      first = false;
      out += ".SS ";
      out += roff_escape(option_group_heading(group));
      out += "\n";
    }
    append_option(out, option);
  }
}

void append_exit_status(std::string& out) {
  out += ".SH EXIT STATUS\n";
  for (const ExitStatus& status : kExitStatuses) {
    out += ".TP\n";
    out += concat("\\fB", std::to_string(status.code), "\\fR\n");
    append_roff_line(out, roff_escape(status.meaning));
  }
}

}  // namespace

std::string man_page() {
  std::string out;
  append_header(out);
  out += ".SH DESCRIPTION\n";
  append_roff_text(out, kDescription, ".PP");
  out += ".SH THE LANGUAGE\n";
  append_roff_text(out, kLanguage, ".PP");
  append_stages(out);
  out += ".SH EXPRESSIONS\n";
  out += "The expressions of \\fBwhere\\fR and \\fBset\\fR:\n";
  append_roff_text(out, expression_help(), ".PP");
  append_options(out);
  append_exit_status(out);
  out += ".SH ENVIRONMENT\n";
  append_roff_text(out, kEnvironment, ".PP");
  out += ".SH EXAMPLES\n";
  append_roff_text(out, kExamples, ".PP");
  out += ".SH SEE ALSO\n";
  out += ".BR grep (1),\n.BR awk (1),\n.BR jq (1),\n.BR mlr (1),\n.BR zstd (1)\n";
  return out;
}

}  // namespace gpipe
