#include "cli/markdown.hpp"

#include <algorithm>
#include <cctype>

#include "cli/doc_text.hpp"
#include "gpipe/stage.hpp"

namespace gpipe {

namespace {

constexpr std::string_view kIntroduction =
    "<!-- Made by `gpipe help --markdown` from the stage table (src/stages/). A test fails when\n"
    "     this file and that output differ: change a stage's help in its source, then run\n"
    "     ./build/gpipe help --markdown > docs/stages.md -->\n"
    "# Stages\n"
    "\n"
    "Every stage of gpipe, with the help that `gpipe help STAGE` prints. A pipeline is stages\n"
    "separated by `|`, as in `gpipe 'read app*.log | grep ERROR | field 0'`; a pipeline that does\n"
    "not start with a source reads standard input. The command-line options are in\n"
    "`gpipe --help` and the man page (`gpipe help --man | man -l -`).\n";

// Characters that Markdown would read as markup anywhere in a line of prose.
bool is_inline_markup(char c) {
  constexpr std::string_view kMarkup = "\\*_[]<>|~";
  return kMarkup.find(c) != std::string_view::npos;
}

// Backslashes before what would make a line of prose a heading, a quote, a list item or a rule.
std::string guard_line_start(std::string_view line) {
  if (line.empty()) return {};
  if (std::string_view("#>-+=").find(line.front()) != std::string_view::npos) {
    return concat("\\", line);
  }
  const std::size_t digits = line.find_first_not_of("0123456789");
  if (digits > 0 && digits != std::string_view::npos &&
      (line[digits] == '.' || line[digits] == ')')) {
    return concat(line.substr(0, digits), "\\", line.substr(digits));
  }
  return std::string(line);
}

// A line of prose: markup characters escaped, except inside `code` spans when the paragraph's
// backquotes pair up (`in_code` carries a span over a line break).
std::string markdown_line(std::string_view line, bool keep_code_spans, bool& in_code) {
  const bool starts_in_code = in_code;
  std::string out;
  for (char c : line) {
    if (c == '`') {
      if (keep_code_spans) {
        in_code = !in_code;
      } else {
        out += '\\';
      }
      out += c;
      continue;
    }
    if (!in_code && is_inline_markup(c)) out += '\\';
    out += c;
  }
  return starts_in_code ? out : guard_line_start(out);
}

void append_prose(std::string& out, const TextBlock& block) {
  std::size_t backquotes = 0;
  for (std::string_view line : block.lines) backquotes += std::ranges::count(line, '`');
  const bool keep_code_spans = backquotes % 2 == 0;
  bool in_code = false;
  for (std::string_view line : block.lines) {
    out += markdown_line(line, keep_code_spans, in_code);
    out += '\n';
  }
}

void append_code(std::string& out, const TextBlock& block) {
  out += "```text\n";
  for (std::string_view line : block.lines) {
    out += line;
    out += '\n';
  }
  out += "```\n";
}

void append_text(std::string& out, std::string_view text) {
  for (const TextBlock& block : text_blocks(text)) {
    out += '\n';
    if (block.preformatted) {
      append_code(out, block);
    } else {
      append_prose(out, block);
    }
  }
}

std::string prose_line(std::string_view text) {
  bool in_code = false;
  return markdown_line(text, false, in_code);
}

void append_contents(std::string& out) {
  out += '\n';
  for (StageRole role : stage_roles()) {
    out += "- ";
    out += prose_line(role_heading(role));
    out += ':';
    bool first = true;
    for (const StageInfo& stage : stage_table()) {
      if (stage.role != role) continue;
      out += first ? " " : ", ";
      first = false;
      out += concat("[", stage.name, "](#", stage.name, ")");
    }
    out += '\n';
  }
  out += "- [Expressions](#expressions) (of `where` and `set`)\n";
}

void append_stage(std::string& out, const StageInfo& stage) {
  out += "\n### ";
  out += stage.name;
  out += "\n\n`";
  out += stage.synopsis;
  out += "`: ";
  out += prose_line(stage.summary);
  out += '\n';
  append_text(out, details_without_expression_help(stage));
  if (ends_with_expression_help(stage)) {
    out += "\nThe expression language is under [Expressions](#expressions).\n";
  }
  out += "\n";
  out += memory_sentence(stage);
  out += "\n";
}

}  // namespace

std::string stage_reference_markdown() {
  std::string out(kIntroduction);
  append_contents(out);
  for (StageRole role : stage_roles()) {
    out += "\n## ";
    out += prose_line(role_heading(role));
    out += '\n';
    for (const StageInfo& stage : stage_table()) {
      if (stage.role == role) append_stage(out, stage);
    }
  }
  out += "\n## Expressions\n";
  append_text(out, expression_help());
  return out;
}

}  // namespace gpipe
